/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A program on a PTY of the test's, for what needs a terminal. */
#include "helpers.h"

#include <criterion/criterion.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

void it_pty_start(struct it_pty *s, char *const argv[])
{
        struct winsize ws = { .ws_row = 24, .ws_col = 80 };

        *s = (struct it_pty) {};
        s->pid = forkpty(&s->fd, NULL, NULL, &ws);
        cr_assert_geq(s->pid, 0, "forkpty: %m");
        if (s->pid == 0) {
                execv(argv[0], argv);
                _exit(127);
        }
}

static bool read_until(struct it_pty *s, const char *needle, int timeout_sec)
{
        for (double end = it_now() + timeout_sec; !strstr(s->out, needle);) {
                struct pollfd p = { .fd = s->fd, .events = POLLIN };
                ssize_t n;

                if (it_now() >= end || s->len >= sizeof(s->out) - 1)
                        return false;
                if (poll(&p, 1, 200) <= 0)
                        continue;
                n = read(s->fd, s->out + s->len, sizeof(s->out) - 1 - s->len);
                if (n <= 0)
                        return strstr(s->out, needle) != NULL;
                s->len += (size_t) n;
                s->out[s->len] = 0;
        }
        return true;
}

bool it_pty_expect(struct it_pty *s, const char *needle, int timeout_sec)
{
        if (read_until(s, needle, timeout_sec))
                return true;
        it_print_consoles("it_pty_expect gave up: the PTY of process %d did not show '%s' within %d s", (int) s->pid,
                          needle, timeout_sec);
        return false;
}

void it_pty_send(struct it_pty *s, const char *text)
{
        cr_assert_eq(write(s->fd, text, strlen(text)), (ssize_t) strlen(text));
}

int it_pty_finish(struct it_pty *s, int timeout_sec)
{
        int status = -1;

        for (double end = it_now() + timeout_sec; it_now() < end;) {
                int st;
                (void) read_until(s, "\x01never\x01", 1);
                if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
                        status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                        break;
                }
        }
        if (status == -1) {
                it_print_consoles("it_pty_finish gave up: process %d on a PTY did not end within %d s, killing it",
                                  (int) s->pid, timeout_sec);
                kill(s->pid, SIGKILL);
                waitpid(s->pid, NULL, 0);
        }
        close(s->fd);
        return status;
}
