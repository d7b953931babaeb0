/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "etc-files.h"
#include "name.h"
#include "netconf.h"

enum console_mode {
        CONSOLE_AUTO,           /* interactive on a terminal, else pipe (read-only for --boot) */
        CONSOLE_INTERACTIVE,
        CONSOLE_READ_ONLY,
        CONSOLE_PASSIVE,
        CONSOLE_PIPE,
        _CONSOLE_MAX,
};

const char *console_mode_to_string(enum console_mode m);
int console_mode_from_string(const char *s);

#define BINDS_MAX 30            /* each is one fd in the launcher's GO message */

struct bind {
        char *source;           /* absolute host path */
        char *target;           /* absolute path inside the machine */
        bool read_only;
        bool idmap;             /* host IDs 0.. appear as the machine's 0.. */
};

/* --device=PATH[:rwm]: a host device node the machine gets at the same
 * path in its /dev, and may use (devices.c). The defaults a user
 * namespace brings (/dev/fuse, /dev/net/tun) are kept the same way. */
#define DEVICES_MAX 28          /* each is one fd in GO too: with the binds, the tree, the
                                 * --ephemeral tmpfs and the two defaults, SYNC_MAX_FDS */
struct device {
        char *path;             /* absolute, below /dev/ */
        mode_t mode;            /* the host's node: type and permission bits */
        dev_t rdev;
        uid_t uid;              /* its owner on the host */
        gid_t gid;
        unsigned access;        /* CGROUP_DEVICE_* */
};

/* --set-credential=ID:VALUE, --load-credential=ID:PATH (read at once) */
struct credential {
        char *id;
        char *data;
        size_t size;
};

/* --tmpfs=PATH[:OPTIONS] */
struct tmpfs {
        char *target;           /* absolute path inside the machine */
        char **options;         /* tmpfs's own, "key=value" or "flag", for mnt_new() */
        unsigned attrs;         /* the mount's MOUNT_ATTR_* (nosuid, nodev, ro, ...) */
};

enum link_journal {
        LINK_JOURNAL_AUTO,
        LINK_JOURNAL_NO,
        LINK_JOURNAL_HOST,
        LINK_JOURNAL_TRY_HOST,
        LINK_JOURNAL_GUEST,
        LINK_JOURNAL_TRY_GUEST,
};

enum private_users {
        PRIVATE_USERS_PICK,     /* a free 65536-ID range, by default */
        PRIVATE_USERS_NO,       /* root inside is the host's root */
        PRIVATE_USERS_FIXED,    /* UID[:COUNT] as given */
        _PRIVATE_USERS_MAX,
};

enum users_ownership {
        OWNERSHIP_MAP,          /* an idmapped mount of the tree: nothing is chowned */
        OWNERSHIP_CHOWN,        /* a copy of the tree owned by the range (slow) */
        _OWNERSHIP_MAX,
};

const char *ownership_to_string(enum users_ownership o);
int ownership_from_string(const char *s);

/* --settings=: whether and how the settings files count (berth(5)). */
enum settings_mode {
        SETTINGS_YES,           /* /etc/berth/NAME.berth, and the image's for the unprivileged keys */
        SETTINGS_NO,
        SETTINGS_TRUSTED,       /* the image's file for every key */
        SETTINGS_OVERRIDE,      /* as yes, but the files win over the command line */
        _SETTINGS_MODE_MAX,
};

struct assignment;

/* Everything a user asked for, parsed and checked for form (not yet against
 * the file system). Passed down to every concern; no globals. */
struct settings {
        char *directory;        /* the base tree, absolute */
        char *image;            /* -i: a raw disk image whose root becomes directory, or a
                                 * layered image's manifest (NAME.layers) */
        /* A layered image, from image_layers_attach: directory is its
         * manifest, for messages; the overlay takes the layers. */
        char *layers_root;      /* STATEDIR/layers */
        char **layers;          /* each layer relative to it, "sha256/HEX", top first */
        char name[MACHINE_NAME_MAX + 1];
        char *hostname;
        char *user;             /* --user: NAME[:GROUP] or UID[:GID], resolved inside */
        char *chdir;            /* --chdir: the command's directory inside */
        bool boot;
        bool ephemeral;
        bool quiet;
        char *upper;            /* --upper DIR, absolute; NULL: the machine's own */
        struct bind *binds;
        size_t n_binds;
        struct tmpfs *tmpfs;
        size_t n_tmpfs;
        struct credential *credentials; /* each ID once: a later one replaces an earlier */
        enum link_journal link_journal;
        size_t n_credentials;
        struct device *devices;
        size_t n_devices;
        char **setenv;          /* NAME=VALUE */
        char **argv;            /* command, or init arguments with --boot */
        enum console_mode console;
        enum etc_action resolv_conf;    /* --resolv-conf: ETC_AUTO unless given */
        enum resolv_source resolv_source;
        enum etc_action timezone;       /* --timezone */
        uint8_t uuid[16];
        bool uuid_set;
        unsigned stop_timeout_sec;
        enum private_users private_users;
        uint32_t users_base;    /* with PRIVATE_USERS_FIXED */
        uint32_t users_size;
        enum users_ownership ownership;
        enum cgroup_mode cgroup;
        char *slice;            /* systemd: the scope's slice */
        enum lxcfs_mode {
                LXCFS_AUTO,     /* where lxcfs runs */
                LXCFS_YES,      /* lxcfs must run */
                LXCFS_NO,
        } lxcfs;
        char *lxcfs_path;       /* --lxcfs=PATH: its mount point (and it must run) */
        bool keep_unit;         /* systemd: the unit berth runs in is the machine's */
        /* 0: what the machine's init wants (see stop_signal() in supervise.c) */
        int kill_signal;        /* for SIGTERM/SIGINT/SIGHUP to berth */
        int poweroff_signal;    /* for a poweroff (SIGUSR2, as berthd asks) */
        int reboot_signal;      /* for a reboot (SIGUSR1) */
        enum register_mode {
                REGISTER_AUTO,  /* berthd lists the machine when it runs, or later */
                REGISTER_YES,   /* ... and berthd must run now */
                REGISTER_NO,
        } register_mode;
        struct cgroup_limits limits;
        cpu_set_t cpu_affinity; /* --cpu-affinity: PID 1's CPUs ... */
        bool cpu_affinity_set;  /* ... when given */
        /* --system-call-filter=: names and @groups added to the default
         * filter, and removed (~); NULL: none. */
        char **syscall_allow;
        char **syscall_deny;
        /* --capability, --drop-capability: bits by capability number, added
         * to and taken from berth's default set (caps.c). */
        uint64_t caps_add;
        uint64_t caps_drop;
        bool no_new_privileges; /* PR_SET_NO_NEW_PRIVS for PID 1, so for all inside */
        /* nspawn options berth follows anyway, kept for what they say. */
        bool as_pid2;           /* --as-pid2: the stub is PID 1 (berth's way without --boot) */
        bool private_network;   /* --private-network: only lo (the default without other network options) */
        struct net_settings net;
        bool ready_at_exec;     /* --notify-ready=no: READY=1 upstream once PID 1 runs */

        enum settings_mode settings_mode;
        bool show_settings;     /* --show-settings: print them and start nothing */
        /* Every value that took effect, with where it came from, in the
         * order it was applied (settings-file.c); the strings are owned. */
        struct assignment *applied;
        size_t n_applied;
};

/* Parse the command line. Returns 1 to go on, 0 when done (--help,
 * --version), -errno after logging the problem. */
int settings_parse_argv(struct settings *s, int argc, char **argv);
/* Then the settings files (berth(5)) below the command line, and the
 * checks of the whole: 1 to go on, 0 when done (--show-settings printed
 * them), -errno after logging the problem. */
int settings_read_files(struct settings *s);
/* The checks of options against each other, after all were read. */
int settings_check(struct settings *s);
void settings_done(struct settings *s);
