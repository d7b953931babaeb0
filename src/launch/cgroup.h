/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

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

struct cgroup_limits {
        uint64_t memory_max;    /* bytes; 0: no limit */
        unsigned cpu_quota;     /* percent of one CPU; 0: no limit */
        uint64_t tasks_max;     /* 0: no limit */
        unsigned cpu_weight;    /* 1..10000; 0: the default */
};

/* The v1 controllers berth uses on hybrid and legacy hosts. */
enum cgroup_v1 {
        CG_V1_MEMORY,
        CG_V1_CPU,
        CG_V1_CPUACCT,
        CG_V1_PIDS,
        _CG_V1_MAX,
};

struct machine_cgroup;

struct cgroup_ops {
        const char *name;
        /* Make the machine's cgroup with supervisor/ and payload/, hand
         * payload/ to owner, apply the limits; a stale cgroup of that name
         * is removed first. */
        int (*create)(struct machine_cgroup *cg, const char *machine);
        /* Kill what is left, wait until it is empty, remove it. */
        int (*destroy)(struct machine_cgroup *cg);
        /* For a reboot: a fresh payload/ (NULL: destroy, then create). */
        int (*renew)(struct machine_cgroup *cg, const char *machine);
};

struct machine_cgroup {
        const struct cgroup_ops *ops;
        const struct cgroup_limits *limits;
        uid_t owner;            /* not 0: the machine's root, who gets payload/ */
        char *path;             /* cgroup2: the machine's cgroup (absolute path) */
        uint64_t id;            /* its inode: removal checks it is still the one made */
        char *home;             /* cgroup2: the launcher's own cgroup, to go back to */
        bool in_supervisor;     /* the launcher moved into supervisor/ */
        char *v1[_CG_V1_MAX];   /* v1 hierarchies joined: the machine's cgroup there */
        /* Memory is counted without a limit too: where cgroup2 has no memory
         * controller, in the v1 one. A command's machine joins it only once
         * it runs a while (cgroup_account_late), a booted one at once: the
         * migration costs an RCU grace period (~8 ms), and making and
         * removing the v1 cgroup some 0.4 ms, more than a short command
         * should wait for. */
        bool account_late;      /* set by the launcher: join v1 memory late */
        bool v1_memory_pending; /* v1 memory is still to be joined, with every process */
        char *v1_memory_later;  /* where it will be: the state file names it from the start */
        const char *machine;    /* the machine's name (cgroupfs: berth-NAME) */
        char *unit;             /* systemd: the scope's name */
        const char *slice;      /* systemd: --slice */
        bool keep_unit;         /* systemd: --keep-unit */
        char *bus_helper;       /* systemd: the path of berth-bus */
        char what[512];         /* what create was doing when it failed */
};

extern const struct cgroup_ops cgroup_fs_ops;
extern const struct cgroup_ops cgroup_scope_ops;

bool cgroup_systemd_running(void);

/* Pick the backend for mode; -EOPNOTSUPP when no cgroup2 hierarchy is
 * mounted, -ENOMEDIUM when systemd was asked for and is not there. */
int cgroup_init(struct machine_cgroup *cg, enum cgroup_mode mode);
int cgroup_create(struct machine_cgroup *cg, const char *machine);
int cgroup_destroy(struct machine_cgroup *cg);
int cgroup_renew(struct machine_cgroup *cg, const char *machine);
void cgroup_done(struct machine_cgroup *cg);

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

/* Shared by backends: paths, files, limits. */
int cgroup2_mount_point(char **ret);
int cgroup2_own_path(char **ret);
int cgroup_v1_mount_point(enum cgroup_v1 c, char **ret);
int cgroup_v1_own_path(enum cgroup_v1 c, char **ret);
/* MOUNT joined with OWN (the hierarchy's root "/" adds nothing), then
 * "/berth-MACHINE" unless MACHINE is NULL; NULL when out of memory. */
char *cgroup_join(const char *mount, const char *own, const char *machine);
const char *cgroup_v1_name(enum cgroup_v1 c);
/* Where berth-NAME is (or would be) in each mounted v1 hierarchy. */
int cgroup_v1_paths(const char *machine, char *ret[_CG_V1_MAX]);
bool cgroup2_has_controller(const char *path, const char *controller);
/* Apply the limits: in cgroup2 where its controller is delegated, else
 * through the v1 controller (joining that hierarchy with join_v1). A value
 * the kernel refuses fails with the file and value in *ret_what. */
int cgroup_limits_apply(struct machine_cgroup *cg, const char *machine,
                        int (*join_v1)(struct machine_cgroup *cg, enum cgroup_v1 c, const char *machine),
                        char *ret_what, size_t what_size);
/* payload/ of cg->path: made and handed to cg->owner, or killed and removed. */
int cgroup_fs_delegate_payload(struct machine_cgroup *cg);
/* berth-NAME/payload in the v1 hierarchy of c, below the launcher's own
 * cgroup there; a stale one is removed first. */
int cgroup_fs_join_v1(struct machine_cgroup *cg, enum cgroup_v1 c, const char *machine);
int cgroup_fs_remove_payload(struct machine_cgroup *cg);
/* Parse "64M", "1G", "infinity" (0) and plain bytes. */
int parse_size(const char *s, uint64_t *ret);
