/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "spec.h"
#include "syscall-filter.h"

/* args[0] as execvp finds it, through the process's PATH (not berth's);
 * NULL when there is none. */
char *oci_process_find(const struct oci_process *p);
/* A session of its own, tty (>= 0) as its controlling terminal and
 * stdio, umask 022, then filter (without noNewPrivileges: it needs
 * CAP_SYS_ADMIN yet), its user and capabilities, noNewPrivileges. On
 * failure what says which step. */
int oci_process_enter(const struct oci_process *p, int tty, uint64_t bounding, const struct seccomp_program *filter,
                      unsigned filter_flags, char *what, size_t what_size);
/* With noNewPrivileges, the filter last before exec. */
int oci_process_filter_last(const struct oci_process *p, const struct seccomp_program *filter, unsigned flags);
/* fds 3 .. 3+preserve_fds-1 stay open across exec, all others close. */
void oci_process_keep_fds(int preserve_fds);
