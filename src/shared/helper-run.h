/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* Run one of berth's helper programs (path, argv) to its end, its stdin on
 * /dev/null and its stdout on berth's; the first line it writes on stderr
 * goes into err (the helpers write one line when they fail). Returns its
 * exit status (0 success), or -errno when it could not be run. */
int helper_run(const char *path, char *const argv[], char *err, size_t err_size);
