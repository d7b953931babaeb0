/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth boot-test: boot trees, one worker process per tree, up to -j at
 * once; show their progress, collect their results, write the reports, and
 * exit with the worst verdict. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "boottest.h"
#include "cleanup.h"
#include "log.h"
#include "config.h"
#include "programs.h"
#include "util.h"

#define DEFAULT_TIMEOUT_SEC 90

struct job {
        const char *tree;
        char label[64];
        pid_t worker;
        int fd;                 /* the worker's reports */
        char *buf;
        size_t len;
        char phase[32];
        char text[256];
        json_object *result;
        bool started, done;
};

static struct {
        struct boot_options o;
        unsigned jobs;
        const char *json_path, *junit_path;
        bool quiet;
        char **trees;
        size_t n_trees;
} arg = {
        .o.timeout_sec = DEFAULT_TIMEOUT_SEC,
        .jobs = 1,
};

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

static int add_tree(const char *t)
{
        char **n = realloc(arg.trees, (arg.n_trees + 2) * sizeof(char *));
        if (!n)
                return -ENOMEM;
        arg.trees = n;
        arg.trees[arg.n_trees++] = (char *) t;
        arg.trees[arg.n_trees] = NULL;
        return 0;
}

static int parse_argv(int argc, char **argv)
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
                        if (add_tree(optarg) < 0)
                                return -ENOMEM;
                        break;
                case 'j':
                        if (parse_uint(optarg, &arg.jobs) < 0 || arg.jobs == 0 || arg.jobs > 64) {
                                log_error("--jobs=%s: expected a number from 1 to 64", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_TIMEOUT:
                        if (parse_sec(optarg, &arg.o.timeout_sec) < 0 || arg.o.timeout_sec == 0) {
                                log_error("--timeout=%s: expected a number of seconds", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_JSON:
                        arg.json_path = optarg;
                        break;
                case ARG_JUNIT:
                        arg.junit_path = optarg;
                        break;
                case 'q':
                        arg.quiet = true;
                        break;
                default:
                        return -EINVAL;
                }
        for (int i = optind; i < argc; i++)
                if (add_tree(argv[i]) < 0)
                        return -ENOMEM;
        if (arg.json_path && arg.junit_path && streq(arg.json_path, "-") && streq(arg.junit_path, "-")) {
                log_error("--json=- and --junit=-: only one report can go to standard output");
                return -EINVAL;
        }
        if (arg.n_trees == 0) {
                log_error("no tree given (berth boot-test -D TREE, or TREE...)");
                return -EINVAL;
        }
        return 1;
}

/* Every tree must be a directory before anything boots: a typo is the
 * caller's error, not a tree that did not boot. */
static int check_trees(void)
{
        for (size_t i = 0; i < arg.n_trees; i++) {
                struct stat st;
                if (stat(arg.trees[i], &st) < 0) {
                        log_error("%s: %s", arg.trees[i], strerror(errno));
                        return -errno;
                }
                if (!S_ISDIR(st.st_mode)) {
                        log_error("%s: not a directory", arg.trees[i]);
                        return -ENOTDIR;
                }
        }
        return 0;
}

static int find_launcher(void)
{
        static char *path;
        int r = program_find("berth", &path);

        if (r < 0)
                return log_error_errno(r, "berth, the launcher, is neither beside berth-boot-test nor in %s",
                                       BERTH_BINDIR);
        arg.o.launcher = path;
        return 0;
}

/* Labels: the trees' base names, made unique. */
static void make_labels(struct job *jobs)
{
        for (size_t i = 0; i < arg.n_trees; i++) {
                _cleanup_free_ char *copy = strdup(arg.trees[i]);
                char *b;
                size_t l = copy ? strlen(copy) : 0;
                while (l > 1 && copy[l - 1] == '/')
                        copy[--l] = 0;
                b = copy ? strrchr(copy, '/') : NULL;
                snprintf(jobs[i].label, sizeof(jobs[i].label), "%.50s", b && b[1] ? b + 1 : copy ? copy : "tree");
                for (unsigned same = 2;; same++) {
                        bool taken = false;
                        for (size_t k = 0; k < i; k++)
                                taken |= streq(jobs[k].label, jobs[i].label);
                        if (!taken)
                                break;
                        /* base-2, base-3, ...: the base name again, numbered */
                        char *dash = same > 2 ? strrchr(jobs[i].label, '-') : NULL;
                        if (dash)
                                *dash = 0;
                        size_t m = strlen(jobs[i].label);
                        snprintf(jobs[i].label + m, sizeof(jobs[i].label) - m, "-%u", same);
                }
        }
}

/* --- the worker: one tree, reported on a pipe --- */

static void worker_progress(void *userdata, const char *phase, const char *text)
{
        int fd = *(int *) userdata;
        dprintf(fd, "P%s\t%s\n", phase, text);
}

_Noreturn static void worker(struct job *j, int fd, pid_t parent)
{
        sigset_t mask;
        int stop_fd;

        /* Ctrl-C reaches the whole process group; the parent decides, and
         * tells the worker with SIGTERM. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        /* And when boot-test itself is killed, the machine stops too. */
        (void) prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
        if (getppid() != parent)
                _exit(1);
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        stop_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        json_object *res = boot_tree(&arg.o, j->tree, j->label, stop_fd, worker_progress, &fd);
        const char *s = json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN);
        dprintf(fd, "R%s\n", s);
        _exit(0);
}

static int start_job(struct job *jobs, size_t i)
{
        int p[2];

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid_t parent = getpid();
        fflush(stdout);
        jobs[i].worker = fork();
        if (jobs[i].worker < 0) {
                close(p[0]), close(p[1]);
                return -errno;
        }
        if (jobs[i].worker == 0) {
                close(p[0]);
                for (size_t k = 0; k < i; k++)
                        safe_close(jobs[k].fd);
                worker(&jobs[i], p[1], parent);
        }
        close(p[1]);
        jobs[i].fd = p[0];
        jobs[i].started = true;
        snprintf(jobs[i].phase, sizeof(jobs[i].phase), "booting");
        return 0;
}

/* --- progress on the terminal --- */

/* Progress and summary: on stdout, unless a report goes there. */
static FILE *human;

/* What trees and machines wrote (a tree's name, a unit's, a reason with
 * the machine's words in it), fit for a terminal: into buf. */
static const char *esc(const char *s, char *buf, size_t size)
{
        log_escape(s ? s : "", s ? strlen(s) : 0, buf, size);
        return buf;
}
static bool tty;
static size_t drawn;

static void draw(struct job *jobs)
{
        if (arg.quiet)
                return;
        if (tty && drawn)
                fprintf(human, "\033[%zuA", drawn);
        drawn = 0;
        for (size_t i = 0; i < arg.n_trees; i++) {
                const char *state = jobs[i].done ? "done" : jobs[i].started ? jobs[i].phase : "waiting";
                char l[256], t[1024];
                fprintf(human, "%s%-20s %-10s %s\n", tty ? "\r\033[K" : "", esc(jobs[i].label, l, sizeof(l)), state,
                        esc(jobs[i].text, t, sizeof(t)));
                drawn++;
        }
        fflush(human);
}

static void event(struct job *jobs, size_t i)
{
        if (arg.quiet)
                return;
        if (tty)
                draw(jobs);
        else {
                char l[256], t[1024];
                fprintf(human, "%-20s %-10s %s\n", esc(jobs[i].label, l, sizeof(l)),
                        jobs[i].done ? "done" : jobs[i].phase, esc(jobs[i].text, t, sizeof(t)));
                fflush(human);
        }
}

static void handle_line(struct job *jobs, size_t i, char *line)
{
        struct job *j = &jobs[i];

        if (line[0] == 'P') {
                char *tab = strchr(line + 1, '\t');
                if (!tab)
                        return;
                *tab = 0;
                snprintf(j->phase, sizeof(j->phase), "%s", line + 1);
                snprintf(j->text, sizeof(j->text), "%s", tab + 1);
                event(jobs, i);
        } else if (line[0] == 'R') {
                json_object_put(j->result);
                j->result = json_tokener_parse(line + 1);
        }
}

/* A worker's pipe ended: the result is in, or the worker died. */
static void finish_job(struct job *jobs, size_t i)
{
        struct job *j = &jobs[i];
        int status;

        j->fd = safe_close(j->fd);
        while (j->worker > 0 && waitpid(j->worker, &status, 0) < 0 && errno == EINTR)
                ;
        j->done = true;
        if (!j->result) {
                j->result = json_object_new_object();
                json_object_object_add(j->result, "tree", json_str(j->tree));
                json_object_object_add(j->result, "label", json_str(j->label));
                json_object_object_add(j->result, "verdict", json_str("not-booted"));
                json_object_object_add(j->result, "exit_status", json_object_new_int(VERDICT_NOT_BOOTED));
                json_object_object_add(j->result, "reason", json_str("boot-test's worker for this tree died"));
        }
        const char *verdict = jstr(j->result, "verdict") ?: "?";
        const char *reason = jstr(j->result, "reason") ?: "";
        snprintf(j->text, sizeof(j->text), "%s%s%s", verdict, reason[0] ? ": " : "", reason);
        event(jobs, i);
}

static void read_job(struct job *jobs, size_t i)
{
        struct job *j = &jobs[i];
        char tmp[65536];
        ssize_t n = read(j->fd, tmp, sizeof(tmp));

        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return;
        if (n <= 0) {
                finish_job(jobs, i);
                return;
        }
        char *nb = realloc(j->buf, j->len + (size_t) n + 1);
        if (!nb)
                return;
        j->buf = nb;
        memcpy(j->buf + j->len, tmp, (size_t) n);
        j->len += (size_t) n;
        j->buf[j->len] = 0;
        char *start = j->buf, *nl;
        while ((nl = strchr(start, '\n'))) {
                *nl = 0;
                handle_line(jobs, i, start);
                start = nl + 1;
        }
        j->len = strlen(start);
        memmove(j->buf, start, j->len + 1);
}

/* --- the report --- */


static void print_summary(struct job *jobs)
{
        for (size_t i = 0; i < arg.n_trees; i++) {
                json_object *r = jobs[i].result, *t = jget(r, "timing"), *f = jget(r, "failed_units");
                const char *verdict = jstr(r, "verdict");
                char upper[16];
                size_t k;
                for (k = 0; verdict && verdict[k] && k < sizeof(upper) - 1; k++)
                        upper[k] = (char) (verdict[k] >= 'a' && verdict[k] <= 'z' ? verdict[k] - 32 : verdict[k]);
                upper[k] = 0;
                char b1[1024], b2[256], b3[256];
                fprintf(human, "%-11s %-20s", upper, esc(jobs[i].label, b1, sizeof(b1)));
                if (jget(r, "system_state"))
                        fprintf(human, " state %s,", jstr(r, "system_state"));
                if (f)
                        fprintf(human, " %zu failed unit%s,", json_object_array_length(f),
                               json_object_array_length(f) == 1 ? "" : "s");
                if (jget(t, "ready_sec"))
                        fprintf(human, " up in %.2fs,", json_object_get_double(jget(t, "ready_sec")));
                if (jget(jget(r, "shutdown"), "shutdown_sec"))
                        fprintf(human, " shutdown %.2fs,", json_object_get_double(jget(jget(r, "shutdown"), "shutdown_sec")));
                fprintf(human, " total %.2fs\n", json_object_get_double(jget(t, "total_sec")));
                if (jget(r, "reason") && !streq(verdict, "pass"))
                        fprintf(human, "            %s\n", esc(jstr(r, "reason"), b1, sizeof(b1)));
                for (size_t u = 0; f && u < json_object_array_length(f); u++) {
                        json_object *x = json_object_array_get_idx(f, u);
                        fprintf(human, "            failed: %s (%s, %s)\n", esc(jstr(x, "unit"), b1, sizeof(b1)),
                               esc(jstr(x, "result"), b2, sizeof(b2)), esc(jstr(x, "phase"), b3, sizeof(b3)));
                }
                json_object *w = jget(jget(r, "shutdown"), "waiting_for") ?: jget(r, "waiting_for");
                for (size_t u = 0; w && u < json_object_array_length(w); u++) {
                        json_object *x = json_object_array_get_idx(w, u);
                        fprintf(human, "            waiting for: %s %s (%s)\n", esc(jstr(x, "type"), b2, sizeof(b2)),
                               esc(jstr(x, "unit"), b1, sizeof(b1)), esc(jstr(x, "state"), b3, sizeof(b3)));
                }
        }
        fflush(human);
}

static json_object *make_report(struct job *jobs, int exit_status, time_t started, uint64_t t0)
{
        json_object *report = json_object_new_object(), *trees = json_object_new_array();
        json_object *summary = json_object_new_object();
        unsigned counts[_VERDICT_MAX + 1] = {};
        char stamp[64];

        strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&started));
        json_object_object_add(report, "schema_version", json_object_new_int(BOOT_TEST_SCHEMA_VERSION));
        json_object_object_add(report, "berth_version", json_str(BERTH_VERSION));
        json_object_object_add(report, "started", json_str(stamp));
        json_object_object_add(report, "duration_sec", json_seconds(now_usec(CLOCK_MONOTONIC) - t0));
        json_object_object_add(report, "timeout_sec", json_object_new_int((int) arg.o.timeout_sec));
        json_object_object_add(report, "jobs", json_object_new_int((int) arg.jobs));
        json_object_object_add(report, "exit_status", json_object_new_int(exit_status));
        for (size_t i = 0; i < arg.n_trees; i++) {
                int v = verdict_from_string(jstr(jobs[i].result, "verdict"));
                counts[v < 0 ? _VERDICT_MAX : v]++;
                json_object_array_add(trees, json_object_get(jobs[i].result));
        }
        json_object_object_add(summary, "trees", json_object_new_int((int) arg.n_trees));
        for (int v = 0; v < _VERDICT_MAX; v++)
                json_object_object_add(summary, verdict_to_string(v), json_object_new_int((int) counts[v]));
        json_object_object_add(summary, "interrupted", json_object_new_int((int) counts[_VERDICT_MAX]));
        json_object_object_add(report, "summary", summary);
        json_object_object_add(report, "trees", trees);
        return report;
}

/* The directory a report goes to, checked before anything boots: a path
 * that cannot be written is said at once, not after the whole matrix. */
static int report_dir_writable(const char *path)
{
        _cleanup_free_ char *dir = strdup(path);
        char *slash;

        if (!dir)
                return -ENOMEM;
        if (streq(path, "-"))
                return 0;
        slash = strrchr(dir, '/');
        if (slash)
                slash[slash == dir ? 1 : 0] = 0;
        return access(slash ? dir : ".", W_OK | X_OK) < 0 ? -errno : 0;
}

/* A report goes to a hidden file next to it, renamed over it when complete:
 * a reader never sees half a report, and a failed write leaves nothing. */
static int write_report(json_object *report, const char *path, int (*write_fn)(json_object *, int))
{
        _cleanup_free_ char *tmp = NULL;
        const char *slash = strrchr(path, '/');
        int fd, r;

        if (streq(path, "-"))
                return write_fn(report, STDOUT_FILENO);
        if (asprintf(&tmp, "%.*s.%s.XXXXXX", slash ? (int) (slash - path + 1) : 0, path, slash ? slash + 1 : path) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = fchmod(fd, 0644) < 0 ? -errno : write_fn(report, fd);
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void) unlink(tmp);
        close(fd);
        return r;
}

static int json_write(json_object *report, int fd)
{
        const char *s = json_object_to_json_string_ext(report, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                        JSON_C_TO_STRING_NOSLASHESCAPE);
        int r = write_full(fd, s, strlen(s));
        return r < 0 ? r : write_full(fd, "\n", 1);
}

int main(int argc, char **argv)
{
        _cleanup_free_ struct job *jobs = NULL;
        size_t running = 0, next = 0, finished = 0;
        bool interrupted = false;
        uint64_t t0 = now_usec(CLOCK_MONOTONIC);
        time_t started = time(NULL);
        int worst = 0, r, sfd;
        sigset_t mask;

        log_setup("berth boot-test");
        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? 64 : 0;
        if (geteuid() != 0) {
                log_error("must run as root: it boots machines (try sudo)");
                return 64;
        }
        if (check_trees() < 0 || find_launcher() < 0)
                return 64;
        const char *const reports[] = { arg.json_path, arg.junit_path };
        for (size_t i = 0; i < ELEMENTSOF(reports); i++)
                if (reports[i] && (r = report_dir_writable(reports[i])) < 0) {
                        log_error("%s cannot be written: %s", reports[i], strerror(-r));
                        return 64;
                }
        jobs = calloc(arg.n_trees, sizeof(*jobs));
        if (!jobs)
                return 64;
        for (size_t i = 0; i < arg.n_trees; i++) {
                jobs[i].tree = arg.trees[i];
                jobs[i].fd = -1;
        }
        make_labels(jobs);

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        human = (arg.json_path && streq(arg.json_path, "-")) || (arg.junit_path && streq(arg.junit_path, "-"))
                        ? stderr : stdout;
        tty = isatty(fileno(human));
        if (tty)
                draw(jobs);

        while (finished < arg.n_trees) {
                while (!interrupted && running < arg.jobs && next < arg.n_trees) {
                        if (start_job(jobs, next) < 0) {
                                jobs[next].done = true;
                                finish_job(jobs, next);
                                finished++;
                        } else
                                running++;
                        if (tty)
                                draw(jobs);
                        next++;
                }
                if (interrupted && next < arg.n_trees) {
                        /* Never started: nothing to report but that. */
                        for (; next < arg.n_trees; next++) {
                                jobs[next].result = json_object_new_object();
                                json_object_object_add(jobs[next].result, "tree", json_str(jobs[next].tree));
                                json_object_object_add(jobs[next].result, "label", json_str(jobs[next].label));
                                json_object_object_add(jobs[next].result, "verdict", json_str("interrupted"));
                                json_object_object_add(jobs[next].result, "exit_status", json_object_new_int(130));
                                json_object_object_add(jobs[next].result, "reason", json_str("interrupted before it started"));
                                json_object_object_add(jobs[next].result, "timing", json_object_new_object());
                                jobs[next].done = true;
                                finished++;
                        }
                        continue;
                }
                struct pollfd p[arg.n_trees + 1];
                for (size_t i = 0; i < arg.n_trees; i++)
                        p[i] = (struct pollfd) { .fd = jobs[i].started && !jobs[i].done ? jobs[i].fd : -1, .events = POLLIN };
                p[arg.n_trees] = (struct pollfd) { .fd = sfd, .events = POLLIN };
                if (poll(p, arg.n_trees + 1, -1) < 0 && errno != EINTR)
                        break;
                if (p[arg.n_trees].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
                                /* Every running tree stops; a second Ctrl-C kills them. */
                                interrupted = true;
                                for (size_t i = 0; i < arg.n_trees; i++)
                                        if (jobs[i].started && !jobs[i].done)
                                                (void) kill(jobs[i].worker, SIGTERM);
                        }
                }
                for (size_t i = 0; i < arg.n_trees; i++)
                        if (p[i].fd >= 0 && p[i].revents) {
                                read_job(jobs, i);
                                if (jobs[i].done) {
                                        running--;
                                        finished++;
                                }
                        }
        }

        for (size_t i = 0; i < arg.n_trees; i++) {
                json_object *v = jget(jobs[i].result, "exit_status");
                int s = v ? json_object_get_int(v) : VERDICT_NOT_BOOTED;
                if (s > worst)
                        worst = s;
        }
        if (!arg.quiet)
                fprintf(human, "\n");
        print_summary(jobs);
        json_object *report = make_report(jobs, worst, started, t0);
        fflush(human);
        if (arg.json_path && (r = write_report(report, arg.json_path, json_write)) < 0) {
                log_error("writing %s: %s", arg.json_path, strerror(-r));
                worst = worst ?: 64;
        }
        if (arg.junit_path && (r = write_report(report, arg.junit_path, junit_write)) < 0) {
                log_error("writing %s: %s", arg.junit_path, strerror(-r));
                worst = worst ?: 64;
        }
        json_object_put(report);
        for (size_t i = 0; i < arg.n_trees; i++) {
                json_object_put(jobs[i].result);
                free(jobs[i].buf);
        }
        free(arg.trees);
        return worst;
}
