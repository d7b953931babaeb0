/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* The stage runit (PID 1 leader, as the host sees it) is in, 1, 2 or 3,
 * from the name of its child: it runs /etc/runit/N, and stage 2 execs
 * runsvdir. 0: none (no child, or not runit); -errno: the kernel does
 * not say (no /proc/PID/task/PID/children: CONFIG_PROC_CHILDREN). */
int runit_stage(pid_t leader);
