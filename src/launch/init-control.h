/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Asking an init that takes no signal for it to power off or reboot, the
 * way its own tools do. Files are looked up inside the machine's root
 * (/proc/LEADER/root), never through a symlink out of it. */

/* sysvinit (and OpenRC on it): runlevel '0' or '6' on /run/initctl, as
 * telinit writes it. -ENOENT or -ENOTSUP: no FIFO there. */
int sysvinit_ask_runlevel(pid_t leader, char runlevel);

/* runit: what runit-init 0 / 6 does. The stopit file made executable (and
 * the reboot file, or not), then SIGCONT to PID 1 through pidfd: runit
 * ends stage 2, runs stage 3 and calls reboot(2). -EAGAIN while runit is
 * not in stage 2, where it drops the signal (ask again later); -ENOENT:
 * no stopit file where Debian or upstream runit keeps it. */
int runit_ask(pid_t leader, int pidfd, bool reboot);
