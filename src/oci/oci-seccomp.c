/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A bundle's seccomp profile (config-linux.md) through libseccomp: the
 * context made with the default action, the architectures added, each
 * rule added (a rule whose action is the default's adds nothing; two
 * conditions on one argument become two rules, since libseccomp ANDs
 * distinct arguments only), and the program exported as BPF (as the
 * launcher's own), so that create builds it and the container's process
 * only installs it. */
#include "oci-seccomp.h"

#include <errno.h>
#include <json-c/json.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "seccomp-build.h"
#include "util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release)

static json_object *get(json_object *o, const char *key)
{
        json_object *v = NULL;

        return o && json_object_object_get_ex(o, key, &v) && !json_object_is_type(v, json_type_null) ? v : NULL;
}

/* An action's name (and its errno for ERRNO and TRACE). */
static int action(const char *name, json_object *errno_ret, uint32_t *ret)
{
        int e = errno_ret ? json_object_get_int(errno_ret) : EPERM;

        if (streq(name, "SCMP_ACT_ALLOW"))
                *ret = SCMP_ACT_ALLOW;
        else if (streq(name, "SCMP_ACT_ERRNO"))
                *ret = SCMP_ACT_ERRNO((uint16_t) e);
        else if (streq(name, "SCMP_ACT_KILL") || streq(name, "SCMP_ACT_KILL_THREAD"))
                *ret = SCMP_ACT_KILL_THREAD;
        else if (streq(name, "SCMP_ACT_KILL_PROCESS"))
                *ret = SCMP_ACT_KILL_PROCESS;
        else if (streq(name, "SCMP_ACT_TRAP"))
                *ret = SCMP_ACT_TRAP;
        else if (streq(name, "SCMP_ACT_TRACE"))
                *ret = SCMP_ACT_TRACE((uint16_t) e);
        else if (streq(name, "SCMP_ACT_LOG"))
                *ret = SCMP_ACT_LOG;
        else if (streq(name, "SCMP_ACT_NOTIFY"))
                return -EOPNOTSUPP;
        else
                return -EINVAL;
        return 0;
}

static int op(const char *name, enum scmp_compare *ret)
{
        static const struct {
                const char *name;
                enum scmp_compare op;
        } ops[] = {
                { "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT }, { "SCMP_CMP_LE", SCMP_CMP_LE },
                { "SCMP_CMP_EQ", SCMP_CMP_EQ }, { "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
                { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
        };

        for (size_t i = 0; i < ELEMENTSOF(ops); i++)
                if (streq(name, ops[i].name)) {
                        *ret = ops[i].op;
                        return 0;
                }
        return -EINVAL;
}

static int parse_args(json_object *args, struct scmp_arg_cmp *cmp, size_t *n, bool *same_index, char *why,
                      size_t why_size, const char *where)
{
        *n = 0;
        *same_index = false;
        for (size_t i = 0; args && i < json_object_array_length(args) && i < 6; i++) {
                json_object *a = json_object_array_get_idx(args, i), *o = get(a, "op");
                enum scmp_compare c;

                if (!get(a, "index") || !o || op(json_object_get_string(o), &c) < 0) {
                        snprintf(why, why_size, "%s.args[%zu]: index and a known op are required", where, i);
                        return -EINVAL;
                }
                cmp[*n] = (struct scmp_arg_cmp) {
                        .arg = (unsigned) json_object_get_int(get(a, "index")),
                        .op = c,
                        .datum_a = (scmp_datum_t) json_object_get_uint64(get(a, "value")),
                        .datum_b = (scmp_datum_t) json_object_get_uint64(get(a, "valueTwo")),
                };
                for (size_t k = 0; k < *n; k++)
                        *same_index = *same_index || cmp[k].arg == cmp[*n].arg;
                (*n)++;
        }
        return 0;
}

static int add_rules(scmp_filter_ctx ctx, json_object *sc, uint32_t def, char *why, size_t why_size, size_t idx)
{
        json_object *names = get(sc, "names"), *a = get(sc, "action");
        struct scmp_arg_cmp cmp[6];
        char where[64];
        uint32_t act;
        size_t n;
        bool same;
        int r;

        snprintf(where, sizeof(where), "linux.seccomp.syscalls[%zu]", idx);
        if (!a || (r = action(json_object_get_string(a), get(sc, "errnoRet"), &act)) < 0) {
                snprintf(why, why_size, "%s.action: %s", where, a ? json_object_get_string(a) : "required");
                return a ? r : -EINVAL;
        }
        r = parse_args(get(sc, "args"), cmp, &n, &same, why, why_size, where);
        if (r < 0 || act == def)
                return r;
        for (size_t i = 0; names && i < json_object_array_length(names); i++) {
                const char *name = json_object_get_string(json_object_array_get_idx(names, i));
                int nr = seccomp_syscall_resolve_name(name);

                if (nr == __NR_SCMP_ERROR)
                        continue;       /* not in this libseccomp: as runc, left out */
                if (!same)
                        r = seccomp_rule_add_array(ctx, act, nr, (unsigned) n, cmp);
                else
                        for (size_t k = 0; k < n && r >= 0; k++)
                                r = seccomp_rule_add_array(ctx, act, nr, 1, &cmp[k]);
                if (r < 0) {
                        snprintf(why, why_size, "%s: adding %s: %s", where, name, strerror(-r));
                        return r;
                }
        }
        return 0;
}

static int add_arches(scmp_filter_ctx ctx, json_object *arches, char *why, size_t why_size)
{
        for (size_t i = 0; arches && i < json_object_array_length(arches); i++) {
                const char *name = json_object_get_string(json_object_array_get_idx(arches, i));
                char lower[32];
                size_t k = 0;

                if (strncmp(name, "SCMP_ARCH_", 10) != 0) {
                        snprintf(why, why_size, "linux.seccomp.architectures: %s", name);
                        return -EINVAL;
                }
                for (const char *c = name + 10; *c && k < sizeof(lower) - 1; c++)
                        lower[k++] = (char) (*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
                lower[k] = 0;
                uint32_t arch = seccomp_arch_resolve_name(lower);
                if (arch == 0) {
                        snprintf(why, why_size, "linux.seccomp.architectures: %s is unknown to libseccomp", name);
                        return -EINVAL;
                }
                int r = seccomp_arch_add(ctx, arch);
                if (r < 0 && r != -EEXIST) {
                        snprintf(why, why_size, "linux.seccomp.architectures: adding %s: %s", name, strerror(-r));
                        return r;
                }
        }
        return 0;
}

static int flags_of(json_object *flags, unsigned *ret, char *why, size_t why_size)
{
        *ret = 0;
        for (size_t i = 0; flags && i < json_object_array_length(flags); i++) {
                const char *f = json_object_get_string(json_object_array_get_idx(flags, i));
                if (streq(f, "SECCOMP_FILTER_FLAG_LOG"))
                        *ret |= SECCOMP_FILTER_FLAG_LOG;
                else if (streq(f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"))
                        *ret |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
                else if (!streq(f, "SECCOMP_FILTER_FLAG_TSYNC")) {     /* one thread: nothing to sync */
                        snprintf(why, why_size, "linux.seccomp.flags: %s is not supported", f);
                        return -EOPNOTSUPP;
                }
        }
        return 0;
}

int oci_seccomp_build(const char *json, struct seccomp_program *ret, unsigned *ret_flags, char *why,
                      size_t why_size)
{
        json_object *o = json_tokener_parse(json), *d;
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        uint32_t def;
        int r;

        if (!o)
                return -EINVAL;
        d = get(o, "defaultAction");
        r = d ? action(json_object_get_string(d), get(o, "defaultErrnoRet"), &def) : -EINVAL;
        if (r < 0) {
                snprintf(why, why_size, "linux.seccomp.defaultAction: %s", d ? json_object_get_string(d) : "required");
                json_object_put(o);
                return r;
        }
        ctx = seccomp_init(def);
        if (!ctx) {
                json_object_put(o);
                return -ENOMEM;
        }
        /* As the launcher's: no_new_privs is the spec's to set, not ours. */
        (void) seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        r = add_arches(ctx, get(o, "architectures"), why, why_size);
        if (r >= 0)
                r = flags_of(get(o, "flags"), ret_flags, why, why_size);
        json_object *calls = get(o, "syscalls");
        for (size_t i = 0; r >= 0 && calls && i < json_object_array_length(calls); i++)
                r = add_rules(ctx, json_object_array_get_idx(calls, i), def, why, why_size, i);
        json_object_put(o);
        struct sock_filter *insns = NULL;
        size_t len = 0;
        if (r >= 0 && (r = seccomp_export(ctx, &insns, &len)) < 0)
                snprintf(why, why_size, "linux.seccomp: exporting the filter: %s", strerror(-r));
        if (r >= 0)
                *ret = (struct seccomp_program) { .insns = insns, .len = len, .owned = true };
        return r;
}
