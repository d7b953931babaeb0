/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "resources.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "cpulist.h"
#include "util.h"

static const char *const limit_names[_LIMIT_MAX] = {
        [LIMIT_MEMORY_MAX] = "MemoryMax",
        [LIMIT_CPU_QUOTA] = "CPUQuota",
        [LIMIT_TASKS_MAX] = "TasksMax",
        [LIMIT_CPU_WEIGHT] = "CPUWeight",
        [LIMIT_ALLOWED_CPUS] = "AllowedCPUs",
        [LIMIT_ALLOWED_MEMORY_NODES] = "AllowedMemoryNodes",
        [LIMIT_IO_WEIGHT] = "IOWeight",
        [LIMIT_IO_READ_BANDWIDTH_MAX] = "IOReadBandwidthMax",
        [LIMIT_IO_WRITE_BANDWIDTH_MAX] = "IOWriteBandwidthMax",
        [LIMIT_IO_READ_IOPS_MAX] = "IOReadIOPSMax",
        [LIMIT_IO_WRITE_IOPS_MAX] = "IOWriteIOPSMax",
};

const char *limit_name(enum limit l)
{
        return (unsigned) l < _LIMIT_MAX ? limit_names[l] : NULL;
}

int limit_from_name(const char *name)
{
        for (int l = 0; l < _LIMIT_MAX; l++)
                if (name && streq(name, limit_names[l]))
                        return l;
        return -ENOENT;
}

/* Bytes with a suffix of powers of base (1024 for memory, 1000 for the
 * I/O caps, as systemd reads them). */
static int parse_size_base(const char *s, uint64_t base, uint64_t *ret)
{
        static const char suffixes[] = "KMGT";
        char *end;
        unsigned long long v;
        uint64_t mult = 1;
        const char *sfx;

        if (!s || !*s)
                return -EINVAL;
        if (streq(s, "infinity")) {
                *ret = 0;
                return 0;
        }
        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno)
                return -errno;
        if (*end) {
                sfx = strchr(suffixes, *end >= 'a' ? *end - 'a' + 'A' : *end);
                if (!sfx)
                        return -EINVAL;
                for (const char *p = suffixes; p <= sfx; p++)
                        mult *= base;
                if (end[1] && !(end[1] == 'B' && !end[2]) && !(end[1] == 'i' && end[2] == 'B' && !end[3]))
                        return -EINVAL;
        }
        if (v > UINT64_MAX / mult)
                return -ERANGE;
        *ret = v * mult;
        return 0;
}

int parse_size(const char *s, uint64_t *ret)
{
        return parse_size_base(s, 1024, ret);
}

/* A partition's disk: the I/O controllers take whole disks only. */
static dev_t whole_disk(dev_t dev)
{
        char path[128];
        _cleanup_free_ char *text = NULL;
        unsigned ma, mi;

        snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/partition", major(dev), minor(dev));
        if (access(path, F_OK) < 0)
                return dev;
        snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/../dev", major(dev), minor(dev));
        if (read_file_at(AT_FDCWD, path, &text, 64) < 0 || sscanf(text, "%u:%u", &ma, &mi) != 2)
                return dev;
        return makedev(ma, mi);
}

static bool block_device_exists(dev_t dev)
{
        char path[128];

        snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", major(dev), minor(dev));
        return access(path, F_OK) >= 0;
}

int block_device_parse(const char *s, dev_t *ret)
{
        unsigned ma, mi;
        char tail;
        struct stat st;
        dev_t dev;

        if (sscanf(s, "%u:%u%c", &ma, &mi, &tail) == 2)
                dev = makedev(ma, mi);
        else if (stat(s, &st) < 0)
                return -errno;
        else if (S_ISBLK(st.st_mode))
                dev = st.st_rdev;
        else if (S_ISCHR(st.st_mode))
                return -ENOTBLK;
        else
                dev = st.st_dev;        /* a file: its file system's device */
        if (!block_device_exists(dev))
                return -ENOTBLK;
        *ret = whole_disk(dev);
        return 0;
}

static int parse_weight(const char *value, unsigned *ret)
{
        unsigned v;

        if (!*value || streq(value, "infinity")) {
                *ret = 0;
                return 0;
        }
        if (parse_uint(value, &v) < 0 || v < 1 || v > 10000)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int parse_quota(const char *value, unsigned *ret)
{
        char n[32];
        size_t len = strlen(value);
        unsigned v;

        if (!*value || streq(value, "infinity")) {
                *ret = 0;
                return 0;
        }
        if (len >= sizeof(n))
                return -EINVAL;
        memcpy(n, value, len + 1);
        if (n[len - 1] == '%')
                n[len - 1] = 0;
        if (parse_uint(n, &v) < 0 || v == 0 || v > 100000)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int parse_tasks(const char *value, uint64_t *ret)
{
        unsigned v;

        if (!*value || streq(value, "infinity")) {
                *ret = 0;
                return 0;
        }
        if (parse_uint(value, &v) < 0 || v == 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

static struct io_device_limit *io_device(struct cgroup_limits *lim, dev_t dev)
{
        for (size_t i = 0; i < lim->n_io; i++)
                if (lim->io[i].dev == dev)
                        return &lim->io[i];
        if (lim->n_io >= LIMITS_IO_DEVICES_MAX)
                return NULL;
        lim->io[lim->n_io] = (struct io_device_limit) { .dev = dev };
        return &lim->io[lim->n_io++];
}

/* "DEVICE VALUE": the device and its cap (0: none); an empty value lifts
 * this cap on every device. */
static int parse_io(struct cgroup_limits *lim, enum limit l, const char *value, char *why_buf, size_t why_size,
                    const char **ret_why)
{
        const char *sp = strrchr(value, ' ');
        char dev_text[4096];
        struct io_device_limit *d;
        uint64_t v;
        dev_t dev;
        int r;

        if (!*value) {
                for (size_t i = 0; i < lim->n_io; i++)
                        if (lim->io[i].assigned & (1u << (l - LIMIT_IO_FIRST)))
                                lim->io[i].max[l - LIMIT_IO_FIRST] = 0;
                return 0;
        }
        *ret_why = l <= LIMIT_IO_WRITE_BANDWIDTH_MAX
                           ? "expected a block device and bytes per second, such as \"/dev/vda 10M\" "
                             "(the device as its node, MAJ:MIN or a file on its file system; infinity for no cap)"
                           : "expected a block device and operations per second, such as \"/dev/vda 1000\" "
                             "(the device as its node, MAJ:MIN or a file on its file system; infinity for no cap)";
        if (!sp || sp == value || (size_t) (sp - value) >= sizeof(dev_text))
                return -EINVAL;
        memcpy(dev_text, value, (size_t) (sp - value));
        dev_text[sp - value] = 0;
        if (parse_size_base(sp + 1, 1000, &v) < 0)
                return -EINVAL;
        r = block_device_parse(dev_text, &dev);
        if (r < 0) {
                snprintf(why_buf, why_size, r == -ENOTBLK ? "%s is not a block device, nor on one"
                                            : "%s: no such device or file", dev_text);
                *ret_why = why_buf;
                return r;
        }
        d = io_device(lim, dev);
        if (!d) {
                snprintf(why_buf, why_size, "caps for at most %d devices", LIMITS_IO_DEVICES_MAX);
                *ret_why = why_buf;
                return -E2BIG;
        }
        d->max[l - LIMIT_IO_FIRST] = v;
        d->assigned |= 1u << (l - LIMIT_IO_FIRST);
        return 0;
}

static int parse_list(const char *value, cpu_set_t *set, const char **ret_why)
{
        int r;

        if (!*value) {
                CPU_ZERO(set);
                return 0;
        }
        r = cpu_list_parse(value, set);
        if (r == -ERANGE)
                *ret_why = "a number past 1023";
        else if (r < 0)
                *ret_why = "expected numbers and ranges, such as 0-3,6";
        return r < 0 ? -EINVAL : 0;
}

int limits_assign(struct cgroup_limits *lim, const char *name, const char *value, char *why_buf, size_t why_size,
                  const char **ret_why)
{
        int l = limit_from_name(name), r;

        *ret_why = NULL;
        if (l < 0) {
                *ret_why = "not a property berth knows (MemoryMax, CPUQuota, TasksMax, CPUWeight, AllowedCPUs, "
                           "AllowedMemoryNodes, IOWeight, IOReadBandwidthMax, IOWriteBandwidthMax, "
                           "IOReadIOPSMax, IOWriteIOPSMax)";
                return -ENOENT;
        }
        switch (l) {
        case LIMIT_MEMORY_MAX:
                *ret_why = "expected bytes with K, M, G or T, or infinity";
                r = *value ? parse_size(value, &lim->memory_max) : (lim->memory_max = 0, 0);
                break;
        case LIMIT_CPU_QUOTA:
                *ret_why = "expected a percentage of one CPU, 1% to 100000%";
                r = parse_quota(value, &lim->cpu_quota);
                break;
        case LIMIT_TASKS_MAX:
                *ret_why = "expected a positive number or infinity";
                r = parse_tasks(value, &lim->tasks_max);
                break;
        case LIMIT_CPU_WEIGHT:
                *ret_why = "expected 1 to 10000";
                r = parse_weight(value, &lim->cpu_weight);
                break;
        case LIMIT_IO_WEIGHT:
                *ret_why = "expected 1 to 10000";
                r = parse_weight(value, &lim->io_weight);
                break;
        case LIMIT_ALLOWED_CPUS:
                r = parse_list(value, &lim->cpuset_cpus, ret_why);
                break;
        case LIMIT_ALLOWED_MEMORY_NODES:
                r = parse_list(value, &lim->cpuset_mems, ret_why);
                break;
        default:
                r = parse_io(lim, l, value, why_buf, why_size, ret_why);
                break;
        }
        if (r < 0)
                return r;
        *ret_why = NULL;
        lim->set |= 1u << l;
        return 0;
}

int limits_merge(struct cgroup_limits *dst, const struct cgroup_limits *src)
{
        if (limits_has(src, LIMIT_MEMORY_MAX))
                dst->memory_max = src->memory_max;
        if (limits_has(src, LIMIT_CPU_QUOTA))
                dst->cpu_quota = src->cpu_quota;
        if (limits_has(src, LIMIT_TASKS_MAX))
                dst->tasks_max = src->tasks_max;
        if (limits_has(src, LIMIT_CPU_WEIGHT))
                dst->cpu_weight = src->cpu_weight;
        if (limits_has(src, LIMIT_IO_WEIGHT))
                dst->io_weight = src->io_weight;
        if (limits_has(src, LIMIT_ALLOWED_CPUS))
                dst->cpuset_cpus = src->cpuset_cpus;
        if (limits_has(src, LIMIT_ALLOWED_MEMORY_NODES))
                dst->cpuset_mems = src->cpuset_mems;
        for (size_t i = 0; i < src->n_io; i++) {
                struct io_device_limit *d = io_device(dst, src->io[i].dev);

                if (!d)
                        return -E2BIG;
                for (unsigned k = 0; k < N_IO_MAX; k++)
                        if (src->io[i].assigned & (1u << k)) {
                                d->max[k] = src->io[i].max[k];
                                d->assigned |= 1u << k;
                        }
        }
        dst->set |= src->set;
        return 0;
}

int limits_format(const struct cgroup_limits *lim, enum limit l, char *buf, size_t size)
{
        size_t len = 0;

        buf[0] = 0;
        if (!limits_has(lim, l))
                return 0;
        switch (l) {
        case LIMIT_MEMORY_MAX:
                return snprintf(buf, size, lim->memory_max ? "%" PRIu64 : "infinity", lim->memory_max);
        case LIMIT_CPU_QUOTA:
                return lim->cpu_quota ? snprintf(buf, size, "%u%%", lim->cpu_quota) : snprintf(buf, size, "infinity");
        case LIMIT_TASKS_MAX:
                return snprintf(buf, size, lim->tasks_max ? "%" PRIu64 : "infinity", lim->tasks_max);
        case LIMIT_CPU_WEIGHT:
        case LIMIT_IO_WEIGHT: {
                unsigned w = l == LIMIT_CPU_WEIGHT ? lim->cpu_weight : lim->io_weight;
                return w ? snprintf(buf, size, "%u", w) : 0;
        }
        case LIMIT_ALLOWED_CPUS:
                cpu_list_format(&lim->cpuset_cpus, buf, size);
                return (int) strlen(buf);
        case LIMIT_ALLOWED_MEMORY_NODES:
                cpu_list_format(&lim->cpuset_mems, buf, size);
                return (int) strlen(buf);
        default:
                for (size_t i = 0; i < lim->n_io; i++) {
                        uint64_t v = lim->io[i].max[l - LIMIT_IO_FIRST];
                        int k;

                        if (!v)
                                continue;
                        k = snprintf(buf + len, size - len, "%s%u:%u %" PRIu64, len ? "\n" : "",
                                     major(lim->io[i].dev), minor(lim->io[i].dev), v);
                        if (k < 0 || (size_t) k >= size - len)
                                return -ENOBUFS;
                        len += (size_t) k;
                }
                return (int) len;
        }
}
