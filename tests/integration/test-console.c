/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth on a terminal: the machine gets a PTY relayed in raw mode, and the
 * caller's terminal is back as it was whatever way berth ends. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(console, .init = it_setup, .fini = it_teardown);

struct term {
        pid_t pid;
        int master;
        int slave;              /* kept open: berth's terminal, to read its modes */
        struct termios before;
        char seen[65536];
        size_t n_seen;
};

static void term_start(struct term *t, char *const argv[], const struct winsize *ws)
{
        char name[64];

        cr_assert_eq(openpty(&t->master, &t->slave, name, NULL, ws), 0);
        cr_assert_eq(tcgetattr(t->slave, &t->before), 0);
        t->pid = fork();
        cr_assert_geq(t->pid, 0);
        if (t->pid == 0) {
                setsid();
                ioctl(t->slave, TIOCSCTTY, 0);
                dup2(t->slave, 0);
                dup2(t->slave, 1);
                dup2(t->slave, 2);
                execv(argv[0], argv);
                _exit(127);
        }
}

/* Read from the terminal until needle shows up (true) or timeout. */
static bool term_expect(struct term *t, const char *needle, int timeout_ms)
{
        struct timespec start, now;

        clock_gettime(CLOCK_MONOTONIC, &start);
        for (;;) {
                struct pollfd p = { .fd = t->master, .events = POLLIN };
                long left;

                t->seen[t->n_seen] = 0;
                if (strstr(t->seen, needle))
                        return true;
                clock_gettime(CLOCK_MONOTONIC, &now);
                left = timeout_ms - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
                if (left <= 0)
                        return false;
                if (poll(&p, 1, (int) left) <= 0)
                        continue;
                ssize_t k = read(t->master, t->seen + t->n_seen, sizeof(t->seen) - 1 - t->n_seen);
                if (k <= 0)
                        return false;
                t->n_seen += (size_t) k;
        }
}

static void term_send(struct term *t, const char *s)
{
        cr_assert_eq(write(t->master, s, strlen(s)), (ssize_t) strlen(s));
}

static int term_wait(struct term *t)
{
        int status = it_wait(t->pid, 30);

        /* Keep draining so berth never blocks on a full terminal. */
        term_expect(t, "\x01never\x01", 100);
        return status;
}

static void assert_modes_restored(struct term *t)
{
        struct termios after;

        cr_assert_eq(tcgetattr(t->slave, &after), 0);
        cr_assert_eq(after.c_lflag, t->before.c_lflag, "lflag %o, was %o", after.c_lflag, t->before.c_lflag);
        cr_assert_eq(after.c_iflag, t->before.c_iflag);
        cr_assert_eq(after.c_oflag, t->before.c_oflag);
        cr_assert_eq(fcntl(t->slave, F_GETFL) & O_NONBLOCK, 0, "berth left O_NONBLOCK on the terminal");
}

Test(console, interactive_shell_on_a_pty)
{
        const char *tree = it_busybox_tree();
        struct winsize ws = { .ws_row = 33, .ws_col = 111 };
        char *argv[] = { (char *) it_berth(), "-D", (char *) tree, "-x", "--name", "tty", "--", "/bin/sh", NULL };
        struct term t = {};

        term_start(&t, argv, &ws);
        cr_assert(term_expect(&t, "# ", 10000), "no prompt; saw: %s", t.seen);
        /* The shell has a terminal of its own, of the caller's size. */
        term_send(&t, "stty size; tty; echo $((6*7))x\r");
        cr_assert(term_expect(&t, "42x", 5000), "saw: %s", t.seen);
        cr_assert(strstr(t.seen, "33 111"), "window size not passed on: %s", t.seen);
        cr_assert(strstr(t.seen, "/dev/pts/"), "no pty inside: %s", t.seen);
        /* While berth runs, the caller's terminal is raw (no echo, no ICANON). */
        struct termios during;
        cr_assert_eq(tcgetattr(t.slave, &during), 0);
        cr_assert_eq(during.c_lflag & (ICANON | ECHO), 0);
        /* The window size follows. */
        ws.ws_col = 99;
        ioctl(t.master, TIOCSWINSZ, &ws);
        kill(t.pid, SIGWINCH);
        usleep(200000);
        term_send(&t, "stty size\r");
        cr_assert(term_expect(&t, "33 99", 5000), "resize not followed: %s", t.seen);
        term_send(&t, "exit 5\r");
        cr_assert_eq(term_wait(&t), 5);
        assert_modes_restored(&t);
        char *left = it_leftovers("tty", tree);
        cr_assert_null(left, "%s", left);
        close(t.master);
        close(t.slave);
}

Test(console, three_escapes_kill_the_machine)
{
        const char *tree = it_busybox_tree();
        char *argv[] = { (char *) it_berth(), "-D", (char *) tree, "-x", "--name", "esc", "--", "/bin/sh", NULL };
        struct term t = {};

        term_start(&t, argv, NULL);
        cr_assert(term_expect(&t, "# ", 10000), "no prompt; saw: %s", t.seen);
        term_send(&t, "\x1d\x1d\x1d");
        int status = term_wait(&t);
        cr_assert_eq(status, 137, "status %d; saw: %s", status, t.seen);
        cr_assert(strstr(t.seen, "three times"), "no message; saw: %s", t.seen);
        assert_modes_restored(&t);
        char *left = it_leftovers("esc", tree);
        cr_assert_null(left, "%s", left);
        close(t.master);
        close(t.slave);
}

Test(console, read_only_copies_output_and_ignores_input)
{
        const char *tree = it_busybox_tree();
        char *argv[] = { (char *) it_berth(), "-D", (char *) tree, "-x", "--name", "ro", "--console=read-only",
                         "--", "/bin/sh", "-c", "echo out-$((2+3)); read x; echo got-$x", NULL };
        struct term t = {};

        term_start(&t, argv, NULL);
        cr_assert(term_expect(&t, "out-5", 10000), "saw: %s", t.seen);
        term_send(&t, "typed\r");
        /* Input is not relayed: the machine's read never returns; stop it. */
        cr_assert_not(term_expect(&t, "got-typed", 1000));
        kill(t.pid, SIGTERM);
        int status = term_wait(&t);
        cr_assert_neq(status, 0);
        cr_assert_neq(status, -1, "berth did not stop");
        assert_modes_restored(&t);
        close(t.master);
        close(t.slave);
}

/* A booted machine's console is copied byte for byte, NUL bytes too (sysv
 * rc's startpar ends a partial line with "\n\0"), and what comes after one
 * is seen: the suite once waited 180 s for a runlevel line behind one. */
Test(console, a_nul_byte_on_the_console_hides_nothing_after_it)
{
        char *tree = it_busybox_with_init("printf 'half a line\\n\\0'\necho Entering runlevel: 2\nexit 0\n"), raw[256];
        int fd;
        ssize_t n;

        pid_t pid = it_berth_spawn("nul", "-D", tree, "-x", "--boot", "--name", "nul", NULL);
        cr_expect(it_wait_log("nul", "out", "Entering runlevel: 2", 30), "console: %s", it_spawn_log("nul", "out"));
        cr_expect_eq(it_wait(pid, 30), 0, "%s", it_spawn_log("nul", "err"));
        cr_expect(strstr(it_spawn_log("nul", "out"), "half a line\r\n\\0Entering"), "console: %s",
                  it_spawn_log("nul", "out"));
        /* berth itself passes the byte on. */
        char *path = NULL;
        cr_assert(asprintf(&path, "%s/nul.out", it.dir) > 0);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        n = read(fd, raw, sizeof(raw));
        close(fd);
        cr_expect(n > 0 && memmem(raw, (size_t) n, "line\r\n\0Enter", 12), "the NUL is not in berth's output");
        char *left = it_leftovers("nul", tree);
        cr_expect_null(left, "%s", left);
        free(path);
        free(tree);
}
