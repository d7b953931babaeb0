/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A running machine's namespaces, opened from /proc/LEADER/ns while its PID
 * 1 lives. An open namespace file keeps the namespace, and a mount
 * namespace its mounts, after the machine is gone. */
enum {
        MACHINE_NS_USER,
        MACHINE_NS_CGROUP,
        MACHINE_NS_IPC,
        MACHINE_NS_UTS,
        MACHINE_NS_NET,
        MACHINE_NS_PID,
        MACHINE_NS_MNT,
        _MACHINE_NS_MAX,
};

#define MACHINE_NS_ALL ((1u << _MACHINE_NS_MAX) - 1)

struct machine_ns {
        int fd[_MACHINE_NS_MAX];        /* -1: not opened */
        /* PID 1's bounding set and no_new_privs, read with its PID
         * namespace: what a process let in gets. */
        bool privs;
        uint64_t cap_bnd;
        bool no_new_privs;
        /* PID 1's seccomp mode, and its filter (filter-file.h): what a
         * process let in is filtered by. */
        int seccomp_mode;
        void *filter;
        size_t filter_len;      /* instructions */
        /* The cgroup.procs of PID 1's v1 cgroups berth made (berth-NAME/
         * payload of a hybrid host's memory, cpuset, blkio, ...): what
         * enters is counted and limited as PID 1 is. NULL-terminated. */
        char **v1_procs;
};

#define MACHINE_NS_INIT { .fd = { -1, -1, -1, -1, -1, -1, -1 }, .v1_procs = NULL }

/* Open the namespaces in mask (bits of 1 << MACHINE_NS_*), and with the
 * PID namespace read what PID 1 may do and the system-call filter of the
 * machine called name. On failure error says which one; -ENOENT for a
 * PID 1 under a filter the machine's launcher did not leave. */
int machine_ns_open(pid_t leader, const char *name, unsigned mask, struct machine_ns *ns, char *error,
                    size_t error_size);
void machine_ns_close(struct machine_ns *ns);

/* In a forked, single-threaded child: join cgroup_dir/payload when
 * cgroup_dir is not NULL or empty (and PID 1's v1 cgroups), then the opened namespaces (user first,
 * mount last, as nsenter does), and become the machine's root when it has a
 * user namespace of its own. A PID namespace applies to the next child.
 * With the PID namespace, the child also gets what PID 1 has (privs.c): a
 * new session keyring of its own instead of its caller's, PID 1's
 * system-call filter, bounding set and no_new_privs. */
int machine_ns_enter(struct machine_ns *ns, const char *cgroup_dir, char *error, size_t error_size);
