/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "settings.h"

/* LXCFS (Debian's lxcfs): a FUSE file system whose /proc and /sys files
 * answer for the cgroup of the process that reads them, so that free, top,
 * nproc and uptime in a machine show its own limits, CPUs and uptime. */

#define LXCFS_DEFAULT_PATH "/var/lib/lxcfs"

/* Where lxcfs serves for this machine: its mount point, malloc'd, in
 * *ret (NULL: none, with --lxcfs=no or, auto, where lxcfs does not run).
 * -ENOENT with --lxcfs=yes or PATH where it does not: logged, one line. */
int lxcfs_find(const struct settings *s, const char *machine, char **ret);

/* In the machine's mount namespace: bind its files from src (a detached
 * clone of the lxcfs mount) over the machine's /proc and /sys ones. On
 * failure what names the file. */
int lxcfs_attach(int src, int root_fd, char *what, size_t size);
