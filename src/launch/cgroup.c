/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The machine's cgroup: its backend picked, and the calls of cgroup.h
 * handed to it. */
#include "cgroup-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
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

int cgroup_init(struct machine_cgroup *cg, enum cgroup_mode mode)
{
        _cleanup_free_ char *mp = NULL;
        int r = cgroup2_mount_point(&mp);

        if (r < 0)
                return r;
        if (mode == CGROUP_CGROUPFS || (mode == CGROUP_AUTO && !cgroup_systemd_running())) {
                cg->ops = &cgroup_fs_ops;
                return 0;
        }
        if (!cgroup_systemd_running())
                return -ENOMEDIUM;
        cg->ops = &cgroup_scope_ops;
        return 0;
}

int cgroup_create(struct machine_cgroup *cg, const char *machine)
{
        return cg->ops ? cg->ops->create(cg, machine) : 0;
}

int cgroup_destroy(struct machine_cgroup *cg)
{
        int r;

        if (!cg->ops || !cg->path)
                return 0;
        r = cgroup_leave_supervisor(cg);
        if (r < 0)
                return r;
        return cg->ops->destroy(cg);
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
        return cgroup_create(cg, machine);
}

void cgroup_done(struct machine_cgroup *cg)
{
        free(cg->path);
        cg->path = NULL;
        free(cg->home);
        cg->home = NULL;
        free(cg->unit);
        cg->unit = NULL;
        free(cg->bus_helper);
        cg->bus_helper = NULL;
        for (int i = 0; i < _CG_V1_MAX; i++) {
                free(cg->v1[i]);
                cg->v1[i] = NULL;
        }
        free(cg->v1_memory_later);
        cg->v1_memory_later = NULL;
        cg->v1_memory_pending = false;
}
