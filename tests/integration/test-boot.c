/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Debian tree boots with systemd as PID 1 under berth: it comes up
 * (READY=1, is-system-running), looks like its own machine from inside,
 * powers off on SIGTERM, reboots on the same writable layer, and passes
 * its readiness on to berth's own NOTIFY_SOCKET. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(boot, .init = it_setup, .fini = it_teardown);

static void assert_log_has(const char *log_name, const char *stream, const char *needle)
{
        char *s = it_spawn_log(log_name, stream);

        cr_assert(s && strstr(s, needle), "berth's std%s has no '%s':\n%s", stream, needle, s ? s : "(none)");
        free(s);
}

static unsigned count_of(const char *haystack, const char *needle)
{
        unsigned n = 0;

        for (const char *p = haystack; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

/* systemd is PID 1 and has finished booting, with nothing failed. */
static void assert_systemd_up(const char *machine)
{
        it_assert_inside_eq(machine, "cat /proc/1/comm", "systemd\n");
        it_assert_inside_eq(machine, "timeout 60 systemctl is-system-running --wait", "running\n");
        it_assert_inside_eq(machine, "systemctl --failed --no-legend", "");
}

static void wait_running(pid_t pid, const char *log_name, const char *machine)
{
        if (!it_wait_state(machine, "running", 60)) {
                char *err = it_spawn_log(log_name, "err");
                kill(pid, SIGKILL);
                it_wait(pid, 10);
                cr_assert_fail("machine %s did not reach STATE=running; berth said:\n%s", machine, err);
        }
}

Test(boot, systemd_boots_and_powers_off_on_sigterm)
{
        const char *tree = it_debian_tree();
        const char *name = "boot-deb";
        char *before = it_tree_manifest(tree), *after, *cg, *out, *left, path[700];
        struct stat st;
        pid_t pid;
        int status;

        cr_assert(strstr(before, "\n/usr/lib/systemd/systemd "), "the manifest of %s lacks systemd", tree);
        pid = it_berth_spawn("deb", "-D", tree, "--boot", "--ephemeral", "--name", name, NULL);
        wait_running(pid, "deb", name);
        assert_log_has("deb", "err", "machine boot-deb is up (READY=1 after ");

        assert_systemd_up(name);
        it_assert_inside_eq(name, "hostname", "boot-deb\n");
        it_assert_inside_eq(name, ". /etc/os-release; echo $VERSION_CODENAME", "bookworm\n");
        /* The machine's own cgroup2 tree, rooted at its delegated cgroup:
         * systemd sits in init.scope and puts services in system.slice. */
        it_assert_inside_eq(name, "cat /proc/1/cgroup | grep ^0::", "0::/init.scope\n");
        out = it_inside(name, "systemd-run --wait --pipe --quiet cat /proc/self/cgroup | grep ^0::");
        cr_assert(strncmp(out, "0::/system.slice/run-u", 22) == 0 && strstr(out, ".service\n"),
                  "a service's process is in cgroup '%s'", out);
        free(out);
        it_assert_inside_eq(name, "test -d /sys/fs/cgroup/init.scope && test -d /sys/fs/cgroup/system.slice && echo ok",
                         "ok\n");
        it_assert_inside_eq(name, "stat -f -c %T /sys/fs/cgroup", "cgroup2fs\n");
        /* ... and on the host that tree is the machine's cgroup's payload/. */
        cg = it_state_get(name, "CGROUP");
        cr_assert_not_null(cg);
        snprintf(path, sizeof(path), "%s/payload/init.scope", cg);
        cr_assert(stat(path, &st) == 0 && S_ISDIR(st.st_mode), "no %s on the host", path);
        free(cg);

        /* The machine changes its root; the base tree must not see it. */
        it_assert_inside_eq(name, "rm /etc/motd && echo changed > /etc/debian_version && "
                               "mv /etc/issue /etc/issue.moved && mkdir /srv/new && echo ok",
                         "ok\n");

        cr_assert_eq(kill(pid, SIGTERM), 0);
        status = it_wait(pid, 30);
        cr_assert_eq(status, 0, "berth exited with %d after SIGTERM", status);

        assert_log_has("deb", "out", "Welcome to");
        assert_log_has("deb", "out", "Debian GNU/Linux 12 (bookworm)");
        assert_log_has("deb", "out", "shutdown.target");
        assert_log_has("deb", "out", "Halting system.");
        assert_log_has("deb", "err", "machine boot-deb: asking PID 1 to power off");
        assert_log_has("deb", "err", "machine boot-deb powered off");

        left = it_leftovers(name, tree);
        cr_assert_null(left, "%s", left);
        /* --ephemeral: no writable layer on disk. */
        snprintf(path, sizeof(path), "%s/machines/%s", it.state_dir, name);
        cr_assert_neq(access(path, F_OK), 0, "%s exists after an --ephemeral machine", path);

        after = it_tree_manifest(tree);
        cr_assert(strcmp(before, after) == 0, "the base tree %s changed", tree);
        free(before);
        free(after);
}

/* Boot, write a marker, reboot from inside, find the marker again after
 * the reboot, power off from inside. */
static void reboot_cycle(const char *name, bool ephemeral)
{
        const char *tree = it_debian_tree();
        char *leader, *leader2 = NULL, *out, *left, path[700];
        struct it_result r;
        pid_t pid;
        int status;

        if (ephemeral)
                pid = it_berth_spawn("reboot", "-D", tree, "--boot", "--ephemeral", "--name", name, NULL);
        else
                pid = it_berth_spawn("reboot", "-D", tree, "--boot", "--name", name, NULL);
        wait_running(pid, "reboot", name);
        assert_systemd_up(name);
        leader = it_state_get(name, "LEADER");
        cr_assert_not_null(leader);

        it_assert_inside_eq(name, "echo written-before-reboot > /var/tmp/berth-marker && sync && echo ok", "ok\n");
        /* The command may be killed with the machine: its status says nothing. */
        r = it_exec_in(name, 60, "systemctl reboot");
        it_result_free(&r);

        /* Back: a new PID 1, booted to READY=1 again. */
        for (int i = 0; i < 60 * 50; i++) {
                char *state = it_state_get(name, "STATE");
                free(leader2);
                leader2 = it_state_get(name, "LEADER");
                bool back = state && leader2 && strcmp(state, "running") == 0 && strcmp(leader2, leader) != 0;
                free(state);
                if (back)
                        break;
                cr_assert(waitpid(pid, &status, WNOHANG) == 0, "berth exited instead of rebooting");
                usleep(20000);
        }
        cr_assert(leader2 && strcmp(leader2, leader) != 0, "the machine did not come back after the reboot");
        snprintf(path, sizeof(path), "machine %s is rebooting", name);
        assert_log_has("reboot", "err", path);
        assert_systemd_up(name);
        it_assert_inside_eq(name, "cat /var/tmp/berth-marker", "written-before-reboot\n");

        r = it_exec_in(name, 60, "systemctl poweroff");
        it_result_free(&r);
        status = it_wait(pid, 30);
        cr_assert_eq(status, 0, "berth exited with %d after poweroff", status);

        snprintf(path, sizeof(path), "machine %s powered off", name);
        assert_log_has("reboot", "err", path);
        out = it_spawn_log("reboot", "out");
        cr_assert_eq(count_of(out, "Welcome to"), 2, "expected two boots on the console:\n%s", out);
        cr_assert(strstr(out, "Rebooting.") && strstr(out, "Powering off."), "console:\n%s", out);
        free(out);
        out = it_spawn_log("reboot", "err");
        snprintf(path, sizeof(path), "machine %s is up (READY=1", name);
        cr_assert_eq(count_of(out, path), 2, "berth said:\n%s", out);
        free(out);

        if (ephemeral) {
                /* Its layer was a tmpfs: nothing of it on disk. */
                snprintf(path, sizeof(path), "%s/machines/%s", it.state_dir, name);
                cr_assert_neq(access(path, F_OK), 0, "%s exists after an --ephemeral machine", path);
        } else {
                /* A named machine's layer stays on the host after it ends. */
                snprintf(path, sizeof(path), "%s/machines/%s/upper/var/tmp/berth-marker", it.state_dir, name);
                out = it_read_file(path);
                cr_assert(out && strcmp(out, "written-before-reboot\n") == 0, "%s: %s", path,
                          out ? out : "missing");
                free(out);
        }
        left = it_leftovers(name, tree);
        cr_assert_null(left, "%s", left);
        free(leader);
        free(leader2);
}

Test(boot, reboot_keeps_the_writable_layer)
{
        reboot_cycle("boot-reboot", false);
}

/* --ephemeral: the tmpfs layer is berth's, so it survives the reboot too. */
Test(boot, reboot_keeps_the_ephemeral_layer)
{
        reboot_cycle("boot-reboot-x", true);
}

Test(boot, readiness_reaches_berths_notify_socket)
{
        const char *tree = it_debian_tree();
        const char *name = "boot-notify";
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char buf[4096] = "", sock[300], *state, *left;
        int fd, status;
        ssize_t n;
        pid_t pid;

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        cr_assert_geq(fd, 0);
        snprintf(sock, sizeof(sock), "%s/notify", it.dir);
        cr_assert_lt(strlen(sock), sizeof(sa.sun_path));
        memcpy(sa.sun_path, sock, strlen(sock) + 1);
        cr_assert_eq(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        setenv("NOTIFY_SOCKET", sa.sun_path, 1);
        pid = it_berth_spawn("notify", "-D", tree, "--boot", "--ephemeral", "--name", name, NULL);
        unsetenv("NOTIFY_SOCKET");

        /* Whatever berth sends, READY=1 must come, once the machine is up. */
        for (double end = it_now() + 60; !strstr(buf, "READY=1") && it_now() < end;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                if (poll(&p, 1, 1000) <= 0)
                        continue;
                n = recv(fd, buf, sizeof(buf) - 1, 0);
                cr_assert_geq(n, 0);
                buf[n] = 0;
        }
        cr_assert(strstr(buf, "READY=1"), "no READY=1 on berth's NOTIFY_SOCKET (last message: '%s')", buf);
        state = it_state_get(name, "STATE");
        cr_assert(state && strcmp(state, "running") == 0, "READY=1 came with STATE=%s", state ? state : "(none)");
        free(state);
        assert_log_has("notify", "err", "machine boot-notify is up (READY=1 after ");
        it_assert_inside_eq(name, "cat /proc/1/comm", "systemd\n");
        /* The machine's systemd talks to berth, not to berth's own manager. */
        it_assert_inside_eq(name, "tr '\\0' '\\n' < /proc/1/environ | grep ^NOTIFY_SOCKET=",
                         "NOTIFY_SOCKET=/run/host/notify\n");

        cr_assert_eq(kill(pid, SIGTERM), 0);
        status = it_wait(pid, 30);
        cr_assert_eq(status, 0, "berth exited with %d after SIGTERM", status);
        close(fd);
        left = it_leftovers(name, tree);
        cr_assert_null(left, "%s", left);
}

/* A datagram socket in the test directory, as a service manager's
 * NOTIFY_SOCKET; its path in *ret_path. */
static int notify_socket(char ret_path[108])
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        cr_assert_geq(fd, 0);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", it.dir);
        cr_assert_eq(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        memcpy(ret_path, sa.sun_path, sizeof(sa.sun_path));
        return fd;
}

/* Whether a message with READY=1 came within timeout_sec. */
static bool ready_within(int fd, double timeout_sec)
{
        char buf[4096];

        for (double end = it_now() + timeout_sec; it_now() < end;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                if (poll(&p, 1, 100) <= 0)
                        continue;
                ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
                cr_assert_geq(n, 0);
                buf[n] = 0;
                if (strstr(buf, "READY=1"))
                        return true;
        }
        return false;
}

/* nspawn's --notify-ready: yes (berth's default) passes READY=1 on only
 * once the machine's systemd sent it; no sends it as soon as PID 1 runs.
 * The "systemd" here never says READY=1, so only "no" gets one. */
Test(boot, notify_ready_no_is_ready_once_pid1_runs)
{
        char *tree = it_copy_busybox(), *init = NULL, *cmd = NULL, sock[108];
        const char *modes[] = { "--notify-ready=yes", "--notify-ready=no" };

        cr_assert(asprintf(&init, "%s/usr/lib/systemd/systemd", tree) > 0);
        cr_assert(asprintf(&cmd, "mkdir -p '%s/usr/lib/systemd' && printf '%%s\\n' '#!/bin/sh' "
                                 "'trap \"exit 0\" TERM; echo started; while :; do sleep 0.1; done' > '%s' && "
                                 "chmod 755 '%s'", tree, init, init) > 0);
        cr_assert_eq(system(cmd), 0, "%s", cmd);
        for (size_t i = 0; i < 2; i++) {
                int fd = notify_socket(sock);
                char log[16];
                pid_t pid;

                snprintf(log, sizeof(log), "ready-%zu", i);
                setenv("NOTIFY_SOCKET", sock, 1);
                pid = it_berth_spawn(log, "-D", tree, "--boot", "-x", "--name", "boot-nr", "--kill-signal=TERM",
                                     modes[i], NULL);
                unsetenv("NOTIFY_SOCKET");
                cr_assert(it_wait_log(log, "out", "started", 30), "%s", it_spawn_log(log, "err"));
                char *kind = it_state_get("boot-nr", "INIT_KIND");
                cr_assert_str_eq(kind, "systemd");
                free(kind);
                bool ready = ready_within(fd, i == 0 ? 2 : 10);
                cr_expect_eq(ready, i == 1, "%s: READY=1 %s", modes[i], ready ? "came" : "did not come");
                /* The machine's own state still waits for its systemd. */
                char *state = it_state_get("boot-nr", "STATE");
                cr_expect_str_eq(state, "opening", "%s", modes[i]);
                free(state);
                cr_assert_eq(kill(pid, SIGTERM), 0);
                cr_expect_eq(it_wait(pid, 30), 0, "%s", it_spawn_log(log, "err"));
                close(fd);
                unlink(sock);
                char *left = it_leftovers("boot-nr", tree);
                cr_assert_null(left, "%s", left);
        }
        free(cmd);
        free(init);
        free(tree);
}

/* Nothing berth's caller left open (here a file of the test's, without
 * O_CLOEXEC, as a service manager's socket or a runner's pipe would be)
 * reaches the machine's init. */
Test(boot, init_gets_no_descriptor_of_berths_caller)
{
        char *tree = it_busybox_with_init("ls -l /proc/1/fd/\necho listed\n"), *secret = NULL;
        int fd;

        cr_assert(asprintf(&secret, "%s/host-secret", it.dir) > 0);
        fd = open(secret, O_WRONLY | O_CREAT, 0600);       /* no O_CLOEXEC: inherited by berth */
        cr_assert_geq(fd, 3);
        pid_t pid = it_berth_spawn("fds", "-D", tree, "-x", "--boot", "--name", "fds", NULL);
        close(fd);
        cr_expect_eq(it_wait(pid, 30), 0, "%s", it_spawn_log("fds", "err"));
        char *console = it_spawn_log("fds", "out");
        cr_expect(strstr(console, "listed"), "console: %s", console);
        cr_expect(!strstr(console, "host-secret"), "PID 1 holds the caller's file:\n%s", console);
        cr_expect(!strstr(console, "pipe:") && !strstr(console, "bxf_arena"), "PID 1 holds the caller's fds:\n%s",
                  console);
        char *left = it_leftovers("fds", tree);
        cr_expect_null(left, "%s", left);
        free(secret);
        free(tree);
}

/* The machine's exit status: systemd's `systemctl exit 5` (PID 1 exits 5
 * on 252), and EXIT_STATUS=N on the notify socket from the machine's
 * root, not from another user of it. */
Test(boot, the_machines_exit_status_is_berths, .timeout = 120)
{
        char unit[600], bind[1300];
        snprintf(unit, sizeof(unit), "%s/exit5.service", it.dir);
        it_sh("printf '[Unit]\\nDescription=exit 5\\n[Service]\\nType=oneshot\\nExecStart=/usr/bin/systemctl exit 5\\n' "
              ">'%s'",
              unit);
        snprintf(bind, sizeof(bind), "--bind-ro=%s:/etc/systemd/system/exit5.service", unit);
        struct it_result r = it_berth_run(90, "-D", it_debian_tree(), "-x", "--boot", "--console=pipe", bind, "--",
                                          "systemd.unit=exit5.service", NULL);
        cr_expect_eq(r.status, 5, "systemctl exit 5: berth exited %d; it said:\n%s\nconsole:\n%s", r.status, r.err,
                     r.out);
        it_result_free(&r);
        r = it_berth_run(30, "-D", it_debian_tree(), "-x", "--", "/bin/sh", "-c",
                         "systemd-notify EXIT_STATUS=7 && sleep 0.1", NULL);
        cr_expect_eq(r.status, 7, "EXIT_STATUS=7 from root: %d: %s", r.status, r.err);
        cr_expect(strstr(r.err, "ended with EXIT_STATUS=7"), "%s", r.err);
        it_result_free(&r);
        r = it_berth_run(30, "-D", it_debian_tree(), "-x", "--", "/bin/sh", "-c",
                         "setpriv --reuid=1000 --regid=1000 --clear-groups systemd-notify EXIT_STATUS=7; sleep 0.1",
                         NULL);
        cr_expect_eq(r.status, 0, "EXIT_STATUS=7 from a user was taken: %d: %s", r.status, r.err);
        it_result_free(&r);
        r = it_berth_run(30, "-D", it_debian_tree(), "-x", "--", "/bin/sh", "-c",
                         "systemd-notify EXIT_STATUS=7; exit 3", NULL);
        cr_expect_eq(r.status, 3, "PID 1's own status did not win: %d", r.status);
        it_result_free(&r);
}

/* Credentials: systemd imports them from $CREDENTIALS_DIRECTORY, a unit
 * reads one with LoadCredential=ID as %d/ID; an unprivileged user of the
 * machine cannot read them; --show-settings does not print the value. */
Test(boot, credentials_reach_units_and_only_root, .timeout = 180)
{
        const char *name = "boot-cred";
        char file[600], load[700], unit[600], bind[1300];
        snprintf(file, sizeof(file), "%s/pw", it.dir);
        it_sh("printf 'from-a-file' >'%s'", file);
        snprintf(load, sizeof(load), "--load-credential=pw:%s", file);
        snprintf(unit, sizeof(unit), "%s/cred-test.service", it.dir);
        it_sh("printf '[Service]\nType=oneshot\nLoadCredential=greeting\nLoadCredential=pw\n"
              "ExecStart=/bin/sh -c \"cat %%%%d/greeting %%%%d/pw >/run/cred-out\"\n' >'%s'",
              unit);
        snprintf(bind, sizeof(bind), "--bind-ro=%s:/etc/systemd/system/cred-test.service", unit);
        pid_t pid = it_berth_spawn("cred", "-D", it_debian_tree(), "--boot", "--ephemeral", "--name", name,
                                   "--set-credential=greeting:hello there", load, bind, NULL);
        wait_running(pid, "cred", name);
        it_assert_inside_eq(name, "systemctl start cred-test.service && cat /run/cred-out",
                            "hello therefrom-a-file");
        it_assert_inside_eq(name, "stat -c '%a %U' /run/host/credentials /run/host/credentials/greeting",
                            "500 root\n400 root\n");
        it_assert_inside_eq(name, "setpriv --reuid=1000 --regid=1000 --clear-groups cat "
                                  "/run/host/credentials/greeting 2>&1 >/dev/null | grep -c 'Permission denied'",
                            "1\n");
        cr_assert_eq(kill(pid, SIGTERM), 0);
        cr_expect_eq(it_wait(pid, 60), 0);
        struct it_result r = it_berth_run(30, "-D", it_debian_tree(), "--set-credential=greeting:hello there",
                                          "--show-settings", NULL);
        cr_expect(strstr(r.out, "SetCredential=greeting:(not shown)") && !strstr(r.out, "hello there"), "%s",
                  r.out);
        it_result_free(&r);
        r = it_berth_run(30, "-D", it_debian_tree(), "-x", "--set-credential=a/b:x", "--", "true", NULL);
        cr_expect(r.status == 1 && strstr(r.err, "expected ID:VALUE"), "%s", r.err);
        it_result_free(&r);
        it_assert_clean(name, NULL);
}

/* --link-journal: host mounts the host's /var/log/journal/ID in (idmapped:
 * the host's journalctl -D reads what the machine's journald wrote); guest
 * links the host's path to the machine's own layer; an --ephemeral
 * machine has none for guest (one line, nothing left), try-guest runs. */
Test(boot, link_journal_host_and_guest, .timeout = 240)
{
        const char *name = "boot-lj";
        char dir[200], cmd[600];
        pid_t pid = it_berth_spawn("lj", "-D", it_debian_tree(), "--boot", "--ephemeral", "--name", name,
                                   "--link-journal=host", NULL);
        wait_running(pid, "lj", name);
        char *id = it_inside(name, "cat /etc/machine-id");
        id[strcspn(id, "\n")] = 0;
        snprintf(dir, sizeof(dir), "/var/log/journal/%s", id);
        it_assert_inside_eq(name, "journalctl --flush && echo flushed", "flushed\n");
        snprintf(cmd, sizeof(cmd), "journalctl -D '%s' --no-pager -q -o cat | grep -c 'Reached target' || true", dir);
        char *n = it_sh_out(cmd);
        cr_expect_gt(atoi(n), 0, "the host reads no entry of the machine's in %s (%s)", dir, n);
        free(n);
        snprintf(cmd, sizeof(cmd), "stat -c %%U '%s'", dir);
        n = it_sh_out(cmd);
        cr_expect_str_eq(n, "root\n", "the host's journal directory is %s's", n);
        free(n);
        cr_assert_eq(kill(pid, SIGTERM), 0);
        cr_expect_eq(it_wait(pid, 60), 0);
        it_sh("rm -rf '%s'", dir);
        free(id);
        it_assert_clean(name, NULL);

        /* A start that fails after the directory was made leaves none. */
        struct it_result f = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--link-journal=host",
                                          "--uuid=0123456789abcdef0123456789abcdef", "--cpu-affinity=1000", "--",
                                          "true", NULL);
        cr_expect_eq(f.status, 1, "%s", f.err);
        it_result_free(&f);
        cr_expect(access("/var/log/journal/0123456789abcdef0123456789abcdef", F_OK) < 0,
                  "a failed start left its journal directory on the host");

        /* guest with --ephemeral: refused; try-guest: nothing to link. */
        struct it_result r = it_berth_run(30, "-D", it_debian_tree(), "-x", "--link-journal=guest", "--", "true", NULL);
        cr_expect(r.status == 1 && strstr(r.err, "--link-journal=guest: an --ephemeral machine's journal is on no "
                                                 "host path"),
                  "%s", r.err);
        cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
        it_result_free(&r);
        r = it_berth_run(30, "-D", it_debian_tree(), "-x", "--link-journal=try-guest", "--", "true", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);

        /* guest for a machine with its own layer: the host's link leads there. */
        r = it_berth_run(60, "-D", it_debian_tree(), "--name", "boot-ljg", "--link-journal=guest", "--", "/bin/sh",
                         "-c", "cat /etc/machine-id; test -d /var/log/journal/$(cat /etc/machine-id) && echo made",
                         NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(strstr(r.out, "made"), "%s", r.out);
        char gid[40] = "";
        sscanf(r.out, "%39s", gid);
        it_result_free(&r);
        snprintf(cmd, sizeof(cmd), "readlink /var/log/journal/%s", gid);
        n = it_sh_out(cmd);
        snprintf(cmd, sizeof(cmd), "%s/machines/boot-ljg/upper/var/log/journal/%s\n", it.state_dir, gid);
        cr_expect_str_eq(n, cmd, "the host's link");
        free(n);
        it_sh("rm -f '/var/log/journal/%s'", gid);
}
