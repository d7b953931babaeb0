/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Between the parts of config.json's parser: the typed reads of
 * spec-json.c, and the process's parser of spec-process.c. */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec.h"

struct oci_parse {
        char *why;
        size_t size;
};

/* why = the message; -EINVAL. */
int oci_json_fail(struct oci_parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
json_object *oci_json_get(json_object *o, const char *key);
/* A key that must be of type t when present (*ret NULL: absent or null);
 * where prefixes the key in the message ("process."). */
int oci_json_typed(struct oci_parse *p, json_object *o, const char *key, const char *where, json_type t,
                   json_object **ret);
int oci_json_string(struct oci_parse *p, json_object *o, const char *key, const char *where, char **ret);
int oci_json_boolean(struct oci_parse *p, json_object *o, const char *key, const char *where, bool *ret);
int oci_json_number(struct oci_parse *p, json_object *o, const char *key, const char *where, int64_t min,
                    int64_t max, bool *ret_given, int64_t *ret);
int oci_json_strings(struct oci_parse *p, json_object *o, const char *key, const char *where, char ***ret);

/* config.json's process object into proc (spec-process.c). */
int oci_parse_process(struct oci_parse *p, json_object *o, struct oci_process *proc);
/* linux.devices and linux.resources.devices (spec-devices.c). */
int oci_parse_devices(struct oci_parse *p, json_object *linux_obj, struct oci_spec *s);
