/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/* The machine's user namespace: the launcher (host root) writes its ID
 * maps and makes the mounts that only the host may make (idmapped ones);
 * the machine's first process then becomes root of its own range. */

/* Write uid_map and gid_map of the child pid: 0..size inside = base.. outside. */
int userns_write_maps(pid_t pid, uid_t base, uint32_t size);
/* In the child, after the maps are written: become root of the namespace. */
int userns_become_root(void);
/* Hand a directory (not its contents) to the machine's root. */
int userns_chown_dir(const char *path, uid_t base);
