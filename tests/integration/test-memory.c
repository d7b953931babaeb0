/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Memory is counted with or without a limit: on a hybrid host, where the
 * cgroup2 hierarchy has no memory controller, by the v1 one. berthd reads
 * it from where the launcher says (CGROUP_MEMORY=), berthctl status shows
 * it, and nothing prints 2^64-1 for what is not counted. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "cgtest.h"
#include "helpers.h"

TestSuite(memory, .init = it_setup, .fini = it_teardown);

/* The machine's PID (the leader, or another of its processes) is in its
 * v1 memory cgroup's payload/. */
static bool in_v1_payload(pid_t pid, const char *machine)
{
        char *cg = cgt_cgroup_of(pid, "memory"), *want = cgt_strf("/berth-%s/payload", machine);
        bool r = cg && strlen(cg) >= strlen(want) && strcmp(cg + strlen(cg) - strlen(want), want) == 0;

        free(cg);
        free(want);
        return r;
}

static unsigned long long number(const char *s)
{
        char *end;
        unsigned long long v = s ? strtoull(s, &end, 10) : 0;

        return s && *s && !*end ? v : 0;
}

/* A booted machine with no limit: counted from its start, in status and
 * show; its limit is not set. */
Test(memory, a_booted_machine_is_counted_without_a_limit)
{
        const char *tree = it_debian_tree();
        char *leader, *cgm, *v;
        struct it_result r;
        pid_t pid;

        cgt_require_v1("memory");
        it_bus_start();
        it_berthd_start();
        pid = it_berth_spawn("mb", "-D", tree, "-x", "--boot", "--name", "mem-boot", NULL);
        cr_assert(it_wait_state("mem-boot", "running", 60), "%s\n%s", it_spawn_log("mb", "err"),
                  it_spawn_log("mb", "out"));
        cr_assert(it_wait_listed("mem-boot", true, 30));
        leader = it_state_get("mem-boot", "LEADER");
        cgm = it_state_get("mem-boot", "CGROUP_MEMORY");
        char *want = cgt_v1_machine_dir("memory", "mem-boot");
        cr_expect_str_eq(cgm, want, "CGROUP_MEMORY");
        cr_expect(in_v1_payload((pid_t) atoi(leader), "mem-boot"), "PID 1 is in v1 memory %s",
                  cgt_cgroup_of((pid_t) atoi(leader), "memory"));

        v = it_machine_property("mem-boot", "MemoryCurrent");
        cr_expect(number(v) > 1024 * 1024 && number(v) < (1ULL << 40), "MemoryCurrent %s", v);
        free(v);
        v = it_machine_property("mem-boot", "MemoryMax");
        cr_expect_str_eq(v, "18446744073709551615", "MemoryMax on the bus without a limit");
        free(v);

        r = it_ctl(30, "status", "mem-boot", NULL);
        cr_expect(strstr(r.out, "Memory: ") && !strstr(r.out, "(max:"), "status:\n%s", r.out);
        it_result_free(&r);
        r = it_ctl(30, "show", "mem-boot", NULL);
        cr_expect(strstr(r.out, "\nMemoryCurrent=") && !strstr(r.out, "MemoryMax=") &&
                          !strstr(r.out, "18446744073709551615"),
                  "show:\n%s", r.out);
        it_result_free(&r);
        r = it_ctl(30, "show", "-a", "mem-boot", NULL);
        cr_expect(strstr(r.out, "\nMemoryMax=[not set]\n") && !strstr(r.out, "18446744073709551615"), "show -a:\n%s",
                  r.out);
        it_result_free(&r);
        r = it_ctl(30, "show", "--json", "mem-boot", NULL);
        cr_expect(strstr(r.out, "\"MemoryMax\":null") || strstr(r.out, "\"MemoryMax\": null"), "show --json:\n%s",
                  r.out);
        it_result_free(&r);

        cr_assert_eq(kill(pid, SIGTERM), 0);
        cr_expect_eq(it_wait(pid, 60), 0, "%s", it_spawn_log("mb", "err"));
        cgt_assert_clean("mem-boot", tree, true);
        free(want);
        free(leader);
        free(cgm);
}

/* With a limit, status shows both. */
Test(memory, status_shows_the_limit)
{
        const char *tree = it_busybox_tree();
        struct it_result r;
        char *v;
        pid_t pid;

        cgt_require_v1("memory");
        it_bus_start();
        it_berthd_start();
        pid = it_berth_spawn("ml", "-D", tree, "-x", "--name", "mem-limit", "--memory-max=256M", "--", "/bin/sh", "-c",
                             "echo ready; exec sleep 60", NULL);
        cr_assert(it_wait_log("ml", "out", "ready", 30), "%s", it_spawn_log("ml", "err"));
        cr_assert(it_wait_listed("mem-limit", true, 30));
        v = it_machine_property("mem-limit", "MemoryMax");
        cr_expect_str_eq(v, "268435456");
        free(v);
        r = it_ctl(30, "status", "mem-limit", NULL);
        cr_expect(strstr(r.out, " (max: 256.0M, peak: "), "status:\n%s", r.out);
        it_result_free(&r);
        cr_assert_eq(kill(pid, SIGTERM), 0);
        it_wait(pid, 30);
        cgt_assert_clean("mem-limit", tree, true);
}

/* A command's machine joins v1 memory once it has run 0.1 s, all of its
 * processes; one that ends sooner never waits for that. */
Test(memory, a_command_is_counted_once_it_runs_a_while)
{
        const char *tree = it_busybox_tree();
        char *leader, *child, *v = NULL;
        bool moved = false;
        pid_t pid;

        cgt_require_v1("memory");
        it_bus_start();
        it_berthd_start();
        pid = it_berth_spawn("mc", "-D", tree, "-x", "--name", "mem-cmd", "--", "/bin/sh", "-c",
                             "sleep 60 & echo ready; wait", NULL);
        cr_assert(it_wait_log("mc", "out", "ready", 30), "%s", it_spawn_log("mc", "err"));
        cr_assert(it_wait_listed("mem-cmd", true, 30));
        leader = it_state_get("mem-cmd", "LEADER");
        /* The stub's child, the shell, and its sleep: all of them. */
        char *kids = it_read_file(cgt_strf("/proc/%s/task/%s/children", leader, leader));
        child = kids ? strndup(kids, strcspn(kids, " \n")) : NULL;
        for (int i = 0; i < 50 && !moved; i++, usleep(100000))
                moved = in_v1_payload((pid_t) atoi(leader), "mem-cmd") && child &&
                        in_v1_payload((pid_t) atoi(child), "mem-cmd");
        cr_expect(moved, "not in the v1 memory cgroup: PID 1 in %s, its child %s in %s",
                  cgt_cgroup_of((pid_t) atoi(leader), "memory"), child,
                  child ? cgt_cgroup_of((pid_t) atoi(child), "memory") : "-");
        for (int i = 0; i < 50; i++, usleep(100000)) {
                free(v);
                v = it_machine_property("mem-cmd", "MemoryCurrent");
                if (number(v) > 0)
                        break;
        }
        cr_expect(number(v) > 0, "MemoryCurrent %s", v);
        free(v);
        cr_assert_eq(kill(pid, SIGTERM), 0);
        it_wait(pid, 30);
        cgt_assert_clean("mem-cmd", tree, true);

        struct it_result r = it_berth_run(30, "-D", tree, "-x", "--name", "mem-short", "--", "/bin/true", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cgt_assert_clean("mem-short", tree, true);
        free(leader);
        free(child);
        free(kids);
}
