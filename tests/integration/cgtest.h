/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Where a machine's cgroups are on the host, for the tests that look at
 * them (test-cgroup.c, test-memory.c): paths in the cgroup2 hierarchy and
 * in the v1 ones, below this test's own cgroup (the launcher's is the same). */

char *cgt_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A file's content without its trailing newline, or NULL. */
char *cgt_read_trimmed(const char *path);
/* Whether text holds a line that is exactly value. */
bool cgt_has_line(const char *text, const char *value);
/* Whether a comma-separated list holds word. */
/* The mount point of the cgroup2 hierarchy (controller NULL) or of the v1
 * hierarchy of controller, or NULL. */
char *cgt_hierarchy_mount(const char *controller);
/* The cgroup of a process (pid 0: this one) in the cgroup2 hierarchy
 * (controller NULL) or in the v1 hierarchy of controller, or NULL. */
char *cgt_cgroup_of(pid_t pid, const char *controller);
/* berth-NAME in the v1 hierarchy of controller (NULL: not mounted), and in
 * cgroup2. */
char *cgt_v1_machine_dir(const char *controller, const char *machine);
char *cgt_v2_machine_dir(const char *machine);
/* Skip unless controller is a v1 one here, not delegated in cgroup2. */
void cgt_require_v1(const char *controller);
/* A description of the machine's cgroup left in any hierarchy, or NULL. */
char *cgt_cgroup_left(const char *machine);
/* it_leftovers, the exact cgroup paths, and, unless it is meant to stay,
 * the machine's directory. */
void cgt_assert_clean(const char *machine, const char *tree, bool machine_dir_stays);
/* Remove what a failed test left of the machine's cgroups (berth-NAME of
 * this test's machine only, depth first). */
void cgt_remove_cgroup_dirs(const char *machine);
