/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A machine's settings files (berth(5)) as a machine sees them: /etc's
 * and the image's, their precedence and trust, --show-settings, and the
 * errors that start nothing. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(settings, .init = it_setup, .fini = it_teardown);

/* The busybox tree as TEST-DIR/NAME (a symbolic link), so that a file
 * can lie next to it as TEST-DIR/NAME.berth. */
static const char *tree_named(const char *name)
{
        static char path[600];

        snprintf(path, sizeof(path), "%s/%s", it.dir, name);
        cr_assert_eq(symlink(it_busybox_tree(), path), 0);
        return path;
}

/* berth -M NAME alone: tree, command, environment, hostname and mounts
 * from the machine's file; the machine sees all of them. */
Test(settings, a_machine_starts_from_its_file_alone)
{
        char text[2048], scratch[600];
        struct it_result r;

        snprintf(scratch, sizeof(scratch), "%s/shared", it.dir);
        cr_assert_eq(mkdir(scratch, 0755), 0);
        it_write_text(strcat(strcpy(text, scratch), "/hello"), "from the host\n");
        snprintf(text, sizeof(text),
                 "[Exec]\nImage=%s\nHostname=filed\nEnvironment=GREETING=hi there\n"
                 "Parameters=/bin/sh -c 'echo \"$GREETING\"; hostname; cat /srv/hello; "
                 "grep -c \" /scratch tmpfs \" /proc/mounts'\n"
                 "Ephemeral=yes\n[Files]\nBindReadOnly=%s:/srv\nTemporaryFileSystem=/scratch:size=1M\n",
                 it_busybox_tree(), scratch);
        it_etc_file("st-alone", text);
        r = it_berth_run(30, "-q", "-M", "st-alone", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "hi there\nfiled\nfrom the host\n1\n");
        cr_expect_str_eq(r.err, "");
        it_result_free(&r);
        char *left = it_leftovers("st-alone", it_busybox_tree());
        cr_expect_null(left, "%s", left);
        free(left);
}

/* The command line wins over /etc, /etc over the image's file; the
 * image's file counts only for keys that cannot widen what the machine
 * may do, unless --settings=trusted. */
Test(settings, precedence_and_trust)
{
        const char *tree = tree_named("st-img");
        char beside[700];
        struct it_result r;

        snprintf(beside, sizeof(beside), "%s.berth", tree);
        it_write_text(beside, "[Exec]\nHostname=from-image\nEnvironment=A=image\nEnvironment=B=image\n"
                           "PrivateUsers=no\n");
        it_etc_file("st-img", "[Exec]\nEnvironment=A=etc\n");
        r = it_berth_run(30, "-D", tree, "-x", "--name", "st-img", "--", "/bin/sh", "-c",
                         "hostname; echo $A ${B-unset}; cat /proc/self/uid_map", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        /* Environment= of /etc replaces the image's as a whole; the image
         * names the host; PrivateUsers=no did not count: a user namespace. */
        cr_expect(strncmp(r.out, "from-image\netc unset\n", 21) == 0, "%s", r.out);
        cr_expect(!strstr(r.out, "4294967295"), "PrivateUsers=no of the image counted: %s", r.out);
        cr_expect(strstr(r.err, "st-img.berth:5: [Exec] PrivateUsers= counts in a file next to the image only with "
                                "--settings=trusted (see berth(5)): ignored, continuing\n"), "%s", r.err);
        it_result_free(&r);

        r = it_berth_run(30, "-q", "-D", tree, "-x", "--name", "st-img", "--hostname=cli", "--settings=trusted",
                         "--", "/bin/sh", "-c", "hostname; cat /proc/self/uid_map", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(strncmp(r.out, "cli\n", 4) == 0 && strstr(r.out, "4294967295"), "%s", r.out);
        it_result_free(&r);
        char *left = it_leftovers("st-img", tree);
        cr_expect_null(left, "%s", left);
        free(left);
}

/* A bad value: one line naming file, line and value; nothing starts and
 * nothing is left. */
Test(settings, a_bad_value_starts_nothing)
{
        struct it_result r;
        char want[900];

        it_etc_file("st-bad", "[Exec]\n# the size is wrong\n[Files]\nTemporaryFileSystem=/x:size=lots\n");
        r = it_berth_run(30, "-D", it_busybox_tree(), "--name", "st-bad", "--", "/bin/true", NULL);
        cr_expect_eq(r.status, 1);
        snprintf(want, sizeof(want), "berth: %s/etc/st-bad.berth:4: TemporaryFileSystem=/x:size=lots: size=lots "
                                     "expects bytes with an optional k, m, g or t, or a percentage of RAM "
                                     "such as 10%%\n", it.dir);
        cr_expect_str_eq(r.err, want);
        it_result_free(&r);
        char *left = it_leftovers("st-bad", it_busybox_tree());
        cr_expect_null(left, "%s", left);
        free(left);
        struct stat st;
        char dir[700];
        snprintf(dir, sizeof(dir), "%s/machines/st-bad", it.state_dir);
        cr_expect_neq(stat(dir, &st), 0, "%s was made", dir);
}

/* --show-settings prints where each value came from and starts nothing. */
Test(settings, show_settings_starts_nothing)
{
        struct it_result r;
        char want[900];

        it_etc_file("st-show", "[Exec]\nKillSignal=HUP\n");
        r = it_berth_run(30, "-D", it_busybox_tree(), "--name", "st-show", "--boot", "--show-settings", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        snprintf(want, sizeof(want), "\nKillSignal=HUP                          # %s/etc/st-show.berth:2\n", it.dir);
        cr_expect(strstr(r.out, want), "%s", r.out);
        cr_expect(strstr(r.out, "\nBoot=yes                                # command line\n"), "%s", r.out);
        it_result_free(&r);
        char *left = it_leftovers("st-show", it_busybox_tree());
        cr_expect_null(left, "%s", left);
        free(left);
        char dir[700];
        struct stat st;
        snprintf(dir, sizeof(dir), "%s/machines/st-show", it.state_dir);
        cr_expect_neq(stat(dir, &st), 0, "%s was made", dir);
}

/* berthctl show --effective: the same from berthctl, with the options
 * berthd starts the machine with, and without berthd. */
Test(settings, berthctl_show_effective_needs_no_berthd)
{
        char text[900], want[900];
        struct it_result r;

        snprintf(text, sizeof(text), "[Exec]\nImage=%s\nStopTimeout=7\n", it_busybox_tree());
        it_etc_file("st-eff", text);
        r = it_run(30, (char *[]) { getenv("BERTHCTL_BIN"), "show", "--effective", "st-eff", NULL });
        cr_expect_eq(r.status, 0, "%s", r.err);
        snprintf(want, sizeof(want), "\nImage=%s", it_busybox_tree());
        cr_expect(strstr(r.out, want), "%s", r.out);
        snprintf(want, sizeof(want), "\nStopTimeout=7                           # %s/etc/st-eff.berth:3\n", it.dir);
        cr_expect(strstr(r.out, want), "%s", r.out);
        cr_expect(strstr(r.out, "\nBoot=yes                                # command line\n"), "%s", r.out);
        cr_expect(strstr(r.out, "\nConsole=passive                         # command line\n"), "%s", r.out);
        it_result_free(&r);

        r = it_run(30, (char *[]) { getenv("BERTHCTL_BIN"), "show", "--effective", "st-none", NULL });
        cr_expect_eq(r.status, 1);
        cr_expect(strstr(r.err, "no tree given, and there is no image"), "%s", r.err);
        it_result_free(&r);
}

/* --cpu-affinity and CPUAffinity=: the CPUs of PID 1 and what it starts;
 * a list without an online CPU is one line, and nothing is left. */
Test(settings, cpu_affinity_pins_the_machine)
{
        struct it_result r = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--cpu-affinity=1", "--", "/bin/sh",
                                          "-c", "grep Cpus_allowed_list /proc/1/status /proc/self/status | cut -f2",
                                          NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "1\n1\n", "%s", r.out);
        it_result_free(&r);
        char text[700];
        snprintf(text, sizeof(text), "[Exec]\nImage=%s\nCPUAffinity=0\n", it_busybox_tree());
        it_etc_file("aff", text);
        r = it_berth_run(30, "-M", "aff", "-x", "--", "/bin/sh", "-c", "grep Cpus_allowed_list /proc/1/status | cut -f2",
                         NULL);
        cr_expect_str_eq(r.out, "0\n", "CPUAffinity=0: %s%s", r.out, r.err);
        it_result_free(&r);
        unsetenv("BERTH_CONFIG_DIR");
        r = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--name", "aff2", "--cpu-affinity=1000", "--", "true",
                         NULL);
        cr_expect(r.status == 1 && strstr(r.err, "--cpu-affinity=1000: none of these CPUs is online here"), "%s",
                  r.err);
        cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
        it_result_free(&r);
        it_assert_clean("aff2", NULL);
}
