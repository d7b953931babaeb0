/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Limits and accounting in the cgroup file system: cgroup2 where the
 * controller is delegated to the machine's cgroup, else the v1 controller
 * (hybrid and legacy hosts). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cleanup.h"
#include "cgutil.h"
#include "util.h"

static int write_knob(const char *dir, const char *file, const char *value, char *what, size_t what_size)
{
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r;

        snprintf(what, what_size, "writing %s to %s/%s", value, dir, file);
        if (fd < 0)
                return -errno;
        r = write_string_at(fd, file, value);
        return r;
}

/* Where a controller's knob goes: cgroup2 if delegated there, else v1. */
static int knob_dir(struct machine_cgroup *cg, const char *v2_controller, enum cgroup_v1 v1, const char *machine,
                    join_v1_fn join_v1, bool *ret_v2, const char **ret_dir)
{
        int r;

        if (cg->path && cgroup2_has_controller(cg->path, v2_controller)) {
                *ret_v2 = true;
                *ret_dir = cg->path;
                return 0;
        }
        if (!cg->v1[v1]) {
                if (!join_v1)
                        return -EOPNOTSUPP;
                r = join_v1(cg, v1, machine);
                if (r == -EBUSY)
                        cg->what[0] = 0;        /* not the limit's fault: the cgroup is in use */
                if (r < 0)
                        return r;
        }
        *ret_v2 = false;
        *ret_dir = cg->v1[v1];
        return 0;
}

/* Whether l is to be written: set to something, or (all) assigned at all,
 * a lift included. */
#define WRITE(lim, l, value) (limits_has(lim, l) && ((value) || all))

/* One number in a controller's file (memory.max, pids.max): the value, or
 * none for 0 ("max" in cgroup2, v1_none in v1). */
static int write_number(struct machine_cgroup *cg, const char *controller, enum cgroup_v1 c, const char *v2_file,
                        const char *v1_file, const char *v1_none, uint64_t value, const char *machine,
                        join_v1_fn join_v1, char *what, size_t what_size)
{
        const char *dir;
        char v[64];
        bool v2;
        int r;

        snprintf(what, what_size, "finding a %s controller", controller);
        r = knob_dir(cg, controller, c, machine, join_v1, &v2, &dir);
        if (r < 0)
                return r;
        if (value)
                snprintf(v, sizeof(v), "%" PRIu64, value);
        else
                snprintf(v, sizeof(v), "%s", v2 ? "max" : v1_none);
        return write_knob(dir, v2 ? v2_file : v1_file, v, what, what_size);
}

static int write_cpu(struct machine_cgroup *cg, const struct cgroup_limits *lim, bool all, const char *machine,
                     join_v1_fn join_v1, char *what, size_t what_size)
{
        const char *dir;
        char v[64];
        bool v2;
        int r;

        snprintf(what, what_size, "finding a cpu controller");
        r = knob_dir(cg, "cpu", CG_V1_CPU, machine, join_v1, &v2, &dir);
        if (r < 0)
                return r;
        if (WRITE(lim, LIMIT_CPU_QUOTA, lim->cpu_quota)) {
                /* Percent of one CPU, per 100 ms period. */
                if (v2)
                        snprintf(v, sizeof(v), lim->cpu_quota ? "%u 100000" : "max 100000", lim->cpu_quota * 1000);
                else {
                        r = write_knob(dir, "cpu.cfs_period_us", "100000", what, what_size);
                        if (r < 0)
                                return r;
                        snprintf(v, sizeof(v), lim->cpu_quota ? "%u" : "-1", lim->cpu_quota * 1000);
                }
                r = write_knob(dir, v2 ? "cpu.max" : "cpu.cfs_quota_us", v, what, what_size);
                if (r < 0)
                        return r;
        }
        if (WRITE(lim, LIMIT_CPU_WEIGHT, lim->cpu_weight)) {
                unsigned w = lim->cpu_weight ?: 100;
                /* v1 shares: 1024 is weight 100. */
                snprintf(v, sizeof(v), "%u", v2 ? w : w * 1024 / 100);
                r = write_knob(dir, v2 ? "cpu.weight" : "cpu.shares", v, what, what_size);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cgroup_limits_write(struct machine_cgroup *cg, const struct cgroup_limits *lim, bool all, const char *machine,
                        join_v1_fn join_v1, char *what, size_t what_size)
{
        int r;

        if (!lim)
                return 0;
        r = cgroup_cpuset_apply(cg, lim, machine, what, what_size);
        if (r >= 0 && WRITE(lim, LIMIT_MEMORY_MAX, lim->memory_max))
                r = write_number(cg, "memory", CG_V1_MEMORY, "memory.max", "memory.limit_in_bytes", "-1",
                                 lim->memory_max, machine, join_v1, what, what_size);
        if (r >= 0 && (WRITE(lim, LIMIT_CPU_QUOTA, lim->cpu_quota) || WRITE(lim, LIMIT_CPU_WEIGHT, lim->cpu_weight)))
                r = write_cpu(cg, lim, all, machine, join_v1, what, what_size);
        if (r >= 0 && WRITE(lim, LIMIT_TASKS_MAX, lim->tasks_max))
                r = write_number(cg, "pids", CG_V1_PIDS, "pids.max", "pids.max", "max", lim->tasks_max, machine,
                                 join_v1, what, what_size);
        if (r >= 0)
                r = cgroup_io_apply(cg, lim, machine, all, join_v1, what, what_size);
        if (r < 0)
                return r;
        what[0] = 0;
        return 0;
}

int cgroup_limits_apply(struct machine_cgroup *cg, const char *machine, join_v1_fn join_v1, char *what,
                        size_t what_size)
{
        return cgroup_limits_write(cg, cg->limits, false, machine, join_v1, what, what_size);
}

int cgroup_usage(const struct machine_cgroup *cg, struct cgroup_usage *u)
{
        bool v2mem = cg->path && cgroup2_has_controller(cg->path, "memory");
        bool v2pids = cg->path && cgroup2_has_controller(cg->path, "pids");
        int64_t usec;

        *u = (struct cgroup_usage) { -1, -1, -1, -1, -1 };
        if (v2mem) {
                u->memory = cg_read_number(cg->path, "memory.current", NULL);
                u->memory_peak = cg_read_number(cg->path, "memory.peak", NULL);
                u->oom_kills = cg_read_number(cg->path, "memory.events", "oom_kill");
        } else if (cg->v1[CG_V1_MEMORY]) {
                u->memory = cg_read_number(cg->v1[CG_V1_MEMORY], "memory.usage_in_bytes", NULL);
                u->memory_peak = cg_read_number(cg->v1[CG_V1_MEMORY], "memory.max_usage_in_bytes", NULL);
                /* v1 counts OOM kills where they happened: in payload/. */
                char payload[4200];
                snprintf(payload, sizeof(payload), "%s/payload", cg->v1[CG_V1_MEMORY]);
                u->oom_kills = cg_read_number(payload, "memory.oom_control", "oom_kill");
        }
        /* cgroup2 keeps CPU time for every cgroup, controller or not. */
        usec = cg_read_number(cg->path, "cpu.stat", "usage_usec");
        if (usec < 0 && cg->v1[CG_V1_CPUACCT]) {
                int64_t ns = cg_read_number(cg->v1[CG_V1_CPUACCT], "cpuacct.usage", NULL);
                usec = ns < 0 ? -1 : ns / 1000;
        }
        u->cpu_usec = usec;
        if (v2pids)
                u->tasks = cg_read_number(cg->path, "pids.current", NULL);
        else if (cg->v1[CG_V1_PIDS])
                u->tasks = cg_read_number(cg->v1[CG_V1_PIDS], "pids.current", NULL);
        else if (cg->path) {
                _cleanup_close_ int fd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                u->tasks = fd < 0 ? -1 : cg_count_threads(fd);
        }
        return 0;
}
