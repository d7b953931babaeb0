/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.json into struct oci_spec: every field berth reads, checked as
 * the runtime spec says (config.md, config-linux.md), with one line for
 * the first that is wrong. */
#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "caps.h"
#include "cleanup.h"
#include "util.h"

static const char *const ns_names[_OCI_NS_MAX] = {
        [OCI_NS_PID] = "pid",   [OCI_NS_NETWORK] = "network", [OCI_NS_MOUNT] = "mount",
        [OCI_NS_IPC] = "ipc",   [OCI_NS_UTS] = "uts",         [OCI_NS_USER] = "user",
        [OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time",
};

const char *oci_ns_name(enum oci_ns ns)
{
        return (unsigned) ns < _OCI_NS_MAX ? ns_names[ns] : NULL;
}

struct parse {
        char *why;
        size_t size;
};

static int fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parse *p, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(p->why, p->size, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

static json_object *get(json_object *o, const char *key)
{
        json_object *v = NULL;

        return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* A key that must be of type t when present (NULL: absent or null). */
static int typed(struct parse *p, json_object *o, const char *key, const char *where, json_type t, json_object **ret)
{
        json_object *v = get(o, key);

        *ret = NULL;
        if (!v)
                return 0;
        if (!json_object_is_type(v, t))
                return fail(p, "%s%s: expected %s", where, key, json_type_to_name(t));
        *ret = v;
        return 0;
}

static int string(struct parse *p, json_object *o, const char *key, const char *where, char **ret)
{
        json_object *v;
        int r = typed(p, o, key, where, json_type_string, &v);

        if (r < 0 || !v)
                return r;
        free(*ret);
        *ret = strdup(json_object_get_string(v));
        return *ret ? 0 : -ENOMEM;
}

static int boolean(struct parse *p, json_object *o, const char *key, const char *where, bool *ret)
{
        json_object *v;
        int r = typed(p, o, key, where, json_type_boolean, &v);

        if (r >= 0 && v)
                *ret = json_object_get_boolean(v);
        return r;
}

static int number(struct parse *p, json_object *o, const char *key, const char *where, int64_t min, int64_t max,
                  bool *ret_given, int64_t *ret)
{
        json_object *v;
        int r = typed(p, o, key, where, json_type_int, &v);

        if (ret_given)
                *ret_given = false;
        if (r < 0 || !v)
                return r;
        errno = 0;
        *ret = json_object_get_int64(v);
        /* uint64 values past INT64_MAX: json-c says so with errno. */
        if (errno || *ret < min || *ret > max)
                return fail(p, "%s%s: %s is out of range", where, key, json_object_to_json_string(v));
        if (ret_given)
                *ret_given = true;
        return 0;
}

static int strings(struct parse *p, json_object *o, const char *key, const char *where, char ***ret)
{
        json_object *a;
        int r = typed(p, o, key, where, json_type_array, &a);

        if (r < 0 || !a)
                return r;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *e = json_object_array_get_idx(a, i);
                if (!json_object_is_type(e, json_type_string))
                        return fail(p, "%s%s[%zu]: expected a string", where, key, i);
                if (strv_push(ret, json_object_get_string(e)) < 0)
                        return -ENOMEM;
        }
        if (!*ret && !(*ret = calloc(1, sizeof(char *))))
                return -ENOMEM;
        return 0;
}

static int parse_user(struct parse *p, json_object *user, struct oci_process *proc)
{
        json_object *gids;
        int64_t v;
        bool given;
        int r;

        if (!user)
                return fail(p, "process.user: required");
        r = number(p, user, "uid", "process.user.", 0, UINT32_MAX - 1, &given, &v);
        if (r >= 0 && given)
                proc->uid = (uint32_t) v;
        if (r >= 0)
                r = number(p, user, "gid", "process.user.", 0, UINT32_MAX - 1, &given, &v);
        if (r >= 0 && given)
                proc->gid = (uint32_t) v;
        if (r >= 0)
                r = typed(p, user, "additionalGids", "process.user.", json_type_array, &gids);
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
                        return fail(p, "process.user.additionalGids[%zu]: expected a GID", i);
                proc->additional_gids[i] = (uint32_t) n;
        }
        return 0;
}

static int parse_capabilities(struct parse *p, json_object *caps, struct oci_process *proc)
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
                r = strings(p, caps, sets[s], where, &names);
                if (r < 0)
                        return r;
                if (!names)
                        continue;
                proc->caps_given[s] = true;
                for (char **n = names; *n; n++) {
                        int cap = strncmp(*n, "CAP_", 4) == 0 ? capability_from_name(*n) : -EINVAL;
                        if (cap < 0)
                                return fail(p, "process.capabilities.%s: unknown capability %s", sets[s], *n);
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

static int parse_rlimits(struct parse *p, json_object *a, struct oci_process *proc)
{
        size_t n = json_object_array_length(a);

        proc->rlimits = calloc(n + 1, sizeof(*proc->rlimits));
        if (!proc->rlimits)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(a, i), *t = get(e, "type");
                struct oci_rlimit *rl = &proc->rlimits[proc->n_rlimits];
                int64_t soft, hard;
                bool has_soft, has_hard;
                size_t k;
                int r;

                if (!t || !json_object_is_type(t, json_type_string))
                        return fail(p, "process.rlimits[%zu].type: required", i);
                for (k = 0; k < ELEMENTSOF(rlimit_names); k++)
                        if (streq(rlimit_names[k].name, json_object_get_string(t)))
                                break;
                if (k == ELEMENTSOF(rlimit_names))
                        return fail(p, "process.rlimits[%zu]: unknown type %s", i, json_object_get_string(t));
                for (size_t j = 0; j < proc->n_rlimits; j++)
                        if (proc->rlimits[j].resource == rlimit_names[k].resource)
                                return fail(p, "process.rlimits: %s given twice", rlimit_names[k].name);
                /* uint64 in the spec: json-c reads the largest as int64 errors. */
                r = number(p, e, "soft", "process.rlimits[].", 0, INT64_MAX, &has_soft, &soft);
                if (r >= 0)
                        r = number(p, e, "hard", "process.rlimits[].", 0, INT64_MAX, &has_hard, &hard);
                if (r < 0)
                        return r;
                if (!has_soft || !has_hard)
                        return fail(p, "process.rlimits[%zu]: soft and hard are required", i);
                *rl = (struct oci_rlimit) { rlimit_names[k].resource, (uint64_t) soft, (uint64_t) hard };
                proc->n_rlimits++;
        }
        return 0;
}

static int parse_process(struct parse *p, json_object *o, struct oci_process *proc)
{
        json_object *v;
        int64_t n;
        bool given;
        int r;

        if (!o)
                return 0;
        proc->present = true;
        r = boolean(p, o, "terminal", "process.", &proc->terminal);
        if (r >= 0)
                r = typed(p, o, "consoleSize", "process.", json_type_object, &v);
        if (r >= 0 && v) {
                r = number(p, v, "height", "process.consoleSize.", 0, UINT16_MAX, &given, &n);
                proc->console_height = given ? (unsigned) n : 0;
                if (r >= 0)
                        r = number(p, v, "width", "process.consoleSize.", 0, UINT16_MAX, &given, &n);
                proc->console_width = given ? (unsigned) n : 0;
        }
        if (r >= 0)
                r = parse_user(p, get(o, "user"), proc);
        if (r >= 0)
                r = strings(p, o, "args", "process.", &proc->args);
        if (r >= 0 && (!proc->args || !proc->args[0]))
                r = fail(p, "process.args: at least the program is required");
        if (r >= 0)
                r = strings(p, o, "env", "process.", &proc->env);
        if (r >= 0)
                r = string(p, o, "cwd", "process.", &proc->cwd);
        if (r >= 0 && (!proc->cwd || proc->cwd[0] != '/'))
                r = fail(p, "process.cwd: required, an absolute path");
        if (r >= 0)
                r = typed(p, o, "capabilities", "process.", json_type_object, &v);
        if (r >= 0 && v)
                r = parse_capabilities(p, v, proc);
        if (r >= 0)
                r = typed(p, o, "rlimits", "process.", json_type_array, &v);
        if (r >= 0 && v)
                r = parse_rlimits(p, v, proc);
        if (r >= 0)
                r = boolean(p, o, "noNewPrivileges", "process.", &proc->no_new_privileges);
        if (r >= 0)
                r = number(p, o, "oomScoreAdj", "process.", -1000, 1000, &proc->has_oom_score_adj, &n);
        if (r >= 0 && proc->has_oom_score_adj)
                proc->oom_score_adj = (int) n;
        if (r >= 0)
                r = string(p, o, "apparmorProfile", "process.", &proc->apparmor_profile);
        if (r >= 0)
                r = string(p, o, "selinuxLabel", "process.", &proc->selinux_label);
        return r;
}

static int parse_mounts(struct parse *p, json_object *a, struct oci_spec *s)
{
        size_t n = json_object_array_length(a);

        s->mounts = calloc(n + 1, sizeof(*s->mounts));
        if (!s->mounts)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(a, i);
                struct oci_mount *m = &s->mounts[s->n_mounts++];
                char where[32];
                int r;

                snprintf(where, sizeof(where), "mounts[%zu].", i);
                if (!json_object_is_type(e, json_type_object))
                        return fail(p, "mounts[%zu]: expected an object", i);
                r = string(p, e, "destination", where, &m->destination);
                if (r >= 0 && (!m->destination || m->destination[0] != '/'))
                        r = fail(p, "mounts[%zu].destination: required, an absolute path", i);
                if (r >= 0)
                        r = string(p, e, "type", where, &m->type);
                if (r >= 0)
                        r = string(p, e, "source", where, &m->source);
                if (r >= 0)
                        r = strings(p, e, "options", where, &m->options);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_id_maps(struct parse *p, json_object *a, const char *key, struct oci_id_map **ret, size_t *ret_n)
{
        size_t n = json_object_array_length(a);

        *ret = calloc(n + 1, sizeof(**ret));
        if (!*ret)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(a, i);
                int64_t c, h, sz;
                bool gc, gh, gs;
                char where[48];
                int r;

                snprintf(where, sizeof(where), "linux.%s[%zu].", key, i);
                r = number(p, e, "containerID", where, 0, UINT32_MAX - 1, &gc, &c);
                if (r >= 0)
                        r = number(p, e, "hostID", where, 0, UINT32_MAX - 1, &gh, &h);
                if (r >= 0)
                        r = number(p, e, "size", where, 1, UINT32_MAX, &gs, &sz);
                if (r < 0)
                        return r;
                if (!gc || !gh || !gs)
                        return fail(p, "linux.%s[%zu]: containerID, hostID and size are required", key, i);
                (*ret)[(*ret_n)++] = (struct oci_id_map) { (uint32_t) c, (uint32_t) h, (uint32_t) sz };
        }
        return 0;
}

static int parse_namespaces(struct parse *p, json_object *a, struct oci_spec *s)
{
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *e = json_object_array_get_idx(a, i), *t = get(e, "type");
                char where[48], *path = NULL;
                int ns;
                int r;

                if (!t || !json_object_is_type(t, json_type_string))
                        return fail(p, "linux.namespaces[%zu].type: required", i);
                for (ns = 0; ns < _OCI_NS_MAX; ns++)
                        if (streq(ns_names[ns], json_object_get_string(t)))
                                break;
                if (ns == _OCI_NS_MAX)
                        return fail(p, "linux.namespaces[%zu]: unknown type %s", i, json_object_get_string(t));
                if (s->ns[ns].wanted)
                        return fail(p, "linux.namespaces: %s given twice", ns_names[ns]);
                snprintf(where, sizeof(where), "linux.namespaces[%zu].", i);
                r = string(p, e, "path", where, &path);
                if (r < 0)
                        return r;
                if (path && path[0] != '/') {
                        free(path);
                        return fail(p, "linux.namespaces[%zu].path: expected an absolute path", i);
                }
                s->ns[ns] = (struct oci_namespace) { .wanted = true, .path = path };
        }
        return 0;
}

/* "key=value" lines of an object of strings (sysctl, annotations). */
static int string_map(struct parse *p, json_object *o, const char *key, char ***ret)
{
        json_object *m;
        int r = typed(p, o, key, "", json_type_object, &m);

        if (r < 0 || !m)
                return r;
        json_object_object_foreach(m, k, v) {
                _cleanup_free_ char *line = NULL;

                if (!json_object_is_type(v, json_type_string))
                        return fail(p, "%s.%s: expected a string", key, k);
                if (asprintf(&line, "%s=%s", k, json_object_get_string(v)) < 0 || strv_push(ret, line) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* A field given with something in it (an empty list or object is none). */
static bool present(json_object *v)
{
        if (!v || json_object_is_type(v, json_type_null))
                return false;
        if (json_object_is_type(v, json_type_array))
                return json_object_array_length(v) > 0;
        if (json_object_is_type(v, json_type_object))
                return json_object_object_length(v) > 0;
        return true;
}

static int parse_linux(struct parse *p, json_object *l, struct oci_spec *s)
{
        json_object *v;
        int r;

        if (!l)
                return 0;
        r = typed(p, l, "namespaces", "linux.", json_type_array, &v);
        if (r >= 0 && v)
                r = parse_namespaces(p, v, s);
        if (r >= 0)
                r = typed(p, l, "uidMappings", "linux.", json_type_array, &v);
        if (r >= 0 && v)
                r = parse_id_maps(p, v, "uidMappings", &s->uid_maps, &s->n_uid_maps);
        if (r >= 0)
                r = typed(p, l, "gidMappings", "linux.", json_type_array, &v);
        if (r >= 0 && v)
                r = parse_id_maps(p, v, "gidMappings", &s->gid_maps, &s->n_gid_maps);
        if (r >= 0)
                r = typed(p, l, "resources", "linux.", json_type_object, &v);
        if (r >= 0 && v)
                r = oci_resources_parse(v, &s->limits, p->why, p->size);
        if (r >= 0)
                r = string(p, l, "cgroupsPath", "linux.", &s->cgroups_path);
        if (r >= 0)
                r = strings(p, l, "maskedPaths", "linux.", &s->masked_paths);
        if (r >= 0)
                r = strings(p, l, "readonlyPaths", "linux.", &s->readonly_paths);
        if (r >= 0)
                r = string_map(p, l, "sysctl", &s->sysctl);
        if (r >= 0)
                r = string(p, l, "rootfsPropagation", "linux.", &s->rootfs_propagation);
        s->has_devices = present(get(l, "devices"));
        if (r >= 0 && present(get(l, "seccomp")) &&
            !(s->seccomp_json = strdup(json_object_to_json_string_ext(get(l, "seccomp"), JSON_C_TO_STRING_PLAIN))))
                r = -ENOMEM;
        s->has_personality = present(get(l, "personality"));
        s->has_intel_rdt = present(get(l, "intelRdt"));
        return r;
}

static int parse_root(struct parse *p, json_object *root, const char *bundle, struct oci_spec *s)
{
        _cleanup_free_ char *path = NULL;
        int r;

        if (!root)
                return fail(p, "root: required on Linux");
        r = string(p, root, "path", "root.", &path);
        if (r >= 0 && (!path || !*path))
                r = fail(p, "root.path: required");
        if (r >= 0)
                r = boolean(p, root, "readonly", "root.", &s->root_readonly);
        if (r < 0)
                return r;
        /* Relative to the bundle, as the spec says. */
        if (path[0] == '/')
                s->root_path = take_ptr(path);
        else if (asprintf(&s->root_path, "%s/%s", bundle, path) < 0)
                return -ENOMEM;
        return 0;
}

int oci_spec_parse(const char *text, const char *bundle, struct oci_spec *s, char *why, size_t why_size)
{
        struct parse p = { why, why_size };
        enum json_tokener_error jerr;
        json_object *o;
        int r;

        *s = (struct oci_spec) {};
        why[0] = 0;
        o = json_tokener_parse_verbose(text, &jerr);
        if (!o) {
                snprintf(why, why_size, "config.json: %s", json_tokener_error_desc(jerr));
                return -EINVAL;
        }
        if (!json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                return fail(&p, "config.json: expected an object");
        }
        r = string(&p, o, "ociVersion", "", &s->oci_version);
        if (r >= 0 && !s->oci_version)
                r = fail(&p, "ociVersion: required");
        if (r >= 0 && strncmp(s->oci_version, "1.", 2) != 0) {
                snprintf(why, why_size, "ociVersion %s: this runtime implements the 1.x specification only",
                         s->oci_version);
                r = -EPROTONOSUPPORT;
        }
        if (r >= 0)
                r = parse_root(&p, get(o, "root"), bundle, s);
        if (r >= 0)
                r = parse_process(&p, get(o, "process"), &s->process);
        if (r >= 0)
                r = string(&p, o, "hostname", "", &s->hostname);
        if (r >= 0)
                r = string(&p, o, "domainname", "", &s->domainname);
        if (r >= 0) {
                json_object *m;
                r = typed(&p, o, "mounts", "", json_type_array, &m);
                if (r >= 0 && m)
                        r = parse_mounts(&p, m, s);
        }
        if (r >= 0)
                r = string_map(&p, o, "annotations", &s->annotations);
        if (r >= 0)
                r = parse_linux(&p, get(o, "linux"), s);
        if (r >= 0)
                r = oci_hooks_parse(get(o, "hooks"), &s->hooks, why, why_size);
        json_object_put(o);
        if (r == -ENOMEM && !why[0])
                snprintf(why, why_size, "out of memory");
        if (r < 0)
                oci_spec_done(s);
        return r;
}

int oci_spec_load(const char *bundle, struct oci_spec *ret, char *why, size_t why_size)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        int r;

        if (asprintf(&path, "%s/config.json", bundle) < 0)
                return -ENOMEM;
        r = read_file_at(AT_FDCWD, path, &text, 4 << 20);
        if (r < 0) {
                snprintf(why, why_size, "reading %s: %s", path, strerror(-r));
                return r;
        }
        return oci_spec_parse(text, bundle, ret, why, why_size);
}

const char *oci_spec_annotation(const struct oci_spec *s, const char *key)
{
        size_t len = strlen(key);

        for (char **a = s->annotations; a && *a; a++)
                if (strncmp(*a, key, len) == 0 && (*a)[len] == '=')
                        return *a + len + 1;
        return NULL;
}

void oci_spec_done(struct oci_spec *s)
{
        free(s->oci_version);
        free(s->root_path);
        free(s->hostname);
        free(s->domainname);
        free(s->process.additional_gids);
        strv_free(s->process.args);
        strv_free(s->process.env);
        free(s->process.cwd);
        free(s->process.rlimits);
        free(s->process.apparmor_profile);
        free(s->process.selinux_label);
        for (size_t i = 0; i < s->n_mounts; i++) {
                free(s->mounts[i].destination);
                free(s->mounts[i].type);
                free(s->mounts[i].source);
                strv_free(s->mounts[i].options);
        }
        free(s->mounts);
        for (int i = 0; i < _OCI_NS_MAX; i++)
                free(s->ns[i].path);
        free(s->uid_maps);
        free(s->gid_maps);
        free(s->cgroups_path);
        strv_free(s->masked_paths);
        strv_free(s->readonly_paths);
        strv_free(s->sysctl);
        strv_free(s->annotations);
        free(s->rootfs_propagation);
        oci_hooks_done(&s->hooks);
        free(s->seccomp_json);
        *s = (struct oci_spec) {};
}
