/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* runit and OpenRC machines (Debian's, built by tools/mkimage-debian):
 * told apart from the tree, and stopped as their own tools stop them, by
 * a signal to berth and through berthd: runit with its stopit file and
 * SIGCONT (it ignores SIGTERM, and drops a request outside stage 2),
 * OpenRC on sysvinit's /run/initctl. Every stop ends with status 0 within
 * a few seconds, not by the stop timeout's SIGKILL. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "helpers.h"

TestSuite(inits, .init = it_setup, .fini = it_teardown);

/* A stop well before the stop timeout (60 s) is the init's own. */
#define STOP_WITHIN_SEC 20

static const char *cached(const char *name, const char *probe)
{
        static char path[4][300];
        static int next;
        char p[400];
        char *t = path[next++ % 4];

        snprintf(t, 300, "%s/%s", getenv("BERTH_TEST_CACHE") ?: "/var/cache/berth-test", name);
        snprintf(p, sizeof(p), "%s/%s", t, probe);
        if (access(p, F_OK) < 0)
                cr_skip_test("test tree %s is missing (tools/test builds it)", t);
        return t;
}

static const char *runit_tree(void)
{
        return cached("debian-runit", "lib/runit/runit-init");
}

static const char *openrc_tree(void)
{
        return cached("debian-openrc", "sbin/openrc");
}

/* Until cmd, run in the machine, prints want. */
static bool wait_inside(const char *machine, const char *cmd, const char *want, int timeout_sec)
{
        for (double end = it_now() + timeout_sec; it_now() < end; usleep(100000)) {
                struct it_result r = it_exec_in(machine, 10, cmd);
                bool ok = r.status == 0 && strstr(r.out, want);
                it_result_free(&r);
                if (ok)
                        return true;
        }
        return false;
}

/* Its services are up: runsvdir supervises them, or OpenRC is done with
 * its default runlevel. */
static bool services_up(const char *machine, const char *kind)
{
        if (strcmp(kind, "runit") == 0)
                return wait_inside(machine, "sv status /etc/service/default-syslog", "run: ", 60);
        return wait_inside(machine, "test -e /run/openrc/rc.starting || cat /run/openrc/softlevel", "default", 60);
}

static bool wait_new_leader(const char *machine, const char *old, int timeout_sec)
{
        for (double end = it_now() + timeout_sec; it_now() < end; usleep(100000)) {
                char *now = it_state_get(machine, "LEADER");
                bool changed = now && strcmp(now, old) != 0;
                free(now);
                if (changed)
                        return true;
        }
        return false;
}

/* SIGTERM to berth: status 0, soon, with the init's own stop. */
static void expect_stops(pid_t pid, const char *log, const char *how)
{
        double t0 = it_now();

        cr_assert_eq(kill(pid, SIGTERM), 0);
        int status = it_wait(pid, 90);
        double took = it_now() - t0;
        cr_expect_eq(status, 0, "berth exited %d: %s", status, it_spawn_log(log, "err"));
        cr_expect_lt(took, STOP_WITHIN_SEC, "the stop took %.1f s: %s", took, it_spawn_log(log, "err"));
        cr_expect(strstr(it_spawn_log(log, "err"), how), "not asked with %s: %s", how, it_spawn_log(log, "err"));
        cr_expect(!strstr(it_spawn_log(log, "err"), "killing it"), "it was killed: %s", it_spawn_log(log, "err"));
        fprintf(stderr, "%s: SIGTERM to the end: %.2f s\n", log, took);
}

/* Boot, reboot (SIGUSR1, as berthd asks for one), then SIGTERM. */
static void reboot_then_stop(const char *tree, const char *name, const char *kind, const char *how)
{
        pid_t pid = it_berth_spawn(name, "-D", tree, "-x", "--boot", "--name", name, "--stop-timeout=60", NULL);
        char *leader, *got;

        cr_assert(it_wait_state(name, "running", 60), "%s", it_spawn_log(name, "err"));
        got = it_state_get(name, "INIT_KIND");
        cr_expect_str_eq(got, kind);
        free(got);
        cr_assert(services_up(name, kind), "%s did not come up: %s", kind, it_spawn_log(name, "out"));
        leader = it_state_get(name, "LEADER");
        cr_assert_not_null(leader);

        double t0 = it_now();
        cr_assert_eq(kill(pid, SIGUSR1), 0);
        cr_assert(wait_new_leader(name, leader, STOP_WITHIN_SEC), "no new PID 1 %d s after the reboot: %s",
                  STOP_WITHIN_SEC, it_spawn_log(name, "err"));
        fprintf(stderr, "%s: reboot to the next PID 1: %.2f s\n", name, it_now() - t0);
        cr_expect(!strstr(it_spawn_log(name, "err"), "killing it"), "%s", it_spawn_log(name, "err"));
        cr_assert(it_wait_state(name, "running", 60), "%s", it_spawn_log(name, "err"));
        cr_assert(services_up(name, kind), "%s did not come up again: %s", kind, it_spawn_log(name, "out"));

        expect_stops(pid, name, how);
        free(leader);
        it_assert_clean(name, tree);
}

Test(inits, runit_reboots_and_powers_off_with_its_stopit_file, .timeout = 300)
{
        reboot_then_stop(runit_tree(), "in-runit", "runit", "runit's stopit file");
}

Test(inits, openrc_is_told_apart_and_asked_for_a_runlevel, .timeout = 300)
{
        reboot_then_stop(openrc_tree(), "in-openrc", "openrc", "runlevel 0");
}

/* runit drops a SIGCONT that comes in stage 1: the stop is held until
 * stage 2 runs, not lost until the stop timeout. */
Test(inits, runit_stopped_in_stage_1_still_powers_off, .timeout = 120)
{
        const char *tree = runit_tree();
        pid_t pid = it_berth_spawn("in-early", "-D", tree, "-x", "--boot", "--name", "in-early",
                                   "--stop-timeout=60", NULL);

        cr_assert(it_wait_state("in-early", "running", 60), "%s", it_spawn_log("in-early", "err"));
        expect_stops(pid, "in-early", "runit's stopit file");
        it_assert_clean("in-early", tree);
}

/* berthctl poweroff and reboot, through berthd's launcher signals; status
 * names the kind. */
Test(inits, berthctl_reboots_and_powers_off_both, .timeout = 400)
{
        const char *trees[] = { runit_tree(), openrc_tree() };
        const char *names[] = { "rx", "ox" }, *kinds[] = { "runit", "openrc" };
        struct it_result r;

        it_bus_start();
        it_berthd_start();
        for (int i = 0; i < 2; i++) {
                char want[64], *leader;
                it_image_link(names[i], trees[i]);
                r = it_ctl(120, "start", "--wait", names[i], NULL);
                cr_assert_eq(r.status, 0, "start %s: %s%s", names[i], r.err, it_berthd_log());
                it_result_free(&r);
                cr_assert(services_up(names[i], kinds[i]), "%s did not come up", names[i]);
                r = it_ctl(30, "status", names[i], NULL);
                snprintf(want, sizeof(want), "Init: /sbin/init (%s)", kinds[i]);
                cr_expect(r.status == 0 && strstr(r.out, want), "status %s:\n%s%s", names[i], r.out, r.err);
                it_result_free(&r);

                leader = it_state_get(names[i], "LEADER");
                r = it_ctl(30, "reboot", names[i], NULL);
                cr_assert_eq(r.status, 0, "reboot %s: %s", names[i], r.err);
                it_result_free(&r);
                cr_expect(wait_new_leader(names[i], leader, STOP_WITHIN_SEC), "%s: no new PID 1 after reboot",
                          names[i]);
                free(leader);
                cr_assert(it_wait_state(names[i], "running", 60));
                cr_assert(services_up(names[i], kinds[i]), "%s did not come up again", names[i]);

                double t0 = it_now();
                r = it_ctl(30, "poweroff", names[i], NULL);
                cr_assert_eq(r.status, 0, "poweroff %s: %s", names[i], r.err);
                it_result_free(&r);
                cr_expect(it_wait_listed(names[i], false, STOP_WITHIN_SEC), "%s still listed %d s after poweroff",
                          names[i], STOP_WITHIN_SEC);
                fprintf(stderr, "berthctl poweroff %s: %.2f s\n", names[i], it_now() - t0);
                cr_expect(!strstr(it_berthd_log(), "killed with SIGKILL"), "%s", it_berthd_log());
                it_assert_clean(names[i], trees[i]);
        }
}

/* A signal given for the init wins over its own way: Debian's runit
 * powers off on SIGPWR. */
Test(inits, a_signal_given_for_runit_wins, .timeout = 120)
{
        const char *tree = runit_tree();
        pid_t pid = it_berth_spawn("in-pwr", "-D", tree, "-x", "--boot", "--name", "in-pwr", "--stop-timeout=60",
                                   "--kill-signal=SIGPWR", NULL);

        cr_assert(it_wait_state("in-pwr", "running", 60), "%s", it_spawn_log("in-pwr", "err"));
        cr_assert(services_up("in-pwr", "runit"), "runit did not come up: %s", it_spawn_log("in-pwr", "out"));
        expect_stops(pid, "in-pwr", "asking PID 1 to power off (60s before");
        cr_expect(!strstr(it_spawn_log("in-pwr", "err"), "stopit"), "%s", it_spawn_log("in-pwr", "err"));
        it_assert_clean("in-pwr", tree);
}
