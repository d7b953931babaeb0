/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "helpers.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "state.h"

struct it_env it;

const char *it_berth(void)
{
        const char *b = getenv("BERTH_BIN");
        return b ? b : "berth";
}

static const char *tree_or_skip(const char *env, const char *fallback, const char *probe)
{
        const char *t = getenv(env);
        char p[512];

        if (!t)
                t = fallback;
        snprintf(p, sizeof(p), "%s/%s", t, probe);
        if (access(p, F_OK) < 0)
                cr_skip_test("test tree %s is missing (tools/test builds it; or set %s)", t, env);
        return t;
}

const char *it_busybox_tree(void)
{
        return tree_or_skip("BERTH_TEST_BUSYBOX", "/var/cache/berth-test/busybox", "bin/busybox");
}

const char *it_debian_tree(void)
{
        return tree_or_skip("BERTH_TEST_DEBIAN", "/var/cache/berth-test/debian-bookworm",
                            "usr/lib/systemd/systemd");
}

const char *it_debian_machined_tree(void)
{
        return tree_or_skip("BERTH_TEST_DEBIAN_MACHINED", "/var/cache/berth-test/debian-machined",
                            "usr/lib/systemd/systemd-machined");
}

void it_require_root(void)
{
        if (geteuid() != 0)
                cr_skip_test("integration tests run machines and need root");
}

void it_setup(void)
{
        it_require_root();
        snprintf(it.dir, sizeof(it.dir), "/tmp/berth-it.XXXXXX");
        cr_assert_not_null(mkdtemp(it.dir));
        snprintf(it.state_dir, sizeof(it.state_dir), "%s/state", it.dir);
        snprintf(it.runtime_dir, sizeof(it.runtime_dir), "%s/run", it.dir);
        setenv("BERTH_STATE_DIR", it.state_dir, 1);
        setenv("BERTH_RUNTIME_DIR", it.runtime_dir, 1);
        unsetenv("NOTIFY_SOCKET");
        /* Criterion's runner writes the TAP report to stdout (meson.build):
         * what a test or its children print there goes to stderr instead. */
        dup2(STDERR_FILENO, STDOUT_FILENO);
        it_consoles_setup();
}

/* Each berth started by it_berth_spawn, so that a test failing before it
 * waited for one does not leave its machine running. */
static pid_t spawned[64];
static size_t n_spawned;

static void (*teardown_hooks[8])(void);
static size_t n_teardown_hooks;

void it_on_teardown(void (*hook)(void))
{
        for (size_t i = 0; i < n_teardown_hooks; i++)
                if (teardown_hooks[i] == hook)
                        return;
        cr_assert_lt(n_teardown_hooks, sizeof(teardown_hooks) / sizeof(teardown_hooks[0]));
        teardown_hooks[n_teardown_hooks++] = hook;
}

void it_teardown(void)
{
        char cmd[400];

        while (n_teardown_hooks > 0)
                teardown_hooks[--n_teardown_hooks]();
        for (size_t i = 0; i < n_spawned; i++) {
                int st;
                /* Only a child of ours not reaped yet: never a reused PID. */
                if (waitpid(spawned[i], &st, WNOHANG) == 0) {
                        kill(spawned[i], SIGKILL);
                        waitpid(spawned[i], &st, 0);
                }
        }
        n_spawned = 0;
        if (!it.dir[0])
                return;
        /* Only our own temporary directory, and never across a mount. */
        snprintf(cmd, sizeof(cmd), "rm -rf --one-file-system '%s'", it.dir);
        (void) !system(cmd);
        it.dir[0] = 0;
}

/* The whole file as one C string: a NUL byte in it (a console may carry
 * them: startpar ends a partial line with "\n\0") is written \0, so that
 * nothing after it is lost to strstr() or a failure message. */
static char *slurp_fd(int fd)
{
        size_t size = 0, cap = 4096, nuls = 0;
        char *buf = malloc(cap), *out;
        ssize_t n;

        cr_assert_not_null(buf);
        lseek(fd, 0, SEEK_SET);
        while ((n = read(fd, buf + size, cap - size - 1)) > 0) {
                size += (size_t) n;
                if (cap - size < 2)
                        cr_assert_not_null(buf = realloc(buf, cap *= 2));
        }
        for (size_t i = 0; i < size; i++)
                nuls += buf[i] == 0;
        if (nuls == 0) {
                buf[size] = 0;
                return buf;
        }
        out = malloc(size + nuls + 1);
        cr_assert_not_null(out);
        for (size_t i = 0, o = 0; i <= size; i++) {
                if (i == size)
                        out[o] = 0;
                else if (buf[i] == 0)
                        out[o++] = '\\', out[o++] = '0';
                else
                        out[o++] = buf[i];
        }
        free(buf);
        return out;
}

char *it_read_file(const char *path)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        char *s;

        if (fd < 0)
                return NULL;
        s = slurp_fd(fd);
        close(fd);
        return s;
}

static int status_of(int st)
{
        if (WIFEXITED(st))
                return WEXITSTATUS(st);
        return 128 + WTERMSIG(st);
}

/* Its command line, for a message. */
static char *command_of(pid_t pid)
{
        char path[64], *cmd;
        size_t n = 0;
        ssize_t k;
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/cmdline", (int) pid);
        cmd = calloc(1, 1024);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (cmd && fd >= 0)
                while (n < 1023 && (k = read(fd, cmd + n, 1023 - n)) > 0)
                        n += (size_t) k;
        if (fd >= 0)
                close(fd);
        for (size_t i = 0; cmd && n > 0 && i < n - 1; i++)
                if (cmd[i] == 0)
                        cmd[i] = ' ';
        return cmd;
}

int it_wait(pid_t pid, int timeout_sec)
{
        struct timespec start, now;
        int st;

        clock_gettime(CLOCK_MONOTONIC, &start);
        for (;;) {
                pid_t r = waitpid(pid, &st, WNOHANG);
                if (r == pid)
                        return status_of(st);
                if (r < 0)
                        return -1;
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (now.tv_sec - start.tv_sec >= timeout_sec) {
                        char *cmd = command_of(pid);
                        it_print_consoles("it_wait gave up: process %d (%s) did not end within %d s, killing it",
                                          (int) pid, cmd ? cmd : "?", timeout_sec);
                        free(cmd);
                        kill(pid, SIGKILL);
                        waitpid(pid, &st, 0);
                        return -1;
                }
                usleep(10000);
        }
}

/* Returns once the program runs (or its exec failed): a signal sent
 * right after reaches the program, not the fork before it. */
static pid_t spawn(char *const argv[], int out_fd, int err_fd)
{
        int exec_pipe[2];
        char c;
        pid_t pid;

        cr_assert_eq(pipe2(exec_pipe, O_CLOEXEC), 0);
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                int null = open("/dev/null", O_RDONLY);
                close(exec_pipe[0]);
                dup2(null, 0);
                dup2(out_fd, 1);
                dup2(err_fd, 2);
                setpgid(0, 0);  /* away from the test runner's terminal signals */
                execvp(argv[0], argv);
                _exit(127);
        }
        close(exec_pipe[1]);
        while (read(exec_pipe[0], &c, 1) < 0 && errno == EINTR)
                ;
        close(exec_pipe[0]);
        return pid;
}

struct it_result it_run(int timeout_sec, char *const argv[])
{
        struct it_result r = {};
        FILE *o = tmpfile(), *e = tmpfile();
        pid_t pid;

        cr_assert(o && e);
        pid = spawn(argv, fileno(o), fileno(e));
        r.status = it_wait(pid, timeout_sec);
        r.out = slurp_fd(fileno(o));
        r.err = slurp_fd(fileno(e));
        fclose(o);
        fclose(e);
        return r;
}

#define MAX_ARGS 64

static void collect_args(char **argv, const char *first, va_list ap)
{
        size_t n = 0;

        argv[n++] = (char *) it_berth();
        for (const char *a = first; a && n < MAX_ARGS - 1; a = va_arg(ap, const char *))
                argv[n++] = (char *) a;
        argv[n] = NULL;
}

struct it_result it_berth_run(int timeout_sec, ...)
{
        char *argv[MAX_ARGS];
        va_list ap;

        va_start(ap, timeout_sec);
        collect_args(argv, va_arg(ap, const char *), ap);
        va_end(ap);
        return it_run(timeout_sec, argv);
}

pid_t it_berth_spawn(const char *log_name, ...)
{
        char *argv[MAX_ARGS], path[512];
        va_list ap;
        int out, err;
        pid_t pid;

        va_start(ap, log_name);
        collect_args(argv, va_arg(ap, const char *), ap);
        va_end(ap);
        snprintf(path, sizeof(path), "%s/%s.out", it.dir, log_name);
        out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        snprintf(path, sizeof(path), "%s/%s.err", it.dir, log_name);
        err = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        cr_assert(out >= 0 && err >= 0);
        it_consoles_spawned(log_name);
        pid = spawn(argv, out, err);
        if (n_spawned < sizeof(spawned) / sizeof(spawned[0]))
                spawned[n_spawned++] = pid;
        close(out);
        close(err);
        return pid;
}

pid_t it_spawn_sh(const char *log_name, const char *cmd)
{
        char *argv[] = { (char *) "/bin/sh", (char *) "-c", (char *) cmd, NULL }, path[512];
        int out, err;

        snprintf(path, sizeof(path), "%s/%s.out", it.dir, log_name);
        out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        snprintf(path, sizeof(path), "%s/%s.err", it.dir, log_name);
        err = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        cr_assert(out >= 0 && err >= 0);
        pid_t pid = spawn(argv, out, err);
        cr_assert_lt(n_spawned, sizeof(spawned) / sizeof(spawned[0]));
        spawned[n_spawned++] = pid;
        close(out);
        close(err);
        return pid;
}

void it_result_free(struct it_result *r)
{
        free(r->out);
        free(r->err);
        *r = (struct it_result) {};
}

char *it_state_get(const char *machine, const char *key)
{
        _cleanup_(machine_state_done) struct machine_state st = {};
        _cleanup_close_ int fd = open(it.runtime_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char *v = NULL;

        if (fd < 0 || machine_state_read_at(fd, machine, &st) < 0 || machine_state_value(&st, key, &v) < 0)
                return NULL;
        return v;
}

bool it_wait_state(const char *machine, const char *state, int timeout_sec)
{
        char *v = NULL;

        for (int i = 0; i < timeout_sec * 50; i++) {
                free(v);
                v = it_state_get(machine, "STATE");
                if (v && strcmp(v, state) == 0) {
                        free(v);
                        return true;
                }
                usleep(20000);
        }
        it_print_consoles("it_wait_state gave up: machine %s did not reach STATE=%s within %d s (%s%s)", machine,
                          state, timeout_sec, v ? "STATE=" : "no state file", v ? v : "");
        free(v);
        return false;
}

struct it_result it_exec_in(const char *machine, int timeout_sec, const char *shell_command)
{
        char *leader = it_state_get(machine, "LEADER");
        struct it_result r;

        cr_assert_not_null(leader, "machine %s has no state file", machine);
        char *argv[] = { "nsenter", "-t", leader, "-a", "/bin/sh", "-c", (char *) shell_command, NULL };
        r = it_run(timeout_sec, argv);
        free(leader);
        return r;
}

static FILE *manifest;
static size_t manifest_skip;

static unsigned long long hash_file(const char *path)
{
        unsigned long long h = 1469598103934665603ULL;
        unsigned char buf[65536];
        ssize_t n;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

        if (fd < 0)
                return 0;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                for (ssize_t i = 0; i < n; i++)
                        h = (h ^ buf[i]) * 1099511628211ULL;
        close(fd);
        return h;
}

static int manifest_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
        char target[4096] = "";

        if (S_ISLNK(st->st_mode)) {
                ssize_t n = readlink(path, target, sizeof(target) - 1);
                target[n > 0 ? n : 0] = 0;
        }
        fprintf(manifest, "%s %o %u:%u %lld %llx %s\n", path + manifest_skip, st->st_mode, st->st_uid,
                st->st_gid, S_ISREG(st->st_mode) ? (long long) st->st_size : 0LL,
                S_ISREG(st->st_mode) ? hash_file(path) : 0ULL, target);
        return 0;
}

static int cmp_lines(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

char *it_tree_manifest(const char *tree)
{
        char *buf = NULL, *out, **lines = NULL;
        size_t size = 0, n = 0, cap = 0, total = 0;

        manifest = open_memstream(&buf, &size);
        manifest_skip = strlen(tree);
        nftw(tree, manifest_entry, 64, FTW_PHYS | FTW_MOUNT);
        fclose(manifest);
        for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
                if (n == cap)
                        lines = realloc(lines, sizeof(char *) * (cap = cap ? cap * 2 : 1024));
                lines[n++] = l;
                total += strlen(l) + 1;
        }
        qsort(lines, n, sizeof(char *), cmp_lines);
        out = malloc(total + 1);
        out[0] = 0;
        for (size_t i = 0, pos = 0; i < n; i++) {
                size_t l = strlen(lines[i]);
                memcpy(out + pos, lines[i], l);
                out[pos + l] = '\n';
                pos += l + 1;
                out[pos] = 0;
        }
        free(lines);
        free(buf);
        return out;
}

void it_kill_launcher(pid_t pid, const char *name)
{
        char *leader = it_state_get(name, "LEADER");

        cr_assert(leader, "machine %s has no LEADER", name);
        cr_assert_eq(kill(pid, SIGKILL), 0);
        it_wait(pid, 30);
        for (int i = 0; i < 100 && kill(atoi(leader), 0) == 0; i++)
                usleep(100000);
        free(leader);
}

char *it_sh_out(const char *cmd)
{
        char *argv[] = { "/bin/sh", "-c", (char *) cmd, NULL };
        struct it_result r = it_run(30, argv);

        free(r.err);
        return r.out;
}

char *it_sh_until_empty(const char *cmd, int tries)
{
        char *out = NULL;

        for (int i = 0; i < tries; i++) {
                free(out);
                out = it_sh_out(cmd);
                if (out && !out[0])
                        break;
                usleep(20000);
        }
        return out;
}

void it_write_text(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");

        cr_assert_not_null(f, "%s", path);
        fputs(text, f);
        cr_assert_eq(fclose(f), 0);
}

void it_etc_file(const char *machine, const char *text)
{
        char dir[600], path[700];

        snprintf(dir, sizeof(dir), "%s/etc", it.dir);
        mkdir(dir, 0755);
        setenv("BERTH_CONFIG_DIR", dir, 1);
        snprintf(path, sizeof(path), "%s/%s.berth", dir, machine);
        it_write_text(path, text);
}

void it_sh(const char *fmt, ...)
{
        char cmd[4096];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(cmd, sizeof(cmd), fmt, ap);
        va_end(ap);
        cr_assert_eq(system(cmd), 0, "%s", cmd);
}

char *it_copy_busybox(void)
{
        char *dest, cmd[1024];

        asprintf(&dest, "%s/tree", it.dir);
        snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", it_busybox_tree(), dest);
        cr_assert_eq(system(cmd), 0);
        return dest;
}

char *it_busybox_with_init(const char *script)
{
        char *tree = it_copy_busybox(), *init = NULL;
        FILE *f;

        cr_assert(asprintf(&init, "%s/sbin/init", tree) > 0);
        cr_assert_eq(unlink(init), 0);
        f = fopen(init, "w");
        cr_assert_not_null(f);
        fputs("#!/bin/sh\n", f);
        fputs(script, f);
        cr_assert_eq(fclose(f), 0);
        cr_assert_eq(chmod(init, 0755), 0);
        free(init);
        return tree;
}

double it_now(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

char *it_spawn_log(const char *log_name, const char *stream)
{
        char path[512];

        snprintf(path, sizeof(path), "%s/%s.%s", it.dir, log_name, stream);
        return it_read_file(path);
}

bool it_wait_log(const char *log_name, const char *stream, const char *needle, int timeout_sec)
{
        for (int i = 0; i < timeout_sec * 50; i++) {
                char *s = it_spawn_log(log_name, stream);
                bool ok = s && strstr(s, needle);
                free(s);
                if (ok)
                        return true;
                usleep(20000);
        }
        it_print_consoles("it_wait_log gave up: %s.%s did not say '%s' within %d s", log_name, stream, needle,
                          timeout_sec);
        return false;
}

char *it_process_with_arg(const char *needle)
{
        DIR *d = opendir("/proc");
        struct dirent *de;
        char *found = NULL;

        while (d && (de = readdir(d)) && !found) {
                char path[300], *cmd;
                ssize_t n;
                int fd;

                if (de->d_name[0] < '1' || de->d_name[0] > '9' || atoi(de->d_name) == getpid())
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                cmd = malloc(65536);
                n = read(fd, cmd, 65535);
                close(fd);
                if (n < 0)
                        n = 0;
                cmd[n] = 0;
                /* cmdline is NUL-separated: look at every argument. */
                for (char *a = cmd; a < cmd + n && !found; a += strlen(a) + 1)
                        if (strstr(a, needle))
                                asprintf(&found, "process %s runs with '%s' in its command line", de->d_name,
                                         needle);
                free(cmd);
        }
        if (d)
                closedir(d);
        return found;
}

struct it_result it_berth_sh(int timeout_sec, const char *tree, const char *script, ...)
{
        char *argv[MAX_ARGS];
        size_t n = 0;
        va_list ap;

        argv[n++] = (char *) it_berth();
        argv[n++] = "-D";
        argv[n++] = (char *) tree;
        va_start(ap, script);
        for (const char *a = va_arg(ap, const char *); a && n < MAX_ARGS - 6; a = va_arg(ap, const char *))
                argv[n++] = (char *) a;
        va_end(ap);
        argv[n++] = "--";
        argv[n++] = "/bin/sh";
        argv[n++] = "-c";
        argv[n++] = (char *) script;
        argv[n] = NULL;
        return it_run(timeout_sec, argv);
}

char *it_inside(const char *machine, const char *cmd)
{
        struct it_result r = it_exec_in(machine, 90, cmd);
        char *out = r.out;

        cr_assert_eq(r.status, 0, "in machine %s, '%s' exited with %d: %s%s", machine, cmd, r.status, r.out,
                     r.err);
        free(r.err);
        return out;
}

void it_assert_inside_eq(const char *machine, const char *cmd, const char *expected)
{
        char *out = it_inside(machine, cmd);

        cr_assert_str_eq(out, expected, "in machine %s, '%s' printed '%s', expected '%s'", machine, cmd, out,
                         expected);
        free(out);
}

size_t it_count_lines(const char *s)
{
        size_t n = 0;

        for (; s && *s; s++)
                n += *s == '\n';
        return n;
}

int it_count_layers(void)
{
        char dir[600];
        snprintf(dir, sizeof(dir), "%s/layers/sha256", it.state_dir);
        int n = it_count_entries(dir);
        return n < 0 ? 0 : n;
}

int it_count_entries(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        int n = 0;

        if (!d)
                return -1;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        n++;
        closedir(d);
        return n;
}
