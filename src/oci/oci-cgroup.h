/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cgroup.h"
#include "spec.h"

struct settings;

struct oci_cgroup_args {
        const struct oci_spec *spec;
        const struct settings *settings;        /* the limits, the UID range */
        const char *id;
        const char *name;       /* the machine name: berth-NAME without a cgroupsPath */
        bool userns;            /* payload/ goes to the container's root */
        bool systemd;           /* --systemd-cgroup: cgroupsPath is slice:prefix:name */
        char *at;               /* set by oci_cgroup_open, cg->at points at it: the caller frees it */
};

/* linux.cgroupsPath as the cgroup's path: as it is, or with systemd
 * slice:prefix:name as /a.slice/a-b.slice/prefix-name.scope (where
 * systemd puts a scope). NULL for none; -EINVAL for a malformed one. */
int oci_cgroups_path(const char *path, bool systemd, char **ret);

/* Make it (cg filled, the device allow-list in *ret_devices, which cg
 * points at); -errno after one log line. */
int oci_cgroup_open(struct oci_cgroup_args *a, struct machine_cgroup *cg, struct cgroup_device **ret_devices,
                    size_t *ret_n);

struct oci_state;
/* The cgroup create made for st, for cgroup_destroy and cgroup_set
 * (machine: its name, which a v1 hierarchy joined later is made under). */
int oci_cgroup_adopt(const struct oci_state *st, const char *machine, struct machine_cgroup *cg);
/* Its v1 cgroups as the state keeps them, "CONTROLLER=PATH". */
int oci_cgroup_v1_lines(const struct machine_cgroup *cg, char ***ret);

/* memory.swap (memory and swap together, bytes; -1: unlimited): v1's
 * memory.memsw.limit_in_bytes of the memory cgroup, or cgroup2's
 * memory.swap.max (swap alone) where it has the memory controller. Needs
 * the memory limit (limit, bytes) set first. -EOPNOTSUPP: neither. */
int oci_cgroup_swap(const struct machine_cgroup *cg, int64_t swap, uint64_t limit);
/* The memory limit the cgroup has now, bytes; 0: none or unreadable. */
uint64_t oci_cgroup_memory_limit(const struct machine_cgroup *cg);
