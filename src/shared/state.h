/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* A running machine is known by two files in the runtime directory:
 *   locks/NAME     flock()ed by its launcher for as long as it runs
 *   machines/NAME  KEY=VALUE lines, replaced atomically on every change */

/* Take the machine's lock; -EBUSY when another launcher holds it. */
int machine_lock(const char *name, int *ret_fd);
void machine_unlock(const char *name, int fd);

struct machine_state {
        const char *name;
        const char *state;      /* opening, running, closing */
        const char *uuid;
        const char *root;       /* the base tree */
        const char *upper;      /* "" when ephemeral */
        const char *cgroup;
        const char *cgroup_memory; /* the v1 memory cgroup that counts it, when cgroup2 does not */
        const char *init;       /* "" for the stub */
        pid_t leader;           /* PID 1 of the machine, as the host sees it */
        pid_t supervisor;       /* the launcher */
        bool ephemeral;
        unsigned uid_shift;     /* first host UID of the machine's range; 0: none */
        unsigned uid_range;
        const char *init_kind;  /* systemd, busybox, other, stub */
        bool registered;        /* berthd lists it (--register=auto|yes) */
        const char *stop;       /* the step a stop has reached, for status */
};

/* berthd holds RUNTIMEDIR/berthd.lock while it runs. */
int berthd_lock(int *ret_fd);
/* 1: berthd runs, 0: it does not, -errno. */
int berthd_running(void);

int machine_state_write(const struct machine_state *st);
int machine_state_remove(const char *name);
/* One value from a machine's state file (malloc'd into *ret). */
int machine_state_get(const char *name, const char *key, char **ret);
