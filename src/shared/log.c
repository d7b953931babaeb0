/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *log_program = "berth";
static enum log_level log_max = LOG_LEVEL_INFO;
static bool log_raw;
static log_sink_fn log_sink;

void log_set_sink(log_sink_fn sink)
{
        log_sink = sink;
}

void log_setup(const char *program)
{
        const char *e = getenv("BERTH_LOG_LEVEL");

        log_program = program;
        if (!e)
                return;
        if (strcmp(e, "debug") == 0)
                log_max = LOG_LEVEL_DEBUG;
        else if (strcmp(e, "info") == 0)
                log_max = LOG_LEVEL_INFO;
        else if (strcmp(e, "warning") == 0)
                log_max = LOG_LEVEL_WARNING;
        else if (strcmp(e, "error") == 0)
                log_max = LOG_LEVEL_ERROR;
}

void log_set_level(enum log_level level)
{
        log_max = level;
}

enum log_level log_get_level(void)
{
        return log_max;
}

void log_set_raw_terminal(bool raw)
{
        log_raw = raw;
}

/* Messages repeat what users and machines typed (names, paths, a tree's
 * files): a control character in one would break the line or reach the
 * terminal. Write them C-style; bytes from 0x80 up (UTF-8) pass. */
size_t log_escape(const char *s, size_t n, char *out, size_t size)
{
        static const char named[] = { ['\a'] = 'a', ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n',
                                      ['\v'] = 'v', ['\f'] = 'f', ['\r'] = 'r' };
        size_t o = 0;

        if (size == 0)
                return 0;
        for (size_t i = 0; i < n && s[i]; i++) {
                unsigned char c = (unsigned char) s[i];
                char e[5];
                size_t k;

                if (c >= 0x20 && c != 0x7f) {
                        e[0] = (char) c;
                        k = 1;
                } else if (c < sizeof(named) && named[c]) {
                        e[0] = '\\';
                        e[1] = named[c];
                        k = 2;
                } else
                        k = (size_t) snprintf(e, sizeof(e), "\\x%02x", c);
                if (o + k >= size)
                        break;
                memcpy(out + o, e, k);
                o += k;
        }
        out[o] = 0;
        return o;
}

char *log_escape_dup(const char *s)
{
        size_t n = strlen(s ? s : "");
        char *out = malloc(4 * n + 1);

        if (out)
                log_escape(s ? s : "", n, out, 4 * n + 1);
        return out;
}

int log_full_errno(enum log_level level, int error, const char *fmt, ...)
{
        char msg[2048], buf[2048];
        size_t n;
        va_list ap;
        int saved = errno;

        if (error > 0)
                error = -error;
        if (level > log_max) {
                errno = saved;
                return error;
        }

        va_start(ap, fmt);
        (void) vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (log_sink) {
                n = log_escape(msg, sizeof(msg), buf, sizeof(buf));
                if (error < 0 && n < sizeof(buf))
                        (void) snprintf(buf + n, sizeof(buf) - n, ": %s", strerror(-error));
                log_sink(level, buf);
                errno = saved;
                return error;
        }
        /* A helper whose lines its caller prefixes has program "". */
        n = log_program[0] ? (size_t) snprintf(buf, sizeof(buf), "%s: ", log_program) : 0;
        n += log_escape(msg, sizeof(msg), buf + n, sizeof(buf) - 3 - n);
        if (error < 0 && n < sizeof(buf) - 3)
                n += (size_t) snprintf(buf + n, sizeof(buf) - 3 - n, ": %s", strerror(-error));
        if (n > sizeof(buf) - 3)
                n = sizeof(buf) - 3;
        if (log_raw)
                buf[n++] = '\r';
        buf[n++] = '\n';

        /* One write, so concurrent writers do not interleave within a line. */
        (void) !write(STDERR_FILENO, buf, n);
        errno = saved;
        return error;
}
