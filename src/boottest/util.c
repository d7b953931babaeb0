/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "boottest.h"

json_object *json_str(const char *s)
{
        return json_object_new_string(s ? s : "");
}

double usec_to_sec(uint64_t usec)
{
        /* Milliseconds are what a boot is measured in. */
        return (double) (usec / 1000) / 1000.0;
}

json_object *json_seconds(uint64_t usec)
{
        char s[32];
        snprintf(s, sizeof(s), "%.3f", usec_to_sec(usec));
        return json_object_new_double_s(usec_to_sec(usec), s);
}

json_object *jget(json_object *o, const char *key)
{
        json_object *v;
        return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

const char *jstr(json_object *o, const char *key)
{
        json_object *v = jget(o, key);
        return v ? json_object_get_string(v) : NULL;
}

bool jbool(json_object *o, const char *key)
{
        json_object *v = jget(o, key);
        return v && json_object_get_boolean(v);
}
