/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A stop that does not finish in time: the steps it takes show in the
 * machine's StopStep property (and berthctl status) while it runs, and
 * berthd says which step ended it. */
#include <criterion/criterion.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "helpers.h"

TestSuite(stop, .init = it_setup, .fini = it_teardown);

Test(stop, a_stop_says_which_step_ended_it)
{
        const char *tree = it_busybox_tree();
        char *v, cmd[1024], *argv[] = { "/bin/sh", "-c", cmd, NULL };
        struct it_result r;
        pid_t pid;

        it_bus_start();
        it_berthd_start();
        /* A command that ignores the polite request. */
        pid = it_berth_spawn("stubborn", "-D", tree, "-x", "--name", "stubborn", "--stop-timeout=3", "--", "/bin/sh",
                             "-c", "trap '' TERM; echo ready; while :; do sleep 1; done", NULL);
        cr_assert(it_wait_log("stubborn", "out", "ready\n", 30));
        cr_assert(it_wait_listed("stubborn", true, 30));
        v = it_machine_property("stubborn", "StopStep");
        cr_expect(v && !*v, "StopStep before any stop: '%s'", v);
        free(v);

        /* status shows what the machine's own network namespace holds: lo. */
        snprintf(cmd, sizeof(cmd), "%s status stubborn", getenv("BERTHCTL_BIN"));
        r = it_run(30, argv);
        cr_expect(strstr(r.out, "Address: 127.0.0.1\n") && strstr(r.out, "::1\n"), "status: %s", r.out);
        it_result_free(&r);
        r = it_busctl_nobody(30, "call", "org.berth.machine1", "/org/berth/machine1/machine/stubborn",
                             "org.berth.machine1.Machine", "GetAddresses", NULL);
        cr_expect(r.status == 0 && strstr(r.out, "2 4 127 0 0 1"), "GetAddresses as nobody: %s%s", r.out, r.err);
        it_result_free(&r);

        r = it_busctl(30, "call", "org.berth.machine1", "/org/berth/machine1", "org.berth.machine1.Manager",
                      "PoweroffMachine", "s", "stubborn", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_assert(it_wait_property("stubborn", "State", "closing", 10));
        v = it_machine_property("stubborn", "StopStep");
        cr_expect(v && strstr(v, "asked PID 1 to end with signal 15; SIGKILL after 3s"), "StopStep: '%s'", v);
        free(v);
        snprintf(cmd, sizeof(cmd), "%s status stubborn", getenv("BERTHCTL_BIN"));
        r = it_run(30, argv);
        cr_expect(strstr(r.out, "Stopping: asked PID 1"), "status: %s", r.out);
        it_result_free(&r);

        cr_expect_eq(it_wait(pid, 30), 137, "the stubborn machine did not end killed");
        cr_assert(it_wait_listed("stubborn", false, 30));
        char *log = it_berthd_log();
        cr_expect(strstr(log, "machine stubborn is gone (stop: did not end within 3s: killed with SIGKILL)"),
                  "berthd said: %s", log);
        free(log);
        char *left = it_leftovers("stubborn", tree);
        cr_expect_null(left, "%s", left);
}

/* Whether pid blocks sig: berth does from its first instructions on. The
 * exec itself (the kernel's part, before the program's first instruction)
 * is a window no program can close; the test waits it out. */
static bool blocks_signal(pid_t pid, int sig)
{
        char path[64], *status, *p;
        unsigned long long mask;
        bool r;

        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        status = it_read_file(path);
        p = status ? strstr(status, "SigBlk:") : NULL;
        r = p && sscanf(p, "SigBlk: %llx", &mask) == 1 && (mask >> (sig - 1)) & 1;
        free(status);
        return r;
}

/* A stop asked for before PID 1 can take it — systemd right after its
 * exec has no signal handling yet, and the kernel drops what the init of
 * a PID namespace neither catches nor blocks — is held until it can, and
 * never waits for the stop timeout; berth holds its own signals from
 * before main(), so none kills it half-started. */
Test(stop, an_early_sigterm_is_kept_until_pid1_can_take_it)
{
        const char *tree = it_debian_tree();
        static const unsigned delays_us[] = { 100, 500, 1000, 2000, 3000, 3500, 4000, 4500, 5000, 6000,
                                              7000, 8000, 10000, 12000, 16000, 20000, 30000 };

        for (size_t i = 0; i < sizeof(delays_us) / sizeof(delays_us[0]); i++) {
                char name[32], log[32];
                snprintf(name, sizeof(name), "early-%zu", i);
                snprintf(log, sizeof(log), "early-%zu", i);
                pid_t pid = it_berth_spawn(log, "-D", tree, "-x", "--boot", "--name", name, "--stop-timeout=60",
                                           NULL);
                for (double t = it_now(); !blocks_signal(pid, SIGTERM) && it_now() - t < 5;)
                        ;
                usleep(delays_us[i]);
                cr_assert_eq(kill(pid, SIGTERM), 0);
                double t0 = it_now();
                int status = it_wait(pid, 30);
                cr_expect_eq(status, 0, "SIGTERM %u us after the start: status %d after %.1fs\nberth: %s\nconsole: %s",
                             delays_us[i], status, it_now() - t0, it_spawn_log(log, "err"), it_spawn_log(log, "out"));
                char *left = it_leftovers(name, tree);
                cr_expect_null(left, "after %u us: %s", delays_us[i], left);
                free(left);
        }
}

/* The same, made certain: an init that sets up its handler only a second
 * after it starts gets the SIGTERM berth was sent before that. */
Test(stop, a_signal_waits_for_pid1s_handler)
{
        char *tree = it_busybox_with_init("echo starting\nsleep 1\ntrap 'echo got-term; exit 7' TERM\n"
                                          "echo trapping\nwhile :; do sleep 0.1; done\n");
        pid_t pid;

        pid = it_berth_spawn("late", "-D", tree, "-x", "--boot", "--name", "late-trap", "--kill-signal=TERM",
                             "--stop-timeout=30", NULL);
        cr_assert(it_wait_log("late", "out", "starting", 30), "%s", it_spawn_log("late", "err"));
        cr_assert_eq(kill(pid, SIGTERM), 0);
        double t0 = it_now();
        int status = it_wait(pid, 20);
        cr_expect_eq(status, 7, "status %d after %.1fs\nberth: %s\nconsole: %s", status, it_now() - t0,
                     it_spawn_log("late", "err"), it_spawn_log("late", "out"));
        char *console = it_spawn_log("late", "out");
        cr_expect(strstr(console, "trapping") && strstr(console, "got-term") &&
                          strstr(console, "got-term") > strstr(console, "trapping"),
                  "console: %s", console);
        char *left = it_leftovers("late-trap", tree);
        cr_expect_null(left, "%s", left);
        free(tree);
}

/* berthctl reboot NAME; berthctl poweroff NAME: the poweroff comes while
 * the machine reboots (its old PID 1 going down, gone, or the new one not
 * yet able to take signals) and is kept — the machine ends, whenever in
 * the reboot it came. */
Test(stop, a_poweroff_right_after_a_reboot_is_kept)
{
        const char *tree = it_debian_tree();
        static const unsigned gaps_ms[] = { 0, 30, 60, 100, 150, 200, 300 };

        for (size_t i = 0; i < sizeof(gaps_ms) / sizeof(gaps_ms[0]); i++) {
                char name[32];
                snprintf(name, sizeof(name), "rp-%zu", i);
                pid_t pid = it_berth_spawn(name, "-D", tree, "-x", "--boot", "--name", name, "--stop-timeout=60",
                                           NULL);
                cr_assert(it_wait_state(name, "running", 60), "%s\n%s", it_spawn_log(name, "err"),
                          it_spawn_log(name, "out"));
                /* As berthd asks: SIGUSR1 reboot, SIGUSR2 poweroff. */
                cr_assert_eq(kill(pid, SIGUSR1), 0);
                usleep(gaps_ms[i] * 1000);
                cr_assert_eq(kill(pid, SIGUSR2), 0);
                int status = it_wait(pid, 30);
                cr_expect_eq(status, 0, "poweroff %u ms after the reboot: status %d\nberth: %s\nconsole: %s",
                             gaps_ms[i], status, it_spawn_log(name, "err"), it_spawn_log(name, "out"));
                char *left = it_leftovers(name, tree);
                cr_expect_null(left, "after %u ms: %s", gaps_ms[i], left);
                free(left);
        }
}

/* The README's line, through berthd: both succeed, and the machine is gone. */
Test(stop, berthctl_reboot_then_poweroff)
{
        const char *tree = it_debian_tree();
        char cmd[1024], *argv[] = { "/bin/sh", "-c", cmd, NULL };
        struct it_result r;
        pid_t pid;

        it_bus_start();
        it_berthd_start();
        pid = it_berth_spawn("rpctl", "-D", tree, "-x", "--boot", "--name", "rpctl", NULL);
        cr_assert(it_wait_state("rpctl", "running", 60), "%s", it_spawn_log("rpctl", "err"));
        cr_assert(it_wait_listed("rpctl", true, 30));
        snprintf(cmd, sizeof(cmd), "%s reboot rpctl && %s poweroff rpctl", getenv("BERTHCTL_BIN"),
                 getenv("BERTHCTL_BIN"));
        r = it_run(30, argv);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        int status = it_wait(pid, 30);
        cr_expect_eq(status, 0, "status %d\nberth: %s\nconsole: %s", status, it_spawn_log("rpctl", "err"),
                     it_spawn_log("rpctl", "out"));
        cr_expect(it_wait_listed("rpctl", false, 30), "berthd still lists it");
        char *left = it_leftovers("rpctl", tree);
        cr_expect_null(left, "%s", left);
}
