/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The parent's side of berth boot-test: what the command line asks, the
 * trees it boots (one worker process each, up to --jobs at once), their
 * progress on the terminal, and the reports. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "boottest.h"

/* The command line. */
struct boot_test_args {
        struct boot_options o;
        unsigned jobs;
        const char *json_path, *junit_path;
        bool quiet;
        char **trees;
        size_t n_trees;
};

/* One tree of the matrix. */
struct job {
        const char *tree;
        char label[64];
        pid_t worker;
        int fd;                 /* the worker's reports */
        char *buf;
        size_t len;
        char phase[32];
        char text[256];
        struct arena arena;     /* where the worker leaves its result */
        struct tree_result result;
        bool started, done, has_result;
};

/* terminal.c — progress and summary, for a person */
struct terminal {
        FILE *out;              /* stdout, unless a report goes there */
        bool tty, quiet;
        size_t drawn;           /* lines of the progress table on screen */
};

void terminal_init(struct terminal *t, const struct boot_test_args *a);
/* The progress table, redrawn in place (on a terminal). */
void terminal_draw(struct terminal *t, const struct job *jobs, size_t n);
/* Job i moved on: the table again, or one line when not a terminal. */
void terminal_event(struct terminal *t, const struct job *jobs, size_t n, size_t i);
/* A line per tree with its verdict, and what went wrong. */
void terminal_summary(struct terminal *t, const struct job *jobs, size_t n);

/* matrix.c — the scheduler */
struct matrix {
        const struct boot_test_args *args;
        struct terminal *term;
        struct job *jobs;       /* one per tree, in the order given */
        size_t n_jobs;
};

int matrix_init(struct matrix *m, const struct boot_test_args *a, struct terminal *t);
/* Boot every tree, --jobs at once, until all have a result; Ctrl-C
 * (SIGINT, SIGTERM, SIGHUP) stops them all. */
void matrix_run(struct matrix *m);
/* The worst exit status of all trees. */
int matrix_worst(const struct matrix *m);
void matrix_done(struct matrix *m);

/* report.c — the JSON and JUnit files */

struct report {
        const struct matrix *matrix;
        int exit_status;
        char started[32];       /* UTC, ISO 8601 */
        uint64_t duration;      /* µs */
};

void report_init(struct report *rep, const struct matrix *m, int exit_status, time_t started, uint64_t t0_usec);
/* The directory a report goes to can be written ("-": standard output). */
int report_dir_writable(const char *path);
/* report to path ("-": standard output) in write_fn's format, atomically. */
int report_write(const struct report *report, const char *path, int (*write_fn)(const struct report *, int));
int report_json_write(const struct report *report, int fd);

/* junit.c — the report as JUnit XML */
int junit_write(const struct report *report, int fd);
