/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Between cgroup.c and the backends: the table each backend fills, and the
 * parts both use. The launcher sees cgroup.h only. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "cgutil.h"

/* How a backend joins a v1 hierarchy for a limit cgroup2 cannot take. */
typedef int (*join_v1_fn)(struct machine_cgroup *cg, enum cgroup_v1 c, const char *machine);

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
        /* set-property on the running machine. */
        int (*set)(struct machine_cgroup *cg, const struct cgroup_limits *changes, const char *machine);
};

extern const struct cgroup_ops cgroup_fs_ops;
extern const struct cgroup_ops cgroup_scope_ops;

bool cgroup_systemd_running(void);

/* cgroup-hier.c: where the launcher is in the hierarchies (cgutil.h
 * finds them). */
int cgroup2_own_path(char **ret);
int cgroup_v1_own_path(enum cgroup_v1 c, char **ret);
/* MOUNT joined with OWN (the hierarchy's root "/" adds nothing), then
 * "/berth-MACHINE" unless MACHINE is NULL; NULL when out of memory. */
char *cgroup_join(const char *mount, const char *own, const char *machine);
/* Where the machine's cgroup is in the hierarchy mounted at mount, whose
 * launcher's cgroup there is own: at below its root when given (cg->at;
 * a relative at below own), else berth-MACHINE below own; NULL when out
 * of memory. */
char *cgroup_machine_path(const char *mount, const char *own, const char *at, const char *machine);
/* Where it is (or would be) in each mounted v1 hierarchy. */
int cgroup_v1_paths(const char *at, const char *machine, char *ret[_CG_V1_MAX]);
/* The parents of a cgroup at path, made where missing (for cg->at). */
int cgroup_make_parents(const char *path);
bool cgroup2_has_controller(const char *path, const char *controller);

/* cgroup-dir.c: one cgroup2 directory. */
bool cgroup_dir_populated(int dir_fd);
/* SIGKILL for everything in it (cgroup.kill, or each process listed). */
int cgroup_dir_kill(int dir_fd);
int cgroup_dir_wait_empty(int dir_fd, int timeout_ms);
/* name below parent_fd with every cgroup below it, depth first. */
int cgroup_dir_remove(int parent_fd, const char *name);
/* Open the cgroup at path and its parent; 0 with *ret_fd = -1 when absent. */
int cgroup_dir_open_with_parent(const char *path, int *ret_parent, int *ret_fd, const char **ret_leaf);
int cgroup_dir_mkdir(int dir_fd, const char *name);
/* pid (0: the caller) into dir/sub (sub NULL: dir itself). */
int cgroup_dir_write_pid(const char *dir, const char *sub, pid_t pid);

/* cgroup-payload.c: payload/ of cg->path, made and handed to cg->owner,
 * or killed and removed. */
int cgroup_payload_delegate(struct machine_cgroup *cg);
int cgroup_payload_remove(struct machine_cgroup *cg);
/* The launcher into supervisor/ (made if need be). */
int cgroup_supervisor_join(struct machine_cgroup *cg);

/* cgroup-v1.c: berth-NAME/payload in the v1 hierarchy of c, below the
 * launcher's own cgroup there; a stale one is removed first. */
int cgroup_v1_join(struct machine_cgroup *cg, enum cgroup_v1 c, const char *machine);
/* The same without payload/: an fd of berth-NAME, for what must be set
 * before it has children. */
int cgroup_v1_make(struct machine_cgroup *cg, enum cgroup_v1 c, const char *machine);
/* Wait until the v1 cgroup at fd is empty (killing what is in it, unless
 * stale: then it belongs to another launcher) and remove it. */
int cgroup_v1_remove(int pfd, const char *leaf, int fd, bool stale);
/* Every process of the machine (cgroup2's payload/ and below) into its
 * v1 payload/ of c. */
int cgroup_v1_move_machine(struct machine_cgroup *cg, enum cgroup_v1 c);
/* Remove the machine's cgroups in every v1 hierarchy it joined. */
int cgroup_v1_remove_joined(struct machine_cgroup *cg);
/* Remove a berth-NAME left in any v1 hierarchy by a launcher killed with
 * SIGKILL. */
int cgroup_v1_sweep(const char *machine);
/* The same for the paths cgroup_v1_paths gave. */
int cgroup_v1_sweep_paths(char *const paths[_CG_V1_MAX]);

/* cgroup-devices.c: the device program's map holds, for each device of
 * the allow-list (BPF_DEVCG_DEV_* type; minor CGROUP_DEVICE_ANY for all),
 * the access allowed. The entries of the list d (n of them) into keys
 * and access (room for n each), merged: their number. */
struct cgroup_device_key {
        uint32_t type, major, minor;
};
size_t cgroup_devices_entries(const struct cgroup_device *d, size_t n, struct cgroup_device_key *keys,
                              uint32_t *access);
/* The program, looking up the map map_fd, into insns (max of them): the
 * number written, or -E2BIG. */
#define CGROUP_DEVICES_PROGRAM_INSNS 30
struct bpf_insn;
int cgroup_devices_program(int map_fd, struct bpf_insn *insns, size_t max);

/* cgroup-limits.c: apply the limits: in cgroup2 where its controller is
 * delegated, else through the v1 controller (joining that hierarchy with
 * join_v1). A value the kernel refuses fails with the file and value in
 * *ret_what. cgroup_limits_write writes lim's (with all, also what was
 * assigned and lifted: set-property); cgroup_limits_apply cg->limits. */
int cgroup_limits_write(struct machine_cgroup *cg, const struct cgroup_limits *lim, bool all, const char *machine,
                        join_v1_fn join_v1, char *ret_what, size_t what_size);
int cgroup_limits_apply(struct machine_cgroup *cg, const char *machine, join_v1_fn join_v1, char *ret_what,
                        size_t what_size);

/* cgroup-cpuset.c: the limits' CPUs and memory nodes, in cgroup2 where
 * cpuset is delegated, else in the v1 cpuset hierarchy. -EDOM: a list
 * the host cannot give, what says so whole. */
int cgroup_cpuset_apply(struct machine_cgroup *cg, const struct cgroup_limits *lim, const char *machine, char *what,
                        size_t size);
/* cgroup-io.c: the limits' I/O weight and caps, in cgroup2 where io is
 * delegated, else in v1 blkio (joined with join_v1). With all, the ones
 * assigned but lifted are written too (set-property). */
int cgroup_io_apply(struct machine_cgroup *cg, const struct cgroup_limits *lim, const char *machine, bool all,
                    join_v1_fn join_v1, char *what, size_t size);
