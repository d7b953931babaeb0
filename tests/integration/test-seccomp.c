/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The machine's system-call filter, from inside: sysprobe (a static
 * program of the build, bound in) makes the calls and says what the
 * kernel answered; systemd in the Debian machine stacks a filter of its
 * own for a service. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "helpers.h"

TestSuite(seccomp, .init = it_setup, .fini = it_teardown);

static const char *sysprobe_bind(void)
{
        static char arg[600];
        const char *p = getenv("BERTH_SYSPROBE");

        if (!p)
                cr_skip_test("BERTH_SYSPROBE is not set (meson sets it)");
        snprintf(arg, sizeof(arg), "--bind-ro=%s:/usr/local/bin/sysprobe", p);
        return arg;
}

/* sysprobe's answers to the calls in probes (blank-separated) in a fresh
 * busybox machine with the extra option opt (or NULL). */
static struct it_result probe(const char *name, const char *opt, const char *probes)
{
        char script[1024];

        snprintf(script, sizeof(script), "exec /usr/local/bin/sysprobe %s", probes);
        return opt ? it_berth_sh(30, it_busybox_tree(), script, "--name", name, "-x", sysprobe_bind(), opt, NULL)
                   : it_berth_sh(30, it_busybox_tree(), script, "--name", name, "-x", sysprobe_bind(), NULL);
}

/* Each "CALL=ANSWER" of want is a line of out. */
static void assert_answers(const char *out, const char *want)
{
        char *copy = strdup(want), *lines = NULL, *save = NULL;

        cr_assert(asprintf(&lines, "\n%s", out) > 0);
        for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
                char line[128];
                snprintf(line, sizeof(line), "\n%s\n", w);
                cr_expect(strstr(lines, line), "expected %s; sysprobe said:\n%s", w, out);
        }
        free(lines);
        free(copy);
}

Test(seccomp, every_process_of_the_machine_runs_under_the_filter)
{
        struct it_result r = it_berth_sh(30, it_busybox_tree(), "grep ^Seccomp: /proc/self/status; "
                                         "grep ^Seccomp: /proc/1/status", "--name", "sc-status", "-x", NULL);

        cr_assert_eq(r.status, 0, "%s", r.err);
        cr_assert_str_eq(r.out, "Seccomp:\t2\nSeccomp:\t2\n");
        it_result_free(&r);
        it_assert_clean("sc-status", it_busybox_tree());
}

Test(seccomp, what_reaches_past_the_machine_is_refused_with_eperm)
{
        struct it_result r = probe("sc-refused", NULL,
                                   "kexec_load kexec_file_load init_module finit_module delete_module swapon swapoff "
                                   "ioperm iopl reboot-kexec reboot-cad-on open_by_handle_at perf_event_open "
                                   "clock_settime syslog acct bpf personality-no-aslr userfaultfd io_uring_setup");

        cr_assert_eq(r.status, 0, "%s", r.err);
        assert_answers(r.out, "kexec_load=EPERM kexec_file_load=EPERM init_module=EPERM finit_module=EPERM "
                              "delete_module=EPERM swapon=EPERM swapoff=EPERM ioperm=EPERM iopl=EPERM "
                              "reboot-kexec=EPERM reboot-cad-on=EPERM open_by_handle_at=EPERM perf_event_open=EPERM "
                              "clock_settime=EPERM syslog=EPERM acct=EPERM bpf=EPERM personality-no-aslr=EPERM "
                              "userfaultfd=EPERM io_uring_setup=EPERM");
        it_result_free(&r);
        it_assert_clean("sc-refused", it_busybox_tree());
}

Test(seccomp, a_call_the_filter_does_not_know_is_enosys_on_every_abi)
{
        struct it_result r = probe("sc-unknown", NULL,
                                   "unknown x32-unknown x32-kexec_load i386-getpid i386-unknown i386-kexec_load");

        cr_assert_eq(r.status, 0, "%s", r.err);
        assert_answers(r.out, "unknown=ENOSYS x32-unknown=ENOSYS x32-kexec_load=EPERM");
        /* The i386 table, where the kernel has IA-32 emulation. */
        if (strstr(r.out, "i386-getpid=ok\n"))
                assert_answers(r.out, "i386-unknown=ENOSYS i386-kexec_load=EPERM");
        else
                cr_log_warn("no IA-32 emulation in this kernel: the i386 table is not tried (%s)", r.out);
        it_result_free(&r);
}

Test(seccomp, what_workloads_need_is_allowed)
{
        struct it_result r = probe("sc-allowed", NULL,
                                   "landlock_create_ruleset openat2 clone3 pidfd_open keyctl seccomp "
                                   "personality-linux32 userfaultfd-user mount open_tree");

        cr_assert_eq(r.status, 0, "%s", r.err);
        assert_answers(r.out, "openat2=ok clone3=ok pidfd_open=ok keyctl=ok seccomp=ok personality-linux32=ok "
                              "userfaultfd-user=ok mount=ok open_tree=ok");
        /* Landlock: a version, or EOPNOTSUPP where the kernel has it off. */
        cr_expect(strstr(r.out, "landlock_create_ruleset=ok\n") ||
                  strstr(r.out, "landlock_create_ruleset=EOPNOTSUPP\n"), "%s", r.out);
        it_result_free(&r);
}

Test(seccomp, the_machines_own_reboot_still_ends_it)
{
        /* reboot(2) in the machine's PID namespace kills its PID 1 (the
         * stub) with SIGINT: the probe never gets to say anything. */
        struct it_result r = probe("sc-reboot", NULL, "reboot-poweroff");

        cr_assert_eq(r.status, 128 + SIGINT, "status %d, out %s, err %s", r.status, r.out, r.err);
        cr_assert_str_eq(r.out, "");
        it_result_free(&r);
        it_assert_clean("sc-reboot", it_busybox_tree());
}

Test(seccomp, without_a_user_namespace_the_mount_api_is_enosys)
{
        struct it_result r = probe("sc-nouserns", "--private-users=no", "open_tree mount kexec_load");

        cr_assert_eq(r.status, 0, "%s", r.err);
        assert_answers(r.out, "open_tree=ENOSYS mount=ok kexec_load=EPERM");
        it_result_free(&r);
        it_assert_clean("sc-nouserns", it_busybox_tree());
}

/* systemd in the machine stacks its own filter for a service, and that
 * filter works: seccomp(2) and what systemd needs around it are allowed. */
Test(seccomp, systemd_inside_applies_its_own_system_call_filter, .timeout = 240)
{
        const char *name = "sc-systemd", *tree = it_debian_tree();
        pid_t pid = it_berth_spawn(name, "-D", tree, "--ephemeral", "--boot", "--name", name, NULL);
        struct it_result r;

        cr_assert(it_wait_state(name, "running", 60), "machine %s did not come up: %s", name,
                  it_spawn_log(name, "err"));
        r = it_exec_in(name, 90, "systemctl is-system-running --wait >/dev/null; "
                                 "systemd-run --wait --pipe -q -p SystemCallFilter=~@mount "
                                 "grep ^Seccomp_filters: /proc/self/status; "
                                 "systemd-run --wait --pipe -q -p SystemCallFilter=~@mount "
                                 "mount -t tmpfs none /mnt && echo mounted || echo refused; "
                                 "systemd-run --wait --pipe -q mount -t tmpfs none /mnt && echo mounted");
        cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
        /* berth's one, and systemd's: one per architecture. */
        const char *f = strstr(r.out, "Seccomp_filters:\t");
        cr_expect(f && atoi(f + strlen("Seccomp_filters:\t")) >= 2, "berth's filter and systemd's: %s%s", r.out,
                  r.err);
        cr_expect(strstr(r.out, "refused\nmounted\n"), "mount refused by systemd's filter only: %s%s", r.out,
                  r.err);
        it_result_free(&r);
        cr_assert_eq(kill(pid, SIGTERM), 0);
        cr_assert_eq(it_wait(pid, 60), 0, "machine %s did not power off cleanly", name);
        char *left = it_leftovers(name, tree);
        cr_assert_null(left, "%s", left);
}

/* What berthd lets in (berthctl shell) runs under the machine's own
 * filter, as PID 1 does, here one changed by the option; and where the
 * launcher's copy of the filter is gone, nothing is let in unfiltered. */
Test(seccomp, a_session_from_berthd_runs_under_the_machines_filter)
{
        const char *name = "sc-sess";
        char path[600], *left;
        struct it_result r;
        pid_t pid;

        it_bus_start();
        it_berthd_start();
        pid = it_berth_spawn(name, "-D", it_busybox_tree(), "-x", "--name", name, sysprobe_bind(),
                             "--system-call-filter=io_uring_setup", "--system-call-filter=~mount", "--", "sleep", "1000", NULL);
        cr_assert(it_wait_state(name, "running", 60), "%s", it_spawn_log(name, "err"));
        cr_assert(it_wait_listed(name, true, 30), "%s is not listed", name);
        r = it_ctl(60, "shell", name, "/bin/sh", "-c",
                   "grep ^Seccomp: /proc/self/status; exec /usr/local/bin/sysprobe kexec_load io_uring_setup "
                   "mount unknown",
                   NULL);
        cr_assert_eq(r.status, 0, "shell: %d %s", r.status, r.err);
        cr_expect(strncmp(r.out, "Seccomp:\t2\n", 11) == 0, "the session is not filtered: %s", r.out);
        assert_answers(r.out, "kexec_load=EPERM io_uring_setup=EFAULT mount=EPERM unknown=ENOSYS");
        it_result_free(&r);

        snprintf(path, sizeof(path), "%s/filters/%s", it.runtime_dir, name);
        cr_assert_eq(unlink(path), 0, "%s: %m", path);
        r = it_ctl(60, "shell", name, "/bin/true", NULL);
        cr_expect_neq(r.status, 0, "entered a machine whose filter is not known");
        cr_expect(strstr(r.err, "system-call filter of machine sc-sess"), "%s", r.err);
        cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
        it_result_free(&r);

        cr_assert_eq(kill(pid, SIGTERM), 0);
        cr_expect_eq(it_wait(pid, 30), 143, "%s", it_spawn_log(name, "err"));
        left = it_leftovers(name, it_busybox_tree());
        cr_assert_null(left, "%s", left);
}

Test(seccomp, the_option_allows_more_or_fewer_calls)
{
        struct it_result r = probe("sc-more", "--system-call-filter=io_uring_setup", "io_uring_setup mount");

        cr_assert_eq(r.status, 0, "%s", r.err);
        /* Past the filter: the kernel's own answer to a NULL pointer. */
        assert_answers(r.out, "io_uring_setup=EFAULT mount=ok");
        it_result_free(&r);
        r = probe("sc-fewer", "--system-call-filter=~@mount open_tree", "mount open_tree openat2");
        cr_assert_eq(r.status, 0, "%s", r.err);
        assert_answers(r.out, "mount=EPERM open_tree=EPERM openat2=ok");
        it_result_free(&r);
        it_assert_clean("sc-fewer", it_busybox_tree());
}

/* A changed filter is built once per set of options and then loaded from
 * RUNTIMEDIR/filter-cache; a cache file whose key is not the start's own
 * is not used. */
Test(seccomp, a_changed_filter_is_built_once)
{
        char dir[400], path[700], *text;
        struct dirent *de;
        struct it_result r;
        DIR *d;

        snprintf(dir, sizeof(dir), "%s/filter-cache", it.runtime_dir);
        for (int i = 0; i < 2; i++) {
                r = probe("sc-cache", "--system-call-filter=~mount", "mount openat2");
                cr_assert_eq(r.status, 0, "run %d: %s", i, r.err);
                assert_answers(r.out, "mount=EPERM openat2=ok");
                it_result_free(&r);
                cr_assert_eq(it_count_entries(dir), 1, "run %d: not one filter in %s", i, dir);
        }
        d = opendir(dir);
        cr_assert_not_null(d);
        while ((de = readdir(d)) && de->d_name[0] == '.')
                ;
        cr_assert_not_null(de);
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        closedir(d);
        text = it_read_file(path);
        cr_assert(text && strstr(text, " ~mount"), "the key does not name the option: %.200s", text);
        free(text);

        /* A file of another key under this name (a collision, or a file
         * of another build): not loaded, the program is built again. */
        FILE *f = fopen(path, "r+");
        cr_assert_not_null(f);
        cr_assert_geq(fputs("other", f), 0);
        fclose(f);
        r = probe("sc-cache", "--system-call-filter=~mount", "mount openat2");
        cr_assert_eq(r.status, 0, "%s", r.err);
        assert_answers(r.out, "mount=EPERM openat2=ok");
        it_result_free(&r);
        text = it_read_file(path);
        cr_assert(text && strncmp(text, "berth ", 6) == 0, "the file was not written again: %.200s", text);
        free(text);

        r = probe("sc-cache", "--system-call-filter=~openat2", "mount openat2");
        cr_assert_eq(r.status, 0, "%s", r.err);
        assert_answers(r.out, "mount=ok openat2=EPERM");
        it_result_free(&r);
        cr_assert_eq(it_count_entries(dir), 2, "other options, another filter in %s", dir);
        it_assert_clean("sc-cache", it_busybox_tree());
}

Test(seccomp, the_settings_file_changes_it_and_the_command_line_wins)
{
        char dir[400], path[500];
        FILE *f;

        snprintf(dir, sizeof(dir), "%s/etc", it.dir);
        cr_assert_eq(mkdir(dir, 0755), 0);
        setenv("BERTH_CONFIG_DIR", dir, 1);
        snprintf(path, sizeof(path), "%s/sc-file.berth", dir);
        f = fopen(path, "w");
        cr_assert_not_null(f);
        fputs("[Exec]\nSystemCallFilter=~@mount\nSystemCallFilter=~openat2\n", f);
        cr_assert_eq(fclose(f), 0);

        struct it_result r = probe("sc-file", NULL, "mount openat2 clone3");
        cr_assert_eq(r.status, 0, "%s", r.err);
        assert_answers(r.out, "mount=EPERM openat2=EPERM clone3=ok");
        it_result_free(&r);
        /* An empty value on the command line: the files' values go, the
         * default is back. */
        r = probe("sc-file", "--system-call-filter=", "mount openat2");
        cr_assert_eq(r.status, 0, "%s", r.err);
        assert_answers(r.out, "mount=ok openat2=ok");
        it_result_free(&r);
        unsetenv("BERTH_CONFIG_DIR");
        it_assert_clean("sc-file", it_busybox_tree());
}

Test(seccomp, a_refused_value_is_one_line_and_nothing_is_left)
{
        static const char *const values[] = { "--system-call-filter=no_such_call",
                                              "--system-call-filter=~@no-such-group", "--system-call-filter=~" };

        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
                struct it_result r = it_berth_run(30, "-D", it_busybox_tree(), "--name", "sc-bad", "-x",
                                                  values[i], "--", "/bin/true", NULL);
                cr_expect_neq(r.status, 0, "%s was accepted", values[i]);
                cr_expect(strstr(r.err, values[i]) && strchr(r.err, '\n') == r.err + strlen(r.err) - 1,
                          "one line naming %s: %s", values[i], r.err);
                it_result_free(&r);
                it_assert_clean("sc-bad", it_busybox_tree());
        }
}
