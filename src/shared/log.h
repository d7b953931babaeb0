/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum log_level {
        LOG_LEVEL_ERROR,
        LOG_LEVEL_WARNING,
        LOG_LEVEL_INFO,
        LOG_LEVEL_DEBUG,
};

/* program "" writes lines without a prefix, for a helper whose caller puts
 * its own in front (berth-net).  */
void log_setup(const char *program);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* While the terminal is in raw mode a line must end in \r\n. */
void log_set_raw_terminal(bool raw);

/* s (at most n bytes) with control characters as \n, \t, \x1b...: the
 * length written to out, which is always NUL-terminated. */
size_t log_escape(const char *s, size_t n, char *out, size_t size);

/* The same into a new string (NULL when out of memory): for output that
 * repeats what a machine or a user wrote (a process's command line, an
 * os-release field, a cgroup's name). */
char *log_escape_dup(const char *s);

/* Lines go to sink, the program's own format (berth-oci's runc-style
 * log), instead of standard error: msg is the escaped text with the
 * errno's after it, without the program's prefix. NULL: back to stderr. */
typedef void (*log_sink_fn)(enum log_level level, const char *msg);
void log_set_sink(log_sink_fn sink);

int log_full_errno(enum log_level level, int error, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#define log_error(...) log_full_errno(LOG_LEVEL_ERROR, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_LEVEL_WARNING, 0, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_LEVEL_INFO, 0, __VA_ARGS__)
#define log_debug(...) log_full_errno(LOG_LEVEL_DEBUG, 0, __VA_ARGS__)
/* Append ": strerror(-error)" and return error (negative), so a caller can
 * log and return in one statement. */
#define log_error_errno(error, ...) log_full_errno(LOG_LEVEL_ERROR, (error), __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_LEVEL_WARNING, (error), __VA_ARGS__)
#define log_debug_errno(error, ...) log_full_errno(LOG_LEVEL_DEBUG, (error), __VA_ARGS__)

/* A usage error: the message says it all, no errno text after it. */
#define log_invalid(...) (log_error(__VA_ARGS__), -EINVAL)
/* The same for any error: a complete sentence, no errno text after it. */
#define log_error_ret(error, ...) (log_error(__VA_ARGS__), (error))
#define log_oom() log_error_errno(-ENOMEM, "out of memory")
