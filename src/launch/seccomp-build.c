/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "seccomp-build.h"

#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "syscall-groups.h"
#include "util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release);

/* System calls by libseccomp's number: the native one, or the negative
 * "pseudo" number of a call the native architecture does not have; with
 * their names where the set keeps them. */
struct nr_set {
        int *nr;
        char **name;
        size_t n;
};

static void nr_set_done(struct nr_set *s)
{
        for (size_t i = 0; s->name && i < s->n; i++)
                free(s->name[i]);
        free(s->nr);
        free(s->name);
        *s = (struct nr_set) {};
}

static bool nr_set_has(const struct nr_set *s, int nr)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->nr[i] == nr)
                        return true;
        return false;
}

/* name: kept (a copy) when not NULL. */
static int nr_set_add(struct nr_set *s, int nr, const char *name)
{
        if (nr_set_has(s, nr))
                return 0;
        if (s->n % 64 == 0) {
                int *n = realloc(s->nr, sizeof(int) * (s->n + 64));
                if (!n)
                        return -ENOMEM;
                s->nr = n;
                char **m = realloc(s->name, sizeof(char *) * (s->n + 64));
                if (!m)
                        return -ENOMEM;
                s->name = m;
        }
        s->name[s->n] = name ? strdup(name) : NULL;
        if (name && !s->name[s->n])
                return -ENOMEM;
        s->nr[s->n++] = nr;
        return 0;
}

static void nr_set_remove(struct nr_set *s, int nr)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->nr[i] == nr) {
                        free(s->name[i]);
                        s->n--;
                        s->nr[i] = s->nr[s->n];
                        s->name[i] = s->name[s->n];
                        return;
                }
}

size_t seccomp_arches(const char *cpu_family, uint32_t ret[4])
{
        static const struct {
                const char *family;
                uint32_t arches[3];
        } table[] = {
                { "x86_64", { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 } },
                { "x86", { SCMP_ARCH_X86 } },
                { "aarch64", { SCMP_ARCH_AARCH64, SCMP_ARCH_ARM } },
                { "arm", { SCMP_ARCH_ARM } },
                { "s390x", { SCMP_ARCH_S390X, SCMP_ARCH_S390 } },
                { "riscv64", { SCMP_ARCH_RISCV64 } },
        };
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(table[i].family, cpu_family))
                        for (; n < 3 && table[i].arches[n]; n++)
                                ret[n] = table[i].arches[n];
        if (n == 0)
                ret[n++] = seccomp_arch_native();
        return n;
}

static int name_nr(const char *name)
{
        return seccomp_syscall_resolve_name(name);
}

int seccomp_name_check(const char *name)
{
        if (name[0] == '@')
                return syscall_group_find(name) ? 0 : -ENOENT;
        return name_nr(name) == __NR_SCMP_ERROR ? -ENOENT : 0;
}

struct collect {
        struct nr_set *set;
        bool remove;
        bool defaults;          /* the default's entries: its exclusions hold */
};

static int collect_one(const char *name, void *userdata)
{
        struct collect *c = userdata;
        int nr = name_nr(name);

        /* A member of a group may be another architecture's, or newer
         * than this libseccomp: skipped. */
        if (nr == __NR_SCMP_ERROR || (c->defaults && seccomp_policy_excluded(name)))
                return 0;
        if (c->remove) {
                nr_set_remove(c->set, nr);
                return 0;
        }
        return nr_set_add(c->set, nr, NULL);
}

static int collect_entry(const char *name, void *userdata)
{
        int r = syscall_group_expand(name, collect_one, userdata);

        return r == -ENOENT ? -ENOENT : r;
}

static int collect_list(char *const *l, struct collect *c)
{
        for (; l && *l; l++) {
                int r;
                if (seccomp_name_check(*l) < 0)
                        return -ENOENT;
                r = collect_entry(*l, c);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* What spec allows, by number. */
static int spec_allowed(const struct seccomp_spec *spec, struct nr_set *ret)
{
        struct collect c = { .set = ret, .defaults = true };
        int r;

        r = seccomp_policy_defaults(spec->caps, collect_entry, &c);
        if (r < 0)
                return r;
        c.defaults = false;
        r = collect_list(spec->allow, &c);
        if (r < 0)
                return r;
        c.remove = true;
        return collect_list(spec->deny, &c);
}

/* Every call libseccomp knows on these architectures, by number. */
static int known_calls(const uint32_t *arches, size_t n_arches, struct nr_set *ret)
{
        for (size_t a = 0; a < n_arches; a++) {
                /* x32's calls carry bit 30; ARM's private ones start at 0xf0000. */
                const int bases[] = { 0, arches[a] == SCMP_ARCH_X32 ? 0x40000000 : -1,
                                      arches[a] == SCMP_ARCH_ARM ? 0xf0000 : -1 };
                for (size_t b = 0; b < ELEMENTSOF(bases); b++) {
                        if (bases[b] < 0)
                                continue;
                        for (int i = 0; i < 1024; i++) {
                                _cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(arches[a], bases[b] + i);
                                int r;
                                if (!name)
                                        continue;
                                int nr = name_nr(name);
                                if (nr == __NR_SCMP_ERROR)
                                        continue;
                                r = nr_set_add(ret, nr, name);
                                if (r < 0)
                                        return r;
                        }
                }
        }
        return 0;
}

static int add_arg_rule(scmp_filter_ctx ctx, int nr, const struct seccomp_arg_rule *a)
{
        int r;

        for (unsigned i = 0; i < a->n_values; i++) {
                struct scmp_arg_cmp cmp = { a->arg, SCMP_CMP_MASKED_EQ, a->mask, a->values[i] };
                r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 1, &cmp);
                if (r < 0)
                        return r;
        }
        /* Any other value, in two halves: one rule of EPERM without a
         * condition would win over the ones above. */
        struct scmp_arg_cmp lo = { a->arg, SCMP_CMP_LT, 1, 0 }, hi = { a->arg, SCMP_CMP_GE, 1, 0 };
        r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1, &lo);
        if (r < 0)
                return r;
        return seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1, &hi);
}

static int add_rules(scmp_filter_ctx ctx, const struct seccomp_spec *spec, const struct nr_set *allowed,
                     const struct nr_set *known)
{
        for (size_t i = 0; i < known->n; i++) {
                int nr = known->nr[i], r;
                const char *name = known->name[i];
                const struct seccomp_arg_rule *a = seccomp_policy_arg_rule(name);

                if (!spec->userns && seccomp_policy_nosys_without_userns(name))
                        continue;       /* the default action: ENOSYS */
                if (!nr_set_has(allowed, nr))
                        r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
                else if (a)
                        r = add_arg_rule(ctx, nr, a);
                else
                        r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
                /* EDOM, EOPNOTSUPP: none of these architectures has it as such. */
                if (r < 0 && r != -EDOM && r != -EOPNOTSUPP)
                        return r;
        }
        return 0;
}

static int new_filter(const uint32_t *arches, size_t n_arches, scmp_filter_ctx *ret)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        int r;

        /* What the filter does not know is newer than it: ENOSYS, as an
         * older kernel answers, so that C libraries fall back. */
        ctx = seccomp_init(SCMP_ACT_ERRNO(ENOSYS));
        if (!ctx)
                return -ENOMEM;
        if (arches[0] != seccomp_arch_native()) {
                r = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < n_arches; i++) {
                r = seccomp_arch_add(ctx, arches[i]);
                if (r < 0 && r != -EEXIST)
                        return r;
        }
        /* No no_new_privs: setuid programs inside keep working (PID 1 is
         * root of its user namespace, which may install a filter). A
         * binary tree over the system call numbers: some 450 of them. */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (r >= 0)
                r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
        if (r < 0)
                return r;
        *ret = take_ptr(ctx);
        return 0;
}

int seccomp_export(void *ctx, struct sock_filter **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = memfd_create("berth-seccomp", MFD_CLOEXEC);
        _cleanup_free_ struct sock_filter *insns = NULL;
        struct stat st;
        int r;

        if (fd < 0)
                return -errno;
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return r;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) || st.st_size > 0xffff * 8)
                return -E2BIG;
        insns = malloc(st.st_size);
        if (!insns)
                return -ENOMEM;
        if (pread(fd, insns, st.st_size, 0) != st.st_size)
                return -EIO;
        *ret = take_ptr(insns);
        *ret_len = st.st_size / sizeof(struct sock_filter);
        return 0;
}

int seccomp_build(const struct seccomp_spec *spec, const uint32_t *arches, size_t n_arches,
                  struct sock_filter **ret, size_t *ret_len)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        _cleanup_(nr_set_done) struct nr_set allowed = {}, known = {};
        int r;

        r = spec_allowed(spec, &allowed);
        if (r >= 0)
                r = known_calls(arches, n_arches, &known);
        if (r >= 0)
                r = new_filter(arches, n_arches, &ctx);
        if (r >= 0)
                r = add_rules(ctx, spec, &allowed, &known);
        if (r < 0)
                return r;
        return seccomp_export(ctx, ret, ret_len);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int seccomp_spec_list(const struct seccomp_spec *spec, int (*f)(const char *name, void *userdata), void *userdata)
{
        _cleanup_(nr_set_done) struct nr_set allowed = {};
        _cleanup_free_ char **names = NULL;
        size_t n = 0;
        int r;

        r = spec_allowed(spec, &allowed);
        if (r < 0)
                return r;
        names = calloc(allowed.n + 1, sizeof(char *));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < allowed.n; i++) {
                char *s = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, allowed.nr[i]);
                if (s)          /* NULL: not a call of this architecture */
                        names[n++] = s;
        }
        qsort(names, n, sizeof(char *), cmp_str);
        r = 0;
        for (size_t i = 0; i < n; i++) {
                if (r == 0)
                        r = f(names[i], userdata);
                free(names[i]);
        }
        return r;
}
