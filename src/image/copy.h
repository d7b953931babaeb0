/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "progress.h"

/* Owners moved from one user namespace's range to another's: an ID from
 * in from..from+size-1 becomes to+(ID-from), any other becomes to+65534
 * (nobody there). NULL: owners kept as they are. */
struct id_shift {
        uid_t from, to, size;
};
uid_t id_shift_apply(const struct id_shift *s, uid_t id);

/* A tree copied as it is: owners, modes (set-ID bits too), times,
 * extended attributes (ACLs, file capabilities, user.overlay.*), hard
 * links within the tree, device nodes, FIFOs, sockets and symbolic links
 * (never followed). File data is shared where the file system can
 * (FICLONE: btrfs, xfs), else copied in the kernel with copy_file_range,
 * holes kept. Every name is made relative to a directory fd. Crosses no
 * mount point of the source (as cp -ax): what is mounted below it is not
 * the tree's.
 *
 * from_fd: the directory to copy; the copy is made as to_name in
 * to_parent_fd (it must not exist). Logs one line naming what failed. */
int copy_tree(int from_fd, int to_parent_fd, const char *to_name, const char *what, struct progress *p,
              const struct id_shift *shift);

/* The bytes of the regular files below dir_fd (not crossing mounts), for
 * a progress total. */
uint64_t tree_bytes(int dir_fd);

/* One file's data and metadata to a new file to_name in to_dir_fd. */
int copy_file(int from_fd, int to_dir_fd, const char *to_name, const char *what, struct progress *p,
              const struct id_shift *shift);
/* One entry of any kind (from_dir_fd/from_name, not followed) as to_name
 * in to_dir_fd: a directory with all below it, a file, a link, a node. */
int copy_entry_any(int from_dir_fd, const char *from_name, int to_dir_fd, const char *to_name, const char *what,
                   struct progress *p, const struct id_shift *shift);
