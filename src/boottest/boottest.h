/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "enter.h"

/* Verdicts, which are also exit statuses; a matrix exits with the worst. */
enum verdict {
        VERDICT_PASS = 0,       /* running, nothing failed, clean shutdown */
        VERDICT_DEGRADED = 1,   /* booted, some units failed */
        VERDICT_NOT_BOOTED = 2, /* init missing, PID 1 died, emergency mode */
        VERDICT_TIMEOUT = 3,    /* no READY, or the shutdown hung */
        _VERDICT_MAX,
};

const char *verdict_to_string(enum verdict v);
int verdict_from_string(const char *s);

#define BOOT_TEST_SCHEMA_VERSION 1

struct boot_options {
        unsigned timeout_sec;   /* for READY, and again for the shutdown */
        const char *launcher;   /* the berth binary */
};

/* Progress, as the worker reports it to the parent. */
typedef void (*progress_fn)(void *userdata, const char *phase, const char *text);

/* Boot one tree and look at it: the result object of the JSON report's
 * "trees" array. stop_fd: readable when the user interrupted (the machine is
 * then stopped at once). */
json_object *boot_tree(const struct boot_options *o, const char *tree, const char *label, int stop_fd,
                       progress_fn progress, void *userdata);

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
void inspect_systemd(json_object *res, struct machine_ns *ns, const char *cgroup);
/* The jobs a hung boot or shutdown waits for. */
json_object *inspect_jobs(struct machine_ns *ns, const char *cgroup);
/* sysvinit, busybox and other inits: wait until the rc scripts are done. */
void inspect_other_init(json_object *res, pid_t leader, const char *cgroup, const char *kind,
                        uint64_t deadline_usec, int stop_fd);
/* Identity and layout, for any init. */
void inspect_identity(json_object *res, struct machine_ns *ns, pid_t leader, const char *name,
                      const char *uuid);

/* journal.c — the machine's journal, read after its shutdown through the
 * mount namespace kept open for that */
void journal_collect(json_object *res, struct machine_ns *ns, uint64_t start_monotonic_usec,
                     uint64_t poweroff_realtime_usec);

/* junit.c */
/* The report as JUnit XML, written to fd. */
int junit_write(json_object *report, int fd);

/* util */
json_object *json_str(const char *s);
double usec_to_sec(uint64_t usec);
/* Seconds with millisecond precision, printed as such. */
json_object *json_seconds(uint64_t usec);
/* o's member key (o may be NULL): NULL when absent or null. */
json_object *jget(json_object *o, const char *key);
const char *jstr(json_object *o, const char *key);
bool jbool(json_object *o, const char *key);
