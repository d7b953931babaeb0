/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Named groups of system calls, as systemd spells them (@basic-io,
 * @mount, ...), for --system-call-filter= and the machine's default
 * filter (seccomp-policy.c). Pure data: no libseccomp here, so that the
 * option parser's unit tests and the build-time generator share it. A
 * member is a system call's name or another group's ("@sandbox"); names
 * of other architectures, or newer than the libseccomp berth is built
 * with, are skipped where they are not known. */
struct syscall_group {
        const char *name;       /* "@basic-io" */
        const char *help;
        const char *const *members;     /* NULL-terminated */
};

extern const struct syscall_group syscall_groups[];
extern const size_t syscall_groups_size;

/* The group of that name ("@mount"), or NULL. */
const struct syscall_group *syscall_group_find(const char *name);

/* Call f for each system call of name: itself, or a group's members,
 * expanded (a call may come more than once); stops at and returns f's
 * first non-zero result; -ENOENT for an unknown group. */
int syscall_group_expand(const char *name, int (*f)(const char *syscall, void *userdata), void *userdata);
