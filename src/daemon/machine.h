/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "signals.h"

struct manager;

/* A running machine as berthd knows it: what its launcher wrote to
 * RUNTIMEDIR/machines/NAME, and a pidfd of the launcher to notice its end. */
struct machine {
        struct manager *manager;
        char *name;
        char *state;            /* opening, running, closing */
        char *uuid;
        char *root;
        char *upper;
        char *cgroup;
        char *cgroup_memory;    /* the v1 memory cgroup counting it, "" when cgroup2 does */
        char *cgroup_blkio;     /* the v1 blkio cgroup counting its I/O, "" when cgroup2 does */
        char *host_ifname;      /* the veth's host side, "" without one */
        unsigned host_ifindex;
        char *ports;            /* as the state file's PORTS= */
        char *resolv_conf;      /* RESOLV_CONF= */
        char *timezone;         /* TIMEZONE= */
        char *init;
        char *init_kind;
        char *stop;             /* the step a stop has reached */
        bool frozen;            /* its payload/ is frozen (cgroup.freeze) */
        pid_t leader;
        pid_t supervisor;
        unsigned uid_shift;
        unsigned uid_range;     /* IDs in its user namespace; 0: it has none */
        char **binds;           /* targets of BindMountMachine, the only ones unbind takes */
        uint64_t timestamp;     /* µs since the epoch: when berthd first saw it start */
        int supervisor_fd;      /* pidfd */
        sd_event_source *exit_source;
};

/* Read a state file into a new machine (not yet registered); -ESTALE when
 * its launcher is gone, -ENOENT when it is not to be listed (--register=no)
 * or is gone, -EBADMSG when it is not what a launcher writes. */
int machine_load(struct manager *mgr, const char *name, struct machine **ret);
/* Refresh from the state file; true when State changed. */
bool machine_update(struct machine *m, const struct machine *fresh);
struct machine *machine_free(struct machine *m);

int machine_kill(struct machine *m, enum kill_whom who, int sig);
/* Ask the launcher: it knows the machine's init and escalates in time. */
int machine_poweroff(struct machine *m);
int machine_reboot(struct machine *m);
int machine_terminate(struct machine *m);
/* Freeze or thaw every process of the machine (its payload/; the launcher
 * runs on), and wait until the kernel says it is done. -ESHUTDOWN: the
 * machine is stopping; -EOPNOTSUPP: no cgroup2 freezer for it. */
int machine_freeze(struct machine *m, bool freeze);
/* set-property: NAME=VALUE assignments (resources.h) applied to the
 * running machine by its launcher, and unless runtime written into its
 * settings file; on failure why says it in one line, and nothing refused
 * was changed. */
int machine_set_properties(struct machine *m, char *const *assignments, bool runtime, char *why, size_t size);
/* State as shown: "frozen" while frozen, else the launcher's. */
const char *machine_state_name(const struct machine *m);

/* What the machine's cgroup counts, read when asked. */
enum machine_counter {
        MACHINE_MEMORY_CURRENT,
        MACHINE_MEMORY_MAX,
        MACHINE_CPU_USAGE_NSEC,
        MACHINE_TASKS_CURRENT,
        MACHINE_NET_RX,         /* bytes the machine received: its veth's host side sent them */
        MACHINE_NET_TX,
        MACHINE_MEMORY_PEAK,
        MACHINE_OOM_KILLS,      /* processes the OOM killer killed at its limit */
        MACHINE_IO_READ,        /* bytes read from block devices */
        MACHINE_IO_WRITE,
};

/* The counter's value; -1: not counted (no memory controller in cgroup2 on
 * a hybrid host, say) or, for MACHINE_MEMORY_MAX, no limit. */
int64_t machine_counter(const struct machine *m, enum machine_counter c);

/* The machine's os-release text (os_release_next() walks it), as its PID 1
 * sees its root. */
int machine_os_release(const struct machine *m, char **ret);

struct machine_address {
        int family;             /* AF_INET or AF_INET6 */
        uint8_t bytes[16];      /* 4 of them for AF_INET */
};

/* The IP addresses in the machine's own network namespace. */
int machine_addresses(const struct machine *m, struct machine_address **ret, size_t *ret_n);
