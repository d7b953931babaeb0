/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's cgroup, made by the launcher's cgroupfs backend: its
 * limits (linux.resources), its device policy, at linux.cgroupsPath. */
#include "oci-cgroup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "devices.h"
#include "log.h"
#include "settings.h"
#include "util.h"

int oci_cgroup_open(const struct oci_cgroup_args *a, struct machine_cgroup *cg, struct cgroup_device **ret_devices,
                    size_t *ret_n)
{
        struct machine_devices none = MACHINE_DEVICES_INIT;
        int r;

        cg->limits = &a->settings->limits;
        cg->owner = a->userns ? a->settings->users_base : 0;
        r = devices_allow_list(a->settings, &none, ret_devices, ret_n);
        if (r < 0)
                return log_oom();
        cg->devices = *ret_devices;
        cg->n_devices = *ret_n;
        /* A user namespace makes no device nodes: a policy is a second
         * wall there, not the only one. */
        cg->devices_optional = a->userns;
        r = cgroup_open(cg, CGROUP_CGROUPFS, a->name);
        if (r < 0 && cg->what[0])
                return log_error_errno(r, "container %s: its cgroup: %s", a->id, cg->what);
        if (r < 0)
                return log_error_errno(r, "container %s: creating its cgroup", a->id);
        if (!cg->path && !cg->devices_optional)
                return log_error_ret(-EOPNOTSUPP, "container %s: no cgroup2 hierarchy is mounted, so no device "
                                     "policy can keep it from the host's devices", a->id);
        return 0;
}
