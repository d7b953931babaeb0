/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "machine.h"

/* A process inside a machine — a login prompt or a user's program — made
 * by entering the machine's namespaces and cgroup, so it works for any
 * init, with no bus or service manager needed inside. */
struct machine_process {
        const char *user;       /* NULL or "": root */
        char **argv;            /* argv[0] is the path to execute */
        char **env;             /* added to the base environment */
        bool login;             /* /bin/login on the PTY, as root */
        bool pty_only;          /* no program: the PTY alone (machined's OpenMachinePTY) */
        int stdio[3];           /* without a PTY: the caller's fds; else -1 */
};

/* Start it. With a PTY (stdio[0] < 0): *ret_master is the PTY master from
 * the machine's own devpts, *ret_pty its path inside. Either way
 * *ret_exit reads "STATUS\n" (exit status, 128+N for a signal) when it ends.
 * Returns 0 or -errno, with *ret_error set to what went wrong inside. */
int machine_spawn(struct machine *m, const struct machine_process *p, int *ret_master, char **ret_pty,
                  int *ret_exit, char *ret_error, size_t error_size);
/* The status *ret_exit of machine_spawn() reads once it is readable; 255
 * when the helper died without saying (it was killed). */
int machine_process_status(int exit_fd);
