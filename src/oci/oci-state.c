/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "oci-state.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)
#define _cleanup_json_ _cleanup_(json_object_putp)

static const char *const status_names[_OCI_STATUS_MAX] = {
        [OCI_CREATING] = "creating", [OCI_CREATED] = "created", [OCI_RUNNING] = "running",
        [OCI_STOPPED] = "stopped",   [OCI_PAUSED] = "paused",
};

const char *oci_status_to_string(enum oci_status s)
{
        return (unsigned) s < _OCI_STATUS_MAX ? status_names[s] : NULL;
}

int oci_status_from_string(const char *s)
{
        for (int i = 0; i < _OCI_STATUS_MAX; i++)
                if (s && streq(s, status_names[i]))
                        return i;
        return -EINVAL;
}

bool oci_id_valid(const char *id, char *why, size_t why_size)
{
        size_t len = id ? strlen(id) : 0;

        if (len == 0 || len > 1024) {
                snprintf(why, why_size, "invalid container ID: %s", len ? "longer than 1024 characters" : "empty");
                return false;
        }
        if (streq(id, ".") || streq(id, "..")) {
                snprintf(why, why_size, "invalid container ID %s", id);
                return false;
        }
        for (const char *c = id; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                      strchr("_+-.", *c))) {
                        snprintf(why, why_size, "invalid container ID %s: only letters, digits, '_', '+', '-' "
                                 "and '.'", id);
                        return false;
                }
        return true;
}

static int add_internal(json_object *o, const struct oci_state *st)
{
        json_object *b = json_object_new_object(), *v1 = json_object_new_array();

        if (!b || !v1) {
                json_object_put(b);
                json_object_put(v1);
                return -ENOMEM;
        }
        json_object_object_add(b, "start_time", json_object_new_uint64(st->start_time));
        if (st->cgroup)
                json_object_object_add(b, "cgroup", json_object_new_string(st->cgroup));
        if (st->cgroup_at)
                json_object_object_add(b, "cgroup_at", json_object_new_string(st->cgroup_at));
        json_object_object_add(b, "cgroup_id", json_object_new_uint64(st->cgroup_id));
        for (char **c = st->cgroup_v1; c && *c; c++)
                json_object_array_add(v1, json_object_new_string(*c));
        json_object_object_add(b, "cgroup_v1", v1);
        json_object_object_add(b, "term_signal", json_object_new_int(st->term_signal));
        if (st->hooks)
                json_object_object_add(b, "hooks", json_object_new_string(st->hooks));
        json_object_object_add(b, "seccomp_flags", json_object_new_int64(st->seccomp_flags));
        json_object_object_add(b, "uid_base", json_object_new_int64(st->uid_base));
        if (st->no_process)
                json_object_object_add(b, "no_process", json_object_new_boolean(true));
        if (st->notify_socket)
                json_object_object_add(b, "notify_socket", json_object_new_string(st->notify_socket));
        json_object_object_add(o, "berth", b);
        return 0;
}

char *oci_state_to_json(const struct oci_state *st, unsigned flags)
{
        _cleanup_json_ json_object *o = json_object_new_object(), *ann = json_object_new_object();
        char *text;

        if (!o || !ann)
                return NULL;
        json_object_object_add(o, "ociVersion", json_object_new_string(st->oci_version ?: "1.0.2"));
        json_object_object_add(o, "id", json_object_new_string(st->id));
        json_object_object_add(o, "status", json_object_new_string(oci_status_to_string(st->status)));
        /* The spec: pid is REQUIRED while created or running. */
        json_object_object_add(o, "pid", json_object_new_int64(st->pid));
        json_object_object_add(o, "bundle", json_object_new_string(st->bundle ?: ""));
        for (char **a = st->annotations; a && *a; a++) {
                const char *eq = strchr(*a, '=');
                _cleanup_free_ char *key = eq ? strndup(*a, (size_t) (eq - *a)) : NULL;
                if (key)
                        json_object_object_add(ann, key, json_object_new_string(eq + 1));
        }
        json_object_object_add(o, "annotations", take_ptr(ann));
        if (st->created)
                json_object_object_add(o, "created", json_object_new_string(st->created));
        if ((flags & OCI_STATE_INTERNAL) && add_internal(o, st) < 0)
                return NULL;
        /* Paths as they are: no "\/" (runc prints none). */
        text = strdup(json_object_to_json_string_ext(
                o, JSON_C_TO_STRING_NOSLASHESCAPE |
                           ((flags & OCI_STATE_PRETTY) ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN)));
        return text;
}

static char *string_of(json_object *o, const char *key)
{
        json_object *v = NULL;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return strdup(json_object_get_string(v));
}

static int64_t int_of(json_object *o, const char *key)
{
        json_object *v = NULL;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
                return -1;
        return json_object_get_int64(v);
}

static void read_internal(json_object *o, struct oci_state *st)
{
        json_object *b = NULL, *v = NULL;

        if (!json_object_object_get_ex(o, "berth", &b) || !json_object_is_type(b, json_type_object))
                return;
        if (json_object_object_get_ex(b, "start_time", &v))
                st->start_time = json_object_get_uint64(v);
        if (json_object_object_get_ex(b, "cgroup_id", &v))
                st->cgroup_id = json_object_get_uint64(v);
        if (json_object_object_get_ex(b, "no_process", &v))
                st->no_process = json_object_get_boolean(v);
        if (json_object_object_get_ex(b, "uid_base", &v))
                st->uid_base = (uid_t) json_object_get_int64(v);
        if (json_object_object_get_ex(b, "seccomp_flags", &v))
                st->seccomp_flags = (unsigned) json_object_get_int64(v);
        if (json_object_object_get_ex(b, "term_signal", &v))
                st->term_signal = json_object_get_int(v);
        st->cgroup = string_of(b, "cgroup");
        st->cgroup_at = string_of(b, "cgroup_at");
        st->hooks = string_of(b, "hooks");
        st->notify_socket = string_of(b, "notify_socket");
        if (json_object_object_get_ex(b, "cgroup_v1", &v) && json_object_is_type(v, json_type_array))
                for (size_t i = 0; i < json_object_array_length(v); i++) {
                        json_object *e = json_object_array_get_idx(v, i);
                        if (json_object_is_type(e, json_type_string))
                                (void) strv_push(&st->cgroup_v1, json_object_get_string(e));
                }
}

int oci_state_from_json(const char *text, struct oci_state *st)
{
        _cleanup_json_ json_object *o = json_tokener_parse(text);
        _cleanup_free_ char *status = NULL;
        json_object *ann = NULL;
        int s;

        *st = (struct oci_state) {};
        if (!o || !json_object_is_type(o, json_type_object))
                return -EBADMSG;
        status = string_of(o, "status");
        s = oci_status_from_string(status);
        st->oci_version = string_of(o, "ociVersion");
        st->id = string_of(o, "id");
        st->bundle = string_of(o, "bundle");
        st->created = string_of(o, "created");
        st->pid = (pid_t) int_of(o, "pid");
        read_internal(o, st);
        if (s < 0 || !st->oci_version || !st->id || !st->bundle || st->pid < 0) {
                oci_state_done(st);
                return -EBADMSG;
        }
        st->status = s;
        if (json_object_object_get_ex(o, "annotations", &ann) && json_object_is_type(ann, json_type_object)) {
                json_object_object_foreach(ann, k, v) {
                        _cleanup_free_ char *line = NULL;
                        if (!json_object_is_type(v, json_type_string))
                                continue;
                        if (asprintf(&line, "%s=%s", k, json_object_get_string(v)) < 0 ||
                            strv_push(&st->annotations, line) < 0) {
                                oci_state_done(st);
                                return -ENOMEM;
                        }
                }
        }
        return 0;
}

void oci_state_done(struct oci_state *st)
{
        free(st->oci_version);
        free(st->id);
        free(st->bundle);
        free(st->created);
        strv_free(st->annotations);
        free(st->cgroup);
        free(st->cgroup_at);
        free(st->hooks);
        free(st->notify_socket);
        strv_free(st->cgroup_v1);
        *st = (struct oci_state) {};
}

int oci_state_save(const char *root, const struct oci_state *st)
{
        _cleanup_free_ char *dir = NULL, *path = NULL, *text = oci_state_to_json(st, OCI_STATE_INTERNAL);
        int r;

        if (!text)
                return -ENOMEM;
        if (asprintf(&dir, "%s/%s", root, st->id) < 0 || asprintf(&path, "%s/state.json", dir) < 0)
                return -ENOMEM;
        r = mkdir_p(dir, 0700);
        if (r < 0)
                return r;
        return write_file_atomic(path, text, 0600);
}

int oci_state_load(const char *root, const char *id, struct oci_state *ret)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        int r;

        if (asprintf(&path, "%s/%s/state.json", root, id) < 0)
                return -ENOMEM;
        r = read_file_at(AT_FDCWD, path, &text, 1 << 20);
        if (r < 0)
                return r;
        return oci_state_from_json(text, ret);
}
