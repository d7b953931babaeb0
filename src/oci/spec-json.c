/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The typed reads config.json's parsers share (spec.c, spec-process.c):
 * each checks a key's type and range and says what is wrong in one line. */
#include "spec-internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int oci_json_fail(struct oci_parse *p, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(p->why, p->size, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

json_object *oci_json_get(json_object *o, const char *key)
{
        json_object *v = NULL;

        return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* A key that must be of type t when present (NULL: absent or null). */
int oci_json_typed(struct oci_parse *p, json_object *o, const char *key, const char *where, json_type t,
                   json_object **ret)
{
        json_object *v = oci_json_get(o, key);

        *ret = NULL;
        if (!v)
                return 0;
        if (!json_object_is_type(v, t))
                return oci_json_fail(p, "%s%s: expected %s", where, key, json_type_to_name(t));
        *ret = v;
        return 0;
}

int oci_json_string(struct oci_parse *p, json_object *o, const char *key, const char *where, char **ret)
{
        json_object *v;
        int r = oci_json_typed(p, o, key, where, json_type_string, &v);

        if (r < 0 || !v)
                return r;
        free(*ret);
        *ret = strdup(json_object_get_string(v));
        return *ret ? 0 : -ENOMEM;
}

int oci_json_boolean(struct oci_parse *p, json_object *o, const char *key, const char *where, bool *ret)
{
        json_object *v;
        int r = oci_json_typed(p, o, key, where, json_type_boolean, &v);

        if (r >= 0 && v)
                *ret = json_object_get_boolean(v);
        return r;
}

int oci_json_number(struct oci_parse *p, json_object *o, const char *key, const char *where, int64_t min, int64_t max,
                  bool *ret_given, int64_t *ret)
{
        json_object *v;
        int r = oci_json_typed(p, o, key, where, json_type_int, &v);

        if (ret_given)
                *ret_given = false;
        if (r < 0 || !v)
                return r;
        errno = 0;
        *ret = json_object_get_int64(v);
        /* uint64 values past INT64_MAX: json-c says so with errno. */
        if (errno || *ret < min || *ret > max)
                return oci_json_fail(p, "%s%s: %s is out of range", where, key, json_object_to_json_string(v));
        if (ret_given)
                *ret_given = true;
        return 0;
}

int oci_json_strings(struct oci_parse *p, json_object *o, const char *key, const char *where, char ***ret)
{
        json_object *a;
        int r = oci_json_typed(p, o, key, where, json_type_array, &a);

        if (r < 0 || !a)
                return r;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *e = json_object_array_get_idx(a, i);
                if (!json_object_is_type(e, json_type_string))
                        return oci_json_fail(p, "%s%s[%zu]: expected a string", where, key, i);
                if (strv_push(ret, json_object_get_string(e)) < 0)
                        return -ENOMEM;
        }
        if (!*ret && !(*ret = calloc(1, sizeof(char *))))
                return -ENOMEM;
        return 0;
}
