/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "cgroup.h"
#include "console.h"
#include "machine.h"
#include "netpool.h"
#include "notify.h"
#include "sync.h"
#include "uidrange.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* The launcher's state, shared by its three parts: prepare.c (checks and
 * host-side preparation), launch.c (starting, ending and restarting the
 * machine) and supervise.c (the event loop while it runs). */
struct launcher {
        const struct settings *s;
        struct machine m;
        char name[MACHINE_NAME_MAX + 1];
        int lock_fd;
        int tree_fd;            /* a layered image's merged layers for the checks, until PID 1 is let go */
        char tree_machine_id[33]; /* the tree's /etc/machine-id, "" when it has none */
        bool machined_registered; /* this boot is systemd-machined's too */
        char *journal_made;     /* --link-journal: the host's directory or link this run made */
        bool made_machine_dir;  /* this run created the writable layer's directory */
        char *machine_dir;
        struct machine_cgroup cg;
        struct cgroup_limits limits;    /* the settings' limits, and set-property's since (cg.limits) */
        struct cgroup_device *devices;  /* the device policy's allow-list (devices.c) */
        size_t n_devices;
        struct uid_range range;
        struct net_plan net;    /* network.c */
        bool net_planned;
        bool net_is_up;         /* berth-net up succeeded for this boot */
        unsigned host_ifindex;  /* the veth's host side, while it is up */
        struct console console;
        int signal_fd;
        int control_fd;         /* RUNTIMEDIR/control/NAME, listening (control.c) */
        bool ever_started;

        /* One boot of the machine. */
        pid_t leader;
        int pidfd;
        int sync_fd;
        int notify_fd;
        int timer_fd;           /* the stop timeout */
        int settle_fd;          /* when the launcher joins supervisor/ */
        bool exec_done;
        unsigned stop_requests; /* stops asked for (a reboot is none) */
        bool reboot_requested;  /* SIGUSR1: whatever way PID 1 ends, boot again */
        /* What PID 1 is to be told once it can take it (supervise.c). */
        int held_signal;
        char held_control;      /* '0' poweroff or '6' reboot, asked through init-control.h */
        struct timespec held_since;
        int retry_fd;           /* ticks while something is held */
        char stop[128];         /* the step a stop has reached (state file STOP=) */
        struct notify_state notify;
        int notified_exit;      /* the last boot's EXIT_STATUS=, -1: none */
        struct sync_msg error;
        bool failed;
        bool nested;            /* berth itself runs in a user namespace (inside another machine) */
        struct timespec boot_start;
};


/* prepare.c */
int launcher_check_input(struct launcher *l);
int launcher_lock_name(struct launcher *l);
int launcher_prepare_host(struct launcher *l);

/* shift.c: --private-users-ownership=chown */
int shift_prepare(struct launcher *l);
void shift_cleanup(struct launcher *l);

/* launch.c: the signals berth takes (stops, reboots, SIGWINCH), blocked
 * from main()'s first line on and read from a signalfd. */
void launcher_signal_mask(sigset_t *ret);

/* supervise.c */
void launcher_write_state(struct launcher *l, const char *state);
void launcher_send_signal(struct launcher *l, int sig);
void launcher_handle_sync(struct launcher *l);
/* Between two boots: whether a stop (not a reboot) came meanwhile. */
bool launcher_stop_came(struct launcher *l);
double seconds_since(const struct timespec *t);
/* Supervise one boot until PID 1 is gone; fills its wait status. */
int launcher_supervise(struct launcher *l, siginfo_t *ret);
