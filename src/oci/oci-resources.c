/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.resources of config.json as berth's own limits (resources.h), so
 * that both cgroup backends apply them as they do the launcher's options:
 * memory.limit → MemoryMax, cpu.quota/period → CPUQuota, cpu.shares →
 * CPUWeight, cpu.cpus/mems → AllowedCPUs/AllowedMemoryNodes, pids.limit
 * → TasksMax, blockIO.weight → IOWeight, blockIO.throttle* → the I/O caps.
 * The conversions of shares and v1 block I/O weights are the ones crun
 * and systemd use, so a value means the same under each runtime. */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "resources.h"
#include "spec.h"
#include "util.h"

static json_object *get(json_object *o, const char *key)
{
        json_object *v = NULL;

        return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* NAME=VALUE through the one parser of limits. */
static int assign(struct cgroup_limits *lim, const char *field, const char *name, const char *value, char *why,
                  size_t why_size)
{
        char buf[256];
        const char *w;

        if (limits_assign(lim, name, value, buf, sizeof(buf), &w) < 0) {
                snprintf(why, why_size, "linux.resources.%s: %s", field, w);
                return -EINVAL;
        }
        return 0;
}

static bool int_of(json_object *o, const char *key, int64_t *ret)
{
        json_object *v = get(o, key);

        if (!v || !json_object_is_type(v, json_type_int))
                return false;
        *ret = json_object_get_int64(v);
        return true;
}

static int parse_cpu(json_object *cpu, struct cgroup_limits *lim, char *why, size_t why_size)
{
        int64_t shares, quota, period = 100000;
        json_object *v;
        char value[64];
        int r = 0;

        if (int_of(cpu, "shares", &shares) && shares > 0) {
                /* 2..262144 onto 1..10000. */
                if (shares < 2)
                        shares = 2;
                if (shares > 262144)
                        shares = 262144;
                snprintf(value, sizeof(value), "%" PRId64, 1 + ((shares - 2) * 9999) / 262142);
                r = assign(lim, "cpu.shares", "CPUWeight", value, why, why_size);
        }
        (void) int_of(cpu, "period", &period);
        if (r >= 0 && int_of(cpu, "quota", &quota) && quota > 0) {
                if (period <= 0) {
                        snprintf(why, why_size, "linux.resources.cpu.period: must be positive");
                        return -EINVAL;
                }
                /* Percent of one CPU, rounded up: a quota is never lost. */
                snprintf(value, sizeof(value), "%" PRId64 "%%", (quota * 100 + period - 1) / period);
                r = assign(lim, "cpu.quota", "CPUQuota", value, why, why_size);
        }
        if (r >= 0 && (v = get(cpu, "cpus")) && json_object_is_type(v, json_type_string) &&
            *json_object_get_string(v))
                r = assign(lim, "cpu.cpus", "AllowedCPUs", json_object_get_string(v), why, why_size);
        if (r >= 0 && (v = get(cpu, "mems")) && json_object_is_type(v, json_type_string) &&
            *json_object_get_string(v))
                r = assign(lim, "cpu.mems", "AllowedMemoryNodes", json_object_get_string(v), why, why_size);
        return r;
}

static int parse_block_io(json_object *bio, struct cgroup_limits *lim, char *why, size_t why_size)
{
        static const struct {
                const char *field, *name;
        } throttles[] = {
                { "throttleReadBpsDevice", "IOReadBandwidthMax" },
                { "throttleWriteBpsDevice", "IOWriteBandwidthMax" },
                { "throttleReadIOPSDevice", "IOReadIOPSMax" },
                { "throttleWriteIOPSDevice", "IOWriteIOPSMax" },
        };
        int64_t weight;
        char value[96];
        int r = 0;

        if (int_of(bio, "weight", &weight) && weight > 0) {
                /* v1's 10..1000 onto IOWeight's 1..10000. */
                if (weight < 10 || weight > 1000) {
                        snprintf(why, why_size, "linux.resources.blockIO.weight: %" PRId64 " is not 10 to 1000",
                                 weight);
                        return -EINVAL;
                }
                snprintf(value, sizeof(value), "%" PRId64, 1 + (weight - 10) * 9999 / 990);
                r = assign(lim, "blockIO.weight", "IOWeight", value, why, why_size);
        }
        for (size_t t = 0; r >= 0 && t < ELEMENTSOF(throttles); t++) {
                json_object *a = get(bio, throttles[t].field);

                for (size_t i = 0; r >= 0 && a && json_object_is_type(a, json_type_array) &&
                                   i < json_object_array_length(a);
                     i++) {
                        json_object *e = json_object_array_get_idx(a, i);
                        int64_t ma, mi, rate;
                        char field[64];

                        snprintf(field, sizeof(field), "blockIO.%s[%zu]", throttles[t].field, i);
                        if (!int_of(e, "major", &ma) || !int_of(e, "minor", &mi) || !int_of(e, "rate", &rate) ||
                            ma < 0 || mi < 0 || rate < 0) {
                                snprintf(why, why_size, "linux.resources.%s: major, minor and rate are required",
                                         field);
                                return -EINVAL;
                        }
                        snprintf(value, sizeof(value), "%" PRId64 ":%" PRId64 " %" PRId64, ma, mi, rate);
                        r = assign(lim, field, throttles[t].name, value, why, why_size);
                }
        }
        return r;
}

/* Set in config.json but not applied: named, for create's warning. */
static const struct {
        const char *object, *field;
} unapplied[] = {
        { "memory", "reservation" },       { "memory", "kernel" },
        { "memory", "kernelTCP" },         { "memory", "swappiness" },     { "memory", "disableOOMKiller" },
        { "cpu", "realtimeRuntime" },      { "cpu", "realtimePeriod" },    { "cpu", "idle" },
        { "cpu", "burst" },                { "blockIO", "leafWeight" },    { "blockIO", "weightDevice" },
        { "blockIO", "leafWeightDevice" }, { NULL, "hugepageLimits" },     { NULL, "network" },
        { NULL, "rdma" },                  { NULL, "unified" },
};

/* A value that asks for something: not null, false, 0 or empty. */
static bool asks(json_object *v)
{
        switch (v ? json_object_get_type(v) : json_type_null) {
        case json_type_null:
                return false;
        case json_type_boolean:
                return json_object_get_boolean(v);
        case json_type_int:
                return json_object_get_int64(v) != 0;
        case json_type_array:
                return json_object_array_length(v) > 0;
        case json_type_object:
                return json_object_object_length(v) > 0;
        default:
                return true;
        }
}

int64_t oci_resources_swap(json_object *res)
{
        int64_t v = 0;

        return int_of(get(res, "memory"), "swap", &v) ? v : 0;
}

int oci_resources_unapplied(json_object *res, char ***ret)
{
        for (size_t i = 0; i < ELEMENTSOF(unapplied); i++) {
                json_object *o = unapplied[i].object ? get(res, unapplied[i].object) : res;
                char name[64];
                if (!o || !asks(get(o, unapplied[i].field)))
                        continue;
                snprintf(name, sizeof(name), "%s%s%s", unapplied[i].object ?: "", unapplied[i].object ? "." : "",
                         unapplied[i].field);
                if (strv_push(ret, name) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int oci_resources_parse(json_object *res, struct cgroup_limits *lim, char *why, size_t why_size)
{
        json_object *o;
        int64_t v;
        char value[64];
        int r = 0;

        if ((o = get(res, "memory")) && int_of(o, "limit", &v) && v > 0) {
                snprintf(value, sizeof(value), "%" PRId64, v);
                r = assign(lim, "memory.limit", "MemoryMax", value, why, why_size);
        }
        if (r >= 0 && (o = get(res, "cpu")))
                r = parse_cpu(o, lim, why, why_size);
        if (r >= 0 && (o = get(res, "pids")) && int_of(o, "limit", &v) && v > 0) {
                snprintf(value, sizeof(value), "%" PRId64, v);
                r = assign(lim, "pids.limit", "TasksMax", value, why, why_size);
        }
        if (r >= 0 && (o = get(res, "blockIO")))
                r = parse_block_io(o, lim, why, why_size);
        return r;
}
