/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The machine's cgroup: its backend picked (systemd's scope where systemd
 * is PID 1, the cgroup file system where it is not or its bus does not
 * answer), and the calls of cgroup.h handed to it. */
#include "cgroup-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "programs.h"
#include "util.h"

static const char *const mode_table[_CGROUP_MODE_MAX] = {
        [CGROUP_AUTO] = "auto",
        [CGROUP_SYSTEMD] = "systemd",
        [CGROUP_CGROUPFS] = "cgroupfs",
};

const char *cgroup_mode_to_string(enum cgroup_mode m)
{
        return (unsigned) m < _CGROUP_MODE_MAX ? mode_table[m] : NULL;
}

int cgroup_mode_from_string(const char *s)
{
        for (int i = 0; i < _CGROUP_MODE_MAX; i++)
                if (s && streq(s, mode_table[i]))
                        return i;
        return -EINVAL;
}

static bool limits_set(const struct cgroup_limits *lim)
{
        return lim && (lim->memory_max || lim->cpu_quota || lim->tasks_max || lim->cpu_weight ||
                       limits_has(lim, LIMIT_ALLOWED_CPUS) || limits_has(lim, LIMIT_ALLOWED_MEMORY_NODES) ||
                       lim->io_weight || lim->n_io);
}

static int create(struct machine_cgroup *cg, const char *machine)
{
        int r;

        cg->step = CGROUP_STEP_CREATE;
        r = cg->ops->create(cg, machine);
        if (r < 0)
                return r;
        cg->step = CGROUP_STEP_DEVICES;
        r = cgroup_devices_apply(cg, machine);
        if (r < 0 && cg->devices_optional) {
                cg->devices_unset = true;
                return 0;
        }
        return r;
}

/* What one creation made: cgroup_done frees the rest. */
static void forget(struct machine_cgroup *cg)
{
        free(cg->path);
        cg->path = NULL;
        free(cg->home);
        cg->home = NULL;
        free(cg->unit);
        cg->unit = NULL;
        for (int i = 0; i < _CG_V1_MAX; i++) {
                free(cg->v1[i]);
                cg->v1[i] = NULL;
        }
        for (int i = 0; i < _CG_V1_MAX; i++) {
                free(cg->v1_later[i]);
                cg->v1_later[i] = NULL;
        }
        cg->v1_pending = 0;
        cg->devices_v1 = false;
        cg->devices_unset = false;
}

int cgroup_open(struct machine_cgroup *cg, enum cgroup_mode mode, const char *machine)
{
        bool systemd = mode != CGROUP_CGROUPFS && cgroup_systemd_running();
        int r;

        cg->step = CGROUP_STEP_HIERARCHY;
        r = cgroup2_mount_point(&cg->mount);
        if (r == -EOPNOTSUPP && !limits_set(cg->limits))
                return 0;
        if (r < 0)
                return r;
        cg->step = CGROUP_STEP_BACKEND;
        if (mode == CGROUP_SYSTEMD && !systemd)
                return -ENOMEDIUM;
        cg->ops = systemd ? &cgroup_scope_ops : &cgroup_fs_ops;
        if (systemd && !cg->keep_unit) {
                cg->step = CGROUP_STEP_HELPER;
                r = program_find("berth-bus", &cg->bus_helper);
                if (r < 0)
                        return r;
        }
        r = create(cg, machine);
        if (r == -ENOMEDIUM && systemd && mode == CGROUP_AUTO) {
                /* systemd is PID 1 but its bus does not answer: do without. */
                snprintf(cg->fallback, sizeof(cg->fallback), "%s", cg->what);
                forget(cg);
                cg->what[0] = 0;
                cg->ops = &cgroup_fs_ops;
                r = create(cg, machine);
        }
        return r;
}

int cgroup_destroy(struct machine_cgroup *cg)
{
        int r;

        if (!cg->ops || !cg->path)
                return 0;
        r = cgroup_leave_supervisor(cg);
        if (r < 0)
                return r;
        r = cg->ops->destroy(cg);
        if (r < 0)
                return r;
        forget(cg);
        return 0;
}

int cgroup_renew(struct machine_cgroup *cg, const char *machine)
{
        int r;

        if (!cg->ops)
                return 0;
        if (cg->ops->renew)
                return cg->ops->renew(cg, machine);
        r = cgroup_destroy(cg);
        if (r < 0)
                return r;
        return create(cg, machine);
}

void cgroup_done(struct machine_cgroup *cg)
{
        forget(cg);
        free(cg->mount);
        cg->mount = NULL;
        free(cg->bus_helper);
        cg->bus_helper = NULL;
}

int cgroup_adopt(struct machine_cgroup *cg, const char *path, uint64_t id, char *const v1[_CG_V1_MAX])
{
        int r = cgroup2_mount_point(&cg->mount);

        if (r < 0)
                return r;
        cg->ops = &cgroup_fs_ops;
        cg->path = strdup(path);
        if (!cg->path)
                return -ENOMEM;
        cg->id = id;
        for (int c = 0; c < _CG_V1_MAX; c++)
                if (v1[c] && !(cg->v1[c] = strdup(v1[c])))
                        return -ENOMEM;
        return 0;
}

int cgroup_set(struct machine_cgroup *cg, const struct cgroup_limits *changes, const char *machine)
{
        int r;

        if (!cg->ops || !cg->path)
                return -EOPNOTSUPP;
        if (!cg->ops->set)
                return -EOPNOTSUPP;
        cg->what[0] = 0;
        r = cg->ops->set(cg, changes, machine);
        return r;
}
