/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthctl -H over SSH (sd-bus's remote transport: ssh runs
 * systemd-stdio-bridge on the far side). A private sshd on 127.0.0.1, whose
 * only key is forced to bridge to the test's private bus, stands in for the
 * remote host; a wrapper puts the test's ssh_config in front of ssh. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bus.h"
#include "helpers.h"

TestSuite(remote, .init = it_setup, .fini = it_teardown);

static pid_t sshd_pid;

static void sshd_stop(void)
{
        if (sshd_pid > 0)
                kill(sshd_pid, SIGTERM);
        sshd_pid = 0;
}

static void write_text(const char *path, const char *text, mode_t mode)
{
        FILE *f = fopen(path, "w");

        cr_assert_not_null(f, "%s", path);
        fputs(text, f);
        fclose(f);
        chmod(path, mode);
}

/* sshd on 127.0.0.1:PORT with keys in it.dir; returns the bin dir with the ssh wrapper. */
static char *sshd_start(int port)
{
        char cmd[2048], path[600], text[2048], *pid;

        sshd_pid = 0;
        const char *d = it.dir;

        if (access("/usr/sbin/sshd", X_OK) < 0 || access("/usr/bin/systemd-stdio-bridge", X_OK) < 0)
                cr_skip_test("sshd or systemd-stdio-bridge is missing (tools/setup-deps installs them)");
        snprintf(cmd, sizeof(cmd), "ssh-keygen -q -t ed25519 -N '' -f %s/hostkey && ssh-keygen -q -t ed25519 -N '' "
                                   "-f %s/key && mkdir -p %s/bin /run/sshd", d, d, d);
        cr_assert_eq(system(cmd), 0);
        snprintf(path, sizeof(path), "%s/key.pub", d);
        char *pub = it_read_file(path);
        cr_assert_not_null(pub);
        /* The key's forced command: the bridge for sd-bus's transport,
         * anything else (berthctl, run by -H's shell and login) with the
         * test's bus and the berthctl under test first in PATH. */
        const char *ctl = getenv("BERTHCTL_BIN");
        cr_assert_not_null(ctl, "BERTHCTL_BIN is not set");
        snprintf(text, sizeof(text),
                 "#!/bin/sh\n"
                 "[ \"$SSH_ORIGINAL_COMMAND\" = systemd-stdio-bridge ] && "
                 "exec /usr/bin/systemd-stdio-bridge --bus-path='%s'\n"
                 "export DBUS_SYSTEM_BUS_ADDRESS='%s' PATH=\"$(dirname '%s'):$PATH\"\n"
                 "exec /bin/sh -c \"$SSH_ORIGINAL_COMMAND\"\n",
                 it_bus_address(), it_bus_address(), ctl);
        snprintf(path, sizeof(path), "%s/forced-command", d);
        write_text(path, text, 0755);
        snprintf(text, sizeof(text), "command=\"%s\" %s", path, pub);
        free(pub);
        snprintf(path, sizeof(path), "%s/authorized_keys", d);
        write_text(path, text, 0600);
        snprintf(text, sizeof(text),
                 "ListenAddress 127.0.0.1\nPort %d\nHostKey %s/hostkey\nAuthorizedKeysFile %s/authorized_keys\n"
                 "PermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                 "UsePAM no\nStrictModes no\nPidFile %s/sshd.pid\n", port, d, d, d);
        snprintf(path, sizeof(path), "%s/sshd_config", d);
        write_text(path, text, 0644);
        snprintf(text, sizeof(text),
                 "Host berth-remote\n  HostName 127.0.0.1\n  Port %d\n  User root\n  IdentityFile %s/key\n"
                 "  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n", port, d);
        snprintf(path, sizeof(path), "%s/ssh_config", d);
        write_text(path, text, 0644);
        snprintf(text, sizeof(text), "#!/bin/sh\nexec /usr/bin/ssh -F %s/ssh_config \"$@\"\n", d);
        snprintf(path, sizeof(path), "%s/bin/ssh", d);
        write_text(path, text, 0755);
        snprintf(cmd, sizeof(cmd), "/usr/sbin/sshd -f %s/sshd_config", d);
        cr_assert_eq(system(cmd), 0, "sshd did not start");
        it_on_teardown(sshd_stop);      /* also when an assertion ends the test early */
        /* The daemon writes its PID file after it forked: wait for a number. */
        snprintf(path, sizeof(path), "%s/sshd.pid", d);
        for (int i = 0; i < 100 && sshd_pid <= 0; i++) {
                pid = it_read_file(path);
                sshd_pid = pid ? atoi(pid) : 0;
                free(pid);
                if (sshd_pid <= 0)
                        usleep(50000);
        }
        cr_assert_gt(sshd_pid, 0, "sshd wrote no PID file");
        char *bin;
        cr_assert(asprintf(&bin, "%s/bin", d) > 0);
        return bin;
}

/* berthctl -H berth-remote ARGS..., with no local bus address at all;
 * input: a shell command whose output is berthctl's stdin, or NULL. */
static struct it_result remote_with(const char *bin, const char *input, const char *args)
{
        char cmd[2048];
        char *argv[] = { "/bin/sh", "-c", cmd, NULL };

        snprintf(cmd, sizeof(cmd), "%s%s env -u DBUS_SYSTEM_BUS_ADDRESS PATH=%s:$PATH %s -H berth-remote %s",
                 input ? input : "", input ? " |" : "", bin, getenv("BERTHCTL_BIN"), args);
        return it_run(60, argv);
}

static struct it_result remote(const char *bin, const char *args)
{
        return remote_with(bin, NULL, args);
}

/* The same on a PTY of the test's. */
static void remote_pty(struct it_pty *s, const char *bin, const char *args)
{
        static char cmd[2048];
        char *argv[] = { "/bin/sh", "-c", cmd, NULL };

        snprintf(cmd, sizeof(cmd), "exec env -u DBUS_SYSTEM_BUS_ADDRESS PATH=%s:$PATH %s %s", bin,
                 getenv("BERTHCTL_BIN"), args);
        it_pty_start(s, argv);
}

Test(remote, berthctl_over_ssh_lists_shows_and_stops)
{
        const char *tree = it_busybox_tree();
        struct it_result r;
        char *bin;
        pid_t machine;

        it_bus_start();
        it_berthd_start();
        bin = sshd_start(20000 + getpid() % 10000);
        machine = it_berth_spawn("far", "-D", tree, "-x", "--name", "far", "--", "/bin/sleep", "300", NULL);
        cr_assert(it_wait_listed("far", true, 30));

        r = remote(bin, "list --no-legend");
        cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
        cr_expect(strncmp(r.out, "far ", 4) == 0, "list over ssh: %s", r.out);
        it_result_free(&r);
        r = remote(bin, "show far -p State --value");
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "running\n");
        it_result_free(&r);
        r = remote(bin, "terminate far");
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_expect_neq(it_wait(machine, 30), -1, "the machine did not end");
        cr_expect(it_wait_listed("far", false, 30));
        /* A host that does not answer: one line from berthctl, after ssh's own. */
        char cmd[1024], *argv[] = { "/bin/sh", "-c", cmd, NULL };
        snprintf(cmd, sizeof(cmd), "%s -H root@127.0.0.1:1 list", getenv("BERTHCTL_BIN"));
        r = it_run(60, argv);
        cr_expect_eq(r.status, 1, "%s", r.err);
        cr_expect(strstr(r.err, "berthctl: "), "%s", r.err);
        it_result_free(&r);
        sshd_stop();
        free(bin);
        char *left = it_leftovers("far", tree);
        cr_expect_null(left, "%s", left);
}

/* shell and login need a terminal or the caller's stdio in the machine,
 * which cannot cross the bus bridge: berthctl runs itself on the host over
 * ssh, with the same options, a terminal when there is one, and the
 * program's status back. */
Test(remote, shell_and_login_over_ssh_run_berthctl_on_the_host)
{
        const char *tree = it_busybox_tree();
        struct it_result r;
        struct it_pty s;
        char *bin;
        pid_t machine;
        double t0;
        int st;

        it_bus_start();
        it_berthd_start();
        bin = sshd_start(20000 + getpid() % 10000);
        machine = it_berth_spawn("far", "-D", tree, "-x", "--name", "far", "--", "/bin/sleep", "300", NULL);
        cr_assert(it_wait_listed("far", true, 30));
        setenv("DM_FAR", "here, not there", 1);

        /* Without a terminal: pipes, both streams and the status. */
        r = remote(bin, "shell far /bin/sh -c 'echo out; echo err >&2; exit 7'");
        cr_assert_eq(r.status, 7, "shell over ssh exited with %d: %s", r.status, r.err);
        cr_assert_str_eq(r.out, "out\n");
        cr_assert_str_eq(r.err, "err\n");
        it_result_free(&r);
        r = remote_with(bin, "echo through", "shell far /bin/sh -c 'read x; echo \"got $x\"'");
        cr_assert_eq(r.status, 0, "%s", r.err);
        cr_assert_str_eq(r.out, "got through\n");
        it_result_free(&r);

        /* shell's options go along; -E NAME is this side's NAME. */
        r = remote_with(bin, NULL, "shell -E DM_FAR --uid=root far /bin/sh -c 'echo \"$DM_FAR\" $(id -u)'");
        cr_assert_eq(r.status, 0, "%s", r.err);
        cr_assert_str_eq(r.out, "here, not there 0\n");
        it_result_free(&r);

        /* On a terminal: a PTY in the machine, the status back. */
        remote_pty(&s, bin, "--host=berth-remote shell far");
        it_pty_send(&s, "tty; echo answer-$((6*7)); exit 5\r");
        cr_assert(it_pty_expect(&s, "answer-42", 60), "no answer from a shell over ssh:\n%s", s.out);
        cr_assert(strstr(s.out, "/dev/pts/"), "the shell is not on a PTY:\n%s", s.out);
        st = it_pty_finish(&s, 30);
        cr_assert_eq(st, 5, "shell over ssh on a PTY exited with %d:\n%s", st, s.out);

        /* login: a prompt, ^] three times leaves; -q goes along. */
        remote_pty(&s, bin, "-H berth-remote login far");
        cr_assert(it_pty_expect(&s, "login: ", 60), "no login prompt over ssh:\n%s", s.out);
        cr_assert(strstr(s.out, "Connected to machine far."), "login over ssh said:\n%s", s.out);
        it_pty_send(&s, "\x1d\x1d\x1d");
        st = it_pty_finish(&s, 30);
        cr_assert_neq(st, -1, "login over ssh did not end after ^]^]^]:\n%s", s.out);
        remote_pty(&s, bin, "-qH berth-remote login far");
        cr_assert(it_pty_expect(&s, "login: ", 60), "no login prompt over ssh:\n%s", s.out);
        cr_assert_null(strstr(s.out, "Connected to machine"), "login -q over ssh said:\n%s", s.out);
        it_pty_send(&s, "\x1d\x1d\x1d");
        cr_assert_neq(it_pty_finish(&s, 30), -1, "login -q over ssh did not end:\n%s", s.out);

        /* A bus inside a container of the host: refused at once, one line. */
        t0 = it_now();
        char cmd[1024], *argv[] = { "/bin/sh", "-c", cmd, NULL };
        snprintf(cmd, sizeof(cmd), "%s -H berth-remote/inner login far", getenv("BERTHCTL_BIN"));
        r = it_run(60, argv);
        cr_assert_eq(r.status, 2, "-H HOST/MACHINE login exited with %d: %s", r.status, r.err);
        cr_assert(strncmp(r.err, "berthctl: -H berth-remote/inner: ", 33) == 0 && strchr(r.err, '\n') ==
                  r.err + strlen(r.err) - 1, "-H HOST/MACHINE login said:\n%s", r.err);
        cr_assert_lt(it_now() - t0, 10, "the refusal took %.1f s", it_now() - t0);
        it_result_free(&r);

        r = remote(bin, "terminate far");
        cr_assert_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_assert_neq(it_wait(machine, 30), -1, "the machine did not end");
        cr_assert(it_wait_listed("far", false, 30));
        sshd_stop();
        free(bin);
        char *left = it_leftovers("far", tree);
        cr_assert_null(left, "%s", left);
}
