/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* One number from dir/file, or from its "key value" line; -1 when absent. */
int64_t cg_read_number(const char *dir, const char *file, const char *key);
/* The threads in the cgroup at dir_fd and every cgroup below it. */
int64_t cg_count_threads(int dir_fd);
/* Call visit for the cgroup at dir_fd and every cgroup below it. */
int cg_walk(int dir_fd, void (*visit)(int dir_fd, void *userdata), void *userdata);

/* Whether word is one of the comma-separated list (a v1 mount's options,
 * the controllers of a /proc/self/cgroup line). */
bool cg_list_has(const char *list, const char *word);
/* Where the cgroup2 hierarchy is mounted, or the v1 hierarchy of
 * controller: its first mount whose root is "/" (a mount of a subtree only
 * is not the hierarchy). -EOPNOTSUPP when none is. */
int cgroup2_mount_point(char **ret);
int cgroup_v1_mount_point(const char *controller, char **ret);

/* The cgroup2 freezer of a machine's payload/ (MACHINE_CGROUP/payload):
 * cgroup.freeze, which every non-root cgroup2 cgroup has whatever the
 * controllers (kernel 5.2 and later, hybrid hosts too). A frozen
 * machine's processes stop where they are; SIGKILL still ends them.
 * cg_freeze writes it and, with timeout_ms, waits until cgroup.events
 * says so (-ETIMEDOUT: a process still runs). cg_frozen: 1, 0, or
 * -EOPNOTSUPP without cgroup.freeze. */
int cg_freeze(const char *machine_cgroup, bool freeze, int timeout_ms);
int cg_frozen(const char *machine_cgroup);

/* Bytes the cgroup read (or wrote) from block devices, summed over them:
 * cgroup2's io.stat in v2_dir where it has one, else v1 blkio's counter in
 * v1_dir (either may be NULL or ""); -1 when neither counts. */
int64_t cg_io_bytes(const char *v2_dir, const char *v1_dir, bool write);
