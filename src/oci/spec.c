/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.json into struct oci_spec: every field berth reads, checked as
 * the runtime spec says (config.md, config-linux.md), with one line for
 * the first that is wrong. */
#include "spec-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
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

static int parse_mounts(struct oci_parse *p, json_object *a, struct oci_spec *s)
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
                        return oci_json_fail(p, "mounts[%zu]: expected an object", i);
                r = oci_json_string(p, e, "destination", where, &m->destination);
                if (r >= 0 && (!m->destination || m->destination[0] != '/'))
                        r = oci_json_fail(p, "mounts[%zu].destination: required, an absolute path", i);
                if (r >= 0)
                        r = oci_json_string(p, e, "type", where, &m->type);
                if (r >= 0)
                        r = oci_json_string(p, e, "source", where, &m->source);
                if (r >= 0)
                        r = oci_json_strings(p, e, "options", where, &m->options);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_id_maps(struct oci_parse *p, json_object *a, const char *key, struct oci_id_map **ret, size_t *ret_n)
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
                r = oci_json_number(p, e, "containerID", where, 0, UINT32_MAX - 1, &gc, &c);
                if (r >= 0)
                        r = oci_json_number(p, e, "hostID", where, 0, UINT32_MAX - 1, &gh, &h);
                if (r >= 0)
                        r = oci_json_number(p, e, "size", where, 1, UINT32_MAX, &gs, &sz);
                if (r < 0)
                        return r;
                if (!gc || !gh || !gs)
                        return oci_json_fail(p, "linux.%s[%zu]: containerID, hostID and size are required", key, i);
                (*ret)[(*ret_n)++] = (struct oci_id_map) { (uint32_t) c, (uint32_t) h, (uint32_t) sz };
        }
        return 0;
}

static int parse_namespaces(struct oci_parse *p, json_object *a, struct oci_spec *s)
{
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *e = json_object_array_get_idx(a, i), *t = oci_json_get(e, "type");
                char where[48], *path = NULL;
                int ns;
                int r;

                if (!t || !json_object_is_type(t, json_type_string))
                        return oci_json_fail(p, "linux.namespaces[%zu].type: required", i);
                for (ns = 0; ns < _OCI_NS_MAX; ns++)
                        if (streq(ns_names[ns], json_object_get_string(t)))
                                break;
                if (ns == _OCI_NS_MAX)
                        return oci_json_fail(p, "linux.namespaces[%zu]: unknown type %s", i, json_object_get_string(t));
                if (s->ns[ns].wanted)
                        return oci_json_fail(p, "linux.namespaces: %s given twice", ns_names[ns]);
                snprintf(where, sizeof(where), "linux.namespaces[%zu].", i);
                r = oci_json_string(p, e, "path", where, &path);
                if (r < 0)
                        return r;
                if (path && path[0] != '/') {
                        free(path);
                        return oci_json_fail(p, "linux.namespaces[%zu].path: expected an absolute path", i);
                }
                s->ns[ns] = (struct oci_namespace) { .wanted = true, .path = path };
        }
        return 0;
}

/* "key=value" lines of an object of strings (sysctl, annotations). */
static int string_map(struct oci_parse *p, json_object *o, const char *key, char ***ret)
{
        json_object *m;
        int r = oci_json_typed(p, o, key, "", json_type_object, &m);

        if (r < 0 || !m)
                return r;
        json_object_object_foreach(m, k, v) {
                _cleanup_free_ char *line = NULL;

                if (!json_object_is_type(v, json_type_string))
                        return oci_json_fail(p, "%s.%s: expected a string", key, k);
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

/* linux.personality: its domain (runc's too takes no flags). */
static int parse_personality(struct oci_parse *p, json_object *o, struct oci_spec *s)
{
        _cleanup_free_ char *domain = NULL;
        json_object *flags;
        int r;

        if (!o || json_object_is_type(o, json_type_null))
                return 0;
        if (!json_object_is_type(o, json_type_object))
                return oci_json_fail(p, "linux.personality: expected an object");
        r = oci_json_string(p, o, "domain", "linux.personality.", &domain);
        if (r < 0)
                return r;
        if (!domain || (!streq(domain, "LINUX") && !streq(domain, "LINUX32")))
                return oci_json_fail(p, "linux.personality.domain: LINUX or LINUX32");
        r = oci_json_typed(p, o, "flags", "linux.personality.", json_type_array, &flags);
        if (r >= 0 && flags && json_object_array_length(flags) > 0)
                return oci_json_fail(p, "linux.personality.flags: none is supported");
        s->personality = streq(domain, "LINUX") ? PER_LINUX : PER_LINUX32;
        return r;
}

/* linux.timeOffsets: {"monotonic": {"secs", "nanosecs"}, "boottime": ...}. */
static int parse_time_offsets(struct oci_parse *p, json_object *o, struct oci_spec *s)
{
        static const char *const clocks[2] = { "monotonic", "boottime" };
        int r = 0;

        if (!o || json_object_is_type(o, json_type_null))
                return 0;
        if (!json_object_is_type(o, json_type_object))
                return oci_json_fail(p, "linux.timeOffsets: expected an object");
        for (int i = 0; i < 2 && r >= 0; i++) {
                json_object *c;
                int64_t v;
                bool given;
                r = oci_json_typed(p, o, clocks[i], "linux.timeOffsets.", json_type_object, &c);
                if (r < 0 || !c)
                        continue;
                s->time_offsets[i].set = true;
                r = oci_json_number(p, c, "secs", "linux.timeOffsets.", INT64_MIN, INT64_MAX, &given, &v);
                s->time_offsets[i].secs = given ? v : 0;
                if (r >= 0)
                        r = oci_json_number(p, c, "nanosecs", "linux.timeOffsets.", 0, 999999999, &given, &v);
                s->time_offsets[i].nanosecs = r >= 0 && given ? (uint32_t) v : 0;
        }
        return r;
}

static int parse_linux(struct oci_parse *p, json_object *l, struct oci_spec *s)
{
        json_object *v;
        int r;

        if (!l)
                return 0;
        r = oci_json_typed(p, l, "namespaces", "linux.", json_type_array, &v);
        if (r >= 0 && v)
                r = parse_namespaces(p, v, s);
        if (r >= 0)
                r = oci_json_typed(p, l, "uidMappings", "linux.", json_type_array, &v);
        if (r >= 0 && v)
                r = parse_id_maps(p, v, "uidMappings", &s->uid_maps, &s->n_uid_maps);
        if (r >= 0)
                r = oci_json_typed(p, l, "gidMappings", "linux.", json_type_array, &v);
        if (r >= 0 && v)
                r = parse_id_maps(p, v, "gidMappings", &s->gid_maps, &s->n_gid_maps);
        if (r >= 0)
                r = oci_json_typed(p, l, "resources", "linux.", json_type_object, &v);
        if (r >= 0 && v)
                r = oci_resources_parse(v, &s->limits, p->why, p->size);
        if (r >= 0 && v)
                r = oci_resources_unapplied(v, &s->resources_unapplied);
        if (r >= 0 && v)
                s->memory_swap = oci_resources_swap(v);
        if (r >= 0)
                r = oci_json_string(p, l, "cgroupsPath", "linux.", &s->cgroups_path);
        if (r >= 0)
                r = oci_json_strings(p, l, "maskedPaths", "linux.", &s->masked_paths);
        if (r >= 0)
                r = oci_json_strings(p, l, "readonlyPaths", "linux.", &s->readonly_paths);
        if (r >= 0)
                r = string_map(p, l, "sysctl", &s->sysctl);
        if (r >= 0)
                r = oci_json_string(p, l, "rootfsPropagation", "linux.", &s->rootfs_propagation);
        if (r >= 0)
                r = oci_parse_devices(p, l, s);
        json_object *sc = oci_json_get(l, "seccomp");
        if (r >= 0 && present(sc) && !(s->seccomp_json = strdup(json_object_to_json_string_ext(sc, JSON_C_TO_STRING_PLAIN))))
                r = -ENOMEM;
        if (r >= 0)
                r = parse_personality(p, oci_json_get(l, "personality"), s);
        if (r >= 0)
                r = parse_time_offsets(p, oci_json_get(l, "timeOffsets"), s);
        s->has_intel_rdt = present(oci_json_get(l, "intelRdt"));
        return r;
}

static int parse_root(struct oci_parse *p, json_object *root, const char *bundle, struct oci_spec *s)
{
        _cleanup_free_ char *path = NULL;
        int r;

        if (!root)
                return oci_json_fail(p, "root: required on Linux");
        r = oci_json_string(p, root, "path", "root.", &path);
        if (r >= 0 && (!path || !*path))
                r = oci_json_fail(p, "root.path: required");
        if (r >= 0)
                r = oci_json_boolean(p, root, "readonly", "root.", &s->root_readonly);
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
        struct oci_parse p = { why, why_size };
        enum json_tokener_error jerr;
        json_object *o;
        int r;

        *s = (struct oci_spec) { .personality = -1 };
        why[0] = 0;
        o = json_tokener_parse_verbose(text, &jerr);
        if (!o) {
                snprintf(why, why_size, "config.json: %s", json_tokener_error_desc(jerr));
                return -EINVAL;
        }
        if (!json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                return oci_json_fail(&p, "config.json: expected an object");
        }
        r = oci_json_string(&p, o, "ociVersion", "", &s->oci_version);
        if (r >= 0 && !s->oci_version)
                r = oci_json_fail(&p, "ociVersion: required");
        if (r >= 0 && strncmp(s->oci_version, "1.", 2) != 0) {
                snprintf(why, why_size, "ociVersion %s: this runtime implements the 1.x specification only",
                         s->oci_version);
                r = -EPROTONOSUPPORT;
        }
        if (r >= 0)
                r = parse_root(&p, oci_json_get(o, "root"), bundle, s);
        if (r >= 0)
                r = oci_parse_process(&p, oci_json_get(o, "process"), &s->process);
        if (r >= 0)
                r = oci_json_string(&p, o, "hostname", "", &s->hostname);
        if (r >= 0)
                r = oci_json_string(&p, o, "domainname", "", &s->domainname);
        if (r >= 0) {
                json_object *m;
                r = oci_json_typed(&p, o, "mounts", "", json_type_array, &m);
                if (r >= 0 && m)
                        r = parse_mounts(&p, m, s);
        }
        if (r >= 0)
                r = string_map(&p, o, "annotations", &s->annotations);
        if (r >= 0)
                r = parse_linux(&p, oci_json_get(o, "linux"), s);
        if (r >= 0)
                r = oci_hooks_parse(oci_json_get(o, "hooks"), &s->hooks, why, why_size);
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
        oci_process_done(&s->process);
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
        for (size_t i = 0; i < s->n_devices; i++)
                free(s->devices[i].path);
        free(s->devices);
        free(s->device_rules);
        free(s->seccomp_json);
        strv_free(s->resources_unapplied);
        *s = (struct oci_spec) {};
}
