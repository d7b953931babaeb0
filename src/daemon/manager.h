/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "machine.h"

struct pending_start;

struct manager {
        sd_event *event;
        sd_bus *bus;
        struct machine **machines;
        size_t n_machines;
        int inotify_fd;
        sd_event_source *inotify_source;
        struct pending_start *starts;   /* StartMachine calls waiting for registration */
        char *launcher;                 /* path of berth */
        int lock_fd;                    /* RUNTIMEDIR/berthd.lock */
};

int manager_new(sd_event *event, sd_bus *bus, struct manager **ret);
struct manager *manager_free(struct manager *m);
/* Read every state file and watch the directory for more. */
int manager_load(struct manager *m);
struct machine *manager_find(struct manager *m, const char *name);
struct machine *manager_find_by_pid(struct manager *m, pid_t pid);

/* Boot the image NAME with the launcher; reply to msg once it registered
 * (or with the launcher's error). */
int manager_start_machine(struct manager *m, const char *name, sd_bus_message *msg, sd_bus_error *error);
/* Where systemd runs: follow the jobs of berth@NAME.service. */
int manager_watch_jobs(struct manager *m);

/* manager-bus.c / machine-bus.c */
int manager_bus_setup(struct manager *m);
int machine_bus_path(const char *name, char **ret);
void machine_bus_send_new(struct manager *m, struct machine *mach);
void machine_bus_send_removed(struct manager *m, struct machine *mach);
void machine_bus_state_changed(struct manager *m, struct machine *mach);

#define BERTH_ERROR_NO_SUCH_MACHINE "org.berth.machine1.NoSuchMachine"
#define BERTH_ERROR_MACHINE_EXISTS "org.berth.machine1.MachineExists"
#define BERTH_ERROR_NO_SUCH_IMAGE "org.berth.machine1.NoSuchImage"
#define BERTH_ERROR_START_FAILED "org.berth.machine1.StartFailed"
#define BERTH_ERROR_NO_SUCH_USER "org.berth.machine1.NoSuchUser"
