/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* -H HOST for shell and login: a PTY master or the caller's stdin, stdout
 * and stderr are file descriptors, and those cannot cross the byte stream
 * of systemd-stdio-bridge that the other verbs' calls go through. So
 * berthctl runs itself on HOST instead, over ssh, with the same command
 * line but -H (and -E's values taken here, not there): ssh -t when this
 * end is a terminal (the remote berthctl then relays a terminal of its
 * own), the program's exit status coming back as ssh's. */
#include "remote.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "util.h"

/* word in single quotes for the remote shell, ' as '\''. */
static int append_quoted(char **s, size_t *len, const char *word, size_t n)
{
        size_t need = *len + 4 * n + 4;
        char *p = realloc(*s, need);

        if (!p)
                return -ENOMEM;
        *s = p;
        p += *len;
        if (*len > 0)
                *p++ = ' ';
        *p++ = '\'';
        for (size_t i = 0; i < n; i++) {
                if (word[i] == '\'') {
                        memcpy(p, "'\\''", 4);
                        p += 4;
                } else
                        *p++ = word[i];
        }
        *p++ = '\'';
        *p = 0;
        *len = (size_t) (p - *s);
        return 0;
}

/* [USER@]HOST[:PORT], HOST maybe an IPv6 address in brackets, as sd-bus
 * takes it: ssh's destination and port. A machine after '/' (or the old
 * HOST:MACHINE) means a bus inside a container of HOST, where no berthctl
 * runs as this one would: -EPROTONOSUPPORT. */
int remote_destination(const char *host, char **ret_dest, char **ret_port)
{
        const char *at = strchr(host, '@'), *start = at ? at + 1 : host, *rest;
        _cleanup_free_ char *dest = NULL, *port = NULL;

        if (!*host || (at && (at == host || !*start || strchr(start, '@'))))
                return -EINVAL;
        if (*start == '[') {
                const char *rb = strchr(start, ']');
                if (!rb || rb == start + 1)
                        return -EINVAL;
                if (asprintf(&dest, "%.*s%.*s", (int) (start - host), host, (int) (rb - start - 1), start + 1) < 0)
                        return -ENOMEM;
                rest = rb + 1;
        } else {
                size_t n = strcspn(start, ":/");
                if (n == 0)
                        return -EINVAL;
                if (asprintf(&dest, "%.*s", (int) (start - host + n), host) < 0)
                        return -ENOMEM;
                rest = start + n;
        }
        if (*rest == ':') {
                size_t digits = strspn(rest + 1, "0123456789");
                if (digits == 0)
                        return -EPROTONOSUPPORT;        /* HOST:MACHINE */
                port = strndup(rest + 1, digits);
                if (!port)
                        return -ENOMEM;
                rest += 1 + digits;
        }
        if (*rest == '/')
                return -EPROTONOSUPPORT;
        if (*rest)
                return -EINVAL;
        *ret_dest = take_ptr(dest);
        *ret_port = take_ptr(port);
        return 0;
}

int remote_command(const char *host, int argc, char *const *argv, const int *cut, char *const *setenv, bool tty,
                   char ***ret)
{
        _cleanup_free_ char *dest = NULL, *port = NULL, *line = NULL;
        _cleanup_strv_ char **cmd = calloc(1, sizeof(char *));
        size_t len = 0;
        int r;

        if (!cmd)
                return -ENOMEM;
        r = remote_destination(host, &dest, &port);
        if (r < 0)
                return r;
        r = append_quoted(&line, &len, "berthctl", strlen("berthctl"));
        /* -E NAME means this environment's NAME, not the host's. */
        for (size_t i = 0; r >= 0 && setenv && setenv[i]; i++) {
                _cleanup_free_ char *o = strjoin("--setenv=", setenv[i], NULL);
                r = o ? append_quoted(&line, &len, o, strlen(o)) : -ENOMEM;
        }
        for (int i = 1; r >= 0 && i < argc; i++)
                if (cut[i] != 0)
                        r = append_quoted(&line, &len, argv[i], cut[i] < 0 ? strlen(argv[i]) : (size_t) cut[i]);
        if (r < 0)
                return r;
        if (strv_push(&cmd, "ssh") < 0 || strv_push(&cmd, "-x") < 0 || strv_push(&cmd, tty ? "-t" : "-T") < 0 ||
            (port && (strv_push(&cmd, "-p") < 0 || strv_push(&cmd, port) < 0)) || strv_push(&cmd, "--") < 0 ||
            strv_push(&cmd, dest) < 0 || strv_push(&cmd, line) < 0)
                return -ENOMEM;
        *ret = take_ptr(cmd);
        return 0;
}

int remote_exec(const char *host, int argc, char *const *argv, const int *cut, char *const *setenv)
{
        _cleanup_strv_ char **cmd = NULL;
        int r;

        r = remote_command(host, argc, argv, cut, setenv, isatty(STDIN_FILENO) && isatty(STDOUT_FILENO), &cmd);
        if (r == -EPROTONOSUPPORT)
                return log_invalid("-H %s: shell and login run berthctl on the host over ssh, and a machine "
                                   "after the host name has none (give the host alone)", host);
        if (r == -EINVAL)
                return log_invalid("-H %s: expected [USER@]HOST[:PORT]", host);
        if (r < 0)
                return log_oom();
        (void) fflush(NULL);
        execvp(cmd[0], cmd);
        return log_error_errno(-errno, "-H %s: running ssh", host);
}
