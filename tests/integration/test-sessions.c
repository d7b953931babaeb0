/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthctl's sessions and waits against berthd on a private bus: a shell
 * or login leaves nothing in the machine once it has returned (a poweroff
 * right after is quick); a berthd restarted during a shell takes its name
 * again; start --wait follows a berthd that restarts during the wait, and
 * says what is known when it does not come back. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus.h"
#include "helpers.h"

TestSuite(sessions, .init = it_setup, .fini = it_teardown);

static void assert_ok_out(struct it_result *r, const char *what, const char *expected)
{
        cr_assert_eq(r->status, 0, "%s exited with %d: %s", what, r->status, r->err);
        if (expected)
                cr_assert_str_eq(r->out, expected, "%s printed '%s', expected '%s'", what, r->out, expected);
        it_result_free(r);
}

/* Nothing of a session left ------------------------------------------- */

/* What is in the PID namespace of the machine whose PID 1 is leader but
 * not the machine's own: berthd's helpers (forked from berthd, they are
 * called berthd) and zombies, one "PID (COMM) STATE ppid PPID" line each;
 * NULL when there is none. */
static char *strays_in(const char *leader)
{
        char path[64], ns[64], other[64], *stat, *out = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&out, &size);
        DIR *d = opendir("/proc");
        struct dirent *de;
        ssize_t n;

        cr_assert(f && d);
        snprintf(path, sizeof(path), "/proc/%s/ns/pid", leader);
        n = readlink(path, ns, sizeof(ns) - 1);
        cr_assert_gt(n, 0, "%s: %m", path);
        ns[n] = 0;
        while ((de = readdir(d))) {
                char comm[64] = "", state = '?';
                int ppid = 0;
                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/ns/pid", de->d_name);
                n = readlink(path, other, sizeof(other) - 1);
                if (n <= 0)
                        continue;
                other[n] = 0;
                if (strcmp(other, ns) != 0)
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
                stat = it_read_file(path);
                if (!stat || sscanf(stat, "%*d (%63[^)]) %c %d", comm, &state, &ppid) != 3) {
                        free(stat);
                        continue;
                }
                free(stat);
                if (strcmp(comm, "berthd") == 0 || state == 'Z')
                        fprintf(f, "%s (%s) %c ppid %d\n", de->d_name, comm, state, ppid);
        }
        closedir(d);
        fclose(f);
        if (!*out) {
                free(out);
                return NULL;
        }
        return out;
}

/* berthd's children: its session helpers and the launchers it started. */
static char *children_of_berthd(void)
{
        char cmd[200];
        struct it_result r;

        snprintf(cmd, sizeof(cmd), "ps -o pid=,stat=,args= --ppid %d | grep -v ' berth -D ' || true",
                 (int) it_berthd_pid());
        char *argv[] = { "sh", "-c", cmd, NULL };
        r = it_run(30, argv);
        if (!*r.out) {
                it_result_free(&r);
                return NULL;
        }
        free(r.err);
        return r.out;
}

/* A shell or a login leaves no helper and no zombie in the machine once
 * it has returned: the machine's systemd-shutdown would wait for them (a
 * poweroff right after a shell took 10 s, not a fraction of one). */
Test(sessions, shell_and_login_leave_nothing_in_the_machine)
{
        const char *tree = it_debian_tree();
        char *leader, *left;
        struct it_result r;
        struct it_pty s;
        double t0;

        it_image_link("deb", tree);
        it_bus_start();
        it_berthd_start();
        r = it_ctl(300, "start", "--wait", "--timeout=240", "deb", NULL);
        cr_assert_eq(r.status, 0, "start --wait deb exited with %d: %s%s", r.status, r.err, it_berthd_log());
        it_result_free(&r);
        leader = it_state_get("deb", "LEADER");
        cr_assert_not_null(leader);

        /* login: its helper ends with the login session. */
        {
                char *argv[] = { (char *) it_ctl_bin(), "login", "deb", NULL };
                it_pty_start(&s, argv);
                cr_assert(it_pty_expect(&s, "deb login: ", 60), "no login prompt:\n%s", s.out);
                it_pty_send(&s, "root\r");
                cr_assert(it_pty_expect(&s, "root@deb", 60), "no shell after logging in as root:\n%s", s.out);
                it_pty_send(&s, "exit\r");
                int st = it_pty_finish(&s, 30);
                cr_assert_neq(st, -1, "berthctl login did not end with the session:\n%s", s.out);
        }
        for (double end = it_now() + 10; (left = children_of_berthd()); usleep(50000)) {
                cr_assert_lt(it_now(), end, "berthd's helper outlived the login session by 10 s:\n%s", left);
                free(left);
        }
        left = strays_in(leader);
        cr_assert_null(left, "after the login session ended, in the machine:\n%s", left);

        /* shell on a terminal: returns with the status, nothing left. */
        {
                char *argv[] = { (char *) it_ctl_bin(), "shell", "deb", NULL };
                it_pty_start(&s, argv);
                it_pty_send(&s, "echo answer-$((6*7)); exit 3\r");
                cr_assert(it_pty_expect(&s, "answer-42", 60), "no answer from a shell on a PTY:\n%s", s.out);
                int st = it_pty_finish(&s, 30);
                cr_assert_eq(st, 3, "shell on a PTY exited with %d:\n%s", st, s.out);
        }
        left = strays_in(leader);
        cr_assert_null(left, "right after shell on a PTY returned, in the machine:\n%s", left);

        /* shell without a terminal, then poweroff at once. */
        r = it_ctl(60, "shell", "deb", "true", NULL);
        assert_ok_out(&r, "shell deb true", "");
        left = strays_in(leader);
        cr_assert_null(left, "right after shell deb true returned, in the machine:\n%s", left);
        t0 = it_now();
        r = it_ctl(60, "poweroff", "deb", NULL);
        assert_ok_out(&r, "poweroff deb", "");
        cr_assert(it_wait_listed("deb", false, 60), "deb is still listed 60 s after poweroff");
        double took = it_now() - t0;
        fprintf(stderr, "poweroff right after a shell took %.2f s\n", took);
        cr_assert_lt(took, 5, "poweroff right after a shell took %.1f s", took);
        for (double end = it_now() + 10; (left = children_of_berthd()); usleep(50000)) {
                cr_assert_lt(it_now(), end, "berthd still has children after the poweroff:\n%s", left);
                free(left);
        }
        it_assert_clean("deb", tree);
        free(leader);
}

/* A session holds none of berthd's descriptors (its bus connection would
 * outlive berthd and keep its name): berthd restarted while a shell runs
 * takes the name again, and the shell still ends with its own status. */
Test(sessions, berthd_restarts_while_a_shell_runs)
{
        const char *tree = it_busybox_tree();
        struct it_pty s;
        pid_t pid;

        it_bus_start();
        it_berthd_start();
        pid = it_berth_spawn("dm-sess", "-D", tree, "--ephemeral", "--name", "dm-sess", "--", "sleep", "1000", NULL);
        cr_assert(it_wait_state("dm-sess", "running", 60), "dm-sess did not run: %s", it_spawn_log("dm-sess", "err"));
        cr_assert(it_wait_listed("dm-sess", true, 30), "dm-sess is not listed");
        char *argv[] = { (char *) it_ctl_bin(), "shell", "dm-sess", NULL };
        it_pty_start(&s, argv);
        it_pty_send(&s, "echo up-$((1+1)); sleep 4; exit 4\r");
        cr_assert(it_pty_expect(&s, "up-2", 60), "no answer from the shell:\n%s", s.out);
        cr_assert_eq(it_berthd_kill(SIGTERM), 0, "berthd did not end on SIGTERM");
        it_berthd_start();
        int st = it_pty_finish(&s, 30);
        cr_assert_eq(st, 4, "the shell exited with %d:\n%s", st, s.out);
        cr_assert(it_wait_listed("dm-sess", true, 30), "the new berthd does not list dm-sess");
        cr_assert_eq(kill(pid, SIGTERM), 0);
        cr_assert_neq(it_wait(pid, 30), -1);
        it_assert_clean("dm-sess", tree);
}

/* berthd restarted during start --wait ------------------------------- */

/* A copy of the Debian tree (hard links: instant, and only new files are
 * written to it) with a unit that holds the boot for a few seconds: a
 * machine that takes a moment to be ready. */
static const char *slow_debian(void)
{
        static char image[400];
        char path[600];
        struct it_result r;
        FILE *f;

        snprintf(image, sizeof(image), "%s/slow-debian", it.dir);
        char *cp[] = { "cp", "-al", (char *) it_debian_tree(), image, NULL };
        r = it_run(120, cp);
        cr_assert_eq(r.status, 0, "cp -al: %s", r.err);
        it_result_free(&r);
        snprintf(path, sizeof(path), "%s/etc/systemd/system/slow-boot.service", image);
        f = fopen(path, "wxe");
        cr_assert_not_null(f, "%s: %m", path);
        fputs("[Unit]\nDescription=berth test: a boot that takes a moment\n"
              "[Service]\nType=oneshot\nExecStart=/bin/sleep 5\n", f);
        fclose(f);
        snprintf(path, sizeof(path), "%s/etc/systemd/system/multi-user.target.wants/slow-boot.service", image);
        cr_assert_eq(symlink("../slow-boot.service", path), 0, "%s: %m", path);
        return image;
}

/* berthctl ARGS in the background, stdout and stderr to it.dir/NAME.{out,err}. */
static pid_t ctl_spawn(const char *log_name, char *const args[])
{
        char *argv[16], path[500];
        size_t n = 0;
        pid_t pid;

        argv[n++] = (char *) it_ctl_bin();
        for (size_t i = 0; args[i] && n < 15; i++)
                argv[n++] = args[i];
        argv[n] = NULL;
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                snprintf(path, sizeof(path), "%s/%s.out", it.dir, log_name);
                int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                snprintf(path, sizeof(path), "%s/%s.err", it.dir, log_name);
                int err = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                int null = open("/dev/null", O_RDONLY);
                dup2(null, 0), dup2(out, 1), dup2(err, 2);
                execv(argv[0], argv);
                _exit(127);
        }
        return pid;
}

/* berthd restarted while start --wait waits: berthctl follows it, and
 * says 0 once every machine runs. */
Test(sessions, start_wait_follows_a_berthd_restart)
{
        static const char *const names[] = { "dm-w1", "dm-w2", "dm-w3" };
        const char *image = slow_debian();
        char *args[] = { "start", "--wait", "--timeout=240", "dm-w1", "dm-w2", "dm-w3", NULL }, *v, path[500];
        int st = -1;
        pid_t pid;

        for (size_t i = 0; i < 3; i++)
                it_image_link(names[i], image);
        it_bus_start();
        it_berthd_start();
        pid = ctl_spawn("start", args);
        /* All three registered (StartMachine answered), none ready yet. */
        for (double end = it_now() + 120;; usleep(50000)) {
                v = it_state_get("dm-w3", "STATE");
                bool up = v != NULL;
                free(v);
                if (up)
                        break;
                snprintf(path, sizeof(path), "%s/start.err", it.dir);
                cr_assert(it_now() < end && waitpid(pid, &st, WNOHANG) == 0,
                          "dm-w3 never registered; start said:\n%s\nberthd said:\n%s", it_read_file(path),
                          it_berthd_log());
        }
        usleep(300000);
        for (size_t i = 0; i < 3; i++) {
                v = it_state_get(names[i], "STATE");
                cr_assert(v && strcmp(v, "opening") == 0, "%s is %s before berthd went away", names[i],
                          v ? v : "(no state)");
                free(v);
        }
        cr_assert_eq(waitpid(pid, NULL, WNOHANG), 0, "start --wait ended before berthd went away");
        /* Away for longer than berthctl's once-a-second look. */
        cr_assert_eq(it_berthd_kill(SIGTERM), 0, "berthd did not end on SIGTERM");
        usleep(2000000);
        it_berthd_start();
        for (double end = it_now() + 240; waitpid(pid, &st, WNOHANG) != pid; usleep(100000))
                cr_assert_lt(it_now(), end, "start --wait still waits");
        snprintf(path, sizeof(path), "%s/start.err", it.dir);
        v = it_read_file(path);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "start --wait exited with %d: %s", WEXITSTATUS(st), v);
        free(v);
        for (size_t i = 0; i < 3; i++) {
                v = it_machine_property(names[i], "State");
                cr_assert(v && strcmp(v, "running") == 0, "%s is %s after start --wait", names[i], v ? v : "?");
                free(v);
        }

        for (size_t i = 0; i < 3; i++) {
                struct it_result r = it_ctl(60, "poweroff", names[i], NULL);
                assert_ok_out(&r, "poweroff", "");
        }
        for (size_t i = 0; i < 3; i++)
                cr_assert(it_wait_listed(names[i], false, 120), "%s is still listed after poweroff", names[i]);
        for (size_t i = 0; i < 3; i++)
                it_assert_clean(names[i], image);
}

/* Wait until machine has a state file (berthd registered it). */
static void wait_registered(const char *machine, pid_t ctl_pid, const char *log_name)
{
        char path[500], *v;

        snprintf(path, sizeof(path), "%s/%s.err", it.dir, log_name);
        for (double end = it_now() + 120; !(v = it_state_get(machine, "STATE")); usleep(50000))
                cr_assert(it_now() < end && waitpid(ctl_pid, NULL, WNOHANG) == 0,
                          "%s never registered; berthctl said:\n%s\nberthd said:\n%s", machine, it_read_file(path),
                          it_berthd_log());
        free(v);
}

/* berthd gone for good during start --wait: what the launcher says counts
 * (running is running), and when it does not say running in time the one
 * line says what is known. */
Test(sessions, start_wait_says_what_is_known_when_berthd_stays_away)
{
        const char *image = slow_debian();
        char *quick[] = { "start", "--wait", "--timeout=3", "dm-w4", NULL };
        char *patient[] = { "start", "--wait", "dm-w5", NULL };
        char path[500], *err, *v;
        int st;
        pid_t pid;

        it_image_link("dm-w4", image);
        it_image_link("dm-w5", image);
        it_bus_start();
        it_berthd_start();

        /* The timeout runs out while berthd is away. */
        pid = ctl_spawn("quick", quick);
        wait_registered("dm-w4", pid, "quick");
        cr_assert_eq(it_berthd_kill(SIGTERM), 0, "berthd did not end on SIGTERM");
        st = it_wait(pid, 60);
        snprintf(path, sizeof(path), "%s/quick.err", it.dir);
        err = it_read_file(path);
        cr_assert_eq(st, 1, "start --wait --timeout=3 with berthd away exited with %d: %s", st, err);
        cr_assert_str_eq(err,
                         "berthctl: machine dm-w4: berthd went away while waiting and was not back after 3 s; its "
                         "launcher says it is opening\n");
        free(err);

        /* Without a timeout: its launcher says running, that is enough. */
        it_berthd_start();
        pid = ctl_spawn("patient", patient);
        wait_registered("dm-w5", pid, "patient");
        cr_assert_eq(it_berthd_kill(SIGTERM), 0, "berthd did not end on SIGTERM");
        st = it_wait(pid, 120);
        snprintf(path, sizeof(path), "%s/patient.err", it.dir);
        err = it_read_file(path);
        cr_assert_eq(st, 0, "start --wait with berthd away exited with %d: %s", st, err);
        cr_assert_str_eq(err, "");
        free(err);
        v = it_state_get("dm-w5", "STATE");
        cr_assert(v && strcmp(v, "running") == 0, "dm-w5 is %s after start --wait", v ? v : "(gone)");
        free(v);

        it_berthd_start();
        for (size_t i = 0; i < 2; i++) {
                const char *name = i ? "dm-w5" : "dm-w4";
                struct it_result r = it_ctl(60, "poweroff", name, NULL);
                assert_ok_out(&r, "poweroff", "");
                cr_assert(it_wait_listed(name, false, 120), "%s is still listed after poweroff", name);
                it_assert_clean(name, image);
        }
}

/* berthd gone before it answered StartMachine: no "did not answer in
 * time", but whether the machine started, from its state file. Here
 * berthd is stopped with the call in its queue, then killed: nothing
 * started. */
Test(sessions, start_says_what_is_known_when_berthd_goes_before_answering)
{
        char *args[] = { "start", "dm-unanswered", NULL }, needle[64], path[500], *err;
        struct it_result r;
        pid_t pid;
        int st;

        it_image_link("dm-unanswered", it_busybox_tree());
        it_bus_start();
        it_berthd_start();
        cr_assert_eq(kill(it_berthd_pid(), SIGSTOP), 0);
        pid = ctl_spawn("unanswered", args);
        /* berthctl is on the bus: its call follows at once. */
        snprintf(needle, sizeof(needle), " %d ", (int) pid);
        for (double end = it_now() + 30;; usleep(50000)) {
                r = it_busctl(10, "list", "--no-legend", NULL);
                bool on = strstr(r.out, needle) != NULL;
                it_result_free(&r);
                if (on)
                        break;
                cr_assert_lt(it_now(), end, "berthctl never got on the bus");
        }
        usleep(300000);
        cr_assert_eq(waitpid(pid, NULL, WNOHANG), 0, "berthctl start did not wait for the stopped berthd");
        it_berthd_kill(SIGKILL);
        st = it_wait(pid, 30);
        snprintf(path, sizeof(path), "%s/unanswered.err", it.dir);
        err = it_read_file(path);
        cr_assert_eq(st, 1, "start exited with %d: %s", st, err);
        cr_assert_str_eq(err, "berthctl: machine dm-unanswered: berthd went away before it answered; it has no "
                              "state file: it did not start\n");
        free(err);
        it_assert_clean("dm-unanswered", it_busybox_tree());
}
