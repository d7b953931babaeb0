/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* "SIGTERM", "TERM", "15", "SIGRTMIN+4", "RTMAX-1": the signal's number,
 * or -EINVAL. */
int signal_from_string(const char *s);
/* "SIGTERM", "SIGRTMIN+4"; NULL for a number that is no signal. */
const char *signal_to_string(int sig, char *buf, size_t size);

enum kill_whom {
        KILL_LEADER,
        KILL_ALL,
        _KILL_WHOM_MAX,
};

/* Every signal at its default disposition and none blocked: what a
 * program started for a machine gets, whatever its starter ignored (a
 * shell's "&" ignores SIGINT and SIGQUIT, berthd SIGPIPE). */
void signals_reset_all(void);

const char *kill_whom_to_string(enum kill_whom w);
int kill_whom_from_string(const char *s);
