/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "syscall-filter.h"

/* linux.seccomp (config-linux.md: defaultAction, defaultErrnoRet,
 * architectures, flags, syscalls with their args) as a BPF program built
 * with libseccomp, for seccomp_program_install_flags() with *ret_flags
 * (SECCOMP_FILTER_FLAG_*).
 * System calls this libseccomp does not know are left out, as runc
 * does; an action berth-oci cannot take (SCMP_ACT_NOTIFY) is refused.
 * On failure why names the field. */
int oci_seccomp_build(const char *json, struct seccomp_program *ret, unsigned *ret_flags, char *why,
                      size_t why_size);
