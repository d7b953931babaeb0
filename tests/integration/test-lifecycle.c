/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The supervisor's signals and cleanup, on the busybox tree: SIGTERM,
 * SIGINT and SIGHUP reach the command; a command that ignores SIGTERM is
 * killed after --stop-timeout or at a second SIGTERM; SIGKILL to berth
 * takes the machine with it and the next start clears what was left;
 * a booted busybox init powers off on SIGTERM. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(lifecycle, .init = it_setup, .fini = it_teardown);

static void assert_log_has(const char *log_name, const char *stream, const char *needle)
{
        char *s = it_spawn_log(log_name, stream);

        cr_assert(s && strstr(s, needle), "berth's std%s has no '%s':\n%s", stream, needle, s ? s : "(none)");
        free(s);
}

/* Start berth on the busybox tree with a shell command that says "ready"
 * once its traps are set, and wait for that. */
static pid_t spawn_ready(const char *log_name, const char *name, const char *stop_timeout, const char *script)
{
        const char *tree = it_busybox_tree();
        pid_t pid;

        if (stop_timeout)
                pid = it_berth_spawn(log_name, "-D", tree, "--ephemeral", "--name", name, stop_timeout, "--",
                                     "/bin/sh", "-c", script, NULL);
        else
                pid = it_berth_spawn(log_name, "-D", tree, "--ephemeral", "--name", name, "--", "/bin/sh", "-c",
                                     script, NULL);
        if (!it_wait_log(log_name, "out", "ready\n", 30)) {
                char *err = it_spawn_log(log_name, "err");
                kill(pid, SIGKILL);
                it_wait(pid, 10);
                cr_assert_fail("the command in machine %s never said ready; berth said:\n%s", name, err);
        }
        return pid;
}

Test(lifecycle, sigterm_reaches_the_command_and_its_status_comes_back)
{
        pid_t pid = spawn_ready("term", "lc-term", NULL,
                                "trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.1; done");
        int status;

        cr_assert_eq(kill(pid, SIGTERM), 0);
        status = it_wait(pid, 20);
        cr_assert_eq(status, 7, "berth exited with %d", status);
        assert_log_has("term", "out", "got-term\n");
        it_assert_clean("lc-term", it_busybox_tree());
}

static void signal_is_forwarded(int sig, const char *signame)
{
        char script[300], log_name[32], name[32], expected[32];
        pid_t pid;
        int status;

        snprintf(log_name, sizeof(log_name), "sig%s", signame);
        snprintf(name, sizeof(name), "lc-sig%s", signame);
        snprintf(script, sizeof(script),
                 "trap 'echo got-%s; exit 5' %s; echo ready; while :; do sleep 0.1; done", signame, signame);
        pid = spawn_ready(log_name, name, NULL, script);
        cr_assert_eq(kill(pid, sig), 0);
        status = it_wait(pid, 20);
        cr_assert_eq(status, 5, "berth exited with %d after SIG%s", status, signame);
        snprintf(expected, sizeof(expected), "got-%s\n", signame);
        assert_log_has(log_name, "out", expected);
        it_assert_clean(name, it_busybox_tree());
}

Test(lifecycle, sigint_reaches_the_command)
{
        signal_is_forwarded(SIGINT, "INT");
}

Test(lifecycle, sighup_reaches_the_command)
{
        signal_is_forwarded(SIGHUP, "HUP");
}

Test(lifecycle, command_ignoring_sigterm_is_killed_after_the_stop_timeout)
{
        pid_t pid = spawn_ready("ignore", "lc-ignore", "--stop-timeout=2",
                                "trap '' TERM; echo ready; while :; do sleep 0.1; done");
        double start;
        int status;

        cr_assert_eq(kill(pid, SIGTERM), 0);
        start = it_now();
        status = it_wait(pid, 30);
        double took = it_now() - start;
        cr_assert_eq(status, 137, "berth exited with %d", status);
        /* It waited for the timeout, and not much longer. */
        cr_assert_geq(took, 1.8, "killed after %.2fs, before the 2s stop timeout", took);
        cr_assert_leq(took, 10.0, "killed only after %.2fs with a 2s stop timeout", took);
        assert_log_has("ignore", "err", "machine lc-ignore did not power off within 2s, killing it");
        it_assert_clean("lc-ignore", it_busybox_tree());
}

Test(lifecycle, second_sigterm_kills_at_once)
{
        pid_t pid = spawn_ready("twice", "lc-twice", "--stop-timeout=60",
                                "trap '' TERM; echo ready; while :; do sleep 0.1; done");
        int status;

        cr_assert_eq(kill(pid, SIGTERM), 0);
        /* The first one is ignored by the command: the machine goes on. */
        usleep(500000);
        cr_assert_eq(waitpid(pid, &status, WNOHANG), 0, "berth ended after the first SIGTERM");
        cr_assert_eq(kill(pid, SIGTERM), 0);
        /* Far below the 60s stop timeout. */
        status = it_wait(pid, 10);
        cr_assert_eq(status, 137, "berth exited with %d after the second SIGTERM", status);
        assert_log_has("twice", "err", "machine lc-twice: killing it");
        it_assert_clean("lc-twice", it_busybox_tree());
}

static char *mount_mentioning(const char *a, const char *b)
{
        char *mi = it_read_file("/proc/self/mountinfo"), *found = NULL;

        for (char *l = strtok(mi, "\n"); l && !found; l = strtok(NULL, "\n"))
                if (strstr(l, a) || strstr(l, b))
                        found = strdup(l);
        free(mi);
        return found;
}

Test(lifecycle, sigkill_to_berth_takes_the_machine_along)
{
        const char *tree = it_busybox_tree();
        const char *name = "lc-kill";
        char arg[32], *proc = NULL, *mnt;
        struct it_result r;
        pid_t pid;
        int status;

        /* An argument no other process has. */
        snprintf(arg, sizeof(arg), "%d", 10000000 + (int) getpid());
        pid = it_berth_spawn("kill", "-D", tree, "--name", name, "--", "/bin/sleep", arg, NULL);
        cr_assert(it_wait_state(name, "running", 30), "machine %s did not start", name);
        r = it_exec_in(name, 10, "cat /proc/2/cmdline | tr '\\0' ' '");
        cr_assert_eq(r.status, 0);
        cr_assert(strstr(r.out, arg), "PID 2 in the machine is '%s', not the sleep", r.out);
        it_result_free(&r);

        cr_assert_eq(kill(pid, SIGKILL), 0);
        status = it_wait(pid, 10);
        cr_assert_eq(status, 128 + SIGKILL);
        /* berth is reaped: any process still holding the argument is the
         * machine's. */
        for (double end = it_now() + 3; it_now() < end; usleep(20000)) {
                free(proc);
                proc = it_process_with_arg(arg);
                if (!proc)
                        break;
        }
        cr_assert_null(proc, "after SIGKILL to berth: %s", proc);
        mnt = mount_mentioning(tree, it.runtime_dir);
        cr_assert_null(mnt, "after SIGKILL to berth, a mount is left: %s", mnt);

        /* The same name starts again, and that start clears the rest. */
        r = it_berth_run(30, "-D", tree, "--name", name, "--", "/bin/true", NULL);
        cr_assert_eq(r.status, 0, "restart of %s after SIGKILL exited with %d: %s", name, r.status, r.err);
        it_result_free(&r);
        it_assert_clean(name, it_busybox_tree());
}

Test(lifecycle, busybox_init_powers_off_on_sigterm)
{
        char *tree = it_copy_busybox(), path[512], *left;
        struct it_result r;
        FILE *f;
        pid_t pid;
        int status;

        snprintf(path, sizeof(path), "%s/etc/inittab", tree);
        f = fopen(path, "w");
        cr_assert_not_null(f);
        fputs("::sysinit:/bin/echo booted\n"
              "::respawn:/bin/sleep 1000\n"
              "::shutdown:/bin/echo shutdown-action-ran\n", f);
        cr_assert_eq(fclose(f), 0);

        pid = it_berth_spawn("bbinit", "-D", tree, "--boot", "--ephemeral", "--name", "lc-bbinit", NULL);
        if (!it_wait_log("bbinit", "out", "booted", 30)) {
                char *out = it_spawn_log("bbinit", "out"), *err = it_spawn_log("bbinit", "err");
                kill(pid, SIGKILL);
                it_wait(pid, 10);
                cr_assert_fail("busybox init did not run its sysinit action; console:\n%s\nberth said:\n%s", out,
                               err);
        }
        /* Not systemd: running once the init was executed. */
        cr_assert(it_wait_state("lc-bbinit", "running", 10), "busybox init ran, but STATE is not running");
        /* PID 1 is busybox init, and it started the respawn entry. */
        for (int i = 0;; i++) {
                r = it_exec_in("lc-bbinit", 10, "cat /proc/1/comm; for p in /proc/[0-9]*; do "
                                                "tr '\\0' ' ' < $p/cmdline; echo; done");
                if ((r.status == 0 && strstr(r.out, "/bin/sleep 1000")) || i == 250)
                        break;
                it_result_free(&r);
                usleep(20000);
        }
        cr_assert_eq(r.status, 0, "%s", r.err);
        cr_assert(strncmp(r.out, "init\n", 5) == 0, "PID 1 is '%.40s'", r.out);
        cr_assert(strstr(r.out, "/bin/sleep 1000"), "no respawned sleep in the machine:\n%s", r.out);
        it_result_free(&r);

        cr_assert_eq(kill(pid, SIGTERM), 0);
        status = it_wait(pid, 30);
        /* busybox init got SIGUSR2 (poweroff), ran its shutdown actions,
         * and its reboot(POWER_OFF) ends the PID namespace like systemd's. */
        cr_assert_eq(status, 0, "berth exited with %d after SIGTERM", status);
        assert_log_has("bbinit", "out", "shutdown-action-ran");
        assert_log_has("bbinit", "out", "Requesting system poweroff");
        assert_log_has("bbinit", "err", "machine lc-bbinit: asking PID 1 to power off");
        assert_log_has("bbinit", "err", "machine lc-bbinit powered off");
        left = it_leftovers("lc-bbinit", tree);
        cr_assert_null(left, "%s", left);
        free(tree);
}
