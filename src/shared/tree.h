/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* Paths inside a machine tree are written by its guest: resolve them from the
 * tree's root fd with the tree as "/", so that no symlink can lead out. */

/* openat2(RESOLVE_IN_ROOT); returns an fd or -errno. */
int tree_open(int root_fd, const char *path, int flags);
/* Make every missing directory of path, inside the tree; returns an O_PATH fd
 * of the last one or -errno. */
int tree_mkdir_p(int root_fd, const char *path, mode_t mode);
/* Make path a file (and its parents directories) when missing; returns an
 * O_PATH fd of it or -errno. */
int tree_create_file(int root_fd, const char *path, mode_t mode);
/* The first symbolic link on path (resolved inside the tree) that leads
 * nowhere there: 1, with its path, as far as path goes, in ret_link and
 * what it points at in ret_target; 0 when path has none; -errno. */
int tree_dangling_link(int root_fd, const char *path, char *ret_link, size_t link_size, char *ret_target,
                       size_t target_size);
