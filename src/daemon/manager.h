/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "machine.h"
#include "transfer.h"

struct manager;
struct pending_start;

/* What the registry tells its faces (manager-bus.c sets them): a machine
 * registered, went away, or its state changed. */
struct manager_events {
        void (*machine_new)(struct manager *m, struct machine *mach, void *userdata);
        void (*machine_removed)(struct manager *m, struct machine *mach, void *userdata);
        void (*machine_changed)(struct manager *m, struct machine *mach, void *userdata);
};

/* A service manager that runs launchers for berthd (systemd's
 * berth@NAME.service: unit-bus.c sets them). */
struct manager_units {
        /* Ask it to run the launcher of p->name: >= 0 when asked, with a
         * handle of the call that is dropped with p; its answer comes
         * through manager_start_spawn(), manager_start_fail() or
         * p->job. < 0: berthd runs the launcher itself. */
        int (*start)(struct pending_start *p, void *userdata, void **ret_handle);
        void (*drop)(void *handle);
};

struct manager {
        sd_event *event;
        struct machine **machines;
        size_t n_machines;
        int inotify_fd;
        sd_event_source *inotify_source;
        struct pending_start *starts;   /* starts waiting for registration */
        char *launcher;                 /* path of berth */
        int lock_fd;                    /* RUNTIMEDIR/berthd.lock */
        const struct manager_events *events;
        void *events_userdata;
        const struct manager_units *units;
        void *units_userdata;
        struct transfers transfers;     /* imports running */
        bool layers_gc_pending;         /* an image went: its layers, once no import runs */
};

/* The end of a start: mach registered, or mach is NULL and error says why. */
typedef void (*manager_start_done_t)(struct machine *mach, const char *name, const char *error, void *userdata);

/* One caller waiting for the start of a machine. */
struct pending_start {
        struct pending_start *next;
        struct manager *manager;
        char *name;
        manager_start_done_t done;
        void (*free_userdata)(void *userdata);
        void *userdata;
        char *job;              /* the service manager's job for it, if it was asked */
        void *unit_call;        /* the call that asked it (manager_units) */
        pid_t pid;
        int err_fd;             /* the launcher's stderr */
        char err[512];
        sd_event_source *child_source;
};

int manager_new(sd_event *event, struct manager **ret);
struct manager *manager_free(struct manager *m);
/* Read every state file and watch the directory for more. */
int manager_load(struct manager *m);
struct machine *manager_find(struct manager *m, const char *name);
struct machine *manager_find_by_pid(struct manager *m, pid_t pid);

/* Boot the image NAME with the launcher. 0: done(userdata) is called once
 * it registered or failed, and free_userdata(userdata) when the wait is
 * over. -EEXIST: it runs already; -ENOENT: there is no image NAME; other
 * errors: the launcher could not be started. On error userdata stays the
 * caller's. */
int manager_start_machine(struct manager *m, const char *name, manager_start_done_t done,
                          void (*free_userdata)(void *userdata), void *userdata);
/* For the service manager's answers: run the launcher ourselves after all,
 * or fail every start of p->name with error. */
void manager_start_spawn(struct pending_start *p);
void manager_start_fail(struct pending_start *p, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* The start that the service manager's JOB is for, or NULL. */
struct pending_start *manager_find_start_by_job(struct manager *m, const char *job);
