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

int log_full_errno(enum log_level level, int error, const char *fmt, ...)
{
        char buf[2048];
        size_t n;
        va_list ap;
        int saved = errno;

        if (error > 0)
                error = -error;
        if (level > log_max) {
                errno = saved;
                return error;
        }

        n = (size_t) snprintf(buf, sizeof(buf), "%s: ", log_program);
        va_start(ap, fmt);
        if (n < sizeof(buf))
                n += (size_t) vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
        va_end(ap);
        if (error < 0 && n < sizeof(buf))
                n += (size_t) snprintf(buf + n, sizeof(buf) - n, ": %s", strerror(-error));
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
