/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A machine's resource limits, by the names of systemd's unit properties
 * (MemoryMax=, AllowedCPUs=, IOWriteBandwidthMax=, ...): what the
 * launcher's options and settings file set, what berthctl set-property
 * changes on a running machine, what berth-bus asks systemd for. The
 * cgroup backends (src/launch/cgroup-*.c) write them. */

enum limit {
        LIMIT_MEMORY_MAX,
        LIMIT_CPU_QUOTA,
        LIMIT_TASKS_MAX,
        LIMIT_CPU_WEIGHT,
        LIMIT_ALLOWED_CPUS,
        LIMIT_ALLOWED_MEMORY_NODES,
        LIMIT_IO_WEIGHT,
        LIMIT_IO_READ_BANDWIDTH_MAX,
        LIMIT_IO_WRITE_BANDWIDTH_MAX,
        LIMIT_IO_READ_IOPS_MAX,
        LIMIT_IO_WRITE_IOPS_MAX,
        _LIMIT_MAX,
};

#define LIMIT_IO_FIRST LIMIT_IO_READ_BANDWIDTH_MAX
#define N_IO_MAX (LIMIT_IO_WRITE_IOPS_MAX - LIMIT_IO_FIRST + 1)
#define LIMITS_IO_DEVICES_MAX 16

/* One block device's I/O caps: bytes or operations per second, in the
 * order of enum limit from LIMIT_IO_FIRST; 0: no cap. */
struct io_device_limit {
        dev_t dev;
        uint64_t max[N_IO_MAX];
        unsigned assigned;      /* 1 << k for each max[k] given (a lift too) */
};

struct cgroup_limits {
        uint64_t memory_max;    /* bytes; 0: no limit */
        unsigned cpu_quota;     /* percent of one CPU; 0: no limit */
        uint64_t tasks_max;     /* 0: no limit */
        unsigned cpu_weight;    /* 1..10000; 0: the default */
        cpu_set_t cpuset_cpus, cpuset_mems;     /* with LIMIT_ALLOWED_* in set */
        unsigned io_weight;     /* 1..10000; 0: the default */
        struct io_device_limit io[LIMITS_IO_DEVICES_MAX];
        size_t n_io;
        unsigned set;           /* 1 << enum limit for each one assigned */
};

static inline bool limits_has(const struct cgroup_limits *lim, enum limit l)
{
        return lim && (lim->set & (1u << l));
}

/* The property's systemd name, and back (-ENOENT: berth has none such). */
const char *limit_name(enum limit l);
int limit_from_name(const char *name);

/* Assign NAME=VALUE as systemd reads it: "infinity" (or an empty value)
 * lifts a limit; an I/O cap's value is "DEVICE BYTES", DEVICE a block
 * device node, MAJ:MIN, or a file on the file system of a block device.
 * On failure *ret_why says what was expected, whole (in static storage or
 * why_buf). */
int limits_assign(struct cgroup_limits *lim, const char *name, const char *value, char *why_buf, size_t why_size,
                  const char **ret_why);
/* What src assigns (lifts too) into dst: a running machine's limits after
 * set-property. -E2BIG: more devices with I/O caps than fit. */
int limits_merge(struct cgroup_limits *dst, const struct cgroup_limits *src);
/* The value of l as NAME= takes it back ("" for one not set); an I/O cap
 * writes one "DEVICE BYTES" per device, n at most, separated by '\n'. */
int limits_format(const struct cgroup_limits *lim, enum limit l, char *buf, size_t size);

/* Parse "64M", "1G", "infinity" (0) and plain bytes. */
int parse_size(const char *s, uint64_t *ret);
/* "MAJ:MIN", a block device's node, or any file on a block device's file
 * system: the device, as the I/O controllers name it (a partition's disk).
 * -ENOTBLK: none of these. */
int block_device_parse(const char *s, dev_t *ret);
