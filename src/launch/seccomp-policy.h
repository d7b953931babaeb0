/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* What a machine's system-call filter allows: the default of an OS
 * container (seccomp-policy.c says what and why), changed by
 * --system-call-filter=. No libseccomp here: seccomp-build.c turns a
 * spec into a filter, at build time for the default (seccomp-gen.c),
 * at start for anything else. */
struct seccomp_spec {
        uint64_t caps;          /* the machine's bounding set: some calls come with a capability */
        bool userns;            /* the machine has a user namespace of its own */
        char *const *allow;     /* names and @groups added, NULL-terminated (or NULL) */
        char *const *deny;      /* ... and removed; a removal wins over any addition */
};

/* Call f for every name (system call or @group) the machine's default
 * allows with caps, in the order of the table; stops at f's first
 * non-zero result and returns it. */
int seccomp_policy_defaults(uint64_t caps, int (*f)(const char *name, void *userdata), void *userdata);

/* Whether the default leaves name out although a group it allows has
 * it (io_uring_*): a user's --system-call-filter= can put it back. */
bool seccomp_policy_excluded(const char *name);

/* The capabilities some default entries depend on: a filter built for
 * one bounding set serves another that agrees on these. */
uint64_t seccomp_policy_caps_mask(void);

/* A call allowed only with some values of one argument; other values
 * get EPERM. */
struct seccomp_arg_rule {
        const char *name;
        unsigned arg;           /* 0-5 */
        uint32_t mask;          /* of the argument's low 32 bits ... */
        const uint32_t *values; /* ... that must equal one of these */
        unsigned n_values;
        const char *why;
};

/* The argument rule for name, or NULL. */
const struct seccomp_arg_rule *seccomp_policy_arg_rule(const char *name);

/* Calls that return ENOSYS instead, as on a kernel without them, in a
 * machine without a user namespace (so that callers use mount(2)). */
bool seccomp_policy_nosys_without_userns(const char *name);
