/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a machine writes (its os-release, its processes' command lines, its
 * cgroups' names) and what a user types (a tree's path) reach the terminal
 * escaped: a newline or an ESC in them is shown as \n or \x1b, never sent. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "helpers.h"

TestSuite(escape, .init = it_setup, .fini = it_teardown);

static void assert_no_control(const char *what, const char *text)
{
        for (const char *p = text; *p; p++)
                cr_assert(*p == '\n' || (unsigned char) *p >= 0x20, "%s has a raw byte 0x%02x:\n%s", what,
                          (unsigned char) *p, text);
}

Test(escape, berthctl_shows_what_the_machine_wrote_escaped)
{
        char *tree = it_copy_busybox(), *osr = NULL;
        struct it_result r;
        FILE *f;
        pid_t pid;

        cr_assert(asprintf(&osr, "%s/etc/os-release", tree) > 0);
        unlink(osr);
        f = fopen(osr, "w");
        cr_assert_not_null(f);
        fputs("NAME=evil\nPRETTY_NAME=\"Evil\033[2J OS\"\n", f);
        fclose(f);
        it_bus_start();
        it_berthd_start();
        /* The shell's $0 (in its command line) and a cgroup it makes carry an
         * ESC; ': ' keeps the shell from exec'ing sleep. */
        pid = it_berth_spawn("esc", "-D", tree, "-x", "--name", "esc", "--", "/bin/sh", "-c",
                             "mkdir \"/sys/fs/cgroup/cg$(printf '\\033')x\" && echo ready; sleep 60; :",
                             "arg\033[31mzero", NULL);
        cr_assert(it_wait_log("esc", "out", "ready", 30), "%s\n%s", it_spawn_log("esc", "err"),
                  it_spawn_log("esc", "out"));
        cr_assert(it_wait_listed("esc", true, 30));

        r = it_ctl(30, "status", "esc", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        assert_no_control("status", r.out);
        cr_expect(strstr(r.out, "Evil\\x1b[2J OS"), "status:\n%s", r.out);
        cr_expect(strstr(r.out, "arg\\x1b[31mzero"), "status:\n%s", r.out);
        cr_expect(strstr(r.out, "cg\\x1bx"), "status:\n%s", r.out);
        it_result_free(&r);
        r = it_ctl(30, "show", "esc", NULL);
        assert_no_control("show", r.out);
        it_result_free(&r);
        r = it_ctl(30, "list", NULL);
        assert_no_control("list", r.out);
        it_result_free(&r);

        cr_assert_eq(kill(pid, SIGTERM), 0);
        it_wait(pid, 30);
        char *left = it_leftovers("esc", tree);
        cr_expect_null(left, "%s", left);
        free(osr);
        free(tree);
}

/* A tree's path typed with a newline: boot-test's refusal stays one line. */
Test(escape, boot_test_repeats_a_path_escaped)
{
        struct it_result r = it_berth_run(30, "boot-test", "/nonexistent/a\nb\033", NULL);

        cr_expect_neq(r.status, 0);
        cr_expect(strstr(r.err, "/nonexistent/a\\nb\\x1b"), "stderr: %s", r.err);
        cr_expect_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "not one line: %s", r.err);
        assert_no_control("stderr", r.err);
        it_result_free(&r);
}
