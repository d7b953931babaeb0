/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "etc-files.h"
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "console.h"
#include "devices.h"
#include "syscall-filter.h"
#include "settings.h"

enum init_kind {
        INIT_STUB,              /* berth's own PID 1 for a command */
        INIT_SYSTEMD,
        INIT_BUSYBOX,
        INIT_SYSVINIT,          /* told through /run/initctl, as telinit does */
        INIT_OPENRC,            /* sysvinit with OpenRC for its runlevels */
        INIT_RUNIT,             /* told with /run/runit.stopit and SIGCONT, as runit-init does */
        INIT_OTHER,
};

/* What the launcher decided from the settings, shared by the launcher and
 * the machine's first process (which gets it by fork, read-only). */
struct machine {
        const struct settings *settings;
        const char *name;
        const char *hostname;
        enum console_mode console;
        char uuid[37];          /* 8-4-4-4-12 */
        char id128[33];         /* the same as 32 hex digits: a machine-id */
        char *init;             /* path inside the tree; NULL: the stub */
        char *stub;             /* host path of berth-stub, for a command */
        char **argv;            /* the command, or init's arguments */
        char **own_argv;        /* argv when berth chose it (the default shell) */
        enum init_kind init_kind;
        char *upper;            /* host paths of the writable layer; NULL: tmpfs */
        int ephemeral_fd;       /* --ephemeral: a detached tmpfs the launcher holds, so
                                 * that a reboot keeps the machine's writes */
        char *work;
        char *staging;          /* empty mount point the root is built on */
        char journal_id[33];    /* --link-journal: the machine's journal directory's name */
        char *journal_source;   /* ... host modes: the host's directory, mounted on it */
        char *lxcfs;            /* lxcfs's mount point, whose files are bound in; NULL: none */
        bool journal_guest;     /* ... guest modes: made in the machine, the host links to it */
        bool cgroup;            /* the machine has its own cgroup (and namespace) */
        bool userns;            /* the machine has its own user namespace ... */
        uid_t uid_base;         /* ... mapping 0..uid_size-1 inside to uid_base.. */
        uint32_t uid_size;
        bool userxattr;         /* overlayfs is mounted in a user namespace other
                                 * than the initial one: it must use user.* xattrs */
        struct machine_devices devices; /* nodes for its /dev beyond the default ones */
        char *lower;            /* the tree as the child opens it; NULL: the
                                 * launcher hands it over idmapped, with GO */
        struct seccomp_program filter;  /* PID 1's, and so every process's */
        int sysfs_fd;           /* --network-namespace-path: its sysfs (apifs_mount_sys) */
        struct etc_plan etc;    /* /etc/resolv.conf and /etc/localtime */
        char *host0_network;    /* systemd-networkd's .network for host0, with the
                                 * addresses berth gives; NULL: none */
};

/* The machine's first process: builds the machine and becomes (or starts)
 * its PID 1. Never returns. */
_Noreturn void child_run(const struct machine *m, int sync_fd);

/* The stub init (berth-stub): PID 1 for a plain command, run as PID 2. */
struct stub_opts {
        bool controlling_tty;
        const char *user;       /* --user: NAME[:GROUP] or UID[:GID]; NULL: root */
        const char *chdir;      /* --chdir; NULL: / */
};
_Noreturn void stub_run(char **argv, char **envp, int sync_fd, const struct stub_opts *o);

/* Identity of the machine, set up inside it (before pivot_root). */
int identity_write_run_host(int root_fd, const struct machine *m);
int identity_machine_id(int root_fd, const struct machine *m);
int identity_write_networkd(int root_fd, const struct machine *m);
/* PID 1's environment. */
char **identity_environment(const struct machine *m);
