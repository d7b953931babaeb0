/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The signals that stop a machine follow its init, unless the command line
 * (--kill-signal, --poweroff-signal, --reboot-signal) or the machine's
 * settings file ([Exec] KillSignal=, ...) say otherwise. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(signals, .init = it_setup, .fini = it_teardown);

#define TRAPS "trap 'echo got-usr1; exit 3' USR1; trap 'echo got-hup; exit 4' HUP; " \
              "trap 'echo got-term; exit 5' TERM; echo ready; while :; do sleep 0.1; done"

static void settings_file(const char *machine, const char *text)
{
        char dir[600], path[700];
        FILE *f;

        snprintf(dir, sizeof(dir), "%s/etc", it.dir);
        mkdir(dir, 0755);
        setenv("BERTH_CONFIG_DIR", dir, 1);
        snprintf(path, sizeof(path), "%s/%s.berth", dir, machine);
        f = fopen(path, "w");
        cr_assert_not_null(f);
        fputs(text, f);
        fclose(f);
}

/* SIGTERM to berth; returns berth's status, the machine's output checked. */
static int stop_with_term(const char *name, const char *extra, const char *want)
{
        pid_t pid = extra ? it_berth_spawn(name, "-D", it_busybox_tree(), "-x", "--name", name, extra, "--",
                                           "/bin/sh", "-c", TRAPS, NULL)
                          : it_berth_spawn(name, "-D", it_busybox_tree(), "-x", "--name", name, "--", "/bin/sh",
                                           "-c", TRAPS, NULL);
        int status;

        cr_assert(it_wait_log(name, "out", "ready\n", 30), "%s", it_spawn_log(name, "err"));
        cr_assert_eq(kill(pid, SIGTERM), 0);
        status = it_wait(pid, 30);
        cr_assert(it_wait_log(name, "out", want, 5), "wanted %s, the machine said: %s", want,
                  it_spawn_log(name, "out"));
        char *left = it_leftovers(name, it_busybox_tree());
        cr_expect_null(left, "%s", left);
        return status;
}

Test(signals, by_default_the_stub_passes_sigterm_on)
{
        cr_expect_eq(stop_with_term("sg-default", NULL, "got-term\n"), 5);
}

Test(signals, the_command_line_names_the_signal)
{
        cr_expect_eq(stop_with_term("sg-cli", "--kill-signal=SIGUSR1", "got-usr1\n"), 3);
}

Test(signals, the_settings_file_names_the_signal)
{
        settings_file("sg-file", "# what stops it\n[Exec]\nKillSignal = HUP\n");
        cr_expect_eq(stop_with_term("sg-file", NULL, "got-hup\n"), 4);
}

Test(signals, the_command_line_wins_over_the_settings_file)
{
        settings_file("sg-both", "[Exec]\nKillSignal=HUP\n");
        cr_expect_eq(stop_with_term("sg-both", "--kill-signal=USR1", "got-usr1\n"), 3);
}

Test(signals, a_bad_signal_is_one_line_and_nothing_starts)
{
        struct it_result r;

        settings_file("sg-bad", "[Exec]\nKillSignal=SIGNOPE\n");
        r = it_berth_run(30, "-D", it_busybox_tree(), "--name", "sg-bad", "--", "/bin/true", NULL);
        cr_expect_eq(r.status, 1);
        cr_expect(strstr(r.err, "KillSignal=SIGNOPE") && strchr(r.err, '\n')[1] == 0, "%s", r.err);
        it_result_free(&r);
        r = it_berth_run(30, "-D", it_busybox_tree(), "--name", "sg-bad2", "--kill-signal=KILL", "--", "/bin/true",
                         NULL);
        cr_expect_eq(r.status, 1);
        cr_expect(strstr(r.err, "--kill-signal=KILL"), "%s", r.err);
        it_result_free(&r);
        char *left = it_leftovers("sg-bad", it_busybox_tree());
        cr_expect_null(left, "%s", left);
        char path[600];
        snprintf(path, sizeof(path), "%s/machines/sg-bad", it.state_dir);
        cr_expect_neq(access(path, F_OK), 0, "a machine directory was made");
}

static unsigned count_of(const char *haystack, const char *needle)
{
        unsigned n = 0;

        for (const char *p = haystack; p && (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

#define UNREAD_FILE "[Exec]\nEnvironment=FOO=bar\nKillSignal=HUP\nAmbientCapability=all\n\n" \
                    "[Files]\nBind=/tmp:/mnt\nFrobnicate=1\n# a comment\n[Exec]\nPersonality=x86-64\n"

/* Every key berth does not have is a warning naming file:line, the
 * section and the key, once, saying whether it is systemd.nspawn's; the
 * machine still starts, and the keys berth has count and are not warned
 * about. */
Test(signals, keys_berth_does_not_have_are_warned_about_once)
{
        char *err, want[3][900];

        settings_file("sg-unread", UNREAD_FILE);
        snprintf(want[0], sizeof(want[0]), "berth: %s/etc/sg-unread.berth:4: [Exec] AmbientCapability= is a "
                                           "systemd.nspawn setting berth does not have: ignored, continuing\n", it.dir);
        snprintf(want[1], sizeof(want[1]), "berth: %s/etc/sg-unread.berth:8: [Files] Frobnicate= is not a setting "
                                           "berth knows: ignored, continuing\n", it.dir);
        snprintf(want[2], sizeof(want[2]), "berth: %s/etc/sg-unread.berth:11: [Exec] Personality= is a "
                                           "systemd.nspawn setting berth does not have: ignored, continuing\n", it.dir);
        cr_expect_eq(stop_with_term("sg-unread", NULL, "got-hup\n"), 4);
        err = it_spawn_log("sg-unread", "err");
        for (int i = 0; i < 3; i++)
                cr_expect_eq(count_of(err, want[i]), 1, "wanted once: %sberth said:\n%s", want[i], err);
        cr_expect_eq(count_of(err, "sg-unread.berth:"), 3, "berth said:\n%s", err);
        cr_expect(!strstr(err, "KillSignal") && !strstr(err, "Environment") && !strstr(err, "Bind"),
                  "berth said:\n%s", err);
        free(err);
}

/* What the machine sees: the keys berth has took effect, the others did
 * not (so the warning is true), and a line that is no Key=Value is said. */
Test(signals, known_keys_count_unknown_ones_do_not_and_bad_lines_are_said)
{
        struct it_result r;

        settings_file("sg-unread2", UNREAD_FILE "this is no setting\n");
        r = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--name", "sg-unread2", "--", "/bin/sh", "-c",
                         "echo ${FOO-unset}; ls /sys/class/net; test -d /mnt/. && echo mnt || echo no-mnt", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "bar\nlo\nmnt\n");
        cr_expect_eq(count_of(r.err, "ignored, continuing"), 4, "%s", r.err);
        cr_expect(strstr(r.err, "sg-unread2.berth:12: 'this is no setting' is neither a [Section] nor a Key=Value "
                                "line: ignored, continuing\n"), "%s", r.err);
        it_result_free(&r);
        char *left = it_leftovers("sg-unread2", it_busybox_tree());
        cr_expect_null(left, "%s", left);
}

/* Once per start: a reboot of the machine does not say it again. */
Test(signals, the_warning_is_not_repeated_on_a_reboot)
{
        const char *tree = it_debian_tree();
        char *leader, *leader2 = NULL, *err;
        pid_t pid;

        settings_file("sg-unread3", "[Exec]\nFrobnicate=1\n");
        pid = it_berth_spawn("unread3", "-D", tree, "-x", "--boot", "--name", "sg-unread3", NULL);
        cr_assert(it_wait_state("sg-unread3", "running", 60), "%s", it_spawn_log("unread3", "err"));
        leader = it_state_get("sg-unread3", "LEADER");
        cr_assert_eq(kill(pid, SIGUSR1), 0);            /* a reboot, as berthd asks for one */
        for (int i = 0; i < 600; i++) {
                free(leader2);
                leader2 = it_state_get("sg-unread3", "LEADER");
                if (leader2 && leader && strcmp(leader2, leader) != 0)
                        break;
                usleep(100000);
        }
        cr_expect(leader2 && strcmp(leader2, leader) != 0, "no new PID 1 after the reboot");
        cr_assert(it_wait_state("sg-unread3", "running", 60));
        cr_assert_eq(kill(pid, SIGTERM), 0);
        cr_expect_eq(it_wait(pid, 60), 0, "%s", it_spawn_log("unread3", "err"));
        err = it_spawn_log("unread3", "err");
        cr_expect(strstr(err, "is rebooting"), "%s", err);
        cr_expect_eq(count_of(err, "[Exec] Frobnicate= is not a setting berth knows"), 1, "berth said:\n%s", err);
        free(err);
        free(leader);
        free(leader2);
        char *left = it_leftovers("sg-unread3", tree);
        cr_expect_null(left, "%s", left);
}

/* sysvinit takes no signal for a poweroff or reboot: berth asks it for
 * runlevel 0 or 6 on its /run/initctl, as telinit does. */
Test(signals, sysvinit_is_asked_for_a_runlevel)
{
        const char *tree = getenv("BERTH_TEST_SYSVINIT") ?: "/var/cache/berth-test/debian-sysvinit";
        char probe[600], *kind, *leader, *leader2 = NULL;
        pid_t pid;

        snprintf(probe, sizeof(probe), "%s/etc/inittab", tree);
        if (access(probe, F_OK) < 0)
                cr_skip_test("the sysvinit tree %s is missing (tools/test builds it)", tree);
        pid = it_berth_spawn("sysv", "-D", tree, "-x", "--boot", "--name", "sg-sysv", "--stop-timeout=60", NULL);
        cr_assert(it_wait_state("sg-sysv", "running", 60), "%s", it_spawn_log("sysv", "err"));
        kind = it_state_get("sg-sysv", "INIT_KIND");
        cr_expect_str_eq(kind, "sysvinit");
        free(kind);
        /* rcS takes a second here. The 180 s once needed were a NUL byte
         * of startpar's hiding the line from the log reader (fixed there). */
        cr_assert(it_wait_log("sysv", "out", "Entering runlevel: 2", 60), "%s", it_spawn_log("sysv", "out"));
        leader = it_state_get("sg-sysv", "LEADER");

        cr_assert_eq(kill(pid, SIGUSR1), 0);            /* a reboot, as berthd asks for one */
        cr_assert(it_wait_log("sysv", "err", "is rebooting", 60), "%s", it_spawn_log("sysv", "err"));
        for (int i = 0; i < 300; i++) {
                free(leader2);
                leader2 = it_state_get("sg-sysv", "LEADER");
                if (leader2 && strcmp(leader2, leader) != 0)
                        break;
                usleep(100000);
        }
        cr_expect(leader2 && strcmp(leader2, leader) != 0, "no new PID 1 after the reboot");
        cr_assert(it_wait_state("sg-sysv", "running", 60));

        cr_assert_eq(kill(pid, SIGTERM), 0);
        cr_expect_eq(it_wait(pid, 60), 0, "sysvinit did not power off cleanly: %s", it_spawn_log("sysv", "err"));
        cr_expect(it_wait_log("sysv", "err", "runlevel 0", 5), "%s", it_spawn_log("sysv", "err"));
        cr_expect(it_wait_log("sysv", "err", "powered off", 5), "%s", it_spawn_log("sysv", "err"));
        cr_expect(!strstr(it_spawn_log("sysv", "err"), "killing it"), "it was killed, not powered off");
        free(leader);
        free(leader2);
        char *left = it_leftovers("sg-sysv", tree);
        cr_expect_null(left, "%s", left);
}
