/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "resources.h"

/* A machine's cgroup: one interface, a backend per way of getting one (the
 * cgroup file system where no systemd runs; a systemd scope where it does).
 * Either way the machine's cgroup holds supervisor/ (the launcher) and
 * payload/ (the machine, whose cgroup namespace is rooted there). */

enum cgroup_mode {
        CGROUP_AUTO,
        CGROUP_SYSTEMD,
        CGROUP_CGROUPFS,
        _CGROUP_MODE_MAX,
};

const char *cgroup_mode_to_string(enum cgroup_mode m);
int cgroup_mode_from_string(const char *s);

/* The limits (struct cgroup_limits, resources.h): each one's cgroup2 file
 * (and v1 one, if any) in cgroup-limits.c or its own file, its scope
 * property in berth-bus; both backends then apply it. */

/* The v1 controllers berth uses on hybrid and legacy hosts. */
enum cgroup_v1 {
        CG_V1_MEMORY,
        CG_V1_CPU,
        CG_V1_CPUACCT,
        CG_V1_PIDS,
        CG_V1_DEVICES,          /* only where no device program can be attached */
        CG_V1_CPUSET,
        CG_V1_BLKIO,
        _CG_V1_MAX,
};

/* A device the machine may use: its cgroup's device policy lets the
 * machine open (and, with CGROUP_DEVICE_MKNOD, make) the devices listed,
 * and no other (cgroup-devices.c). The bits are the kernel's
 * BPF_DEVCG_ACC_*. */
enum {
        CGROUP_DEVICE_MKNOD = 1 << 0,
        CGROUP_DEVICE_READ = 1 << 1,
        CGROUP_DEVICE_WRITE = 1 << 2,
};
#define CGROUP_DEVICE_ANY UINT32_MAX    /* every minor of the major */

struct cgroup_device {
        char type;              /* 'c' or 'b' */
        uint32_t major, minor;
        unsigned access;        /* CGROUP_DEVICE_* */
};

/* Where cgroup_open stopped, for the caller's one line (cg->what says
 * more where it is set). */
enum cgroup_step {
        CGROUP_STEP_HIERARCHY,  /* finding cgroup2; -EOPNOTSUPP: none is mounted */
        CGROUP_STEP_BACKEND,    /* -ENOMEDIUM: --cgroup=systemd, and systemd is not PID 1 */
        CGROUP_STEP_HELPER,     /* finding berth-bus, which asks systemd for the scope */
        CGROUP_STEP_SCOPE,      /* systemd made no scope: what is berth-bus's answer */
        CGROUP_STEP_LIMIT,      /* what names file and value; -EOPNOTSUPP: no controller for it */
        CGROUP_STEP_VALUE,      /* a value this host cannot give: what says so whole */
        CGROUP_STEP_CREATE,     /* making the cgroup; -EBUSY: processes of another launcher in it */
        CGROUP_STEP_DEVICES,    /* the device policy: what says how each way failed */
};

struct cgroup_ops;

struct machine_cgroup {
        /* Set by the launcher before cgroup_open. */
        const struct cgroup_limits *limits;
        uid_t owner;            /* not 0: the machine's root, who gets payload/ */
        bool account_late;      /* join v1 memory late (see below) */
        const char *slice;      /* systemd: --slice */
        /* cgroupfs: the machine's cgroup this path below each hierarchy's
         * root, or below the launcher's own when relative (berth-oci's
         * linux.cgroupsPath, its parents made as need be), instead of
         * berth-NAME below the launcher's own. */
        const char *at;
        bool keep_unit;         /* systemd: --keep-unit */
        const struct cgroup_device *devices;    /* the device policy's allow-list */
        size_t n_devices;       /* 0 with devices NULL: no device policy */
        bool devices_optional;  /* a policy that cannot be set is no failure: what says why */

        /* Set by cgroup_open and the backend. */
        const struct cgroup_ops *ops;
        char *mount;            /* the cgroup2 hierarchy's mount point */
        char *path;             /* cgroup2: the machine's cgroup (absolute path) */
        uint64_t id;            /* its inode: removal checks it is still the one made */
        char *home;             /* cgroup2: the launcher's own cgroup, to go back to */
        bool in_supervisor;     /* the launcher moved into supervisor/ */
        char *v1[_CG_V1_MAX];   /* v1 hierarchies joined: the machine's cgroup there */
        /* Memory and disk I/O are counted without a limit too: where cgroup2
         * has no memory (io) controller, in the v1 memory (blkio) one. A
         * command's machine joins them only once it runs a while
         * (cgroup_account_late), a booted one at once: the migration costs
         * an RCU grace period (~8 ms), and making and removing the v1
         * cgroup some 0.4 ms, more than a short command should wait for. */
        unsigned v1_pending;    /* 1 << c: v1 c is still to be joined, with every process */
        char *v1_later[_CG_V1_MAX]; /* where: the state file names it from the start */
        const char *machine;    /* the machine's name (cgroupfs: berth-NAME) */
        bool live;              /* the machine runs: a v1 hierarchy joined now takes its processes along */
        char *unit;             /* systemd: the scope's name */
        char *bus_helper;       /* systemd: the path of berth-bus */
        bool devices_v1;        /* the device policy is in v1 devices (no program could be attached) */
        bool devices_unset;     /* devices_optional, and no policy could be set: what says why */

        /* For the launcher's report. */
        enum cgroup_step step;  /* the step cgroup_open failed in */
        char what[512];         /* what that step was doing */
        char fallback[512];     /* why --cgroup=auto did without systemd ("": it did not) */
};

/* Make the machine's cgroup: through systemd's scope where mode allows and
 * systemd is PID 1, else (or when its bus does not answer, with mode auto)
 * in the cgroup file system. 0 with cg->path NULL: no cgroup2 is mounted
 * and no limit was asked for, the machine runs without a cgroup of its own.
 * On failure cg->step, cg->what say where. */
int cgroup_open(struct machine_cgroup *cg, enum cgroup_mode mode, const char *machine);
/* The device policy on the machine's cgroup (cgroup_open applies it):
 * a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the machine's cgroup2
 * cgroup, or, where none can be (no bpf(2), a cgroupfs machine on a host
 * with the v1 devices controller), that controller's lists. */
int cgroup_devices_apply(struct machine_cgroup *cg, const char *machine);
int cgroup_destroy(struct machine_cgroup *cg);
/* Change a running machine's limits (the ones assigned in changes, lifts
 * too): in its cgroups, or as its scope's properties. On failure cg->what
 * says what was being done (-EDOM: what says it all). */
int cgroup_set(struct machine_cgroup *cg, const struct cgroup_limits *changes, const char *machine);
int cgroup_renew(struct machine_cgroup *cg, const char *machine);
void cgroup_done(struct machine_cgroup *cg);
/* A cgroupfs machine's cgroup that an earlier process made (berth-oci's
 * create, whose state names them): its cgroup2 path and inode, the v1
 * cgroups it joined (NULL where none); for cgroup_destroy, cgroup_set and
 * cgroup_usage. */
int cgroup_adopt(struct machine_cgroup *cg, const char *path, uint64_t id, char *const v1[_CG_V1_MAX]);

/* An fd of payload/ for clone3(CLONE_INTO_CGROUP): born there, PID 1 needs
 * no migration (the first one costs an RCU grace period, ~10 ms). */
int cgroup_payload_fd(struct machine_cgroup *cg);
/* Put pid into payload/ in every hierarchy it was not born into. */
int cgroup_attach_payload(struct machine_cgroup *cg, pid_t pid, bool born_in_v2);
/* A machine that has run a while: join the v1 memory cgroup that counts
 * it and move its processes there, if that was left for later. */
int cgroup_account_late(struct machine_cgroup *cg);
/* Move the launcher into supervisor/ and back out before removal. */
int cgroup_enter_supervisor(struct machine_cgroup *cg);
int cgroup_leave_supervisor(struct machine_cgroup *cg);

struct cgroup_usage {
        int64_t memory;         /* bytes now; -1: not accounted */
        int64_t memory_peak;    /* bytes; -1: not accounted */
        int64_t cpu_usec;       /* -1: not accounted */
        int64_t tasks;          /* -1: not accounted */
        int64_t oom_kills;      /* -1: not accounted */
};

int cgroup_usage(const struct machine_cgroup *cg, struct cgroup_usage *ret);

const char *cgroup_v1_name(enum cgroup_v1 c);
