/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* The API file systems of a machine, mounted into its root (root_fd, not yet
 * pivoted into). Each returns 0 or -errno; the caller says what failed. */

/* /proc: fresh, /proc/sys and other knobs read-only, kcore-style files masked. */
int apifs_mount_proc(int root_fd);
/* /sys read-only, and when with_cgroup a writable cgroup2 /sys/fs/cgroup
 * showing the machine's cgroup namespace. */
int apifs_mount_sys(int root_fd, bool with_cgroup);
/* /run and /tmp as tmpfs. */
int apifs_mount_run_tmp(int root_fd);
/* /dev: a tmpfs with the basic nodes, a new devpts instance and /dev/shm. */
int apifs_mount_dev(int root_fd);
