/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth boot-test: boot trees, one worker process per tree, up to -j at
 * once (matrix.c); show their progress (terminal.c), write the reports
 * (report.c, junit.c), and exit with the worst verdict. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "log.h"
#include "matrix.h"
#include "programs.h"
#include "util.h"

#define DEFAULT_TIMEOUT_SEC 90

static void help(void)
{
        printf("berth boot-test [OPTIONS...] TREE...\n"
               "berth boot-test [OPTIONS...] -D TREE\n\n"
               "Boot each tree as an ephemeral machine, wait for it to come up, look\n"
               "inside (system state, failed units, boot timing, journal errors, getty,\n"
               "hostname, machine ID), power it off, and give a verdict.\n\n"
               "  -h --help              Show this help\n"
               "  -D --directory=TREE    A tree to boot (also: trees as arguments)\n"
               "  -j --jobs=N            Boot N trees at once (default 1)\n"
               "     --timeout=SEC       How long to wait for the machine to be up, and\n"
               "                         again for its shutdown (default %u)\n"
               "     --json=FILE         Write the results as JSON (schema in berth(1))\n"
               "     --junit=FILE        Write them as JUnit XML\n"
               "  -q --quiet             No progress, only the summary\n\n"
               "Exit status: 0 pass, 1 degraded (units failed), 2 did not boot,\n"
               "3 timeout (no READY, or the shutdown hung); the worst of all trees.\n"
               "See berth(1).\n",
               DEFAULT_TIMEOUT_SEC);
}

static int add_tree(struct boot_test_args *a, const char *t)
{
        char **n = realloc(a->trees, (a->n_trees + 2) * sizeof(char *));
        if (!n)
                return -ENOMEM;
        a->trees = n;
        a->trees[a->n_trees++] = (char *) t;
        a->trees[a->n_trees] = NULL;
        return 0;
}

static int parse_argv(int argc, char **argv, struct boot_test_args *a)
{
        enum { ARG_TIMEOUT = 0x100, ARG_JSON, ARG_JUNIT };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "directory", required_argument, NULL, 'D' },
                { "jobs", required_argument, NULL, 'j' },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                { "json", required_argument, NULL, ARG_JSON },
                { "junit", required_argument, NULL, ARG_JUNIT },
                { "quiet", no_argument, NULL, 'q' },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "hD:j:q", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case 'D':
                        if (add_tree(a, optarg) < 0)
                                return -ENOMEM;
                        break;
                case 'j':
                        if (parse_uint(optarg, &a->jobs) < 0 || a->jobs == 0 || a->jobs > 64) {
                                log_error("--jobs=%s: expected a number from 1 to 64", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_TIMEOUT:
                        if (parse_sec(optarg, &a->o.timeout_sec) < 0 || a->o.timeout_sec == 0) {
                                log_error("--timeout=%s: expected a number of seconds", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_JSON:
                        a->json_path = optarg;
                        break;
                case ARG_JUNIT:
                        a->junit_path = optarg;
                        break;
                case 'q':
                        a->quiet = true;
                        break;
                default:
                        return -EINVAL;
                }
        for (int i = optind; i < argc; i++)
                if (add_tree(a, argv[i]) < 0)
                        return -ENOMEM;
        if (a->json_path && a->junit_path && streq(a->json_path, "-") && streq(a->junit_path, "-")) {
                log_error("--json=- and --junit=-: only one report can go to standard output");
                return -EINVAL;
        }
        if (a->n_trees == 0) {
                log_error("no tree given (berth boot-test -D TREE, or TREE...)");
                return -EINVAL;
        }
        return 1;
}

/* Every tree must be a directory before anything boots: a typo is the
 * caller's error, not a tree that did not boot. */
static int check_trees(const struct boot_test_args *a)
{
        for (size_t i = 0; i < a->n_trees; i++) {
                struct stat st;
                if (stat(a->trees[i], &st) < 0) {
                        log_error("%s: %s", a->trees[i], strerror(errno));
                        return -errno;
                }
                if (!S_ISDIR(st.st_mode)) {
                        log_error("%s: not a directory", a->trees[i]);
                        return -ENOTDIR;
                }
        }
        return 0;
}

static int find_launcher(char **ret)
{
        int r = program_find("berth", ret);

        if (r < 0)
                return log_error_errno(r, "berth, the launcher, is neither beside berth-boot-test nor in %s",
                                       BERTH_BINDIR);
        return 0;
}

/* Both reports, from one document; a report that cannot be written turns
 * a passing run into a failed one. */
static int write_reports(const struct boot_test_args *a, const struct report *report, int worst)
{
        int r;

        if (a->json_path && (r = report_write(report, a->json_path, report_json_write)) < 0) {
                log_error("writing %s: %s", a->json_path, strerror(-r));
                worst = worst ?: 64;
        }
        if (a->junit_path && (r = report_write(report, a->junit_path, junit_write)) < 0) {
                log_error("writing %s: %s", a->junit_path, strerror(-r));
                worst = worst ?: 64;
        }
        return worst;
}

int main(int argc, char **argv)
{
        struct boot_test_args a = { .o.timeout_sec = DEFAULT_TIMEOUT_SEC, .jobs = 1 };
        _cleanup_free_ char *launcher = NULL;
        struct terminal term;
        struct matrix m;
        uint64_t t0 = now_usec(CLOCK_MONOTONIC);
        time_t started = time(NULL);
        int worst, r;

        log_setup("berth boot-test");
        r = parse_argv(argc, argv, &a);
        if (r <= 0)
                return free(a.trees), r < 0 ? 64 : 0;
        if (geteuid() != 0) {
                log_error("must run as root: it boots machines (try sudo)");
                return 64;
        }
        if (check_trees(&a) < 0 || find_launcher(&launcher) < 0)
                return 64;
        a.o.launcher = launcher;
        const char *const reports[] = { a.json_path, a.junit_path };
        for (size_t i = 0; i < ELEMENTSOF(reports); i++)
                if (reports[i] && (r = report_dir_writable(reports[i])) < 0) {
                        log_error("%s cannot be written: %s", reports[i], strerror(-r));
                        return 64;
                }
        if (matrix_init(&m, &a, &term) < 0)
                return 64;
        terminal_init(&term, &a);

        matrix_run(&m);

        worst = matrix_worst(&m);
        if (!a.quiet)
                fprintf(term.out, "\n");
        terminal_summary(&term, m.jobs, m.n_jobs);
        struct report report;
        report_init(&report, &m, worst, started, t0);
        worst = write_reports(&a, &report, worst);
        matrix_done(&m);
        free(a.trees);
        return worst;
}
