/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* One number from dir/file, or from its "key value" line; -1 when absent. */
int64_t cg_read_number(const char *dir, const char *file, const char *key);
/* The threads in the cgroup at dir_fd and every cgroup below it. */
int64_t cg_count_threads(int dir_fd);
/* Call visit for the cgroup at dir_fd and every cgroup below it. */
int cg_walk(int dir_fd, void (*visit)(int dir_fd, void *userdata), void *userdata);
