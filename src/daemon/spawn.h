/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* One of berth's helpers (berth-import, berth-copy) run for berthd, in a
 * session of its own: its standard input in_fd, output out_fd, error
 * err_fd (each /dev/null for -1), no other descriptor of berthd's (an
 * inherited bus connection would outlive berthd) and no blocked signal.
 * Not waited for: the PID, or -errno. */
pid_t helper_fork_exec(const char *path, char *const argv[], int in_fd, int out_fd, int err_fd);
