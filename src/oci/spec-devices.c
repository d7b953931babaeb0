/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.devices (the nodes the container gets) and
 * linux.resources.devices (its cgroup's device rules), from config.json
 * (config-linux.md). */
#include "spec-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "util.h"

static int access_bits(const char *s, unsigned *ret)
{
        *ret = 0;
        for (const char *c = s ? s : "rwm"; *c; c++)
                switch (*c) {
                case 'r':
                        *ret |= CGROUP_DEVICE_READ;
                        break;
                case 'w':
                        *ret |= CGROUP_DEVICE_WRITE;
                        break;
                case 'm':
                        *ret |= CGROUP_DEVICE_MKNOD;
                        break;
                default:
                        return -EINVAL;
                }
        return 0;
}

static int parse_nodes(struct oci_parse *p, json_object *a, struct oci_spec *s)
{
        size_t n = json_object_array_length(a);

        s->devices = calloc(n ? n : 1, sizeof(*s->devices));
        if (!s->devices)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *d = json_object_array_get_idx(a, i);
                struct oci_device *dev = &s->devices[i];
                char where[48], *type = NULL;
                int64_t v;
                bool given;
                int r;

                snprintf(where, sizeof(where), "linux.devices[%zu].", i);
                s->n_devices = i + 1;
                r = oci_json_string(p, d, "path", where, &dev->path);
                if (r >= 0 && (!dev->path || dev->path[0] != '/'))
                        r = oci_json_fail(p, "%spath: required, an absolute path", where);
                if (r >= 0)
                        r = oci_json_string(p, d, "type", where, &type);
                if (r >= 0 && (!type || strlen(type) != 1 || !strchr("cubp", type[0])))
                        r = oci_json_fail(p, "%stype: c, b, u or p", where);
                if (r >= 0)
                        dev->type = type[0] == 'u' ? 'c' : type[0];
                free(type);
                if (r >= 0 && dev->type != 'p') {
                        r = oci_json_number(p, d, "major", where, 0, UINT32_MAX, &given, &v);
                        dev->major = (uint32_t) v;
                        if (r >= 0 && !given)
                                r = oci_json_fail(p, "%smajor: required", where);
                        if (r >= 0)
                                r = oci_json_number(p, d, "minor", where, 0, UINT32_MAX, &given, &v);
                        dev->minor = (uint32_t) v;
                        if (r >= 0 && !given)
                                r = oci_json_fail(p, "%sminor: required", where);
                }
                if (r >= 0)
                        r = oci_json_number(p, d, "fileMode", where, 0, 07777, &given, &v);
                dev->mode = given ? (mode_t) v : 0666;
                if (r >= 0)
                        r = oci_json_number(p, d, "uid", where, 0, UINT32_MAX, NULL, &v);
                dev->uid = r >= 0 && oci_json_get(d, "uid") ? (uid_t) v : 0;
                if (r >= 0)
                        r = oci_json_number(p, d, "gid", where, 0, UINT32_MAX, NULL, &v);
                dev->gid = r >= 0 && oci_json_get(d, "gid") ? (gid_t) v : 0;
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The rules, in order: berth's policy is an allow-list, so each allow adds
 * to the default one (the null, zero, ... devices) and a rule that allows
 * every device turns the policy off; a deny of everything (the usual
 * first rule) is what an allow-list is anyway. A deny of less than that
 * after an allow is refused: an allow-list cannot say it. */
static int parse_rules(struct oci_parse *p, json_object *a, struct oci_spec *s)
{
        size_t n = json_object_array_length(a);
        bool allowed_some = false;

        s->device_rules = calloc(n ? n : 1, sizeof(*s->device_rules));
        if (!s->device_rules)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *d = json_object_array_get_idx(a, i);
                char where[64], *type = NULL, *acc = NULL;
                bool allow = false, given;
                int64_t major = -1, minor = -1;
                unsigned bits = 0;
                int r;

                snprintf(where, sizeof(where), "linux.resources.devices[%zu].", i);
                r = oci_json_boolean(p, d, "allow", where, &allow);
                if (r >= 0)
                        r = oci_json_string(p, d, "type", where, &type);
                if (r >= 0)
                        r = oci_json_number(p, d, "major", where, -1, UINT32_MAX, &given, &major);
                if (r >= 0 && !given)
                        major = -1;
                if (r >= 0)
                        r = oci_json_number(p, d, "minor", where, -1, UINT32_MAX, &given, &minor);
                if (r >= 0 && !given)
                        minor = -1;
                if (r >= 0)
                        r = oci_json_string(p, d, "access", where, &acc);
                if (r >= 0 && access_bits(acc, &bits) < 0)
                        r = oci_json_fail(p, "%saccess: letters of rwm", where);
                char t = type && *type ? type[0] : 'a';
                free(type);
                free(acc);
                if (r >= 0 && !strchr("acb", t))
                        r = oci_json_fail(p, "%stype: a, c or b", where);
                if (r < 0)
                        return r;
                bool everything = t == 'a' || major < 0;
                if (!allow) {
                        if (allowed_some && !(everything && bits == (CGROUP_DEVICE_READ | CGROUP_DEVICE_WRITE |
                                                                     CGROUP_DEVICE_MKNOD)))
                                return oci_json_fail(p, "%s: a deny after an allow is not supported by berth-oci "
                                                     "(its device policy is an allow-list)", where);
                        if (everything) {
                                s->n_device_rules = 0;
                                s->devices_all = false;
                                allowed_some = false;
                        }
                        continue;
                }
                allowed_some = true;
                if (everything) {
                        s->devices_all = true;
                        continue;
                }
                s->device_rules[s->n_device_rules++] = (struct cgroup_device) {
                        .type = t, .major = (uint32_t) major,
                        .minor = minor < 0 ? CGROUP_DEVICE_ANY : (uint32_t) minor, .access = bits,
                };
        }
        return 0;
}

int oci_parse_devices(struct oci_parse *p, json_object *linux_obj, struct oci_spec *s)
{
        json_object *a, *res;
        int r = oci_json_typed(p, linux_obj, "devices", "linux.", json_type_array, &a);

        if (r >= 0 && a)
                r = parse_nodes(p, a, s);
        if (r >= 0)
                r = oci_json_typed(p, linux_obj, "resources", "linux.", json_type_object, &res);
        if (r >= 0 && res)
                r = oci_json_typed(p, res, "devices", "linux.resources.", json_type_array, &a);
        if (r >= 0 && res && a)
                r = parse_rules(p, a, s);
        return r;
}
