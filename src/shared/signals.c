/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Signal names as kill(1) and systemd spell them, for kill --signal. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "signals.h"
#include "util.h"

static const char *const signal_table[] = {
        [SIGHUP] = "HUP",       [SIGINT] = "INT",       [SIGQUIT] = "QUIT",     [SIGILL] = "ILL",
        [SIGTRAP] = "TRAP",     [SIGABRT] = "ABRT",     [SIGBUS] = "BUS",       [SIGFPE] = "FPE",
        [SIGKILL] = "KILL",     [SIGUSR1] = "USR1",     [SIGSEGV] = "SEGV",     [SIGUSR2] = "USR2",
        [SIGPIPE] = "PIPE",     [SIGALRM] = "ALRM",     [SIGTERM] = "TERM",     [SIGSTKFLT] = "STKFLT",
        [SIGCHLD] = "CHLD",     [SIGCONT] = "CONT",     [SIGSTOP] = "STOP",     [SIGTSTP] = "TSTP",
        [SIGTTIN] = "TTIN",     [SIGTTOU] = "TTOU",     [SIGURG] = "URG",       [SIGXCPU] = "XCPU",
        [SIGXFSZ] = "XFSZ",     [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF",     [SIGWINCH] = "WINCH",
        [SIGIO] = "IO",         [SIGPWR] = "PWR",       [SIGSYS] = "SYS",
};

/* "N" for 0 <= N <= max, nothing else. */
static int parse_small(const char *s, int max)
{
        unsigned v;

        if (parse_uint(s, &v) < 0 || v > (unsigned) max)
                return -EINVAL;
        return (int) v;
}

static int signal_from_rt(const char *s)
{
        int n;

        if (streq(s, "RTMIN"))
                return SIGRTMIN;
        if (streq(s, "RTMAX"))
                return SIGRTMAX;
        if (startswith(s, "RTMIN+")) {
                n = parse_small(s + 6, SIGRTMAX - SIGRTMIN);
                return n < 0 ? n : SIGRTMIN + n;
        }
        if (startswith(s, "RTMAX-")) {
                n = parse_small(s + 6, SIGRTMAX - SIGRTMIN);
                return n < 0 ? n : SIGRTMAX - n;
        }
        return -EINVAL;
}

int signal_from_string(const char *s)
{
        const char *name;
        int n;

        if (!s || !*s)
                return -EINVAL;
        if (*s >= '0' && *s <= '9') {
                n = parse_small(s, SIGRTMAX);
                return n > 0 ? n : -EINVAL;
        }
        name = startswith(s, "SIG") ? s + 3 : s;
        for (size_t i = 1; i < sizeof(signal_table) / sizeof(signal_table[0]); i++)
                if (signal_table[i] && streq(name, signal_table[i]))
                        return (int) i;
        return signal_from_rt(name);
}

const char *signal_to_string(int sig, char *buf, size_t size)
{
        if (sig > 0 && (size_t) sig < sizeof(signal_table) / sizeof(signal_table[0]) && signal_table[sig])
                snprintf(buf, size, "SIG%s", signal_table[sig]);
        else if (sig == SIGRTMIN)
                snprintf(buf, size, "SIGRTMIN");
        else if (sig > SIGRTMIN && sig <= SIGRTMAX)
                snprintf(buf, size, "SIGRTMIN+%d", sig - SIGRTMIN);
        else
                return NULL;
        return buf;
}

static const char *const kill_whom_table[_KILL_WHOM_MAX] = {
        [KILL_LEADER] = "leader",
        [KILL_ALL] = "all",
};

const char *kill_whom_to_string(enum kill_whom w)
{
        if ((unsigned) w >= _KILL_WHOM_MAX)
                return NULL;
        return kill_whom_table[w];
}

int kill_whom_from_string(const char *s)
{
        for (int i = 0; i < _KILL_WHOM_MAX; i++)
                if (s && streq(s, kill_whom_table[i]))
                        return i;
        return -EINVAL;
}

void signals_reset_all(void)
{
        sigset_t none;

        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void) signal(sig, SIG_DFL);
}
