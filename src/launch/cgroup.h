/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* A machine's cgroup, behind one interface so that a systemd-scope backend
 * can sit beside the cgroup-filesystem one. */
struct machine_cgroup;

struct cgroup_ops {
        const char *name;
        /* Make the machine's cgroup, first removing a stale one of that name. */
        int (*create)(struct machine_cgroup *cg, const char *machine);
        int (*attach)(struct machine_cgroup *cg, pid_t pid);
        /* An fd of the cgroup2 directory for clone3(CLONE_INTO_CGROUP):
         * born there, PID 1 needs no (slow) migration. */
        int (*open_fd)(struct machine_cgroup *cg);
        /* Kill what is left in it, wait until it is empty, remove it. */
        int (*destroy)(struct machine_cgroup *cg);
};

struct machine_cgroup {
        const struct cgroup_ops *ops;
        char *path;             /* absolute path in the cgroup2 file system */
        uint64_t id;            /* its inode (the cgroup ID): removal checks that
                                 * the cgroup at path is still the one made */
        uid_t owner;            /* when not 0: the machine's root, who gets the
                                 * cgroup delegated (its directory and the files
                                 * that manage its children) */
};

extern const struct cgroup_ops cgroup_fs_ops;

/* Pick the backend; -EOPNOTSUPP when no cgroup2 hierarchy is mounted. */
int cgroup_init(struct machine_cgroup *cg);
int cgroup_create(struct machine_cgroup *cg, const char *machine);
int cgroup_attach(struct machine_cgroup *cg, pid_t pid);
int cgroup_open_fd(struct machine_cgroup *cg);
int cgroup_destroy(struct machine_cgroup *cg);
void cgroup_done(struct machine_cgroup *cg);

/* Helpers shared by backends. */
int cgroup2_mount_point(char **ret);
int cgroup2_own_path(char **ret);
