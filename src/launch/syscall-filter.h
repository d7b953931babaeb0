/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct settings;
struct sock_filter;      /* <linux/filter.h>: not in the musl-built stub's way */

/* A BPF program for seccomp(2): the built-in default's (made at build
 * time by seccomp-gen.c) or one built for --system-call-filter=. */
struct seccomp_program {
        const struct sock_filter *insns;
        size_t len;
        bool owned;             /* insns is malloc'd */
};

/* The built-in ones, for a machine of the default capabilities. */
extern const struct seccomp_program seccomp_default_userns, seccomp_default_no_userns;
extern const uint64_t seccomp_default_caps;

/* The program for a machine with these settings, user namespace and
 * bounding set: the built-in default when nothing changes it, else one
 * built now with libseccomp. Logs nothing; -ENOENT for a name libseccomp
 * does not know (the option parser has checked them). */
int seccomp_machine_program(const struct settings *s, bool userns, uint64_t caps, struct seccomp_program *ret);
void seccomp_program_done(struct seccomp_program *p);

/* Install p on the calling thread, for it and everything it starts;
 * needs CAP_SYS_ADMIN in its user namespace (no no_new_privs is set). */
int seccomp_program_install(const struct seccomp_program *p);
/* The same with seccomp(2)'s SECCOMP_FILTER_FLAG_* (berth-oci's profiles). */
int seccomp_program_install_flags(const struct seccomp_program *p, unsigned flags);

/* berth --system-call-filter=help: the groups, and what a machine with
 * these settings (so far) is allowed. */
int seccomp_print_help(const struct settings *s, bool userns, uint64_t caps);
