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

/* The state file, one struct for its writer (the launcher) and its readers
 * (berthd, berthctl, boot-test, the tests). A reader's strings point into
 * buf, the file's text; a writer leaves buf NULL. */
struct machine_state {
        const char *name;
        const char *state;      /* opening, running, closing */
        const char *uuid;
        const char *root;       /* the base tree */
        const char *upper;      /* "" when ephemeral */
        const char *cgroup;
        const char *cgroup_memory; /* the v1 memory cgroup that counts it, when cgroup2 does not */
        const char *cgroup_blkio;  /* the v1 blkio cgroup that counts its I/O, when cgroup2 does not */
        const char *init;       /* "" for the stub */
        pid_t leader;           /* PID 1 of the machine, as the host sees it */
        pid_t supervisor;       /* the launcher */
        bool ephemeral;
        unsigned uid_shift;     /* first host UID of the machine's range; 0: none */
        unsigned uid_range;
        const char *init_kind;  /* systemd, busybox, other, stub */
        bool registered;        /* berthd lists it (--register=auto|yes) */
        const char *stop;       /* the step a stop has reached, for status */
        const char *host_ifname;        /* the veth's host side; "" without one */
        unsigned host_ifindex;
        const char *ports;      /* "tcp 8080 80 udp 53 53": protocol, host port, machine port */
        const char *resolv_conf;        /* what --resolv-conf did: "copy-host", "off (auto)" */
        const char *timezone;           /* what --timezone did: "symlink (auto)" */

        /* Filled by the readers only. */
        bool launcher_alive;    /* its launcher still holds locks/NAME */
        char *buf;
};

/* A value is at most a path: PATH_MAX with its NUL. */
#define MACHINE_STATE_VALUE_MAX 4095
#define MACHINE_STATE_FILE_MAX (64 * 1024)

/* berthd holds RUNTIMEDIR/berthd.lock while it runs. */
int berthd_lock(int *ret_fd);
/* 1: berthd runs, 0: it does not, -errno. */
int berthd_running(void);

/* Write the file whole to machines/.#NAME, then rename it over
 * machines/NAME: a reader sees the old file or the new one, never a part.
 * -EINVAL for a value a reader could not read back (a newline, or longer
 * than MACHINE_STATE_VALUE_MAX). */
int machine_state_write(const struct machine_state *st);
int machine_state_remove(const char *name);

/* Read RUNTIME/machines/NAME once, RUNTIME being the runtime directory's fd
 * (machine_state_read: berth_runtime_dir()), and whether its launcher still
 * runs. Keys a newer launcher may write are ignored; a key missing reads as
 * "" or 0 (REGISTER as yes). A line counts only with its newline: the writer
 * ends every line, so a last line without one was cut, and its value may be
 * a prefix of the real one. -EBADMSG: not a file the writer writes (NAME,
 * STATE or SUPERVISOR missing, NAME not the file's, a key twice, a line
 * without '=', a NUL, a bad number or yes/no, a value over the limit, which
 * is refused rather than cut: a cut path names another file or cgroup);
 * -EFBIG: over MACHINE_STATE_FILE_MAX. */
int machine_state_read_at(int runtime_fd, const char *name, struct machine_state *ret);
int machine_state_read(const char *name, struct machine_state *ret);
/* Frees what a reader filled in, and empties *st. */
void machine_state_done(struct machine_state *st);
/* KEY's value as the file spells it, malloc'd; -ENOENT for a key the file
 * does not have. */
int machine_state_value(const struct machine_state *st, const char *key, char **ret);
