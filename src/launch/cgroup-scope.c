/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The systemd backend, where systemd is PID 1: systemd makes the machine a
 * transient scope, machine-NAME.scope in machine.slice (or --slice), with
 * Delegate=yes and the limits as its properties, and moves the launcher
 * into it; berth-bus asks for it (the launcher itself links no D-Bus
 * library). With --keep-unit the unit berth already runs in (a Type=notify
 * service with Delegate=yes) is the machine's instead. Either way the
 * launcher then moves on into supervisor/ and the machine gets payload/.
 * When the launcher exits, the scope is empty and systemd removes it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cleanup.h"
#include "programs.h"
#include "util.h"

bool cgroup_systemd_running(void)
{
        /* As sd_booted(): systemd as PID 1 keeps this directory. */
        struct stat st;

        return lstat("/run/systemd/system/", &st) >= 0 && S_ISDIR(st.st_mode);
}

/* The limits as berth-bus's --property=NAME=VALUE words, into argv: their
 * number. An I/O cap is one word per device. */
static int limit_arguments(const struct cgroup_limits *lim, char props[_LIMIT_MAX][LIMITS_IO_DEVICES_MAX + 1][128],
                           char **argv)
{
        char value[LIMITS_IO_DEVICES_MAX * 48];
        int n = 0;

        for (int l = 0; lim && l < _LIMIT_MAX; l++) {
                int k = 0;

                if (limits_format(lim, l, value, sizeof(value)) <= 0)
                        continue;
                for (char *v = strtok(value, "\n"); v && k <= LIMITS_IO_DEVICES_MAX; v = strtok(NULL, "\n"), k++) {
                        snprintf(props[l][k], sizeof(props[l][k]), "--property=%s=%s", limit_name(l), v);
                        argv[n++] = props[l][k];
                }
        }
        return n;
}

/* Run berth-bus with argv: its one line of output into obuf, its one line
 * of error (into cg->what) says why not. -ENOMEDIUM: no systemd answers. */
static int run_bus_helper(struct machine_cgroup *cg, char **argv, char *obuf, size_t osize)
{
        int out[2], err[2], status;
        char ebuf[512] = "";
        ssize_t k;
        pid_t child;

        if (!cg->bus_helper) {
                int r = program_find("berth-bus", &cg->bus_helper);
                if (r < 0) {
                        snprintf(cg->what, sizeof(cg->what), "finding berth-bus");
                        return r;
                }
        }
        if (pipe2(out, O_CLOEXEC) < 0)
                return -errno;
        if (pipe2(err, O_CLOEXEC) < 0) {
                close(out[0]);
                close(out[1]);
                return -errno;
        }
        child = fork();
        if (child < 0) {
                int r = -errno;
                close(out[0]), close(out[1]), close(err[0]), close(err[1]);
                return r;
        }
        if (child == 0) {
                dup2(out[1], STDOUT_FILENO);
                dup2(err[1], STDERR_FILENO);
                execv(cg->bus_helper, argv);
                fprintf(stderr, "executing %s: %s\n", cg->bus_helper, strerror(errno));
                _exit(1);
        }
        close(out[1]);
        close(err[1]);
        k = read_full(out[0], obuf, osize - 1);
        obuf[k > 0 ? k : 0] = 0;
        k = read_full(err[0], ebuf, sizeof(ebuf) - 1);
        ebuf[k > 0 ? k : 0] = 0;
        close(out[0]);
        close(err[0]);
        while (waitpid(child, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        ebuf[strcspn(ebuf, "\n")] = 0;
        obuf[strcspn(obuf, "\n")] = 0;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                snprintf(cg->what, sizeof(cg->what), "%s", ebuf[0] ? ebuf : "berth-bus failed");
                return WIFEXITED(status) && WEXITSTATUS(status) == 2 ? -ENOMEDIUM : -EPROTO;
        }
        return 0;
}

/* berth-bus scope-start: its output is the scope's control group. */
static int ask_systemd(struct machine_cgroup *cg, const char *machine, char **ret_cgroup)
{
        char unit[128], pid[32], desc[128], slice[256], obuf[4096];
        char props[_LIMIT_MAX][LIMITS_IO_DEVICES_MAX + 1][128];
        char *argv[8 + _LIMIT_MAX * LIMITS_IO_DEVICES_MAX];
        int n = 0, r;

        snprintf(unit, sizeof(unit), "--unit=machine-%s.scope", machine);
        snprintf(pid, sizeof(pid), "--pid=%d", (int) getpid());
        snprintf(desc, sizeof(desc), "--description=berth machine %s", machine);
        argv[n++] = (char *) "berth-bus";
        argv[n++] = (char *) "scope-start";
        argv[n++] = unit;
        argv[n++] = pid;
        argv[n++] = desc;
        snprintf(slice, sizeof(slice), "--slice=%s", cg->slice ? cg->slice : "machine.slice");
        argv[n++] = slice;
        n += limit_arguments(cg->limits, props, argv + n);
        argv[n] = NULL;
        r = run_bus_helper(cg, argv, obuf, sizeof(obuf));
        if (r < 0) {
                cg->step = CGROUP_STEP_SCOPE;
                return r;
        }
        *ret_cgroup = strdup(obuf);
        return *ret_cgroup ? 0 : -ENOMEM;
}

static int scope_create(struct machine_cgroup *cg, const char *machine)
{
        _cleanup_free_ char *rel = NULL;
        int r;

        if (!cg->path) {
                if (cg->keep_unit)
                        r = cgroup2_own_path(&rel);
                else
                        r = ask_systemd(cg, machine, &rel);
                if (r < 0)
                        return r;
                cg->path = cgroup_join(cg->mount, rel, NULL);
                if (!cg->path)
                        return -ENOMEM;
                cg->unit = strdup(strrchr(cg->path, '/') + 1);
                /* Out of the scope's (or unit's) own cgroup: a cgroup that
                 * hands controllers to children may hold no process. systemd
                 * just moved the launcher, so this move is cheap. For good:
                 * no home to go back to. */
                r = cgroup_supervisor_join(cg);
                if (r < 0)
                        return r;
        }
        r = cgroup_payload_delegate(cg);
        if (r < 0)
                return r;
        /* With --keep-unit the limits are the unit's business. systemd
         * manages no v1 cpuset: on a hybrid host berth does. */
        if (!cg->keep_unit && !cgroup2_has_controller(cg->path, "cpuset")) {
                r = cgroup_v1_sweep(machine);
                if (r >= 0)
                        r = cgroup_cpuset_apply(cg, cg->limits, machine, cg->what, sizeof(cg->what));
                if (r < 0 && cg->what[0])
                        cg->step = r == -EDOM ? CGROUP_STEP_VALUE : CGROUP_STEP_LIMIT;
                if (r < 0)
                        return r;
        }
        return 0;
}

static int scope_destroy(struct machine_cgroup *cg)
{
        /* The launcher stays in supervisor/: the scope goes when it exits.
         * What remains to do is the machine's part, and what berth made
         * in v1 hierarchies. */
        int r = cgroup_payload_remove(cg);

        if (r < 0)
                return r;
        return cgroup_v1_remove_joined(cg);
}

static int scope_renew(struct machine_cgroup *cg, const char *machine)
{
        int r = cgroup_payload_remove(cg);

        if (r < 0)
                return r;
        return cgroup_payload_delegate(cg);
}

/* set-property: systemd's SetUnitProperties on the scope (or the unit of
 * --keep-unit), for the runtime only: berthd keeps the settings file. The
 * CPUs and nodes also in v1 cpuset where berth put them there. */
static int scope_set(struct machine_cgroup *cg, const struct cgroup_limits *changes, const char *machine)
{
        char unit[300], obuf[256];
        char props[_LIMIT_MAX][LIMITS_IO_DEVICES_MAX + 1][128];
        char *argv[8 + _LIMIT_MAX * LIMITS_IO_DEVICES_MAX];
        int n = 0, r;

        snprintf(unit, sizeof(unit), "--unit=%s", cg->unit);
        argv[n++] = (char *) "berth-bus";
        argv[n++] = (char *) "set-property";
        argv[n++] = unit;
        n += limit_arguments(changes, props, argv + n);
        argv[n] = NULL;
        r = run_bus_helper(cg, argv, obuf, sizeof(obuf));
        if (r < 0)
                return r;
        if (cg->v1[CG_V1_CPUSET] || (!cgroup2_has_controller(cg->path, "cpuset") &&
                                     (limits_has(changes, LIMIT_ALLOWED_CPUS) ||
                                      limits_has(changes, LIMIT_ALLOWED_MEMORY_NODES))))
                return cgroup_cpuset_apply(cg, changes, machine, cg->what, sizeof(cg->what));
        return 0;
}

const struct cgroup_ops cgroup_scope_ops = {
        .name = "systemd",
        .create = scope_create,
        .destroy = scope_destroy,
        .renew = scope_renew,
        .set = scope_set,
};
