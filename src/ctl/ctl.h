/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "output.h"

#define BERTH_BUS "org.berth.machine1"
#define BERTH_PATH "/org/berth/machine1"
#define BERTH_MANAGER "org.berth.machine1.Manager"
#define BERTH_MACHINE "org.berth.machine1.Machine"
#define BERTH_IMAGE "org.berth.machine1.Image"

/* What the command line asked for, handed to every verb. */
struct ctl {
        sd_bus *bus;
        const char *host;       /* -H: berthd on another host */
        const char *machine;    /* -M: berthd inside that machine, on its own bus */
        bool remote;            /* -H or -M: no reads of this host's /proc, cgroups or state files */
        bool no_legend;
        bool quiet;             /* -q: no "Connected to machine ..." and the like */
        enum json_mode json;
        char **properties;      /* show -p */
        bool value;             /* show --value */
        bool all;               /* show --all: empty properties too */
        bool effective;         /* show --effective: the launcher's --show-settings */
        bool read_only;         /* clone --read-only */
        bool force, mkdir;      /* copy-to, copy-from: replace, make the parents */
        bool follow;            /* logs -f */
        bool now;               /* enable --now, disable --now */
        bool runtime;           /* set-property --runtime */
        const char *order;      /* top --order: cpu (NULL), memory, tasks, io, name */
        uint64_t delay_usec;    /* top --delay; 0: 1 s */
        unsigned iterations;    /* top --iterations; 0: until interrupted */
        bool batch;             /* top --batch: frames one after the other, no screen control */
        const char *lines;      /* logs -n */
        const char *unit;       /* logs -u */
        bool full;              /* status --full: process lines not cut to the terminal */
        bool wait;              /* start --wait */
        unsigned timeout_sec;   /* start --wait, wait: 0 waits without a limit */
        const char *state;      /* wait --state: opening, running, closing or gone */
        const char *kill_whom;  /* kill --kill-whom */
        int signal;             /* kill --signal */
        const char *user;       /* shell: USER@NAME */
        const char *uid;        /* shell --uid: the user when no USER@ is given */
        char **setenv;          /* shell -E: NAME=VALUE, each name once */
        char **command;         /* shell: what follows the machine's name */
        unsigned n_command;
        int exit_status;        /* shell: the program's, to exit with */
};

#define CTL_INIT { .json = JSON_OFF, .kill_whom = "all", .signal = SIGTERM, .state = "running" }
