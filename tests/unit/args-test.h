/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the tests of the launcher's command line share: a command line, a
 * parse with stdout or stderr captured, and a test directory to run from. */
#pragma once

#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "settings.h"
#include "util.h"

/* Each test builds its own command line; argv[0] is "berth". */
#define ARGV(...) ((char *[]) { "berth", __VA_ARGS__, NULL })

static inline int parse(struct settings *s, char **argv)
{
        return settings_parse_argv(s, (int) strv_length(argv), argv);
}

/* A directory that exists, for --bind sources; the tests run from it. */
static char tmp[] = "/tmp/berth-test-args-XXXXXX";
static char tmp_real[PATH_MAX];

static inline void setup(void)
{
        cr_assert_not_null(mkdtemp(tmp));
        cr_assert_not_null(realpath(tmp, tmp_real));
        cr_assert_eq(chdir(tmp), 0);
        cr_assert_eq(mkdir("sub", 0755), 0);
}

static inline void teardown(void)
{
        char p[PATH_MAX];

        if (chdir("/") < 0)
                return;
        snprintf(p, sizeof(p), "%s/sub", tmp);
        rmdir(p);
        rmdir(tmp);
}


/* Run settings_parse_argv with stdout in a file; return what it printed. */
static inline int parse_capturing(struct settings *s, char **argv, char *out, size_t size)
{
        FILE *f = tmpfile();
        int saved, r;
        ssize_t n;

        cr_assert_not_null(f);
        fflush(stdout);
        saved = dup(STDOUT_FILENO);
        cr_assert_geq(saved, 0);
        cr_assert_geq(dup2(fileno(f), STDOUT_FILENO), 0);
        r = parse(s, argv);
        fflush(stdout);
        cr_assert_geq(dup2(saved, STDOUT_FILENO), 0);
        close(saved);
        n = pread(fileno(f), out, size - 1, 0);
        cr_assert_geq(n, 0);
        out[n] = 0;
        fclose(f);
        return r;
}

/* Run settings_parse_argv with stderr in a file; return what it said. */
static inline int parse_stderr(struct settings *s, char **argv, char *err, size_t size)
{
        FILE *f = tmpfile();
        int saved, r;
        ssize_t n;

        cr_assert_not_null(f);
        saved = dup(STDERR_FILENO);
        cr_assert_geq(saved, 0);
        cr_assert_geq(dup2(fileno(f), STDERR_FILENO), 0);
        r = parse(s, argv);
        cr_assert_geq(dup2(saved, STDERR_FILENO), 0);
        close(saved);
        n = pread(fileno(f), err, size - 1, 0);
        cr_assert_geq(n, 0);
        err[n] = 0;
        fclose(f);
        return r;
}

/* Refused with exactly one line on stderr that says want. */
static inline void assert_refused_saying(char **argv, const char *want)
{
        struct settings s = {};
        char err[4096];

        cr_assert_lt(parse_stderr(&s, argv, err, sizeof(err)), 0, "accepted; stderr: %s", err);
        cr_assert_not_null(strstr(err, want), "stderr does not say '%s': %s", want, err);
        cr_assert(strchr(err, '\n') && strchr(err, '\n')[1] == 0, "stderr is not one line: %s", err);
        settings_done(&s);
}

/* The whole of stderr after a refused command line. */
static inline void assert_says(char **argv, const char *line)
{
        struct settings s = {};
        char err[4096];

        cr_assert_eq(parse_stderr(&s, argv, err, sizeof(err)), -EINVAL, "accepted; stderr: %s", err);
        cr_assert_str_eq(err, line);
        settings_done(&s);
}
