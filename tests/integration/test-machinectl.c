/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The stock machinectl (Debian's systemd-container) against berthd's
 * org.freedesktop.machine1 on the test's private bus, as on a host
 * without systemd-machined: list, status, show, shell, login, kill,
 * poweroff, terminate; and --machined-compat=no leaves the name alone. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "helpers.h"

TestSuite(machinectl, .init = it_setup, .fini = it_teardown);


/* machinectl refuses to run unless systemd is PID 1 (sd_booted(): the
 * directory /run/systemd/system). It runs here in a mount namespace of its
 * own whose /run is a fresh tmpfs with that directory: the host's /run is
 * not touched, and the bus is the test's, by DBUS_SYSTEM_BUS_ADDRESS. */
#define IN_OWN_RUN "/usr/bin/unshare", "--mount", "--propagation=private", "sh", "-c", \
        "mount -t tmpfs berth-it-run /run && mkdir -p /run/systemd/system && exec machinectl \"$@\"", "sh"

static struct it_result machinectl(int timeout, ...) __attribute__((sentinel));
static struct it_result machinectl(int timeout, ...)
{
        char *argv[24] = { IN_OWN_RUN, "--no-pager" };
        size_t n = 0;
        while (argv[n])
                n++;
        va_list ap;
        va_start(ap, timeout);
        for (char *a; n < 23 && (a = va_arg(ap, char *));)
                argv[n++] = a;
        va_end(ap);
        argv[n] = NULL;
        return it_run(timeout, argv);
}

Test(machinectl, lists_shows_and_enters_berth_machines, .timeout = 120)
{
        it_bus_start();
        it_berthd_start();
        pid_t m = it_spawn_sleeper("mc-a");
        char *leader = it_state_get("mc-a", "LEADER");

        struct it_result r = machinectl(30, "list", "--no-legend", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(strstr(r.out, "mc-a") && strstr(r.out, "container") && strstr(r.out, "berth"), "%s", r.out);
        it_result_free(&r);
        r = machinectl(30, "status", "mc-a", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(strstr(r.out, "mc-a") && strstr(r.out, "Leader: ") && strstr(r.out, leader), "%s", r.out);
        it_result_free(&r);
        r = machinectl(30, "show", "mc-a", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        char want[64];
        snprintf(want, sizeof(want), "Leader=%s\n", leader);
        cr_expect(strstr(r.out, "Name=mc-a\n") && strstr(r.out, "Class=container\n") && strstr(r.out, want) &&
                  strstr(r.out, "State=running\n"),
                  "%s", r.out);
        it_result_free(&r);
        r = machinectl(30, "status", "mc-none", NULL);
        cr_expect(r.status != 0 && strstr(r.err, "mc-none"), "%s", r.err);
        it_result_free(&r);

        /* shell and login on a PTY, as machinectl always opens one. */
        struct it_pty s;
        char *sh[] = { IN_OWN_RUN, "shell", "mc-a", "/bin/sh", "-c", "echo answer-$((6*7))", NULL };
        it_pty_start(&s, sh);
        cr_expect(it_pty_expect(&s, "answer-42", 30), "machinectl shell:\n%s", s.out);
        it_pty_finish(&s, 30);
        char *login[] = { IN_OWN_RUN, "login", "mc-a", NULL };
        it_pty_start(&s, login);
        cr_expect(it_pty_expect(&s, "login: ", 30), "machinectl login:\n%s", s.out);
        it_pty_send(&s, "\x1d\x1d\x1d");
        it_pty_finish(&s, 30);

        /* OpenMachinePTY: a PTY of the machine's devpts with nothing on it. */
        r = it_busctl(30, "call", "org.freedesktop.machine1", "/org/freedesktop/machine1",
                      "org.freedesktop.machine1.Manager", "OpenMachinePTY", "s", "mc-a", NULL);
        cr_expect(r.status == 0 && strstr(r.out, "\"/dev/pts/"), "%s%s", r.out, r.err);
        it_result_free(&r);

        /* kill: the signal reaches the leader (the stub passes it on). */
        r = machinectl(30, "kill", "--kill-whom=leader", "--signal=SIGTERM", "mc-a", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_expect_eq(it_wait(m, 30), 128 + SIGTERM, "the machine did not end on machinectl kill");
        cr_expect(it_wait_listed("mc-a", false, 30), "mc-a is still listed");
        free(leader);
        it_assert_clean("mc-a", NULL);
}

Test(machinectl, poweroff_and_terminate_end_machines, .timeout = 120)
{
        it_bus_start();
        it_berthd_start();
        pid_t a = it_spawn_sleeper("mc-p"), b = it_spawn_sleeper("mc-t");
        struct it_result r = machinectl(30, "poweroff", "mc-p", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        /* berth's poweroff of a command: SIGTERM to it (not SIGRTMIN+4). */
        cr_expect_eq(it_wait(a, 30), 128 + SIGTERM, "machinectl poweroff did not end mc-p");
        r = machinectl(30, "terminate", "mc-t", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_expect_neq(it_wait(b, 30), -1, "machinectl terminate did not end mc-t");
        cr_expect(it_wait_listed("mc-t", false, 30), "mc-t is still listed");
        it_assert_clean("mc-p", NULL);
        it_assert_clean("mc-t", NULL);
}

Test(machinectl, machined_compat_no_leaves_the_name_alone, .timeout = 60)
{
        it_bus_start();
        it_berthd_start_with("--machined-compat=no");
        struct it_result r = machinectl(30, "list", NULL);
        cr_expect_neq(r.status, 0, "machinectl found a machine manager: %s", r.out);
        it_result_free(&r);
        char *log = it_berthd_log();
        cr_expect(!strstr(log, "answering machinectl"), "%s", log);
        free(log);
}

/* machinectl's image verbs on berthd's store: list-images, image-status,
 * clone, rename, read-only, remove. */
Test(machinectl, image_verbs_work_on_the_store, .timeout = 60)
{
        it_sh("mkdir -p '%s/images/tree1' && cp -a '%s/.' '%s/images/tree1/'", it.state_dir, it_busybox_tree(),
              it.state_dir);
        it_bus_start();
        it_berthd_start();
        struct it_result r = machinectl(30, "list-images", "--no-legend", NULL);
        cr_expect(r.status == 0 && strstr(r.out, "tree1") && strstr(r.out, "directory"), "%s%s", r.out, r.err);
        it_result_free(&r);
        r = machinectl(30, "image-status", "tree1", NULL);
        cr_expect(r.status == 0 && strstr(r.out, "tree1") && strstr(r.out, "directory"), "%s%s", r.out, r.err);
        it_result_free(&r);
        /* clone: a tree's copy runs as a transfer; machinectl's call ends
         * when it is there. */
        r = machinectl(60, "clone", "tree1", "tree1c", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        char copy[600];
        snprintf(copy, sizeof(copy), "%s/images/tree1c/bin/busybox", it.state_dir);
        cr_expect(access(copy, X_OK) == 0, "machinectl clone returned before the copy was there");
        r = machinectl(30, "remove", "tree1c", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        r = machinectl(30, "rename", "tree1", "tree2", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        r = machinectl(30, "read-only", "tree2", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        r = machinectl(30, "list-images", "--no-legend", NULL);
        cr_expect(strstr(r.out, "tree2") && strstr(r.out, " yes "), "%s", r.out);
        it_result_free(&r);
        r = machinectl(30, "read-only", "tree2", "false", NULL);
        it_result_free(&r);
        r = machinectl(30, "remove", "tree2", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        r = machinectl(30, "list-images", "--no-legend", NULL);
        cr_expect(!strstr(r.out, "tree2"), "%s", r.out);
        it_result_free(&r);
}
