/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define MACHINE_NAME_MAX 64

/* A machine name becomes a file name, a cgroup name and a hostname: 1..64
 * characters of [A-Za-z0-9_.-], not starting with '.' or '-', no "..". */
bool machine_name_valid(const char *name);
/* Why a name is not valid, for the one error line a user sees; NULL if it is. */
const char *machine_name_problem(const char *name);
/* Make a valid name from a tree's base name (a best effort: may fail). */
int machine_name_from_path(const char *path, char *ret, size_t size);

bool hostname_valid(const char *name);
