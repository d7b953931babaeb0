/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's cgroup, made by the launcher's cgroupfs backend: its
 * limits (linux.resources), its device policy, at linux.cgroupsPath. */
#include "oci-cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "devices.h"
#include "log.h"
#include "oci-state.h"
#include "settings.h"
#include "util.h"

/* "a-b-c.slice" as systemd nests it: /a.slice/a-b.slice/a-b-c.slice. */
static int expand_slice(const char *slice, FILE *f)
{
        size_t len = strlen(slice);

        if (len < 6 || strcmp(slice + len - 6, ".slice") != 0 || strchr(slice, '/'))
                return -EINVAL;
        if (streq(slice, "-.slice"))
                return 0;
        for (const char *d = slice; (d = strchr(d, '-')); d++)
                fprintf(f, "/%.*s.slice", (int) (d - slice), slice);
        fprintf(f, "/%s", slice);
        return 0;
}

int oci_cgroups_path(const char *path, bool systemd, char **ret)
{
        *ret = NULL;
        if (!path || !*path)
                return 0;
        if (!systemd) {
                if (strchr(path, ':'))
                        return -EINVAL;
                *ret = strdup(path);
                return *ret ? 0 : -ENOMEM;
        }
        /* slice:prefix:name, the unit prefix-name.scope in the slice
         * (system.slice when none is given), where systemd would put it. */
        const char *c1 = strchr(path, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2 || strchr(c2 + 1, ':') || !c2[1])
                return -EINVAL;
        _cleanup_free_ char *slice = c1 == path ? strdup("system.slice") : strndup(path, (size_t) (c1 - path));
        size_t size = 0;
        FILE *f = open_memstream(ret, &size);
        if (!f || !slice)
                return -ENOMEM;
        int r = expand_slice(slice, f);
        if (c2 > c1 + 1)
                fprintf(f, "/%.*s-%s.scope", (int) (c2 - c1 - 1), c1 + 1, c2 + 1);
        else
                fprintf(f, "/%s.scope", c2 + 1);
        if (fclose(f) != 0 || r < 0) {
                free(*ret);
                *ret = NULL;
                return r < 0 ? r : -ENOMEM;
        }
        return 0;
}

int oci_cgroup_open(struct oci_cgroup_args *a, struct machine_cgroup *cg, struct cgroup_device **ret_devices,
                    size_t *ret_n)
{
        struct machine_devices none = MACHINE_DEVICES_INIT;
        int r;

        r = oci_cgroups_path(a->spec->cgroups_path, a->systemd, &a->at);
        if (r == -EINVAL)
                return log_error_ret(r, "linux.cgroupsPath %s: %s", a->spec->cgroups_path,
                                     a->systemd ? "with --systemd-cgroup, slice:prefix:name" : "a path");
        if (r < 0)
                return log_oom();
        cg->at = a->at;
        cg->limits = &a->settings->limits;
        cg->owner = a->userns ? a->settings->users_base : 0;
        r = devices_allow_list(a->settings, &none, ret_devices, ret_n);
        if (r < 0)
                return log_oom();
        /* linux.resources.devices: its allows after berth's own; and the
         * nodes of linux.devices may be made (as runc makes them before
         * its policy is set), opened only as those rules say. */
        const struct oci_spec *spec = a->spec;
        struct cgroup_device *all = realloc(*ret_devices,
                                            (*ret_n + spec->n_device_rules + spec->n_devices) * sizeof(*all));
        if (!all)
                return log_oom();
        memcpy(all + *ret_n, spec->device_rules, spec->n_device_rules * sizeof(*all));
        *ret_n += spec->n_device_rules;
        for (size_t i = 0; i < spec->n_devices; i++)
                if (spec->devices[i].type != 'p')
                        all[(*ret_n)++] = (struct cgroup_device) { .type = spec->devices[i].type,
                                                                   .major = spec->devices[i].major,
                                                                   .minor = spec->devices[i].minor,
                                                                   .access = CGROUP_DEVICE_MKNOD };
        *ret_devices = all;
        cg->devices = a->spec->devices_all ? NULL : *ret_devices;
        cg->n_devices = a->spec->devices_all ? 0 : *ret_n;
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

int oci_cgroup_adopt(const struct oci_state *st, const char *machine, struct machine_cgroup *cg)
{
        char *v1[_CG_V1_MAX] = {};

        for (char **l = st->cgroup_v1; l && *l; l++)
                for (int c = 0; c < _CG_V1_MAX; c++) {
                        size_t len = strlen(cgroup_v1_name(c));
                        if (strncmp(*l, cgroup_v1_name(c), len) == 0 && (*l)[len] == '=')
                                v1[c] = *l + len + 1;
                }
        cg->at = st->cgroup_at;
        cg->machine = machine;
        return cgroup_adopt(cg, st->cgroup, st->cgroup_id, v1);
}

int oci_cgroup_v1_lines(const struct machine_cgroup *cg, char ***ret)
{
        for (int i = 0; i < _CG_V1_MAX; i++) {
                _cleanup_free_ char *line = NULL;
                if (!cg->v1[i])
                        continue;
                if (asprintf(&line, "%s=%s", cgroup_v1_name(i), cg->v1[i]) < 0 || strv_push(ret, line) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int oci_cgroup_swap(const struct machine_cgroup *cg, int64_t swap, uint64_t limit)
{
        char value[32], path[4200];

        if (swap == 0)
                return 0;
        if (swap > 0 && (limit == 0 || (uint64_t) swap < limit))
                return -EINVAL;
        if (cg->v1[CG_V1_MEMORY]) {
                snprintf(value, sizeof(value), "%lld", (long long) swap);
                snprintf(path, sizeof(path), "%s/memory.memsw.limit_in_bytes", cg->v1[CG_V1_MEMORY]);
                return write_file_at(AT_FDCWD, path, value, 0644);
        }
        snprintf(path, sizeof(path), "%s/memory.swap.max", cg->path ?: "");
        if (!cg->path || access(path, F_OK) < 0)
                return -EOPNOTSUPP;
        if (swap < 0)
                snprintf(value, sizeof(value), "max");
        else
                snprintf(value, sizeof(value), "%llu", (unsigned long long) ((uint64_t) swap - limit));
        return write_file_at(AT_FDCWD, path, value, 0644);
}

uint64_t oci_cgroup_memory_limit(const struct machine_cgroup *cg)
{
        _cleanup_free_ char *text = NULL;
        char path[4200];

        if (cg->v1[CG_V1_MEMORY])
                snprintf(path, sizeof(path), "%s/memory.limit_in_bytes", cg->v1[CG_V1_MEMORY]);
        else
                snprintf(path, sizeof(path), "%s/memory.max", cg->path ?: "");
        if (read_file_at(AT_FDCWD, path, &text, 64) < 0)
                return 0;
        unsigned long long v = strtoull(text, NULL, 10);
        /* v1 says "no limit" with a page-rounded LLONG_MAX, cgroup2 "max". */
        return v >= (1ULL << 62) ? 0 : v;
}
