/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The machine's system-call filter at start. The default one is built at
 * build time (seccomp-gen.c) and only loaded here: building it with
 * libseccomp costs several milliseconds, as much as the rest of a
 * machine's start (berth(1), PERFORMANCE). Only a filter changed by
 * --system-call-filter= or by capabilities is built at start, once: the
 * next start with the same options loads it from filter-cache.c. */
#include "syscall-filter.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "filter-cache.h"
#include "seccomp-build.h"
#include "settings.h"
#include "syscall-groups.h"

static bool is_default(const struct settings *s, uint64_t caps)
{
        uint64_t mask = seccomp_policy_caps_mask();

        return !s->syscall_allow && !s->syscall_deny && (caps & mask) == (seccomp_default_caps & mask);
}

/* Everything the program is made of: the options, the user namespace,
 * the capabilities the policy looks at, and the launcher itself (a new
 * build may have other tables), as its inode and change time. NULL when
 * it cannot be told: then no cache. */
static char *cache_key(const struct settings *s, bool userns, uint64_t caps)
{
        char *key = NULL;
        size_t size = 0;
        struct stat st;
        FILE *f;

        if (stat("/proc/self/exe", &st) < 0)
                return NULL;
        f = open_memstream(&key, &size);
        if (!f)
                return NULL;
        fprintf(f, "berth %s exe %llu:%llu:%lld.%09ld userns %d caps %" PRIx64, BERTH_VERSION,
                (unsigned long long) st.st_dev, (unsigned long long) st.st_ino, (long long) st.st_ctim.tv_sec,
                st.st_ctim.tv_nsec, userns, caps & seccomp_policy_caps_mask());
        for (char **a = s->syscall_allow; a && *a; a++)
                fprintf(f, " +%s", *a);
        for (char **d = s->syscall_deny; d && *d; d++)
                fprintf(f, " ~%s", *d);
        if (fclose(f) != 0) {
                free(key);
                return NULL;
        }
        return key;
}

int seccomp_machine_program(const struct settings *s, bool userns, uint64_t caps, struct seccomp_program *ret)
{
        const struct seccomp_spec spec = { .caps = caps, .userns = userns, .allow = s->syscall_allow,
                                           .deny = s->syscall_deny };
        struct sock_filter *insns;
        uint32_t arches[4];
        size_t n, len;
        int r;

        if (is_default(s, caps)) {
                *ret = userns ? seccomp_default_userns : seccomp_default_no_userns;
                return 0;
        }
        _cleanup_free_ char *key = cache_key(s, userns, caps);
        if (key && filter_cache_get(key, &insns, &len) >= 0) {
                *ret = (struct seccomp_program) { .insns = insns, .len = len, .owned = true };
                return 0;
        }
        n = seccomp_arches(BERTH_CPU_FAMILY, arches);
        r = seccomp_build(&spec, arches, n, &insns, &len);
        if (r < 0)
                return r;
        if (key)
                filter_cache_put(key, insns, len);
        *ret = (struct seccomp_program) { .insns = insns, .len = len, .owned = true };
        return 0;
}

void seccomp_program_done(struct seccomp_program *p)
{
        if (p->owned)
                free((void *) p->insns);
        *p = (struct seccomp_program) {};
}

int seccomp_program_install_flags(const struct seccomp_program *p, unsigned flags)
{
        struct sock_fprog prog = { .len = (unsigned short) p->len, .filter = (struct sock_filter *) p->insns };

        if (p->len == 0 || p->len > BPF_MAXINSNS)
                return -E2BIG;
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) < 0)
                return -errno;
        return 0;
}

int seccomp_program_install(const struct seccomp_program *p)
{
        return seccomp_program_install_flags(p, 0);
}

static int print_name(const char *name, void *userdata)
{
        size_t *col = userdata;
        size_t len = strlen(name);

        if (*col + len + 1 > 78) {
                printf("\n");
                *col = 0;
        }
        printf("%s%s", *col ? " " : "  ", name);
        *col += len + (*col ? 1 : 2);
        return 0;
}

int seccomp_print_help(const struct settings *s, bool userns, uint64_t caps)
{
        const struct seccomp_spec spec = { .caps = caps, .userns = userns, .allow = s->syscall_allow,
                                           .deny = s->syscall_deny };
        size_t col = 0;
        int r;

        printf("Groups for --system-call-filter= (systemd's names):\n");
        for (size_t i = 0; i < syscall_groups_size; i++)
                printf("  %-16s %s\n", syscall_groups[i].name, syscall_groups[i].help);
        printf("\nAllowed in the machine%s (everything else the kernel has returns EPERM,\n"
               "what this filter does not know ENOSYS; berth(1), SYSTEM CALL FILTER):\n",
               s->syscall_allow || s->syscall_deny ? " with the options given before help" : " by default");
        r = seccomp_spec_list(&spec, print_name, &col);
        printf("\n");
        if (r < 0)
                return r;
        printf("\nOnly with some arguments:\n");
        for (const char *const *n = (const char *const[]) { "reboot", "personality", "userfaultfd", NULL }; *n; n++)
                if (seccomp_policy_arg_rule(*n))
                        printf("  %-12s %s\n", *n, seccomp_policy_arg_rule(*n)->why);
        if (!userns)
                printf("\nWithout a user namespace open_tree, open_tree_attr, move_mount and fspick return\n"
                       "ENOSYS, so that callers use mount(2).\n");
        return 0;
}
