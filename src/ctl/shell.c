/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* shell and login: a program in a machine, on a PTY that berthd opened
 * inside it (relayed here, input raw, ^] three times within a second to
 * leave), or, when stdin is not a terminal, on our own stdin/stdout/stderr
 * so that scripts can pipe through it. shell exits with the program's
 * status. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "cleanup.h"
#include "escape.h"
#include "log.h"
#include "util.h"
#include "verbs.h"

struct relay {
        int master;
        struct termios saved;
        bool raw;
        struct escape escape;
};

static void winsize(int master)
{
        struct winsize ws;

        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) >= 0 || ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) >= 0)
                (void) ioctl(master, TIOCSWINSZ, &ws);
}

/* Copy between the terminal and the PTY until the program's side closes
 * (EIO on the master) or the user escapes; returns true on escape. */
static bool relay(struct relay *r)
{
        sigset_t mask;
        _cleanup_close_ int sfd = -EBADF;
        bool in_open = true;

        sigemptyset(&mask);
        sigaddset(&mask, SIGWINCH);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC);
        winsize(r->master);
        for (;;) {
                struct pollfd p[3] = {
                        { .fd = r->master, .events = POLLIN },
                        { .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
                        { .fd = sfd, .events = POLLIN },
                };
                char buf[8192];
                ssize_t n;

                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return false;
                }
                if (p[2].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        (void) !read(sfd, &si, sizeof(si));
                        winsize(r->master);
                }
                if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        n = read(r->master, buf, sizeof(buf));
                        if (n <= 0)
                                return false;   /* EIO: the program is gone */
                        (void) write_full(STDOUT_FILENO, buf, (size_t) n);
                }
                if (p[1].revents & (POLLIN | POLLHUP)) {
                        n = read(STDIN_FILENO, buf, sizeof(buf));
                        if (n <= 0) {
                                in_open = false;
                                continue;
                        }
                        if (r->raw && escape_seen(&r->escape, buf, (size_t) n))
                                return true;
                        (void) write_full(r->master, buf, (size_t) n);
                }
        }
}

static void enter_raw(struct relay *r)
{
        struct termios t;

        if (tcgetattr(STDIN_FILENO, &r->saved) < 0)
                return;
        t = r->saved;
        cfmakeraw(&t);
        t.c_oflag = r->saved.c_oflag;   /* input raw, output as it was */
        if (tcsetattr(STDIN_FILENO, TCSANOW, &t) >= 0)
                r->raw = true;
}

static void leave_raw(struct relay *r)
{
        if (r->raw)
                (void) tcsetattr(STDIN_FILENO, TCSANOW, &r->saved);
        r->raw = false;
}

static int read_status(int fd)
{
        char buf[32] = "";
        unsigned status;
        ssize_t k = read_full(fd, buf, sizeof(buf) - 1);

        buf[k > 0 ? k : 0] = 0;
        buf[strcspn(buf, "\n")] = 0;
        return parse_uint(buf, &status) >= 0 ? (int) status : 255;
}

static int append_strv(sd_bus_message *m, char **l, unsigned n)
{
        int r = sd_bus_message_open_container(m, 'a', "s");

        for (unsigned i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(m, "s", l[i]);
        return r < 0 ? r : sd_bus_message_close_container(m);
}

static int append_environment(sd_bus_message *m, const char *first, char **env)
{
        int r = sd_bus_message_open_container(m, 'a', "s");

        if (r >= 0 && first)
                r = sd_bus_message_append(m, "s", first);
        for (char **e = env; r >= 0 && e && *e; e++)
                r = sd_bus_message_append(m, "s", *e);
        return r < 0 ? r : sd_bus_message_close_container(m);
}

/* path, args: an absolute command as it is; a bare one through the
 * machine's sh, which searches its PATH; none: the user's login shell. */
static int append_command(sd_bus_message *m, char **cmd, unsigned n)
{
        static char *via_sh[] = { "sh", "-c", "exec \"$0\" \"$@\"" };
        char *args[64];
        unsigned k = 0;
        int r;

        if (n == 0) {
                r = sd_bus_message_append(m, "s", "/bin/sh");
                if (r >= 0)
                        r = append_strv(m, (char *[]) { "-sh" }, 1);
                return r;
        }
        if (cmd[0][0] == '/')
                return sd_bus_message_append(m, "s", cmd[0]) < 0 ? -ENOMEM : append_strv(m, cmd, n);
        for (unsigned i = 0; i < 3; i++)
                args[k++] = via_sh[i];
        for (unsigned i = 0; i < n && k < 63; i++)
                args[k++] = cmd[i];
        r = sd_bus_message_append(m, "s", "/bin/sh");
        return r < 0 ? r : append_strv(m, args, k);
}

int verb_shell(struct ctl *c, char **names, unsigned n)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
        const char *term = getenv("TERM");
        char env_term[256];
        int r, master, status_fd, status;

        r = sd_bus_message_new_method_call(c->bus, &m, BERTH_BUS, BERTH_PATH, BERTH_MANAGER,
                                           tty ? "OpenMachineShell" : "RunMachineCommand");
        /* USER@NAME wins over --uid, as in machinectl. */
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", names[0], c->user ? c->user : c->uid ? c->uid : "");
        if (r >= 0)
                r = append_command(m, c->command, c->n_command);
        /* TERM first, so that -E TERM=... replaces it (berthd lets the
         * last of a name win). */
        snprintf(env_term, sizeof(env_term), "TERM=%s", term && *term ? term : "vt220");
        if (r >= 0)
                r = append_environment(m, tty ? env_term : NULL, c->setenv);
        if (r >= 0 && !tty)
                r = sd_bus_message_append(m, "hhh", STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO);
        if (r < 0)
                return log_error_errno(r, "building the call");
        /* A command may run for long: no call timeout. */
        r = sd_bus_call(c->bus, m, tty ? 0 : UINT64_MAX, &e, &reply);
        if (r < 0)
                return ctl_log_error(&e, r, "machine %s", names[0]);
        if (!tty) {
                int32_t st;
                r = sd_bus_message_read(reply, "i", &st);
                if (r < 0)
                        return log_error_errno(r, "reading the status");
                c->exit_status = st;
                return 0;
        }
        const char *pty;
        r = sd_bus_message_read(reply, "hsh", &master, &pty, &status_fd);
        if (r < 0)
                return log_error_errno(r, "reading the terminal");
        struct relay rl = { .master = master };
        enter_raw(&rl);
        bool esc = relay(&rl);
        leave_raw(&rl);
        if (esc) {
                if (!c->quiet)
                        fprintf(stderr, "\nberthctl: left the shell of machine %s (it goes on)\n", names[0]);
                return 0;
        }
        status = read_status(status_fd);
        c->exit_status = status;
        return 0;
}

int verb_login(struct ctl *c, char **names, unsigned n)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *pty;
        int r, master;

        r = sd_bus_call_method(c->bus, BERTH_BUS, BERTH_PATH, BERTH_MANAGER, "OpenMachineLogin", &e, &reply, "s",
                               names[0]);
        if (r < 0)
                return ctl_log_error(&e, r, "machine %s", names[0]);
        r = sd_bus_message_read(reply, "hs", &master, &pty);
        if (r < 0)
                return log_error_errno(r, "reading the terminal");
        if (isatty(STDIN_FILENO) && !c->quiet)
                fprintf(stderr, "Connected to machine %s. Press ^] three times within 1s to exit.\n", names[0]);
        struct relay rl = { .master = master };
        if (isatty(STDIN_FILENO))
                enter_raw(&rl);
        bool esc = relay(&rl);
        leave_raw(&rl);
        if (esc && !c->quiet)
                fprintf(stderr, "\nberthctl: connection to machine %s closed\n", names[0]);
        return 0;
}

/* The machine's journal as its own journalctl reads it, run in the
 * machine's namespaces as its root (as boot-test reads it): never the
 * host's root following the machine's paths. On a terminal through a PTY,
 * so that ^C and leaving end it there too. */
int verb_logs(struct ctl *c, char **names, unsigned n)
{
        char *cmd[8] = { "journalctl", "--no-pager" };
        unsigned k = 2;
        char lines[64], unit[300];

        if (c->follow)
                cmd[k++] = "--follow";
        if (c->lines) {
                snprintf(lines, sizeof(lines), "--lines=%s", c->lines);
                cmd[k++] = lines;
        }
        if (c->unit) {
                snprintf(unit, sizeof(unit), "--unit=%s", c->unit);
                cmd[k++] = unit;
        }
        c->command = cmd;
        c->n_command = k;
        c->quiet = true;
        int r = verb_shell(c, names, 1);
        if (r >= 0 && c->exit_status == 127)
                log_error("machine %s has no journalctl: its journal cannot be read this way", names[0]);
        return r;
}
