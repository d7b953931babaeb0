/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sched.h>
#include <stddef.h>

/* A list of CPUs as systemd and the kernel write them: numbers and
 * ranges separated by commas or blanks ("0-3,6", "1 3"). -EINVAL for
 * anything else, -ERANGE for a CPU past CPU_SETSIZE, -ENODATA for none. */
int cpu_list_parse(const char *s, cpu_set_t *ret);
/* The set written back that way, "0-3,6". */
void cpu_list_format(const cpu_set_t *set, char *buf, size_t size);
