/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "unit-props.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/sysmacros.h>

/* systemd's "no limit" and "the default" for its uint64 properties. */
#define SD_INFINITY UINT64_MAX

static const char *const io_props[N_IO_MAX] = {
        "IOReadBandwidthMax", "IOWriteBandwidthMax", "IOReadIOPSMax", "IOWriteIOPSMax",
};

static int append_u64(sd_bus_message *m, const char *name, uint64_t v)
{
        return sd_bus_message_append(m, "(sv)", name, "t", v ? v : SD_INFINITY);
}

/* A CPU list as systemd's byte array: bit n of byte n / 8 for CPU n. */
static int append_set(sd_bus_message *m, const char *name, const cpu_set_t *set)
{
        uint8_t bytes[CPU_SETSIZE / 8] = {};
        size_t n = 0;
        int r;

        for (unsigned c = 0; c < CPU_SETSIZE; c++)
                if (CPU_ISSET(c, set)) {
                        bytes[c / 8] |= (uint8_t) (1u << (c % 8));
                        n = c / 8 + 1;
                }
        r = sd_bus_message_open_container(m, 'r', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "ay");
        if (r >= 0)
                r = sd_bus_message_append_array(m, 'y', bytes, n);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

/* One cap for every device that has it (with all, the lifted ones too:
 * "infinity"). */
static int append_io(sd_bus_message *m, const struct cgroup_limits *lim, unsigned k, bool all)
{
        int r = sd_bus_message_open_container(m, 'r', "sv");

        if (r >= 0)
                r = sd_bus_message_append(m, "s", io_props[k]);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "a(st)");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(st)");
        for (size_t i = 0; r >= 0 && i < lim->n_io; i++) {
                char dev[64];
                uint64_t v = lim->io[i].max[k];

                if (!(lim->io[i].assigned & (1u << k)) || (!v && !all))
                        continue;
                snprintf(dev, sizeof(dev), "/dev/block/%u:%u", major(lim->io[i].dev), minor(lim->io[i].dev));
                r = sd_bus_message_append(m, "(st)", dev, v ? v : SD_INFINITY);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

int bus_append_limits(sd_bus_message *m, const struct cgroup_limits *lim, bool all)
{
        int r = 0;

#define WANT(l, nonzero) (limits_has(lim, l) && ((nonzero) || all))
        if (WANT(LIMIT_MEMORY_MAX, lim->memory_max))
                r = append_u64(m, "MemoryMax", lim->memory_max);
        /* CPUQuota=N% is N/100 s of CPU time per second. */
        if (r >= 0 && WANT(LIMIT_CPU_QUOTA, lim->cpu_quota))
                r = append_u64(m, "CPUQuotaPerSecUSec", (uint64_t) lim->cpu_quota * 10000);
        if (r >= 0 && WANT(LIMIT_TASKS_MAX, lim->tasks_max))
                r = append_u64(m, "TasksMax", lim->tasks_max);
        if (r >= 0 && WANT(LIMIT_CPU_WEIGHT, lim->cpu_weight))
                r = append_u64(m, "CPUWeight", lim->cpu_weight);
        if (r >= 0 && WANT(LIMIT_IO_WEIGHT, lim->io_weight))
                r = append_u64(m, "IOWeight", lim->io_weight);
        if (r >= 0 && WANT(LIMIT_ALLOWED_CPUS, CPU_COUNT(&lim->cpuset_cpus)))
                r = append_set(m, "AllowedCPUs", &lim->cpuset_cpus);
        if (r >= 0 && WANT(LIMIT_ALLOWED_MEMORY_NODES, CPU_COUNT(&lim->cpuset_mems)))
                r = append_set(m, "AllowedMemoryNodes", &lim->cpuset_mems);
        for (unsigned k = 0; r >= 0 && k < N_IO_MAX; k++)
                if (limits_has(lim, LIMIT_IO_FIRST + k))
                        r = append_io(m, lim, k, all);
#undef WANT
        return r;
}
