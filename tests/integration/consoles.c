/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a test's machines said, printed to stderr when the test fails or one
 * of the waiting helpers gives up, so that a failure explains itself.
 *
 * Criterion runs each test in a worker process and reports from the runner:
 * the worker prints when a waiting helper gives up (the machines still run
 * as they were), the runner's report hooks when a test failed or crashed
 * (the worker waits for the runner's answer to its POST_TEST message before
 * it runs it_teardown, so the test's directory and machines are still
 * there). The worker tells the runner its directory in a file of a
 * directory the runner made (BERTH_IT_RUNNER_DIR). */
#include "helpers.h"

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "state.h"

#define RUNNER_DIR_ENV "BERTH_IT_RUNNER_DIR"
#define SPAWNED ".spawned"              /* it_berth_spawn's log names, one a line */
#define PRINTED ".consoles-printed"     /* a waiting helper printed them already */
#define LINES_MAX 400                   /* of each file: its end */

/* One line of text, control characters escaped, without what a terminal
 * shows as nothing: colour sequences (ESC [ digits and ; m) and the \r
 * before the line's end. */
static void put_line(FILE *f, const char *line, size_t len)
{
        char *plain = malloc(len + 1), *out = malloc(4 * len + 1);
        size_t n = 0;

        for (size_t i = 0; plain && i < len; i++) {
                size_t k = i + 2;
                if (line[i] == '\033' && i + 1 < len && line[i + 1] == '[') {
                        while (k < len && ((line[k] >= '0' && line[k] <= '9') || line[k] == ';'))
                                k++;
                        if (k < len && line[k] == 'm') {
                                i = k;
                                continue;
                        }
                }
                plain[n++] = line[i];
        }
        while (n > 0 && plain[n - 1] == '\r')
                n--;
        if (plain && out) {
                log_escape(plain, n, out, 4 * len + 1);
                fprintf(f, "%s\n", out);
        }
        free(plain);
        free(out);
}

/* The last LINES_MAX lines of text. */
static void put_text(FILE *f, const char *text)
{
        size_t lines = 0, skip;
        const char *p = text;

        for (const char *q = text; *q; q++)
                lines += *q == '\n' || (q[1] == 0);
        if (lines == 0) {
                fputs("(empty)\n", f);
                return;
        }
        skip = lines > LINES_MAX ? lines - LINES_MAX : 0;
        if (skip)
                fprintf(f, "(%zu earlier lines left out)\n", skip);
        for (size_t i = 0; i < skip; i++)
                p = strchr(p, '\n') + 1;
        while (*p) {
                size_t len = strcspn(p, "\n");
                put_line(f, p, len);
                p += len + (p[len] == '\n');
        }
}

static void put_file(FILE *f, const char *path, const char *what)
{
        char *s = it_read_file(path);

        if (!s)
                return;
        fprintf(f, "----- %s: %s -----\n", path, what);
        put_text(f, s);
        free(s);
}

/* NAME.out and NAME.err of every berth it_berth_spawn started. */
static void put_spawned(FILE *f, const char *dir)
{
        char path[600], what[300], *names;

        snprintf(path, sizeof(path), "%s/" SPAWNED, dir);
        names = it_read_file(path);
        for (char *save = NULL, *n = names ? strtok_r(names, "\n", &save) : NULL; n; n = strtok_r(NULL, "\n", &save)) {
                snprintf(path, sizeof(path), "%s/%s.out", dir, n);
                snprintf(what, sizeof(what), "the console of berth '%s' (its stdout)", n);
                put_file(f, path, what);
                snprintf(path, sizeof(path), "%s/%s.err", dir, n);
                snprintf(what, sizeof(what), "the log of berth '%s' (its stderr)", n);
                put_file(f, path, what);
        }
        free(names);
}

/* The console tail in each boot-test report (*.json) in dir. */
static void put_boot_test_reports(FILE *f, const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;

        while (d && (de = readdir(d))) {
                size_t l = strlen(de->d_name);
                json_object *report, *trees;
                char path[600];

                if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
                        continue;
                snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                report = json_object_from_file(path);
                if (report && json_object_object_get_ex(report, "trees", &trees) &&
                    json_object_is_type(trees, json_type_array))
                        for (size_t i = 0; i < json_object_array_length(trees); i++) {
                                json_object *t = json_object_array_get_idx(trees, i), *console, *v;
                                const char *machine = "?", *tree = "?";
                                if (!json_object_object_get_ex(t, "console", &console))
                                        continue;
                                if (json_object_object_get_ex(t, "machine", &v) && json_object_get_string(v))
                                        machine = json_object_get_string(v);
                                if (json_object_object_get_ex(t, "tree", &v) && json_object_get_string(v))
                                        tree = json_object_get_string(v);
                                fprintf(f, "----- %s: the console of boot-test's machine %s (%s), its last lines -----\n",
                                        path, machine, tree);
                                for (size_t k = 0; k < json_object_array_length(console); k++) {
                                        const char *line = json_object_get_string(json_object_array_get_idx(console, k));
                                        put_line(f, line ? line : "", line ? strlen(line) : 0);
                                }
                        }
                json_object_put(report);
        }
        if (d)
                closedir(d);
}

/* PID STATE WCHAN COMMAND of each process in the machine's cgroup: where
 * its boot waits. */
static void put_processes(FILE *f, const char *machine)
{
        char leaf[300];
        DIR *d = opendir("/proc");
        struct dirent *de;
        size_t n = 0;

        snprintf(leaf, sizeof(leaf), "/berth-%s", machine);
        fprintf(f, "----- the processes of machine %s: PID STATE WCHAN COMMAND -----\n", machine);
        while (d && (de = readdir(d)) && n < 200) {
                char path[300], *cg, *st, *wchan, cmd[1024] = "";
                bool in = false;
                ssize_t k = 0;
                int fd;

                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/cgroup", de->d_name);
                cg = it_read_file(path);
                for (char *p = cg ? strstr(cg, leaf) : NULL; p && !in; p = strstr(p + 1, leaf))
                        in = p[strlen(leaf)] == '\n' || p[strlen(leaf)] == '/' || p[strlen(leaf)] == 0;
                free(cg);
                if (!in)
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
                st = it_read_file(path);
                snprintf(path, sizeof(path), "/proc/%s/wchan", de->d_name);
                wchan = it_read_file(path);
                snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd >= 0) {
                        k = read(fd, cmd, sizeof(cmd) - 1);
                        close(fd);
                }
                for (ssize_t i = 0; i < k - 1; i++)
                        if (cmd[i] == 0)
                                cmd[i] = ' ';
                cmd[k > 0 ? k : 0] = 0;
                for (k = (ssize_t) strlen(cmd); k > 0 && (cmd[k - 1] == ' ' || cmd[k - 1] == 0); k--)
                        cmd[k - 1] = 0;
                fprintf(f, "%s %c %s ", de->d_name, st && strrchr(st, ')') ? strrchr(st, ')')[2] : '?',
                        wchan && *wchan ? wchan : "-");
                put_line(f, cmd, strlen(cmd));
                free(st);
                free(wchan);
                n++;
        }
        if (d)
                closedir(d);
}

/* A machine berthd started runs with --console=passive: its console is
 * read and dropped. Where it runs systemd, its journal says what the
 * console would have. */
static void put_journal_if_passive(FILE *f, int run_fd, const char *machine)
{
        _cleanup_(machine_state_done) struct machine_state st = {};
        char path[64], *cmd = NULL, line[4096];
        bool passive = false;
        FILE *p;

        if (machine_state_read_at(run_fd, machine, &st) < 0)
                return;
        snprintf(path, sizeof(path), "/proc/%d/cmdline", (int) st.supervisor);
        cmd = it_read_file(path);
        /* it_read_file wrote the NULs between the arguments as \0. */
        passive = cmd && strstr(cmd, "\\0--console=passive\\0");
        if (passive && strcmp(st.init_kind, "systemd") == 0 && st.leader > 0) {
                char *sh = NULL;
                fprintf(f, "----- machine %s: its console was dropped (berthd runs it with --console=passive); its journal of this "
                           "boot, the last %d lines -----\n", machine, LINES_MAX);
                if (asprintf(&sh, "timeout 10 nsenter -t %d -a journalctl -b -q --no-pager -o short-monotonic "
                                  "2>&1 | tail -n %d", (int) st.leader, LINES_MAX) > 0 && (p = popen(sh, "re"))) {
                        while (fgets(line, sizeof(line), p))
                                put_line(f, line, strcspn(line, "\n"));
                        pclose(p);
                }
                free(sh);
        } else if (passive) {
                fprintf(f, "----- machine %s: its console was dropped (berthd runs it with --console=passive) -----\n", machine);
        }
        free(cmd);
}

/* Each machine with a state file: the file, its processes, and its
 * journal if its console was not kept. */
static void put_machines(FILE *f, const char *dir)
{
        char mdir[600];
        _cleanup_close_ int run_fd = -EBADF;
        DIR *d;
        struct dirent *de;

        snprintf(mdir, sizeof(mdir), "%s/run", dir);
        run_fd = open(mdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        snprintf(mdir, sizeof(mdir), "%s/run/machines", dir);
        d = opendir(mdir);
        while (d && (de = readdir(d))) {
                char path[900];

                if (de->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "%s/%s", mdir, de->d_name);
                put_file(f, path, "the state file of a machine that still runs");
                put_processes(f, de->d_name);
                put_journal_if_passive(f, run_fd, de->d_name);
        }
        if (d)
                closedir(d);
}

static char *consoles_of(const char *dir)
{
        char path[600], *s = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&s, &size);

        if (!f)
                return NULL;
        put_spawned(f, dir);
        snprintf(path, sizeof(path), "%s/berthd.log", dir);
        put_file(f, path, "berthd's log");
        put_boot_test_reports(f, dir);
        put_machines(f, dir);
        fclose(f);
        return s;
}

char *it_consoles(void)
{
        return consoles_of(it.dir);
}

void it_consoles_spawned(const char *log_name)
{
        char path[600], *names, *all = NULL, line[300];
        bool known;
        FILE *f;

        snprintf(path, sizeof(path), "%s/" SPAWNED, it.dir);
        snprintf(line, sizeof(line), "\n%s\n", log_name);
        names = it_read_file(path);
        known = names && asprintf(&all, "\n%s", names) >= 0 && strstr(all, line);
        free(all);
        free(names);
        if (known)
                return;
        f = fopen(path, "ae");
        if (f) {
                fputs(line + 1, f);
                fclose(f);
        }
}

static bool printed;

void it_print_consoles(const char *fmt, ...)
{
        const char *suite = criterion_current_test->category, *test = criterion_current_test->name;
        char *raw = NULL, *why, path[600];
        va_list ap;
        char *s;
        int n;

        if (!it.dir[0])
                return;
        va_start(ap, fmt);
        n = vasprintf(&raw, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        why = malloc(4 * (size_t) n + 1);
        if (why)
                log_escape(raw, (size_t) n, why, 4 * (size_t) n + 1);
        free(raw);
        if (printed) {
                fprintf(stderr, "=== %s::%s: %s (what its machines said is printed above) ===\n", suite, test,
                        why ? why : "");
                free(why);
                return;
        }
        s = it_consoles();
        fprintf(stderr, "=== %s::%s: %s; what its machines said: ===\n%s=== end of %s::%s ===\n", suite, test,
                why ? why : "", s ? s : "", suite, test);
        free(s);
        free(why);
        printed = true;
        snprintf(path, sizeof(path), "%s/" PRINTED, it.dir);
        close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
}

/* The runner's side ---------------------------------------------------- */

static char runner_dir[64];

static void runner_path(char *buf, size_t size, const char *dir, const char *name)
{
        snprintf(buf, size, "%s/%s", dir, name);
}

void it_consoles_setup(void)
{
        const char *rd = getenv(RUNNER_DIR_ENV);
        char tmp[300], cur[300];
        FILE *f;

        printed = false;
        if (!rd)
                return;
        runner_path(tmp, sizeof(tmp), rd, "current.tmp");
        runner_path(cur, sizeof(cur), rd, "current");
        f = fopen(tmp, "we");
        if (!f)
                return;
        fprintf(f, "%s", it.dir);
        if (fclose(f) == 0)
                (void) rename(tmp, cur);
}

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
        (void) set;
        snprintf(runner_dir, sizeof(runner_dir), "/tmp/berth-it-runner.XXXXXX");
        if (mkdtemp(runner_dir))
                setenv(RUNNER_DIR_ENV, runner_dir, 1);
        else
                runner_dir[0] = 0;
}

static void forget_current(void)
{
        char path[300];

        if (!runner_dir[0])
                return;
        runner_path(path, sizeof(path), runner_dir, "current");
        unlink(path);
}

ReportHook(PRE_INIT)(struct criterion_test *test)
{
        (void) test;
        forget_current();
}

static void report_failure(struct criterion_test_stats *stats, const char *what)
{
        char path[300], *dir, *s = NULL;
        struct stat st;

        if (!runner_dir[0])
                return;
        runner_path(path, sizeof(path), runner_dir, "current");
        dir = it_read_file(path);
        forget_current();
        if (!dir || !*dir) {
                free(dir);
                return;
        }
        snprintf(path, sizeof(path), "%s/" PRINTED, dir);
        if (stat(path, &st) == 0) {
                fprintf(stderr, "=== %s::%s %s (what its machines said is printed above) ===\n",
                        stats->test->category, stats->test->name, what);
        } else if ((s = consoles_of(dir)) && *s) {
                fprintf(stderr, "=== %s::%s %s; what its machines said: ===\n%s=== end of %s::%s ===\n",
                        stats->test->category, stats->test->name, what, s, stats->test->category,
                        stats->test->name);
        }
        free(s);
        free(dir);
}

ReportHook(POST_TEST)(struct criterion_test_stats *stats)
{
        if (stats->test_status == CR_STATUS_FAILED)
                report_failure(stats, "failed");
        else
                forget_current();
}

ReportHook(TEST_CRASH)(struct criterion_test_stats *stats)
{
        report_failure(stats, "crashed");
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
        (void) stats;
        forget_current();
        if (runner_dir[0])
                rmdir(runner_dir);
}
