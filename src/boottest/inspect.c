/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Looking at a booted machine from inside: its own systemctl answers
 * (through systemd's private socket, so no D-Bus is needed), and files and
 * processes seen through /proc/LEADER. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <utmp.h>

#include "boottest.h"
#include "cleanup.h"
#include "runit.h"
#include "tree.h"
#include "util.h"

#define SYSTEMCTL_TIMEOUT_MS 15000

/* A unit (or the manager) as `systemctl show` gives it: the properties
 * asked for, pointing into its output. */
#define SHOW_PROPERTIES_MAX 16
struct show_block {
        size_t n;
        const char *key[SHOW_PROPERTIES_MAX], *value[SHOW_PROPERTIES_MAX];
};
typedef LIST(struct show_block) show_list;

/* "KEY=VALUE" lines, one block per unit, blocks apart by an empty line.
 * Changes text in place. -ENOMEM. */
static int parse_show(char *text, show_list *ret)
{
        struct show_block *cur = NULL;
        char *line;

        while ((line = strsep(&text, "\n"))) {
                char *eq = strchr(line, '=');
                if (!eq) {
                        if (!line[0])
                                cur = NULL;     /* the next unit */
                        continue;
                }
                *eq = 0;
                if (!cur && !(cur = LIST_PUSH(*ret)))
                        return -ENOMEM;
                if (cur->n < SHOW_PROPERTIES_MAX) {
                        cur->key[cur->n] = line;
                        cur->value[cur->n++] = eq + 1;
                }
        }
        return 0;
}

static const char *get_str(const struct show_block *b, const char *key)
{
        for (size_t i = 0; i < b->n; i++)
                if (streq(b->key[i], key))
                        return b->value[i];
        return "";
}

static uint64_t get_u64(const struct show_block *b, const char *key)
{
        return strtoull(get_str(b, key), NULL, 10);
}

/* Longest activation first (milliseconds, as the report gives them), then
 * by name; a unit that did not activate last. */
static int by_activation(const void *a, const void *b)
{
        const struct unit_result *x = a, *y = b;
        int64_t dx = x->activation == USEC_NULL ? -1 : (int64_t) (x->activation / 1000);
        int64_t dy = y->activation == USEC_NULL ? -1 : (int64_t) (y->activation / 1000);
        return dx < dy ? 1 : dx > dy ? -1 : strcmp(x->unit ?: "", y->unit ?: "");
}

/* What systemd-analyze blame counts: activating until active, or until
 * inactive again for a unit that finished (a oneshot). USEC_NULL: none. */
static uint64_t unit_activation(const struct show_block *u)
{
        uint64_t activating = get_u64(u, "InactiveExitTimestampMonotonic");
        uint64_t activated = get_u64(u, "ActiveEnterTimestampMonotonic");
        uint64_t deactivated = get_u64(u, "InactiveEnterTimestampMonotonic");

        if (activating == 0)
                return USEC_NULL;
        if (activated > activating)
                return activated - activating;
        if (deactivated > activating)
                return deactivated - activating;
        return USEC_NULL;
}

/* The manager: its version, state and userspace boot time. */
static void manager_show(struct tree_result *res, char *out)
{
        show_list blocks = {};

        if (parse_show(out, &blocks) < 0)
                res->oom = true;
        if (blocks.n > 0) {
                const struct show_block *m = &blocks.v[0];
                uint64_t userspace = get_u64(m, "UserspaceTimestampMonotonic");
                uint64_t finish = get_u64(m, "FinishTimestampMonotonic");
                result_set(res, &res->system_state, get_str(m, "SystemState"));
                result_set(res, &res->init_version, get_str(m, "Version"));
                result_set(res, &res->virtualization, get_str(m, "Virtualization"));
                res->userspace = finish > userspace && userspace > 0 ? finish - userspace : USEC_NULL;
        }
        free(blocks.v);
}

static void add_unit(struct tree_result *res, const struct show_block *b, uint64_t activation)
{
        struct unit_result *u = RESULT_PUSH(res, res->units);

        if (!u)
                return;
        result_set(res, &u->unit, get_str(b, "Id"));
        result_set(res, &u->load_state, get_str(b, "LoadState"));
        result_set(res, &u->active_state, get_str(b, "ActiveState"));
        result_set(res, &u->sub_state, get_str(b, "SubState"));
        result_set(res, &u->result, get_str(b, "Result"));
        u->activation = activation;
}

static void add_failed(struct tree_result *res, const char *unit, const char *result, enum phase phase)
{
        struct failed_unit *f = RESULT_PUSH(res, res->failed_units);

        if (!f)
                return;
        result_set(res, &f->unit, unit);
        result_set(res, &f->result, result);
        f->phase = phase;
        f->journal.present = true;
}

/* The units the boot touched (started, or failed), which failed, which
 * gettys run. */
static void units_show(struct tree_result *res, char *out)
{
        show_list blocks = {};

        if (parse_show(out, &blocks) < 0)
                res->oom = true;
        for (size_t i = 0; i < blocks.n; i++) {
                const struct show_block *b = &blocks.v[i];
                const char *id = get_str(b, "Id"), *active = get_str(b, "ActiveState");
                uint64_t activation = unit_activation(b);
                bool is_failed = streq(active, "failed");

                if (activation == USEC_NULL && get_u64(b, "InactiveExitTimestampMonotonic") == 0 && !is_failed)
                        continue;
                add_unit(res, b, activation);
                if (is_failed)
                        add_failed(res, id, get_str(b, "Result"), PHASE_BOOT);
                if (strstr(id, "getty") && strstr(id, ".service") && streq(active, "active") &&
                    streq(get_str(b, "SubState"), "running"))
                        result_push(res, &res->getty_units, id);
        }
        free(blocks.v);
        if (res->units.n > 1)
                qsort(res->units.v, res->units.n, sizeof(*res->units.v), by_activation);
        res->has_getty = true;
        res->getty_units.present = true;
        res->getty_running = res->getty_units.n > 0;
}

void inspect_systemd(struct tree_result *res, struct machine_ns *ns, const char *cgroup)
{
        char *const manager_argv[] = {
                "systemctl", "show", "--no-pager", "-p", "Version", "-p", "Virtualization", "-p", "SystemState",
                "-p", "UserspaceTimestampMonotonic", "-p", "FinishTimestampMonotonic", NULL,
        };
        char *const units_argv[] = {
                "systemctl", "show", "--no-pager", "-p", "Id", "-p", "LoadState", "-p", "ActiveState",
                "-p", "SubState", "-p", "Result", "-p", "InactiveExitTimestampMonotonic",
                "-p", "ActiveEnterTimestampMonotonic", "-p", "InactiveEnterTimestampMonotonic", "*", NULL,
        };
        _cleanup_free_ char *manager_out = NULL, *units_out = NULL;
        struct inside_process manager, unit_list;
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + SYSTEMCTL_TIMEOUT_MS * 1000ull;
        int r, ru;

        res->units.present = true;
        res->failed_units.present = true;
        /* Both questions at once; the short answer is read first. */
        r = inside_start(ns, cgroup, manager_argv, 0, &manager);
        ru = inside_start(ns, cgroup, units_argv, 0, &unit_list);
        if (r >= 0)
                r = inside_wait(&manager, deadline, &manager_out);
        if (ru >= 0)
                ru = inside_wait(&unit_list, deadline, &units_out);
        if (r != 0) {
                result_set(res, &res->system_state, "unknown");
                result_set(res, &res->inspect_error, r == -ETIME ? "systemctl show did not answer in time"
                                                                  : "systemctl show failed");
                return;
        }
        manager_show(res, manager_out);
        if (ru != 0) {
                result_set(res, &res->inspect_error, "systemctl show '*' failed");
                return;
        }
        units_show(res, units_out);
}

void inspect_jobs(struct tree_result *res, struct machine_ns *ns, const char *cgroup, job_list *ret)
{
        char *const argv[] = { "systemctl", "list-jobs", "--no-pager", "--plain", "--no-legend", "--full", NULL };
        _cleanup_free_ char *out = NULL;
        char *save = NULL;

        ret->present = true;
        if (inside_run(ns, cgroup, argv, 0, 5000, &out) < 0)
                return;
        /* JOB UNIT TYPE STATE */
        for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char unit[256], type[64], state[64];
                unsigned id;
                if (sscanf(line, "%u %255s %63s %63s", &id, unit, type, state) != 4)
                        continue;
                struct waiting_job *j = RESULT_PUSH(res, *ret);
                if (!j)
                        return;
                result_set(res, &j->unit, unit);
                result_set(res, &j->type, type);
                result_set(res, &j->state, state);
        }
}

/* --- inits other than systemd --- */

static char *read_inside(int root_fd, const char *path);
static bool exists_inside(int root_fd, const char *a, const char *b);

/* The rc scripts of sysvinit (rc, startpar) and busybox (rcS). */
static bool rc_running(const char *cgroup, pid_t leader)
{
        char path[4200];
        _cleanup_fclose_ FILE *f = NULL;
        int pid;

        snprintf(path, sizeof(path), "%s/payload/cgroup.procs", cgroup);
        f = fopen(path, "re");
        if (!f)
                return false;
        while (fscanf(f, "%d", &pid) == 1) {
                char comm[64] = "", cpath[64];
                if (pid == leader)
                        continue;
                snprintf(cpath, sizeof(cpath), "/proc/%d/comm", pid);
                _cleanup_fclose_ FILE *c = fopen(cpath, "re");
                if (!c || !fgets(comm, sizeof(comm), c))
                        continue;
                comm[strcspn(comm, "\n")] = 0;
                if (streq(comm, "rc") || streq(comm, "rcS") || streq(comm, "startpar") || streq(comm, "run-parts"))
                        return true;
        }
        return false;
}

/* sysvinit's runlevel, from the RUN_LVL record in the machine's utmp. */
static char runlevel(pid_t leader)
{
        char root[64];
        struct utmp u;
        char level = 0;

        snprintf(root, sizeof(root), "/proc/%d/root", (int) leader);
        _cleanup_close_ int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return 0;
        _cleanup_close_ int fd = tree_open(root_fd, "/run/utmp", O_RDONLY);
        if (fd < 0)
                fd = tree_open(root_fd, "/var/run/utmp", O_RDONLY);
        if (fd < 0)
                return 0;
        while (read_full(fd, &u, sizeof(u)) == (ssize_t) sizeof(u))
                if (u.ut_type == RUN_LVL)
                        level = (char) (u.ut_pid % 256);
        return level;
}

/* OpenRC has reached a runlevel of the running system: /run/openrc/softlevel
 * names it (written before its services start) and no runlevel change is
 * under way (rc.starting and rc.stopping are there while one is). */
static bool openrc_reached(pid_t leader)
{
        static const char *const passing[] = { "", "sysinit", "boot", "shutdown", "reboot", "off" };
        _cleanup_free_ char *level = NULL;
        char root[64];

        snprintf(root, sizeof(root), "/proc/%d/root", (int) leader);
        _cleanup_close_ int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0 || !(level = read_inside(root_fd, "/run/openrc/softlevel")))
                return false;
        for (size_t i = 0; i < ELEMENTSOF(passing); i++)
                if (streq(level, passing[i]))
                        return false;
        return !exists_inside(root_fd, "/run/openrc/rc.starting", "/run/openrc/rc.stopping");
}

/* Done: PID 1 lives, and sysvinit has entered a runlevel and its rc
 * scripts have been quiet for a moment; for OpenRC, it has reached its
 * runlevel; for runit, stage 2 runs; for others, the rc scripts are
 * quiet. */
static bool other_init_up(const char *kind, pid_t leader, const char *cgroup, unsigned *quiet, char *level)
{
        bool sysv = streq(kind, "sysvinit") || streq(kind, "openrc");

        *level = sysv ? runlevel(leader) : 0;
        if (sysv && !(*level >= '1' && *level <= '5'))
                return false;
        if (streq(kind, "openrc"))
                return openrc_reached(leader);
        if (streq(kind, "runit"))
                return runit_stage(leader) == 2;
        *quiet = rc_running(cgroup, leader) ? 0 : *quiet + 1;
        return *quiet >= 4;
}

void inspect_other_init(struct tree_result *res, pid_t leader, const char *cgroup, const char *kind, uint64_t deadline,
                        int stop_fd)
{
        bool sysv = streq(kind, "sysvinit") || streq(kind, "openrc");
        uint64_t start = now_usec(CLOCK_MONOTONIC);
        unsigned quiet = 0;
        char level = 0;
        bool alive = true, done = false;

        while (now_usec(CLOCK_MONOTONIC) < deadline) {
                struct pollfd p = { .fd = stop_fd, .events = POLLIN };
                alive = kill(leader, 0) == 0;
                if (!alive)
                        break;
                if (other_init_up(kind, leader, cgroup, &quiet, &level)) {
                        done = true;
                        break;
                }
                if (poll(&p, 1, 50) > 0)
                        break;
        }
        res->has_rc = true;
        res->rc_finished = done;
        res->rc_finished_time = done ? now_usec(CLOCK_MONOTONIC) - start : USEC_NULL;
        res->rc_has_runlevel = sysv;
        res->runlevel = sysv ? level : 0;
        res->pid1_alive = alive;
        result_set(res, &res->system_state, !alive ? "offline" : done ? "running" : "starting");
}

/* --- identity and layout --- */

static char *read_inside(int root_fd, const char *path)
{
        _cleanup_close_ int fd = tree_open(root_fd, path, O_RDONLY);
        char *s;
        ssize_t n;

        if (fd < 0 || !(s = malloc(4097)))
                return NULL;
        n = read_full(fd, s, 4096);
        s[n > 0 ? n : 0] = 0;
        s[strcspn(s, "\n")] = 0;
        return s;
}

static bool exists_inside(int root_fd, const char *a, const char *b)
{
        _cleanup_close_ int x = tree_open(root_fd, a, O_PATH);
        _cleanup_close_ int y = x >= 0 ? -EBADF : tree_open(root_fd, b, O_PATH);
        return x >= 0 || y >= 0;
}

void inspect_identity(struct tree_result *res, struct machine_ns *ns, pid_t leader, const char *name, const char *uuid)
{
        char root[64], hn[256] = "", id128[33] = "";
        _cleanup_free_ char *file_hostname = NULL, *machine_id = NULL;
        struct statfs sfs;
        uint8_t u[16];

        snprintf(root, sizeof(root), "/proc/%d/root", (int) leader);
        _cleanup_close_ int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return;
        res->has_identity = true;

        /* The hostname is the machine's name, unless the tree's own
         * /etc/hostname names another (systemd sets that one). */
        file_hostname = read_inside(root_fd, "/etc/hostname");
        const char *expected = file_hostname && file_hostname[0] ? file_hostname : name;
        (void) inside_hostname(ns, hn, sizeof(hn));
        result_set(res, &res->hostname, hn);
        result_set(res, &res->hostname_expected, expected);
        res->hostname_ok = hn[0] && streq(hn, expected);

        /* 32 hex digits, not all zero; from the tree, or from the UUID
         * berth passed when the tree's was empty. */
        machine_id = read_inside(root_fd, "/etc/machine-id");
        if (uuid && uuid_parse(uuid, u) >= 0)
                uuid_to_id128(u, id128);
        bool valid = machine_id && id128_valid(machine_id) && strspn(machine_id, "0") != 32;
        result_set(res, &res->machine_id, machine_id);
        result_set(res, &res->machine_id_source, !valid ? NULL : streq(machine_id, id128) ? "uuid" : "tree");
        res->machine_id_ok = valid;

        /* What the machine's systemd found at /sys/fs/cgroup. */
        _cleanup_close_ int cg = tree_open(root_fd, "/sys/fs/cgroup", O_PATH | O_DIRECTORY);
        const char *layout = NULL;
        if (cg >= 0 && fstatfs(cg, &sfs) == 0) {
                if (sfs.f_type == CGROUP2_SUPER_MAGIC)
                        layout = "unified";
                else {
                        _cleanup_close_ int un = tree_open(root_fd, "/sys/fs/cgroup/unified", O_PATH | O_DIRECTORY);
                        layout = un >= 0 ? "hybrid" : "legacy";
                }
        }
        result_set(res, &res->cgroup_layout, layout);

        /* A login prompt needs agetty and login in the tree. */
        res->has_login_tools = true;
        res->agetty_present = exists_inside(root_fd, "/sbin/agetty", "/usr/sbin/agetty");
        res->login_present = exists_inside(root_fd, "/bin/login", "/usr/bin/login");
}
