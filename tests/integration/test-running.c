/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthctl on machines that run: wait for a state, copy files in and out,
 * bind host directories in and take them out again; and enable where no
 * systemd is on the bus. (enable itself is tested where systemd runs:
 * test-systemd.c.) */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "helpers.h"

TestSuite(running, .init = it_setup, .fini = it_teardown);

/* wait: for a machine that is not there yet until it runs, for one that
 * runs until it is gone; a timeout is one line and exit status 1. */
Test(running, wait_waits_for_a_state)
{
        char cmd[1200];
        it_bus_start();
        it_berthd_start();
        snprintf(cmd, sizeof(cmd), "exec '%s' wait dm-w --timeout=60", it_ctl_bin());
        pid_t waiter = it_spawn_sh("w-run", cmd);
        usleep(300000);
        cr_expect(kill(waiter, 0) == 0, "wait returned before the machine was there");
        pid_t m = it_spawn_sleeper("dm-w");
        cr_expect_eq(it_wait(waiter, 30), 0, "wait: %s", it_spawn_log("w-run", "err"));

        snprintf(cmd, sizeof(cmd), "exec '%s' wait --state=gone dm-w --timeout=60", it_ctl_bin());
        waiter = it_spawn_sh("w-gone", cmd);
        usleep(300000);
        cr_expect(kill(waiter, 0) == 0, "wait --state=gone returned while it ran");
        cr_assert_eq(kill(m, SIGTERM), 0);
        it_wait(m, 30);
        cr_expect_eq(it_wait(waiter, 30), 0, "wait --state=gone: %s", it_spawn_log("w-gone", "err"));

        struct it_result r = it_ctl(30, "wait", "--timeout=1", "dm-nothere", NULL);
        cr_expect_eq(r.status, 1);
        cr_expect(strstr(r.err, "machine dm-nothere: still not there after 1 s"), "%s", r.err);
        cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
        it_result_free(&r);
        r = it_ctl(30, "wait", "--state=up", "dm-w", NULL);
        cr_expect(r.status == 2 && strstr(r.err, "expected opening, running, closing or gone"), "%s", r.err);
        it_result_free(&r);
        it_assert_clean("dm-w", NULL);
}

/* copy-to and copy-from: owners moved through the machine's ID map both
 * ways, paths resolved inside the machine (a link to /etc/shadow there is
 * the machine's, and a link at the end is copied as a link), --force to
 * replace, --mkdir for parents; errors are one line and leave nothing. */
Test(running, copy_to_and_from_a_machine)
{
        char src[600], out[600], cmd[1600];
        it_bus_start();
        it_berthd_start();
        pid_t m = it_spawn_sleeper("dm-cp");
        snprintf(src, sizeof(src), "%s/cp-src", it.dir);
        it_sh("mkdir -p '%s/d' && echo one >'%s/f' && echo two >'%s/d/g' && chown 1000:1000 '%s/f' && "
              "chown -R 1234:1234 '%s/d'",
              src, src, src, src, src);
        snprintf(cmd, sizeof(cmd), "%s/f", src);
        struct it_result r = it_ctl(30, "copy-to", "dm-cp", cmd, "/tmp/f", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        snprintf(cmd, sizeof(cmd), "%s/d", src);
        r = it_ctl(30, "copy-to", "--mkdir", "dm-cp", cmd, "/srv/new/d", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        it_assert_inside_eq("dm-cp", "stat -c '%u:%g %n' /tmp/f /srv/new/d /srv/new/d/g; cat /srv/new/d/g",
                            "1000:1000 /tmp/f\n1234:1234 /srv/new/d\n1234:1234 /srv/new/d/g\ntwo\n");
        snprintf(cmd, sizeof(cmd), "%s/f", src);
        r = it_ctl(30, "copy-to", "dm-cp", cmd, "/tmp/f", NULL);
        cr_expect(r.status != 0 && strstr(r.err, "/tmp/f (in the machine) exists already (--force replaces it)"),
                  "%s", r.err);
        cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
        it_result_free(&r);
        r = it_ctl(30, "copy-to", "--force", "dm-cp", cmd, "/tmp/f", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);

        /* Out again: the owners back as they were; the machine's link to
         * /etc/shadow leads to the machine's own file. */
        (void) it_inside("dm-cp", "echo machine-shadow >/etc/shadow; ln -s /etc/shadow /tmp/link; ln -s /etc /tmp/etc; "
                                  "mkdir /tmp/dir; ln -s ../../../../../../etc/shadow /tmp/dir/up; "
                                  "chown 2000:2000 /tmp/dir");
        snprintf(out, sizeof(out), "%s/out", it.dir);
        it_sh("mkdir '%s'", out);
        snprintf(cmd, sizeof(cmd), "%s/f", out);
        r = it_ctl(30, "copy-from", "dm-cp", "/srv/new/d/g", cmd, NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        snprintf(cmd, sizeof(cmd), "%s/shadow", out);
        r = it_ctl(30, "copy-from", "dm-cp", "/tmp/etc/shadow", cmd, NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        snprintf(cmd, sizeof(cmd), "%s/link", out);
        r = it_ctl(30, "copy-from", "dm-cp", "/tmp/link", cmd, NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        snprintf(cmd, sizeof(cmd), "%s/dir", out);
        r = it_ctl(30, "copy-from", "dm-cp", "/tmp/dir", cmd, NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        snprintf(cmd, sizeof(cmd), "cd '%s' && stat -c '%%u:%%g %%n' f dir && readlink link dir/up && cat f shadow",
                 out);
        char *got = it_sh_out(cmd);
        /* /tmp/etc is the machine's /etc: its shadow, not the host's. */
        cr_expect_str_eq(got,
                         "1234:1234 f\n2000:2000 dir\n/etc/shadow\n../../../../../../etc/shadow\ntwo\nmachine-shadow\n",
                         "%s", got);
        free(got);
        snprintf(cmd, sizeof(cmd), "%s/missing", out);
        r = it_ctl(30, "copy-from", "dm-cp", "/nonexistent", cmd, NULL);
        cr_expect(r.status != 0 && strstr(r.err, "/nonexistent (in the machine): No such file or directory"), "%s",
                  r.err);
        it_result_free(&r);
        cr_expect(access(cmd, F_OK) < 0, "a failed copy left %s", cmd);
        r = it_ctl(30, "copy-from", "dm-cp", "relative", cmd, NULL);
        cr_expect(r.status != 0 && strstr(r.err, "is absolute"), "%s", r.err);
        it_result_free(&r);
        cr_assert_eq(kill(m, SIGTERM), 0);
        it_wait(m, 30);
        it_assert_clean("dm-cp", NULL);
}

/* bind and unbind in a running machine: idmapped (a host file of UID 1000
 * is the machine's 1000; the machine's root writes the host's root's
 * files), read-only when asked, --mkdir for a missing target, gone after
 * unbind; errors are one line. */
Test(running, bind_mounts_into_a_running_machine)
{
        char dir[600], cmd[1400];
        it_bus_start();
        it_berthd_start();
        pid_t m = it_spawn_sleeper("dm-bind");
        snprintf(dir, sizeof(dir), "%s/shared", it.dir);
        it_sh("mkdir -p '%s' && echo host >'%s/h' && chown 1000:1000 '%s/h'", dir, dir, dir);
        struct it_result r = it_ctl(30, "bind", "--mkdir", "dm-bind", dir, "/mnt/shared", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        it_assert_inside_eq("dm-bind", "stat -c '%u:%g' /mnt/shared/h; cat /mnt/shared/h; echo inside >/mnt/shared/i",
                            "1000:1000\nhost\n");
        snprintf(cmd, sizeof(cmd), "stat -c '%%u:%%g' '%s/i' && cat '%s/i'", dir, dir);
        char *got = it_sh_out(cmd);
        cr_expect_str_eq(got, "0:0\ninside\n", "the machine's root wrote as %s", got);
        free(got);
        r = it_ctl(30, "unbind", "dm-bind", "/mnt/shared", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        it_assert_inside_eq("dm-bind", "ls /mnt/shared | wc -l", "0\n");

        r = it_ctl(30, "bind", "--read-only", "dm-bind", dir, "/mnt/shared", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        it_assert_inside_eq("dm-bind", "cat /mnt/shared/h; touch /mnt/shared/x 2>&1 | grep -c 'Read-only'",
                            "host\n1\n");
        r = it_ctl(30, "bind", "dm-bind", dir, "/no/such/dir", NULL);
        cr_expect(r.status != 0 && strstr(r.err, "/no/such/dir in the machine: No such file or directory "
                                                 "(--mkdir makes it)"),
                  "%s", r.err);
        cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
        it_result_free(&r);
        r = it_ctl(30, "unbind", "dm-bind", "/tmp", NULL);
        cr_expect(r.status != 0 && strstr(r.err, "/tmp was not mounted by BindMountMachine"), "%s", r.err);
        it_result_free(&r);
        it_assert_inside_eq("dm-bind", "grep -c ' /tmp ' /proc/self/mountinfo", "1\n");
        cr_assert_eq(kill(m, SIGTERM), 0);
        it_wait(m, 30);
        it_assert_clean("dm-bind", NULL);
}

/* enable where no systemd is on the bus (this private one): one line
 * saying what it needs. */
Test(running, enable_needs_systemd)
{
        it_bus_start();
        it_berthd_start();
        struct it_result r = it_ctl(30, "enable", "dm-en", NULL);
        cr_expect(r.status == 1 && strstr(r.err, "enable needs systemd as the service manager"), "%s", r.err);
        cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
        it_result_free(&r);
}

/* logs of a machine without journalctl (busybox): its status 127 and a
 * line saying why. */
Test(running, logs_says_when_the_machine_has_no_journalctl)
{
        it_bus_start();
        it_berthd_start();
        pid_t m = it_spawn_sleeper("dm-logs");
        struct it_result r = it_ctl(30, "logs", "dm-logs", NULL);
        cr_expect(r.status == 127 && strstr(r.err, "machine dm-logs has no journalctl"), "%d: %s", r.status, r.err);
        it_result_free(&r);
        cr_assert_eq(kill(m, SIGTERM), 0);
        it_wait(m, 30);
        it_assert_clean("dm-logs", NULL);
}
