/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

#include "seccomp-policy.h"

/* A spec (seccomp-policy.h) made into a BPF program with libseccomp:
 * one program for every architecture the machine's processes can call
 * the kernel with (on x86-64: x86-64, i386 and x32), so that a 32-bit
 * call cannot go around it. Used by the build-time generator for the
 * default filter and by the launcher for a changed one. */

/* The architectures of a meson cpu_family ("x86_64"), native first;
 * returns their number (at most 4). */
size_t seccomp_arches(const char *cpu_family, uint32_t ret[4]);

/* The program for spec on those architectures, malloc'd into *ret and
 * its length (instructions) into *ret_len. -ENOENT: a name of the spec
 * is neither a group nor a system call libseccomp knows. */
int seccomp_build(const struct seccomp_spec *spec, const uint32_t *arches, size_t n_arches,
                  struct sock_filter **ret, size_t *ret_len);

/* A libseccomp filter context (scmp_filter_ctx) as BPF: malloc'd into
 * *ret, its length (instructions) into *ret_len; berth-oci builds its
 * profiles' with it too. */
int seccomp_export(void *ctx, struct sock_filter **ret, size_t *ret_len);

/* 0 when name is a group or a system call libseccomp knows, -ENOENT
 * when it is not. */
int seccomp_name_check(const char *name);

/* Call f with the name of every system call spec allows on the native
 * architecture, sorted; for printing. */
int seccomp_spec_list(const struct seccomp_spec *spec, int (*f)(const char *name, void *userdata), void *userdata);
