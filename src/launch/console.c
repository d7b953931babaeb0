/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cleanup.h"
#include "mnt.h"
#include "tree.h"
#include "log.h"
#include "util.h"

enum console_mode console_pick_mode(enum console_mode requested, bool boot)
{
        if (requested != CONSOLE_AUTO)
                return requested;
        if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
                return CONSOLE_INTERACTIVE;
        /* systemd wants a /dev/console; a command wants plain pipes. */
        return boot ? CONSOLE_READ_ONLY : CONSOLE_PIPE;
}

bool console_has_pty(enum console_mode m)
{
        return m == CONSOLE_INTERACTIVE || m == CONSOLE_READ_ONLY || m == CONSOLE_PASSIVE;
}

void console_attach(struct console *c, int master, int slave)
{
        console_detach(c);
        c->master = master;
        c->slave = slave;
        c->stdin_open = c->mode == CONSOLE_INTERACTIVE;
        console_update_winsize(c);
}

void console_detach(struct console *c)
{
        c->master = safe_close(c->master);
        c->slave = safe_close(c->slave);
}

int console_enter_raw(struct console *c)
{
        struct termios t;

        if (c->mode != CONSOLE_INTERACTIVE || c->raw)
                return 0;
        if (tcgetattr(STDIN_FILENO, &c->saved) < 0)
                return 0;       /* not a terminal after all: nothing to change */
        t = c->saved;
        cfmakeraw(&t);
        /* Input raw; output keeps post-processing so that lines written by
         * anything else on this terminal do not staircase. */
        t.c_oflag = c->saved.c_oflag;
        if (tcsetattr(STDIN_FILENO, TCSANOW, &t) < 0)
                return -errno;
        c->raw = true;
        log_set_raw_terminal(true);
        return 0;
}

void console_restore(struct console *c)
{
        if (!c->raw)
                return;
        (void) tcsetattr(STDIN_FILENO, TCSANOW, &c->saved);
        c->raw = false;
        log_set_raw_terminal(false);
}

void console_update_winsize(struct console *c)
{
        struct winsize ws;

        if (c->master < 0)
                return;
        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0)
                return;
        (void) ioctl(c->master, TIOCSWINSZ, &ws);
}

void console_forward_output(struct console *c)
{
        char buf[8192];
        ssize_t n = read(c->master, buf, sizeof(buf));

        if (n <= 0)
                return;
        if (c->mode == CONSOLE_PASSIVE)
                return;
        if (write_full(STDOUT_FILENO, buf, (size_t) n) < 0)
                c->mode = CONSOLE_PASSIVE;      /* nobody listens: keep draining */
}

bool console_forward_input(struct console *c)
{
        char buf[4096];
        ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

        if (n <= 0) {
                if (n == 0 || (errno != EINTR && errno != EAGAIN))
                        c->stdin_open = false;
                return false;
        }
        if (escape_seen(&c->escape, buf, (size_t) n))
                return true;
        (void) write_full(c->master, buf, (size_t) n);
        return false;
}

void console_drain(struct console *c)
{
        struct pollfd p = { .fd = c->master, .events = POLLIN };

        if (c->master < 0)
                return;
        while (poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) {
                char buf[8192];
                ssize_t n = read(c->master, buf, sizeof(buf));
                if (n <= 0)
                        break;
                if (c->mode != CONSOLE_PASSIVE)
                        (void) write_full(STDOUT_FILENO, buf, (size_t) n);
        }
}

int console_pty_open(int root_fd, int *ret_master, int *ret_slave)
{
        _cleanup_close_ int master = -EBADF, slave = -EBADF, node = -EBADF, mnt = -EBADF;
        char path[64];
        int unlock = 0, n, r;

        master = tree_open(root_fd, "dev/pts/ptmx", O_RDWR | O_NOCTTY);
        if (master < 0)
                return master;
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
                return -errno;
        slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return -errno;
        snprintf(path, sizeof(path), "dev/pts/%d", n);
        node = tree_open(root_fd, path, O_PATH);
        if (node < 0)
                return node;
        mnt = mnt_clone(node, "", false);
        if (mnt < 0)
                return mnt;
        r = mnt_attach_file(mnt, root_fd, "dev/console");
        if (r < 0)
                return r;
        *ret_master = take_fd(&master);
        *ret_slave = take_fd(&slave);
        return 0;
}
