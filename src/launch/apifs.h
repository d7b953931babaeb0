/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* The API file systems of a machine, mounted into its root (root_fd, not yet
 * pivoted into). Each returns 0 or -errno; the caller says what failed. */

/* Why an API mount point cannot be used. */
struct apifs_refusal {
        const char *name;       /* "proc" */
        bool in_layer;          /* it is the machine's layer's, not the tree's */
        char what[320];         /* "a symlink to /", "a regular file" */
};
/* Make /proc, /sys, /dev, /run and /tmp of the machine's root (root_fd,
 * the overlay; layer_fd its upper layer, or -1) directories where berth
 * can mount: each missing one is made, a /run or /tmp that is a symlink
 * is replaced by a directory. Anything else that is not a directory is
 * refused, before anything is changed: -ENOTDIR, and ret says which. */
int apifs_prepare_points(int root_fd, int layer_fd, struct apifs_refusal *ret);

/* The mounts below go on those points, and each mounts what goes inside
 * it from the file system it has just mounted, never through the tree. */

/* /proc: fresh, /proc/sys and other knobs read-only, kcore-style files masked. */
int apifs_mount_proc(int root_fd);
/* /sys read-only, and when with_cgroup a writable cgroup2 /sys/fs/cgroup
 * showing the machine's cgroup namespace. */
/* sysfs_fd: a sysfs the launcher mounted in a network namespace the
 * machine joins, which its user namespace does not own (the kernel lets
 * only the namespace's owner mount sysfs there); -1: a new one. */
int apifs_mount_sys(int root_fd, bool with_cgroup, int sysfs_fd);
/* A detached read-only sysfs of the caller's network namespace. */
int apifs_sysfs_new(void);
/* /run and /tmp as tmpfs. */
int apifs_mount_run_tmp(int root_fd);
/* /dev: a tmpfs with the basic nodes, a new devpts instance and /dev/shm. */
int apifs_mount_dev(int root_fd);
/* /dev/NAME of the host as dev_fd's NAME: made with mknod, or, where
 * that is not allowed (a user namespace), a bind of the host's node. */
int apifs_make_node(int dev_fd, const char *name);
