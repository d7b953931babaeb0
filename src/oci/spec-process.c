/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.json's process (also berth-oci exec's --process file): args,
 * env, cwd, user, capabilities, rlimits, terminal and the rest. */
#include "spec-internal.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "caps.h"
#include "cleanup.h"
#include "util.h"

static int parse_user(struct oci_parse *p, json_object *user, struct oci_process *proc)
{
        json_object *gids;
        int64_t v;
        bool given;
        int r;

        if (!user)
                return oci_json_fail(p, "process.user: required");
        r = oci_json_number(p, user, "uid", "process.user.", 0, UINT32_MAX - 1, &given, &v);
        if (r >= 0 && given)
                proc->uid = (uint32_t) v;
        if (r >= 0)
                r = oci_json_number(p, user, "gid", "process.user.", 0, UINT32_MAX - 1, &given, &v);
        if (r >= 0 && given)
                proc->gid = (uint32_t) v;
        if (r >= 0)
                r = oci_json_typed(p, user, "additionalGids", "process.user.", json_type_array, &gids);
        if (r < 0 || !gids)
                return r;
        proc->n_additional_gids = json_object_array_length(gids);
        proc->additional_gids = calloc(proc->n_additional_gids + 1, sizeof(uint32_t));
        if (!proc->additional_gids)
                return -ENOMEM;
        for (size_t i = 0; i < proc->n_additional_gids; i++) {
                json_object *g = json_object_array_get_idx(gids, i);
                int64_t n = json_object_is_type(g, json_type_int) ? json_object_get_int64(g) : -1;
                if (n < 0 || n >= UINT32_MAX)
                        return oci_json_fail(p, "process.user.additionalGids[%zu]: expected a GID", i);
                proc->additional_gids[i] = (uint32_t) n;
        }
        return 0;
}

static int parse_capabilities(struct oci_parse *p, json_object *caps, struct oci_process *proc)
{
        static const char *const sets[_OCI_CAP_SET_MAX] = {
                [OCI_CAP_BOUNDING] = "bounding", [OCI_CAP_EFFECTIVE] = "effective",
                [OCI_CAP_INHERITABLE] = "inheritable", [OCI_CAP_PERMITTED] = "permitted",
                [OCI_CAP_AMBIENT] = "ambient",
        };

        for (int s = 0; s < _OCI_CAP_SET_MAX; s++) {
                _cleanup_strv_ char **names = NULL;
                char where[64];
                int r;

                snprintf(where, sizeof(where), "process.capabilities.");
                r = oci_json_strings(p, caps, sets[s], where, &names);
                if (r < 0)
                        return r;
                if (!names)
                        continue;
                proc->caps_given[s] = true;
                for (char **n = names; *n; n++) {
                        int cap = strncmp(*n, "CAP_", 4) == 0 ? capability_from_name(*n) : -EINVAL;
                        if (cap < 0)
                                return oci_json_fail(p, "process.capabilities.%s: unknown capability %s", sets[s], *n);
                        proc->caps[s] |= UINT64_C(1) << cap;
                }
        }
        return 0;
}

static const struct {
        const char *name;
        int resource;
} rlimit_names[] = {
        { "RLIMIT_AS", RLIMIT_AS },           { "RLIMIT_CORE", RLIMIT_CORE },
        { "RLIMIT_CPU", RLIMIT_CPU },         { "RLIMIT_DATA", RLIMIT_DATA },
        { "RLIMIT_FSIZE", RLIMIT_FSIZE },     { "RLIMIT_LOCKS", RLIMIT_LOCKS },
        { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
        { "RLIMIT_NICE", RLIMIT_NICE },       { "RLIMIT_NOFILE", RLIMIT_NOFILE },
        { "RLIMIT_NPROC", RLIMIT_NPROC },     { "RLIMIT_RSS", RLIMIT_RSS },
        { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },   { "RLIMIT_RTTIME", RLIMIT_RTTIME },
        { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

static int parse_rlimits(struct oci_parse *p, json_object *a, struct oci_process *proc)
{
        size_t n = json_object_array_length(a);

        proc->rlimits = calloc(n + 1, sizeof(*proc->rlimits));
        if (!proc->rlimits)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(a, i), *t = oci_json_get(e, "type");
                struct oci_rlimit *rl = &proc->rlimits[proc->n_rlimits];
                int64_t soft, hard;
                bool has_soft, has_hard;
                size_t k;
                int r;

                if (!t || !json_object_is_type(t, json_type_string))
                        return oci_json_fail(p, "process.rlimits[%zu].type: required", i);
                for (k = 0; k < ELEMENTSOF(rlimit_names); k++)
                        if (streq(rlimit_names[k].name, json_object_get_string(t)))
                                break;
                if (k == ELEMENTSOF(rlimit_names))
                        return oci_json_fail(p, "process.rlimits[%zu]: unknown type %s", i, json_object_get_string(t));
                for (size_t j = 0; j < proc->n_rlimits; j++)
                        if (proc->rlimits[j].resource == rlimit_names[k].resource)
                                return oci_json_fail(p, "process.rlimits: %s given twice", rlimit_names[k].name);
                /* uint64 in the spec: json-c reads the largest as int64 errors. */
                r = oci_json_number(p, e, "soft", "process.rlimits[].", 0, INT64_MAX, &has_soft, &soft);
                if (r >= 0)
                        r = oci_json_number(p, e, "hard", "process.rlimits[].", 0, INT64_MAX, &has_hard, &hard);
                if (r < 0)
                        return r;
                if (!has_soft || !has_hard)
                        return oci_json_fail(p, "process.rlimits[%zu]: soft and hard are required", i);
                *rl = (struct oci_rlimit) { rlimit_names[k].resource, (uint64_t) soft, (uint64_t) hard };
                proc->n_rlimits++;
        }
        return 0;
}

int oci_parse_process(struct oci_parse *p, json_object *o, struct oci_process *proc)
{
        json_object *v;
        int64_t n;
        bool given;
        int r;

        if (!o)
                return 0;
        proc->present = true;
        r = oci_json_boolean(p, o, "terminal", "process.", &proc->terminal);
        if (r >= 0)
                r = oci_json_typed(p, o, "consoleSize", "process.", json_type_object, &v);
        if (r >= 0 && v) {
                r = oci_json_number(p, v, "height", "process.consoleSize.", 0, UINT16_MAX, &given, &n);
                proc->console_height = given ? (unsigned) n : 0;
                if (r >= 0)
                        r = oci_json_number(p, v, "width", "process.consoleSize.", 0, UINT16_MAX, &given, &n);
                proc->console_width = given ? (unsigned) n : 0;
        }
        if (r >= 0)
                r = parse_user(p, oci_json_get(o, "user"), proc);
        if (r >= 0)
                r = oci_json_strings(p, o, "args", "process.", &proc->args);
        if (r >= 0 && (!proc->args || !proc->args[0]))
                r = oci_json_fail(p, "process.args: at least the program is required");
        if (r >= 0)
                r = oci_json_strings(p, o, "env", "process.", &proc->env);
        if (r >= 0)
                r = oci_json_string(p, o, "cwd", "process.", &proc->cwd);
        if (r >= 0 && (!proc->cwd || proc->cwd[0] != '/'))
                r = oci_json_fail(p, "process.cwd: required, an absolute path");
        if (r >= 0)
                r = oci_json_typed(p, o, "capabilities", "process.", json_type_object, &v);
        if (r >= 0 && v)
                r = parse_capabilities(p, v, proc);
        if (r >= 0)
                r = oci_json_typed(p, o, "rlimits", "process.", json_type_array, &v);
        if (r >= 0 && v)
                r = parse_rlimits(p, v, proc);
        if (r >= 0)
                r = oci_json_boolean(p, o, "noNewPrivileges", "process.", &proc->no_new_privileges);
        if (r >= 0)
                r = oci_json_number(p, o, "oomScoreAdj", "process.", -1000, 1000, &proc->has_oom_score_adj, &n);
        if (r >= 0 && proc->has_oom_score_adj)
                proc->oom_score_adj = (int) n;
        if (r >= 0)
                r = oci_json_string(p, o, "apparmorProfile", "process.", &proc->apparmor_profile);
        if (r >= 0)
                r = oci_json_string(p, o, "selinuxLabel", "process.", &proc->selinux_label);
        return r;
}

int oci_process_parse_text(const char *text, struct oci_process *ret, char *why, size_t why_size)
{
        struct oci_parse p = { why, why_size };
        enum json_tokener_error jerr;
        json_object *o = json_tokener_parse_verbose(text, &jerr);
        int r;

        *ret = (struct oci_process) {};
        if (!o) {
                snprintf(why, why_size, "process: %s", json_tokener_error_desc(jerr));
                return -EINVAL;
        }
        r = json_object_is_type(o, json_type_object) ? oci_parse_process(&p, o, ret)
                                                     : oci_json_fail(&p, "process: expected an object");
        json_object_put(o);
        if (r < 0)
                oci_process_done(ret);
        return r;
}

void oci_process_done(struct oci_process *p)
{
        free(p->additional_gids);
        strv_free(p->args);
        strv_free(p->env);
        free(p->cwd);
        free(p->rlimits);
        free(p->apparmor_profile);
        free(p->selinux_label);
        *p = (struct oci_process) {};
}
