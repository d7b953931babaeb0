/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <termios.h>
#include <time.h>

#include "escape.h"
#include "settings.h"

/* The launcher's end of the machine's console: a PTY master relayed to the
 * caller's terminal, or nothing at all when the machine has the caller's
 * stdin/stdout/stderr directly (pipe). */
struct console {
        enum console_mode mode;
        int master;
        int slave;              /* held so the master never sees a hangup */
        bool raw;
        bool stdin_open;
        struct termios saved;
        struct escape escape;
};

#define CONSOLE_INIT { .master = -1, .slave = -1 }

/* interactive on a terminal; otherwise pipe for a command, read-only for --boot. */
enum console_mode console_pick_mode(enum console_mode requested, bool boot);
bool console_has_pty(enum console_mode m);

void console_attach(struct console *c, int master, int slave);
void console_detach(struct console *c);
/* Put the caller's terminal in raw mode for interactive use. */
int console_enter_raw(struct console *c);
/* Undo console_enter_raw; safe to call more than once, and from any exit path. */
void console_restore(struct console *c);
void console_update_winsize(struct console *c);
/* Relay what the machine wrote (discarded when passive). */
void console_forward_output(struct console *c);
/* Relay what the user typed; returns true when ^] was pressed three times
 * within a second. */
bool console_forward_input(struct console *c);
/* After the machine is gone: relay what it wrote last. */
void console_drain(struct console *c);

/* In a machine's or container's process: a PTY of the devpts at
 * ROOT/dev/pts, its slave also bound on ROOT/dev/console. */
int console_pty_open(int root_fd, int *ret_master, int *ret_slave);
