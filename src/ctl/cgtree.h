/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stddef.h>
#include <stdio.h>

/* The directory of a machine's ControlGroup on this host: the value as it
 * is when it names a directory under /sys/fs/cgroup, else a path below the
 * cgroup2 mount. */
int cgtree_resolve(const char *cgroup, char **ret);

/* The processes of the cgroup at path and of every cgroup below it, as a
 * tree: each cgroup's PIDs with their command lines, then its children.
 * Lines start with prefix; width > 0: command lines are cut to end at
 * that column, with an ellipsis. */
int cgtree_print(FILE *f, const char *path, const char *prefix, size_t width);

/* The same as an array of {"cgroup", "pid", "command"}; cgroups named
 * relative to path ("/" for path itself). */
int cgtree_json(const char *path, json_object **ret);
