/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The services of inits other than systemd, asked of their own
 * supervisors once the machine is up: runit's runsv (the status file of
 * every service of /etc/service, which is what `sv status` reads) and
 * OpenRC (`rc-status`). They become the tree's units, and the ones that
 * are not running as they should its failed units. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "boottest.h"
#include "cleanup.h"
#include "tree.h"
#include "util.h"

static void add_service(struct tree_result *res, const char *name, const char *active, const char *sub,
                        const char *result)
{
        struct unit_result *u = RESULT_PUSH(res, res->units);

        if (!u)
                return;
        result_set(res, &u->unit, name);
        result_set(res, &u->load_state, "loaded");
        result_set(res, &u->active_state, active);
        result_set(res, &u->sub_state, sub);
        result_set(res, &u->result, result);
        u->activation = USEC_NULL;
}

static void add_failed_service(struct tree_result *res, const char *name, const char *result)
{
        struct failed_unit *f = RESULT_PUSH(res, res->failed_units);

        if (!f)
                return;
        result_set(res, &f->unit, name);
        result_set(res, &f->result, result);
        f->phase = PHASE_BOOT;
        f->journal.present = true;
}

/* --- runit --- */

/* A service counts as up once it has run this long: one whose run exits
 * at once is restarted by runsv every second and never gets there. */
#define RUNIT_UP_SEC 1
/* How long after stage 2 began every service has to get there. */
#define RUNIT_SETTLE_USEC (5 * 1000000ULL)
#define RUNIT_SERVICES_MAX 256

enum runit_state { RUNIT_UNSUPERVISED, RUNIT_DOWN, RUNIT_WANTED_DOWN, RUNIT_RUN, RUNIT_UP, RUNIT_FINISH };

struct runit_service {
        char name[256];
        enum runit_state state;
        bool normally_down;
};

/* supervise/status as runsv writes it: a TAI64N stamp of the last change
 * (12 bytes), the PID (4 bytes, little-endian), paused, want ('u' or
 * 'd'), term, and the state (0 down, 1 run, 2 finish). */
static enum runit_state runit_read(int root_fd, const char *name, bool *ret_normally_down)
{
        unsigned char st[20];
        char path[400];
        uint64_t tai = 0;

        snprintf(path, sizeof(path), "/etc/service/%s/down", name);
        _cleanup_close_ int down = tree_open(root_fd, path, O_PATH);
        *ret_normally_down = down >= 0;
        snprintf(path, sizeof(path), "/etc/service/%s/supervise/status", name);
        _cleanup_close_ int fd = tree_open(root_fd, path, O_RDONLY | O_NONBLOCK);
        if (fd < 0 || read_full(fd, st, sizeof(st)) != (ssize_t) sizeof(st))
                return RUNIT_UNSUPERVISED;
        for (int i = 0; i < 8; i++)
                tai = tai << 8 | st[i];
        /* TAI64: 2^62 + 10 s (TAI - UTC in 1972) is the epoch. */
        int64_t since = (int64_t) (tai - 4611686018427387914ULL);
        int64_t up = (int64_t) time(NULL) - since;
        if (st[19] == 2)
                return RUNIT_FINISH;
        if (st[19] == 1)
                return up >= RUNIT_UP_SEC ? RUNIT_UP : RUNIT_RUN;
        return st[17] == 'u' ? RUNIT_DOWN : RUNIT_WANTED_DOWN;
}

/* The services of /etc/service (not the ones whose names start with a
 * dot, which runsvdir skips); their number, or -errno. */
static int runit_scan(int root_fd, struct runit_service *s, size_t max)
{
        int fd = tree_open(root_fd, "/etc/service", O_RDONLY | O_DIRECTORY);
        struct dirent *de;
        size_t n = 0;
        DIR *d;

        if (fd < 0)
                return fd;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        while ((de = readdir(d)) && n < max) {
                if (de->d_name[0] == '.')
                        continue;
                snprintf(s[n].name, sizeof(s[n].name), "%s", de->d_name);
                s[n].state = runit_read(root_fd, de->d_name, &s[n].normally_down);
                n++;
        }
        closedir(d);
        return (int) n;
}

static bool runit_settled(const struct runit_service *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (s[i].state != RUNIT_UP && s[i].state != RUNIT_WANTED_DOWN)
                        return false;
        return true;
}

void inspect_runit(struct tree_result *res, pid_t leader, uint64_t deadline, int stop_fd)
{
        static const char *const sub[] = {
                [RUNIT_UNSUPERVISED] = "unsupervised", [RUNIT_DOWN] = "down", [RUNIT_WANTED_DOWN] = "down",
                [RUNIT_RUN] = "run", [RUNIT_UP] = "run", [RUNIT_FINISH] = "finish",
        };
        _cleanup_free_ struct runit_service *s = calloc(RUNIT_SERVICES_MAX, sizeof(*s));
        uint64_t until = now_usec(CLOCK_MONOTONIC) + RUNIT_SETTLE_USEC;
        char root[64];
        int n = 0;

        res->units.present = res->failed_units.present = true;
        snprintf(root, sizeof(root), "/proc/%d/root", (int) leader);
        _cleanup_close_ int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (!s || root_fd < 0) {
                res->oom = !s;
                return;
        }
        if (until > deadline)
                until = deadline;
        /* Until each has run for a second or was asked down, or the time is up. */
        for (;;) {
                struct pollfd p = { .fd = stop_fd, .events = POLLIN };
                n = runit_scan(root_fd, s, RUNIT_SERVICES_MAX);
                if (n < 0) {
                        result_set(res, &res->inspect_error, "no /etc/service in the machine");
                        return;
                }
                if (runit_settled(s, (size_t) n) || now_usec(CLOCK_MONOTONIC) >= until)
                        break;
                if (poll(&p, 1, 200) > 0)
                        return;
        }
        for (int i = 0; i < n; i++) {
                bool ok = s[i].state == RUNIT_UP || s[i].state == RUNIT_WANTED_DOWN;
                /* Not up a few seconds into stage 2: restarted in a loop,
                 * or runsv could not start it at all. */
                const char *why = s[i].state == RUNIT_UNSUPERVISED ? "unsupervised" : "restarting";
                add_service(res, s[i].name, s[i].state == RUNIT_UP ? "active" : ok ? "inactive" : "failed",
                            sub[s[i].state], ok ? "success" : why);
                if (!ok)
                        add_failed_service(res, s[i].name, why);
        }
}

/* --- OpenRC --- */

static char *strip(char *s)
{
        size_t n;

        s += strspn(s, " \t");
        n = strlen(s);
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
                s[--n] = 0;
        return s;
}

/* The runlevels a boot goes through on its way to the default one. */
static bool boot_runlevel(const char *section)
{
        return streq(section, "sysinit") || streq(section, "boot") || streq(section, "default");
}

/* `rc-status --all -f ini`: "[RUNLEVEL]" lines, then "NAME = STATUS". */
static void openrc_parse(struct tree_result *res, char *out)
{
        bool counted = false;
        char *line;

        while ((line = strsep(&out, "\n"))) {
                char *eq, *name, *status;
                if (line[0] == '[') {
                        line[strcspn(line, "]")] = 0;
                        counted = boot_runlevel(line + 1);
                        continue;
                }
                if (!counted || !(eq = strchr(line, '=')))
                        continue;
                *eq = 0;
                name = strip(line);
                status = strip(eq + 1);
                if (!*name)
                        continue;
                /* A service of two runlevels is one service. */
                bool seen = false;
                for (size_t i = 0; i < res->units.n && !seen; i++)
                        seen = streq(res->units.v[i].unit ?: "", name);
                if (seen)
                        continue;
                /* Started, or waiting for something to come (inactive);
                 * anything else in a runlevel the boot reached is not as
                 * it should be. */
                bool ok = startswith(status, "started") || streq(status, "inactive");
                add_service(res, name, ok ? "active" : "failed", status, ok ? "success" : status);
                if (!ok)
                        add_failed_service(res, name, status);
        }
}

void inspect_openrc(struct tree_result *res, struct machine_ns *ns, const char *cgroup)
{
        char *all[] = { (char *) "rc-status", (char *) "--all", (char *) "-f", (char *) "ini", NULL };
        char *crashed[] = { (char *) "rc-status", (char *) "--crashed", NULL };
        _cleanup_free_ char *out = NULL, *names = NULL;
        int r;

        res->units.present = res->failed_units.present = true;
        r = inside_run(ns, cgroup, all, 0, 5000, &out);
        if (r != 0) {
                result_set(res, &res->inspect_error, r < 0 ? "rc-status could not be run in the machine"
                                                           : "rc-status --all failed in the machine");
                return;
        }
        openrc_parse(res, out);
        /* Exit status 0 when some did crash: their names, one a line. */
        if (inside_run(ns, cgroup, crashed, 0, 5000, &names) != 0)
                return;
        for (char *save = NULL, *n = strtok_r(names, " \n", &save); n; n = strtok_r(NULL, " \n", &save)) {
                bool failed = false;
                for (size_t i = 0; i < res->failed_units.n && !failed; i++)
                        failed = streq(res->failed_units.v[i].unit ?: "", n);
                if (!failed)
                        add_failed_service(res, n, "crashed");
        }
}
