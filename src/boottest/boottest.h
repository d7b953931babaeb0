/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "enter.h"
#include "result.h"

#define BOOT_TEST_SCHEMA_VERSION 1

struct boot_options {
        unsigned timeout_sec;   /* for READY, and again for the shutdown */
        const char *launcher;   /* the berth binary */
};

/* Progress, as the worker reports it to the parent. */
typedef void (*progress_fn)(void *userdata, const char *phase, const char *text);

/* Boot one tree and look at it, into *res (TREE_RESULT_INIT). stop_fd:
 * readable when the user interrupted (the machine is then stopped at
 * once). -ENOMEM when the result could not be kept whole. */
int boot_tree(const struct boot_options *o, const char *tree, const char *label, int stop_fd, progress_fn progress,
              void *userdata, struct tree_result *res);

/* inside.c — programs run in a machine by entering its namespaces */

enum {
        INSIDE_MERGE_STDERR = 1 << 0,   /* stderr into the output too */
        INSIDE_STOPPED = 1 << 1,        /* the machine is gone: ns holds its mount and user
                                         * namespaces, the program gets a private copy of the
                                         * mounts with a /proc of its own */
};

/* Run argv (a path, or a name looked up in the machine's PATH) in the
 * machine: namespaces in ns (a PID namespace: a child inside it), cgroup
 * when not NULL. stdout is returned in *ret_out. Returns its exit status
 * (128+N for a signal), -ETIME after timeout_ms, or -errno when it could not
 * be started. */
int inside_run(struct machine_ns *ns, const char *cgroup, char *const argv[], unsigned flags, int timeout_ms,
               char **ret_out);
/* The same in two steps, to run several side by side: start it, then
 * collect its output and status by deadline (CLOCK_MONOTONIC, µs). */
struct inside_process {
        pid_t pid;
        int fd;
};
int inside_start(struct machine_ns *ns, const char *cgroup, char *const argv[], unsigned flags,
                 struct inside_process *ret);
int inside_wait(struct inside_process *p, uint64_t deadline_usec, char **ret_out);
/* The machine's hostname, from its UTS namespace. */
int inside_hostname(struct machine_ns *ns, char *ret, size_t size);

/* inspect.c — what a booted systemd says of itself */
void inspect_systemd(struct tree_result *res, struct machine_ns *ns, const char *cgroup);
/* The jobs a hung boot or shutdown waits for, into *ret (present even when
 * systemd did not answer). */
void inspect_jobs(struct tree_result *res, struct machine_ns *ns, const char *cgroup, job_list *ret);
/* sysvinit, busybox and other inits: wait until the rc scripts are done. */
void inspect_other_init(struct tree_result *res, pid_t leader, const char *cgroup, const char *kind,
                        uint64_t deadline_usec, int stop_fd);
/* services.c — runit's and OpenRC's services, once the machine is up:
 * into units and failed_units. runit's are given until deadline (and a
 * few seconds at most) to be up. */
void inspect_runit(struct tree_result *res, pid_t leader, uint64_t deadline_usec, int stop_fd);
void inspect_openrc(struct tree_result *res, struct machine_ns *ns, const char *cgroup);
/* Identity and layout, for any init. */
void inspect_identity(struct tree_result *res, struct machine_ns *ns, pid_t leader, const char *name,
                      const char *uuid);

/* journal.c — the machine's journal, read after its shutdown through the
 * mount namespace kept open for that */
void journal_collect(struct tree_result *res, struct machine_ns *ns, uint64_t start_monotonic_usec,
                     uint64_t poweroff_realtime_usec);

