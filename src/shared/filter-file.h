/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* RUNTIMEDIR/filters/NAME: the machine's system-call filter, the BPF
 * program its PID 1 was given, for what enters the machine from outside
 * (berthctl shell and login, boot-test's probes) to get the same. The
 * launcher writes it before PID 1 starts and removes it at its end; it is
 * valid while the launcher holds locks/NAME, as the state file is. */

/* One classic BPF instruction, as struct sock_filter is. */
#define MACHINE_FILTER_INSN_SIZE 8
/* BPF_MAXINSNS */
#define MACHINE_FILTER_INSNS_MAX 4096

/* Written to filters/.#NAME and renamed over filters/NAME. */
int machine_filter_write(const char *name, const void *insns, size_t n_insns);
/* malloc'd; -ENOENT: the machine has none, -EBADMSG: not a program. */
int machine_filter_read(const char *name, void **ret_insns, size_t *ret_n_insns);
int machine_filter_remove(const char *name);
