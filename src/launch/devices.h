/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cgroup.h"
#include "settings.h"

/* The devices a machine may use (its cgroup's device policy): those of
 * the default /dev — null, zero, full, random, urandom, tty, ptmx and the
 * pseudo terminals of its own devpts (its /dev/console is one of them) —
 * and each device node a --bind brings in. Into *ret (malloc'd), with
 * their number in *ret_n. */
int devices_allow_list(const struct settings *s, struct cgroup_device **ret, size_t *ret_n);
