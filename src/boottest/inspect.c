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
#include "tree.h"
#include "util.h"

#define SYSTEMCTL_TIMEOUT_MS 15000

/* "KEY=VALUE" lines of `systemctl show`, one block per unit, blocks apart
 * by an empty line: each block as an object of strings. */
static json_object *parse_show(char *text)
{
        json_object *blocks = json_object_new_array(), *cur = NULL;
        char *line;

        while ((line = strsep(&text, "\n"))) {
                char *eq = strchr(line, '=');
                if (!eq) {
                        if (!line[0])
                                cur = NULL;     /* the next unit */
                        continue;
                }
                *eq = 0;
                if (!cur) {
                        cur = json_object_new_object();
                        json_object_array_add(blocks, cur);
                }
                json_object_object_add(cur, line, json_str(eq + 1));
        }
        return blocks;
}

static const char *get_str(json_object *o, const char *key)
{
        return jstr(o, key) ?: "";
}

static uint64_t get_u64(json_object *o, const char *key)
{
        return strtoull(get_str(o, key), NULL, 10);
}

static void add_str(json_object *o, const char *key, const char *value)
{
        json_object_object_add(o, key, value ? json_str(value) : NULL);
}

static json_object *get_or_add(json_object *o, const char *key)
{
        json_object *v;
        if (json_object_object_get_ex(o, key, &v) && v)
                return v;
        v = json_object_new_object();
        json_object_object_add(o, key, v);
        return v;
}

static int by_activation(const void *a, const void *b)
{
        json_object *x = *(json_object *const *) a, *y = *(json_object *const *) b, *vx, *vy;
        double dx = json_object_object_get_ex(x, "activation_sec", &vx) && vx ? json_object_get_double(vx) : -1;
        double dy = json_object_object_get_ex(y, "activation_sec", &vy) && vy ? json_object_get_double(vy) : -1;
        return dx < dy ? 1 : dx > dy ? -1 : strcmp(get_str(x, "unit"), get_str(y, "unit"));
}

/* What systemd-analyze blame counts: activating until active, or until
 * inactive again for a unit that finished (a oneshot). */
static json_object *unit_activation(json_object *u)
{
        uint64_t activating = get_u64(u, "InactiveExitTimestampMonotonic");
        uint64_t activated = get_u64(u, "ActiveEnterTimestampMonotonic");
        uint64_t deactivated = get_u64(u, "InactiveEnterTimestampMonotonic");

        if (activating == 0)
                return NULL;
        if (activated > activating)
                return json_seconds(activated - activating);
        if (deactivated > activating)
                return json_seconds(deactivated - activating);
        return NULL;
}

void inspect_systemd(json_object *res, struct machine_ns *ns, const char *cgroup)
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
        json_object *timing = get_or_add(res, "timing"), *init = get_or_add(res, "init");
        json_object *units = json_object_new_array(), *failed = json_object_new_array();
        json_object *getty = json_object_new_array(), *blocks;
        int r;

        struct inside_process manager, unit_list;
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + SYSTEMCTL_TIMEOUT_MS * 1000ull;
        int ru;

        json_object_object_add(res, "units", units);
        json_object_object_add(res, "failed_units", failed);
        /* Both questions at once; the short answer is read first. */
        r = inside_start(ns, cgroup, manager_argv, 0, &manager);
        ru = inside_start(ns, cgroup, units_argv, 0, &unit_list);
        if (r >= 0)
                r = inside_wait(&manager, deadline, &manager_out);
        if (ru >= 0)
                ru = inside_wait(&unit_list, deadline, &units_out);
        if (r != 0) {
                add_str(res, "system_state", "unknown");
                add_str(res, "inspect_error", r == -ETIME ? "systemctl show did not answer in time"
                                                          : "systemctl show failed");
                return;
        }
        blocks = parse_show(manager_out);
        if (json_object_array_length(blocks) > 0) {
                json_object *m = json_object_array_get_idx(blocks, 0);
                uint64_t userspace = get_u64(m, "UserspaceTimestampMonotonic");
                uint64_t finish = get_u64(m, "FinishTimestampMonotonic");
                add_str(res, "system_state", get_str(m, "SystemState"));
                add_str(init, "version", get_str(m, "Version"));
                add_str(res, "virtualization", get_str(m, "Virtualization"));
                json_object_object_add(timing, "userspace_sec", finish > userspace && userspace > 0
                                                                        ? json_seconds(finish - userspace)
                                                                        : NULL);
        }
        json_object_put(blocks);

        if (ru != 0) {
                add_str(res, "inspect_error", "systemctl show '*' failed");
                return;
        }
        blocks = parse_show(units_out);
        for (size_t i = 0; i < json_object_array_length(blocks); i++) {
                json_object *b = json_object_array_get_idx(blocks, i), *u;
                const char *id = get_str(b, "Id"), *active = get_str(b, "ActiveState");
                json_object *activation = unit_activation(b);
                bool is_failed = streq(active, "failed");

                /* The units the boot touched: started, or failed. */
                if (!activation && get_u64(b, "InactiveExitTimestampMonotonic") == 0 && !is_failed)
                        continue;
                u = json_object_new_object();
                add_str(u, "unit", id);
                add_str(u, "load_state", get_str(b, "LoadState"));
                add_str(u, "active_state", active);
                add_str(u, "sub_state", get_str(b, "SubState"));
                add_str(u, "result", get_str(b, "Result"));
                json_object_object_add(u, "activation_sec", activation);
                json_object_array_add(units, u);
                if (is_failed) {
                        json_object *f = json_object_new_object();
                        add_str(f, "unit", id);
                        add_str(f, "result", get_str(b, "Result"));
                        add_str(f, "phase", "boot");
                        json_object_object_add(f, "journal", json_object_new_array());
                        json_object_array_add(failed, f);
                }
                if (strstr(id, "getty") && strstr(id, ".service") && streq(active, "active") &&
                    streq(get_str(b, "SubState"), "running"))
                        json_object_array_add(getty, json_str(id));
        }
        json_object_put(blocks);
        json_object_array_sort(units, by_activation);

        json_object *login = get_or_add(res, "login");
        json_object_object_add(login, "getty_running", json_object_new_boolean(json_object_array_length(getty) > 0));
        json_object_object_add(login, "getty_units", getty);
}

json_object *inspect_jobs(struct machine_ns *ns, const char *cgroup)
{
        char *const argv[] = { "systemctl", "list-jobs", "--no-pager", "--plain", "--no-legend", "--full", NULL };
        _cleanup_free_ char *out = NULL;
        json_object *jobs = json_object_new_array();
        char *save = NULL;

        if (inside_run(ns, cgroup, argv, 0, 5000, &out) < 0)
                return jobs;
        /* JOB UNIT TYPE STATE */
        for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char unit[256], type[64], state[64];
                unsigned id;
                if (sscanf(line, "%u %255s %63s %63s", &id, unit, type, state) != 4)
                        continue;
                json_object *j = json_object_new_object();
                add_str(j, "unit", unit);
                add_str(j, "type", type);
                add_str(j, "state", state);
                json_object_array_add(jobs, j);
        }
        return jobs;
}

/* --- inits other than systemd --- */

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

void inspect_other_init(json_object *res, pid_t leader, const char *cgroup, const char *kind, uint64_t deadline,
                        int stop_fd)
{
        bool sysvinit = streq(kind, "sysvinit");
        uint64_t start = now_usec(CLOCK_MONOTONIC);
        json_object *rc = get_or_add(res, "rc");
        unsigned quiet = 0;
        char level = 0;
        bool alive = true, done = false;

        /* Done: PID 1 lives, no rc script has run for a moment, and sysvinit
         * has entered a runlevel. */
        while (now_usec(CLOCK_MONOTONIC) < deadline) {
                struct pollfd p = { .fd = stop_fd, .events = POLLIN };
                alive = kill(leader, 0) == 0;
                if (!alive)
                        break;
                level = sysvinit ? runlevel(leader) : 0;
                quiet = rc_running(cgroup, leader) ? 0 : quiet + 1;
                if (quiet >= 4 && (!sysvinit || (level >= '1' && level <= '5'))) {
                        done = true;
                        break;
                }
                if (poll(&p, 1, 50) > 0)
                        break;
        }
        json_object_object_add(rc, "finished", json_object_new_boolean(done));
        json_object_object_add(rc, "finished_sec",
                               done ? json_seconds(now_usec(CLOCK_MONOTONIC) - start) : NULL);
        if (sysvinit) {
                char l[2] = { level, 0 };
                add_str(rc, "runlevel", level ? l : NULL);
        }
        json_object_object_add(res, "pid1_alive", json_object_new_boolean(alive));
        add_str(res, "system_state", !alive ? "offline" : done ? "running" : "starting");
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

void inspect_identity(json_object *res, struct machine_ns *ns, pid_t leader, const char *name, const char *uuid)
{
        json_object *host = get_or_add(res, "hostname"), *mid = get_or_add(res, "machine_id");
        json_object *login = get_or_add(res, "login");
        char root[64], hn[256] = "", id128[33] = "";
        _cleanup_free_ char *file_hostname = NULL, *machine_id = NULL;
        struct statfs sfs;
        uint8_t u[16];

        snprintf(root, sizeof(root), "/proc/%d/root", (int) leader);
        _cleanup_close_ int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return;

        /* The hostname is the machine's name, unless the tree's own
         * /etc/hostname names another (systemd sets that one). */
        file_hostname = read_inside(root_fd, "/etc/hostname");
        const char *expected = file_hostname && file_hostname[0] ? file_hostname : name;
        (void) inside_hostname(ns, hn, sizeof(hn));
        add_str(host, "value", hn);
        add_str(host, "expected", expected);
        json_object_object_add(host, "ok", json_object_new_boolean(hn[0] && streq(hn, expected)));

        /* 32 hex digits, not all zero; from the tree, or from the UUID
         * berth passed when the tree's was empty. */
        machine_id = read_inside(root_fd, "/etc/machine-id");
        if (uuid && uuid_parse(uuid, u) >= 0)
                uuid_to_id128(u, id128);
        bool valid = machine_id && id128_valid(machine_id) && strspn(machine_id, "0") != 32;
        add_str(mid, "value", machine_id);
        add_str(mid, "source", !valid ? NULL : streq(machine_id, id128) ? "uuid" : "tree");
        json_object_object_add(mid, "ok", json_object_new_boolean(valid));

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
        add_str(res, "cgroup_layout", layout);

        /* A login prompt needs agetty and login in the tree. */
        json_object_object_add(login, "agetty_present",
                               json_object_new_boolean(exists_inside(root_fd, "/sbin/agetty", "/usr/sbin/agetty")));
        json_object_object_add(login, "login_present",
                               json_object_new_boolean(exists_inside(root_fd, "/bin/login", "/usr/bin/login")));
}
