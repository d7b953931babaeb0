/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Cgroups through the cgroup file system (issue 5, the cgroupfs half), on a
 * hybrid host: the machine's cgroup berth-NAME below the launcher's own in
 * cgroup2 with supervisor/ and payload/; limits through the v1 memory, cpu
 * and pids controllers below the launcher's own cgroups there; what the
 * limits do to a machine (an OOM kill inside, a fork loop stopped, a busy
 * loop held to its quota); what the machine sees (its cgroup as the root,
 * writable); refused values; and that no cgroup of the machine is left in
 * any hierarchy, also after SIGKILL to the launcher. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "cgtest.h"
#include "cgutil.h"
#include "helpers.h"

TestSuite(cgroup, .init = it_setup, .fini = it_teardown);


/* The machine waits for the host: up to 60 s, until the host says go. */
#define WAIT_FOR_GO "echo up; i=0; while [ ! -e /tmp/go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; "


static pid_t state_pid(const char *machine, const char *key)
{
        char *v = it_state_get(machine, key);
        pid_t pid;

        cr_assert_not_null(v, "machine %s: no %s in its state file", machine, key);
        pid = (pid_t) atoi(v);
        free(v);
        cr_assert_gt(pid, 0);
        return pid;
}

static void wait_up(pid_t berth, const char *log, const char *machine)
{
        if (!it_wait_log(log, "out", "up\n", 60) || !it_wait_state(machine, "running", 10)) {
                char *err = it_spawn_log(log, "err");
                kill(berth, SIGKILL);
                it_wait(berth, 10);
                cr_assert_fail("machine %s did not come up; berth said:\n%s", machine, err);
        }
}

static void say_go(const char *machine)
{
        struct it_result r = it_exec_in(machine, 20, "touch /tmp/go");

        cr_assert_eq(r.status, 0, "touch /tmp/go in %s: %d %s", machine, r.status, r.err);
        it_result_free(&r);
}

static void assert_one_line(const char *err)
{
        const char *nl = strchr(err, '\n');

        cr_assert(nl && nl[1] == 0, "not one line on stderr: '%s'", err);
}

/* 1. 64M and a 200M hog: the hog is OOM-killed inside, the machine goes
 * on, berth exits with the command's status and says so. */
Test(cgroup, memory_max_oom_kills_inside_and_the_machine_goes_on)
{
        const char *tree = it_busybox_tree();
        const char *name = "cgt-oom";
        char *dir, *p, *s, *out, *err, *own_mem, *sup_mem;
        pid_t pid, leader, supervisor;
        int status;

        cgt_require_v1("memory");
        pid = it_berth_spawn("oom", "-D", tree, "--name", name, "--memory-max=64M", "--", "/bin/sh", "-c",
                             WAIT_FOR_GO "(x=$(head -c 200000000 /dev/zero | tr '\\0' a)); echo sub=$?; "
                             "echo after; exit 7",
                             NULL);
        wait_up(pid, "oom", name);
        leader = state_pid(name, "LEADER");
        supervisor = state_pid(name, "SUPERVISOR");

        /* The limit, in v1 below this test's own memory cgroup. */
        dir = cgt_v1_machine_dir("memory", name);
        cr_assert_not_null(dir);
        p = cgt_strf("%s/memory.limit_in_bytes", dir);
        s = cgt_read_trimmed(p);
        cr_assert_not_null(s, "%s is missing", p);
        cr_assert_str_eq(s, "67108864", "%s reads %s", p, s);
        free(s);
        free(p);
        p = cgt_strf("%s/payload/cgroup.procs", dir);
        s = it_read_file(p);
        char want[32];
        snprintf(want, sizeof(want), "%d", (int) leader);
        cr_assert(s && cgt_has_line(s, want), "PID 1 (%s) is not in %s: '%s'", want, p, s ? s : "(missing)");
        free(s);
        free(p);
        /* The launcher stays outside the limit: the OOM killer cannot pick it. */
        own_mem = cgt_cgroup_of(0, "memory");
        sup_mem = cgt_cgroup_of(supervisor, "memory");
        cr_assert(own_mem && sup_mem);
        cr_assert_str_eq(sup_mem, own_mem, "the launcher is in memory cgroup %s", sup_mem);
        free(own_mem);
        free(sup_mem);
        free(dir);

        say_go(name);
        status = it_wait(pid, 60);
        out = it_spawn_log("oom", "out");
        err = it_spawn_log("oom", "err");
        cr_assert_eq(status, 7, "berth exited with %d, expected the command's 7\nstdout:\n%s\nstderr:\n%s", status,
                     out, err);
        cr_assert(cgt_has_line(out, "sub=137"), "the hog was not killed by SIGKILL:\n%s", out);
        cr_assert(cgt_has_line(out, "after"), "the machine did not go on after the OOM kill:\n%s", out);
        s = cgt_strf("berth: machine %s: the OOM killer killed ", name);
        cr_assert(strstr(err, s), "no OOM warning from berth:\n%s", err);
        cr_assert(strstr(err, "at its memory limit of 67108864 bytes"), "berth said:\n%s", err);
        free(s);
        free(out);
        free(err);
        /* This test lives on, and so does the host's PID 1. */
        cr_assert_eq(kill(1, 0), 0);
        cgt_assert_clean(name, tree, true);
}

/* The same, run to its end in one go: the warning is one line per kill
 * report, and a machine without an OOM kill gets no such warning. */
Test(cgroup, no_oom_warning_without_an_oom_kill)
{
        const char *tree = it_busybox_tree();
        struct it_result r;

        r = it_berth_sh(120, tree, "x=$(head -c 10000000 /dev/zero | tr '\\0' a); echo ${#x}", "--name", "cgt-nooom",
                   "--memory-max=64M", NULL);
        cr_assert_eq(r.status, 0, "status %d\n%s", r.status, r.err);
        cr_assert_str_eq(r.out, "10000000\n");
        cr_assert_null(strstr(r.err, "OOM"), "berth said:\n%s", r.err);
        it_result_free(&r);
        cgt_assert_clean("cgt-nooom", tree, true);
}

/* 2. --tasks-max=50 stops a fork loop of 100 at the limit. */
Test(cgroup, tasks_max_stops_a_fork_loop)
{
        const char *tree = it_busybox_tree();
        const char *name = "cgt-fork";
        char *dir, *p, *s, *out, *started;
        struct it_result r;
        pid_t pid;
        int status, n, tasks;
        long current;

        cgt_require_v1("pids");
        /* Each fork in a subshell of its own: one that fails ends only that
         * subshell. At the limit the machine's shell waits without forking
         * (read -t on a FIFO) until the host says go. */
        pid = it_berth_spawn("fork", "-D", tree, "--name", name, "--tasks-max=50", "--", "/bin/sh", "-c",
                             "mkfifo /tmp/f; n=0; i=0; "
                             "while [ $i -lt 100 ]; do i=$((i+1)); ( sleep 120 & ) 2>/dev/null && n=$((n+1)); done; "
                             "echo started=$n; "
                             "j=0; while [ ! -e /tmp/go ] && [ $j -lt 60 ]; do "
                             "read -t 1 x <> /tmp/f; j=$((j+1)); done; "
                             "echo procs=$(ls -d /proc/[0-9]* | wc -l)",
                             NULL);
        if (!it_wait_log("fork", "out", "started=", 60)) {
                char *err = it_spawn_log("fork", "err");
                kill(pid, SIGKILL);
                it_wait(pid, 10);
                cr_assert_fail("the fork loop did not finish; berth said:\n%s", err);
        }
        cr_assert(it_wait_log("fork", "out", "\n", 5));
        out = it_spawn_log("fork", "out");
        started = strstr(out, "started=");
        cr_assert(started && sscanf(started, "started=%d", &n) == 1, "out: %s", out);
        /* Some, not all: the loop ran into the limit (50 with PID 1 and the shell). */
        cr_assert(n >= 40 && n <= 50, "the fork loop started %d of 100 sleeps\n%s", n, out);
        free(out);

        dir = cgt_v1_machine_dir("pids", name);
        cr_assert_not_null(dir);
        p = cgt_strf("%s/pids.max", dir);
        s = cgt_read_trimmed(p);
        cr_assert(s && strcmp(s, "50") == 0, "%s reads %s", p, s ? s : "(missing)");
        free(s);
        free(p);
        p = cgt_strf("%s/pids.current", dir);
        s = cgt_read_trimmed(p);
        cr_assert_not_null(s, "%s is missing", p);
        current = strtol(s, NULL, 10);
        cr_assert(current >= n && current <= 50, "%s reads %ld with %d sleeps started", p, current, n);
        free(s);
        free(p);
        /* Count them another way: the tasks of payload/, where the machine is. */
        p = cgt_strf("%s/payload/tasks", dir);
        s = it_read_file(p);
        cr_assert_not_null(s, "%s is missing", p);
        tasks = (int) it_count_lines(s);
        cr_assert(tasks >= n && tasks <= 50, "%s lists %d tasks", p, tasks);
        free(s);
        free(p);
        free(dir);

        /* Make room (from outside the limit), and the machine forks again. */
        r = it_exec_in(name, 20, "kill -9 $(pidof sleep); touch /tmp/go");
        cr_assert_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        status = it_wait(pid, 60);
        out = it_spawn_log("fork", "out");
        cr_assert_eq(status, 0, "berth exited with %d\n%s", status, out);
        cr_assert(strstr(out, "procs="), "the machine could not fork after the sleeps ended:\n%s", out);
        free(out);
        cgt_assert_clean(name, tree, true);
}

/* CPU time and wall time of a 3 s busy loop, measured inside: the
 * machine's own cgroup2 cpu.stat and /proc/uptime. */
static double busy_share(const char *name, const char *limit)
{
        const char *script =
                "read u0 x < /proc/uptime; c0=$(sed -n 's/^usage_usec //p' /sys/fs/cgroup/cpu.stat); "
                "timeout 3 sh -c 'while :; do :; done'; "
                "read u1 x < /proc/uptime; c1=$(sed -n 's/^usage_usec //p' /sys/fs/cgroup/cpu.stat); "
                "echo \"$u0 $c0 $u1 $c1\"";
        struct it_result r;
        double u0, u1, c0, c1;

        if (limit)
                r = it_berth_sh(120, it_busybox_tree(), script, "--name", name, limit, NULL);
        else
                r = it_berth_sh(120, it_busybox_tree(), script, "--name", name, NULL);
        cr_assert_eq(r.status, 0, "status %d\n%s", r.status, r.err);
        cr_assert(sscanf(r.out, "%lf %lf %lf %lf", &u0, &c0, &u1, &c1) == 4, "out: '%s'", r.out);
        cr_assert(u1 - u0 >= 2.5 && u1 - u0 <= 10, "the busy loop ran %.2f s", u1 - u0);
        it_result_free(&r);
        return (c1 - c0) / 1e6 / (u1 - u0);
}

/* 3. --cpu-quota=20% holds a busy loop to about a fifth of a CPU; without
 * it the same loop takes well over half of one. */
Test(cgroup, cpu_quota_holds_a_busy_loop_to_a_fifth)
{
        double limited, free_share;

        limited = busy_share("cgt-cpu", "--cpu-quota=20%");
        cr_assert(limited >= 0.10 && limited <= 0.35, "under --cpu-quota=20%% the loop used %.0f%% of a CPU",
                  limited * 100);
        cgt_assert_clean("cgt-cpu", it_busybox_tree(), true);
        free_share = busy_share("cgt-cpu", NULL);
        cr_assert(free_share > 0.5, "without a quota the loop used only %.0f%% of a CPU", free_share * 100);
        cgt_assert_clean("cgt-cpu", it_busybox_tree(), true);
}

/* 4. Inside, the machine's cgroup is the root of every hierarchy, and its
 * cgroup2 is writable. */
Test(cgroup, inside_its_cgroup_is_the_root_and_writable)
{
        const char *tree = it_busybox_tree();
        struct it_result r;
        char *cg;
        int lines = 0;

        r = it_berth_sh(120, tree,
                   "cat /proc/self/cgroup; echo --; "
                   "mkdir /sys/fs/cgroup/probe && echo made; "
                   "echo $$ > /sys/fs/cgroup/probe/cgroup.procs && grep ^0:: /proc/self/cgroup; "
                   "echo $$ > /sys/fs/cgroup/cgroup.procs && rmdir /sys/fs/cgroup/probe && echo removed",
                   "--name", "cgt-in", "--memory-max=64M", "--cpu-quota=50%", "--tasks-max=100", NULL);
        cr_assert_eq(r.status, 0, "status %d\n%s\n%s", r.status, r.out, r.err);
        cg = strndup(r.out, strstr(r.out, "--\n") ? (size_t) (strstr(r.out, "--\n") - r.out) : 0);
        cr_assert(cgt_has_line(cg, "0::/"), "/proc/self/cgroup:\n%s", cg);
        /* The controllers the machine joined in v1, and every other line. */
        for (char *l = strtok(cg, "\n"); l; l = strtok(NULL, "\n"), lines++) {
                char *last = strrchr(l, ':');
                cr_assert(last && strcmp(last, ":/") == 0, "not the root: '%s'", l);
        }
        cr_assert_gt(lines, 1, "no v1 lines in /proc/self/cgroup");
        free(cg);
        cr_assert(strstr(r.out, "--\nmade\n0::/probe\nremoved\n"), "out:\n%s\nerr:\n%s", r.out, r.err);
        it_result_free(&r);
        cgt_assert_clean("cgt-in", tree, true);
}

/* The v1 lines of the controllers the limits need read "/" inside: checked
 * per controller by name. */
Test(cgroup, inside_joined_v1_controllers_read_root)
{
        const char *tree = it_busybox_tree();
        static const char *const ctl[] = { "memory", "cpu", "pids" };
        struct it_result r;

        cgt_require_v1("memory");
        r = it_berth_sh(120, tree, "cat /proc/self/cgroup", "--name", "cgt-in1", "--memory-max=64M", "--cpu-quota=50%",
                   "--tasks-max=100", NULL);
        cr_assert_eq(r.status, 0, "status %d\n%s", r.status, r.err);
        for (size_t i = 0; i < sizeof(ctl) / sizeof(ctl[0]); i++) {
                bool found = false;
                char *s = strdup(r.out);
                for (char *l = strtok(s, "\n"); l; l = strtok(NULL, "\n")) {
                        char *a = strchr(l, ':'), *b = a ? strchr(a + 1, ':') : NULL;
                        if (!b)
                                continue;
                        *b = 0;
                        if (cg_list_has(a + 1, ctl[i])) {
                                found = true;
                                cr_assert_str_eq(b + 1, "/", "the %s line reads %s", ctl[i], b + 1);
                        }
                }
                free(s);
                cr_assert(found, "no %s line in:\n%s", ctl[i], r.out);
        }
        it_result_free(&r);
        cgt_assert_clean("cgt-in1", tree, true);
}

/* The host's view of a running machine's cgroup: CGROUP is berth-NAME below
 * the launcher's own, with payload/ (PID 1, owned by owner) and, a moment
 * after the machine is up, supervisor/ (the launcher). */
static void check_host_view(const char *name, pid_t berth, uid_t owner)
{
        char *cg = it_state_get(name, "CGROUP"), *want = cgt_v2_machine_dir(name), *p, *s, *leaf;
        pid_t leader = state_pid(name, "LEADER"), supervisor = state_pid(name, "SUPERVISOR");
        struct stat st;
        bool in_sup = false;

        cr_assert_eq(supervisor, berth, "SUPERVISOR=%d, but berth is %d", (int) supervisor, (int) berth);
        cr_assert_not_null(cg, "no CGROUP in the state file");
        leaf = cgt_strf("/berth-%s", name);
        cr_assert(strlen(cg) > strlen(leaf) && strcmp(cg + strlen(cg) - strlen(leaf), leaf) == 0,
                  "CGROUP=%s does not end in %s", cg, leaf);
        cr_assert_str_eq(cg, want, "CGROUP=%s, expected it below the launcher's own cgroup: %s", cg, want);

        p = cgt_strf("%s/payload", cg);
        cr_assert(stat(p, &st) == 0 && S_ISDIR(st.st_mode), "%s is missing", p);
        cr_assert_eq(st.st_uid, owner, "%s is owned by %u, expected %u", p, st.st_uid, owner);
        cr_assert_eq(st.st_gid, owner, "%s has group %u, expected %u", p, st.st_gid, owner);
        free(p);
        p = cgt_strf("%s/payload/cgroup.procs", cg);
        cr_assert(stat(p, &st) == 0 && st.st_uid == owner, "%s is not owned by %u", p, owner);
        free(p);

        /* The launcher joins supervisor/ 100 ms after the machine is up. */
        usleep(500 * 1000);
        for (int i = 0; i < 150 && !in_sup; i++) {
                s = cgt_cgroup_of(supervisor, NULL);
                p = cgt_strf("%s/supervisor", leaf);
                in_sup = s && strlen(s) >= strlen(p) && strcmp(s + strlen(s) - strlen(p), p) == 0;
                free(s);
                free(p);
                if (!in_sup)
                        usleep(20000);
        }
        s = cgt_cgroup_of(supervisor, NULL);
        cr_assert(in_sup, "the launcher %d is in %s, not in %s/supervisor", (int) supervisor, s, cg);
        free(s);
        p = cgt_strf("%s/supervisor", cg);
        cr_assert(stat(p, &st) == 0 && S_ISDIR(st.st_mode), "%s is missing", p);
        free(p);
        s = cgt_cgroup_of(leader, NULL);
        p = cgt_strf("%s/payload", leaf);
        cr_assert(s && strlen(s) >= strlen(p) && strcmp(s + strlen(s) - strlen(p), p) == 0,
                  "PID 1 (%d) is in %s, not in %s/payload", (int) leader, s, cg);
        free(s);
        free(p);
        p = cgt_strf("%s/payload/cgroup.procs", cg);
        s = it_read_file(p);
        char want_pid[32];
        snprintf(want_pid, sizeof(want_pid), "%d", (int) leader);
        cr_assert(s && cgt_has_line(s, want_pid), "%s does not list PID 1 (%d): '%s'", p, (int) leader, s);
        free(s);
        free(p);
        p = cgt_strf("%s/supervisor/cgroup.procs", cg);
        s = it_read_file(p);
        snprintf(want_pid, sizeof(want_pid), "%d", (int) supervisor);
        cr_assert(s && cgt_has_line(s, want_pid), "%s does not list the launcher: '%s'", p, s);
        free(s);
        free(p);
        free(leaf);
        free(want);
        free(cg);
}

/* 5. On the host, with the machine's own UID range. */
Test(cgroup, on_the_host_supervisor_and_payload)
{
        const char *tree = it_busybox_tree();
        const char *name = "cgt-host";
        char *shift, *dir, *p, *s;
        pid_t pid;
        unsigned base;
        int status;

        cgt_require_v1("cpu");
        pid = it_berth_spawn("host", "-D", tree, "--name", name, "--cpu-quota=20%", "--cpu-weight=200",
                             "--tasks-max=300", "--", "/bin/sh", "-c", WAIT_FOR_GO "exit 0", NULL);
        wait_up(pid, "host", name);
        shift = it_state_get(name, "UID_SHIFT");
        cr_assert_not_null(shift);
        base = (unsigned) strtoul(shift, NULL, 10);
        cr_assert_neq(base, 0, "UID_SHIFT=%s: no user namespace", shift);
        free(shift);
        check_host_view(name, pid, base);

        /* The limits, in v1: quota per 100 ms period, weight as shares. */
        dir = cgt_v1_machine_dir("cpu", name);
        static const char *const knobs[][2] = {
                { "cpu.cfs_period_us", "100000" },
                { "cpu.cfs_quota_us", "20000" },
                { "cpu.shares", "2048" },
        };
        for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
                p = cgt_strf("%s/%s", dir, knobs[i][0]);
                s = cgt_read_trimmed(p);
                cr_assert(s && strcmp(s, knobs[i][1]) == 0, "%s reads %s, expected %s", p, s ? s : "(missing)",
                          knobs[i][1]);
                free(s);
                free(p);
        }
        free(dir);
        dir = cgt_v1_machine_dir("pids", name);
        p = cgt_strf("%s/pids.max", dir);
        s = cgt_read_trimmed(p);
        cr_assert(s && strcmp(s, "300") == 0, "%s reads %s", p, s ? s : "(missing)");
        free(s);
        free(p);
        free(dir);

        say_go(name);
        status = it_wait(pid, 30);
        cr_assert_eq(status, 0, "berth exited with %d", status);
        cgt_assert_clean(name, tree, true);
}

/* 5b. Without a user namespace payload/ stays root's. */
Test(cgroup, on_the_host_without_userns_payload_is_roots)
{
        const char *tree = it_busybox_tree();
        const char *name = "cgt-host0";
        pid_t pid;
        int status;

        pid = it_berth_spawn("host0", "-D", tree, "--name", name, "--private-users=no", "--", "/bin/sh", "-c",
                             WAIT_FOR_GO "exit 0", NULL);
        wait_up(pid, "host0", name);
        check_host_view(name, pid, 0);
        say_go(name);
        status = it_wait(pid, 30);
        cr_assert_eq(status, 0, "berth exited with %d", status);
        cgt_assert_clean(name, tree, true);
}

/* 6. A value the kernel refuses: pids.max takes nothing above
 * PID_MAX_LIMIT (4194304). One line, exit 1, nothing left. */
Test(cgroup, a_limit_the_kernel_refuses)
{
        const char *tree = it_busybox_tree();
        struct it_result r;

        cgt_require_v1("pids");
        r = it_berth_run(30, "-D", tree, "--name", "cgt-refused", "--tasks-max=5000000", "--", "/bin/true", NULL);
        cr_assert_eq(r.status, 1, "status %d\n%s", r.status, r.err);
        assert_one_line(r.err);
        cr_assert(strstr(r.err, "pids.max") && strstr(r.err, "5000000"), "stderr does not name the limit: %s",
                  r.err);
        cr_assert_str_eq(r.out, "");
        it_result_free(&r);
        cgt_assert_clean("cgt-refused", tree, false);
}

/* A v1 memory limit below what the (empty) cgroup already holds is refused
 * by the kernel with EBUSY: that is a refused limit too, and berth says
 * which, not that the cgroup is in use by another machine. */
Test(cgroup, a_memory_limit_below_the_cgroups_usage_is_a_refused_limit)
{
        const char *tree = it_busybox_tree();
        struct it_result r;

        cgt_require_v1("memory");
        r = it_berth_run(30, "-D", tree, "--name", "cgt-tiny", "--memory-max=4K", "--", "/bin/true", NULL);
        cr_assert_eq(r.status, 1, "status %d\n%s", r.status, r.err);
        assert_one_line(r.err);
        cr_assert(strstr(r.err, "memory.limit_in_bytes"), "stderr does not name the limit: %s", r.err);
        cr_assert_null(strstr(r.err, "in use by running processes"), "a misleading reason: %s", r.err);
        it_result_free(&r);
        cgt_assert_clean("cgt-tiny", tree, false);
}

/* Bad syntax: one line naming the option, exit 1, nothing left. */
Test(cgroup, bad_limit_syntax)
{
        static const char *const bad[][2] = {
                { "--memory-max=12Q", "--memory-max=12Q" },
                { "--memory-max=-5M", "--memory-max=-5M" },
                { "--cpu-quota=0", "--cpu-quota=0" },
                { "--cpu-quota=abc", "--cpu-quota=abc" },
                { "--cpu-weight=0", "--cpu-weight=0" },
                { "--cpu-weight=10001", "--cpu-weight=10001" },
                { "--tasks-max=0", "--tasks-max=0" },
        };
        const char *tree = it_busybox_tree();

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct it_result r = it_berth_run(30, "-D", tree, "--name", "cgt-syntax", bad[i][0], "--",
                                                  "/bin/true", NULL);
                cr_assert_eq(r.status, 1, "%s: status %d\n%s", bad[i][0], r.status, r.err);
                assert_one_line(r.err);
                cr_assert(strstr(r.err, bad[i][1]), "%s: stderr does not name it: %s", bad[i][0], r.err);
                it_result_free(&r);
                cgt_assert_clean("cgt-syntax", tree, false);
        }
}

/* 7. SIGKILL to berth leaves its cgroups (nothing could remove them); the
 * next start of the name removes them, in cgroup2 and in v1. */
Test(cgroup, sigkill_then_the_next_start_cleans_up)
{
        const char *tree = it_busybox_tree();
        const char *name = "cgt-kill";
        char *v2, *mem, *left;
        struct it_result r;
        pid_t pid;
        int status;

        cgt_require_v1("memory");
        pid = it_berth_spawn("kill", "-D", tree, "--name", name, "--memory-max=64M", "--", "/bin/sh", "-c",
                             WAIT_FOR_GO "exit 0", NULL);
        wait_up(pid, "kill", name);
        usleep(500 * 1000);     /* the launcher in supervisor/ too */
        v2 = cgt_v2_machine_dir(name);
        mem = cgt_v1_machine_dir("memory", name);
        cr_assert_eq(kill(pid, SIGKILL), 0);
        status = it_wait(pid, 10);
        cr_assert_eq(status, 128 + SIGKILL);
        usleep(300 * 1000);
        cr_assert_eq(access(v2, F_OK), 0, "%s is gone already: the test shows nothing", v2);
        cr_assert_eq(access(mem, F_OK), 0, "%s is gone already: the test shows nothing", mem);

        r = it_berth_sh(120, tree, "grep ^0:: /proc/self/cgroup", "--name", name, "--memory-max=64M", NULL);
        cr_expect_eq(r.status, 0, "the next start: status %d\n%s", r.status, r.err);
        cr_expect_str_eq(r.out, "0::/\n");
        it_result_free(&r);
        left = cgt_cgroup_left(name);
        cr_expect_null(left, "after the next start: %s", left);
        if (left)
                cgt_remove_cgroup_dirs(name);
        free(left);
        free(v2);
        free(mem);
        cgt_assert_clean(name, tree, true);
}

/* The next start cleans every hierarchy the killed one used, also those its
 * own limits do not need (here: none at all). */
Test(cgroup, sigkill_then_a_start_without_limits_cleans_v1_too)
{
        const char *tree = it_busybox_tree();
        const char *name = "cgt-kill2";
        char *mem, *pids, *left;
        struct it_result r;
        pid_t pid;
        int status;

        cgt_require_v1("memory");
        cgt_require_v1("pids");
        pid = it_berth_spawn("kill2", "-D", tree, "--name", name, "--memory-max=64M", "--tasks-max=100", "--",
                             "/bin/sh", "-c", WAIT_FOR_GO "exit 0", NULL);
        wait_up(pid, "kill2", name);
        mem = cgt_v1_machine_dir("memory", name);
        pids = cgt_v1_machine_dir("pids", name);
        cr_assert_eq(kill(pid, SIGKILL), 0);
        status = it_wait(pid, 10);
        cr_assert_eq(status, 128 + SIGKILL);
        usleep(300 * 1000);
        cr_assert_eq(access(mem, F_OK), 0, "%s is gone already: the test shows nothing", mem);
        cr_assert_eq(access(pids, F_OK), 0, "%s is gone already: the test shows nothing", pids);

        r = it_berth_sh(120, tree, "true", "--name", name, NULL);
        cr_expect_eq(r.status, 0, "the next start: status %d\n%s", r.status, r.err);
        it_result_free(&r);
        left = cgt_cgroup_left(name);
        cr_expect_null(left, "after the next start (without limits): %s", left);
        if (left)
                cgt_remove_cgroup_dirs(name);
        free(left);
        free(mem);
        free(pids);
        cgt_assert_clean(name, tree, true);
}

/* 8. Debian boots with limits under its user namespace; systemd runs in
 * payload/init.scope; it powers off cleanly and leaves nothing. */
Test(cgroup, debian_boots_with_limits)
{
        const char *tree = it_debian_tree();
        const char *name = "cgt-deb";
        char *cg, *p, *s, *err, *leaf, *dir;
        struct it_result r;
        pid_t pid, leader;
        int status;

        cgt_require_v1("memory");
        pid = it_berth_spawn("deb", "-D", tree, "--boot", "--ephemeral", "--name", name, "--memory-max=512M",
                             "--tasks-max=1000", NULL);
        if (!it_wait_state(name, "running", 90)) {
                err = it_spawn_log("deb", "err");
                kill(pid, SIGKILL);
                it_wait(pid, 10);
                cr_assert_fail("machine %s did not reach READY=1; berth said:\n%s", name, err);
        }
        err = it_spawn_log("deb", "err");
        s = cgt_strf("machine %s is up (READY=1 after ", name);
        cr_assert(strstr(err, s), "berth said:\n%s", err);
        free(s);
        free(err);
        p = it_state_get(name, "UID_SHIFT");
        cr_assert(p && strtoul(p, NULL, 10) > 0, "UID_SHIFT=%s: no user namespace", p);
        free(p);

        r = it_exec_in(name, 90, "timeout 60 systemctl is-system-running --wait; grep ^0:: /proc/1/cgroup; "
                                 "cat /proc/1/comm");
        cr_assert_str_eq(r.out, "running\n0::/init.scope\nsystemd\n", "inside: %s\n%s", r.out, r.err);
        it_result_free(&r);

        /* From the host: PID 1 in payload/init.scope, limits in v1. */
        leader = state_pid(name, "LEADER");
        cg = it_state_get(name, "CGROUP");
        cr_assert_not_null(cg);
        s = cgt_cgroup_of(leader, NULL);
        leaf = cgt_strf("/berth-%s/payload/init.scope", name);
        cr_assert(s && strlen(s) >= strlen(leaf) && strcmp(s + strlen(s) - strlen(leaf), leaf) == 0,
                  "PID 1 is in %s", s);
        free(s);
        free(leaf);
        p = cgt_strf("%s/payload/init.scope", cg);
        cr_assert_eq(access(p, F_OK), 0, "%s is missing", p);
        free(p);
        dir = cgt_v1_machine_dir("memory", name);
        p = cgt_strf("%s/memory.limit_in_bytes", dir);
        s = cgt_read_trimmed(p);
        cr_assert(s && strcmp(s, "536870912") == 0, "%s reads %s", p, s ? s : "(missing)");
        free(s);
        free(p);
        free(dir);
        dir = cgt_v1_machine_dir("pids", name);
        p = cgt_strf("%s/pids.max", dir);
        s = cgt_read_trimmed(p);
        cr_assert(s && strcmp(s, "1000") == 0, "%s reads %s", p, s ? s : "(missing)");
        free(s);
        free(p);
        p = cgt_strf("%s/pids.current", dir);
        s = cgt_read_trimmed(p);
        cr_assert(s && atoi(s) > 1 && atoi(s) <= 1000, "%s reads %s", p, s ? s : "(missing)");
        free(s);
        free(p);
        free(dir);
        free(cg);

        r = it_exec_in(name, 30, "systemctl poweroff");
        it_result_free(&r);
        status = it_wait(pid, 90);
        err = it_spawn_log("deb", "err");
        cr_assert_eq(status, 0, "berth exited with %d after poweroff\n%s", status, err);
        s = cgt_strf("machine %s powered off", name);
        cr_assert(strstr(err, s), "berth said:\n%s", err);
        free(s);
        free(err);
        cgt_assert_clean(name, tree, false);
}
