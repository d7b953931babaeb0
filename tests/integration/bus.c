/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A private system bus (dbus-daemon with the project's policy) and a berthd
 * on it, started and stopped by PID for each test. */
#include "bus.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#define MAX_ARGS 64

static pid_t dbus_pid, berthd_pid;
static char bus_address[400];

static bool in_path(const char *program)
{
        const char *path = getenv("PATH");
        char *copy, *save = NULL;
        bool found = false;

        copy = strdup(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
        for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
                char p[4096];
                snprintf(p, sizeof(p), "%s/%s", d, program);
                found = access(p, X_OK) == 0;
        }
        free(copy);
        return found;
}

static void require_program(const char *program)
{
        if (!in_path(program))
                cr_skip_test("%s is not installed (the daemon's tests need it)", program);
}

/* fork + exec with stdin from /dev/null and stdout/stderr to files. */
static pid_t start_logged(char *const argv[], const char *out_path, const char *err_path)
{
        int out = open(out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        int err = open(err_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        pid_t pid;

        cr_assert(out >= 0 && err >= 0, "opening %s, %s: %m", out_path, err_path);
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                int null = open("/dev/null", O_RDONLY);
                dup2(null, 0);
                dup2(out, 1);
                dup2(err, 2);
                setpgid(0, 0);
                /* As "berthd &" from a script starts it: a shell's
                 * background job ignores SIGINT and SIGQUIT. */
                signal(SIGINT, SIG_IGN);
                signal(SIGQUIT, SIG_IGN);
                execvp(argv[0], argv);
                _exit(127);
        }
        close(out);
        close(err);
        return pid;
}

/* Our child: wait until it ends, SIGKILL after timeout_sec. */
static int stop_child(pid_t pid, int sig, int timeout_sec)
{
        if (pid <= 0)
                return -1;
        if (sig)
                kill(pid, sig);
        return it_wait(pid, timeout_sec);
}

static bool pid_alive(pid_t pid)
{
        char path[64], *st;
        bool alive;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        st = it_read_file(path);
        /* A zombie has ended. */
        alive = st && strrchr(st, ')') && strrchr(st, ')')[2] != 'Z';
        free(st);
        return alive;
}

/* The launcher of machine name, as its state file says, if that process
 * still is one (argv[0] berth, the name among its arguments). */
static pid_t launcher_of(const char *name)
{
        char *sup = it_state_get(name, "SUPERVISOR"), path[64], *cmd;
        pid_t pid = sup ? (pid_t) atoi(sup) : 0;
        bool ok = false;
        size_t n = 0;
        int fd;

        free(sup);
        if (pid <= 0)
                return 0;
        snprintf(path, sizeof(path), "/proc/%d/cmdline", (int) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        cmd = calloc(1, 65536);
        for (ssize_t k; (k = read(fd, cmd + n, 65535 - n)) > 0;)
                n += (size_t) k;
        close(fd);
        if (n > 0) {
                const char *base = strrchr(cmd, '/') ? strrchr(cmd, '/') + 1 : cmd;
                if (strcmp(base, "berth") == 0)
                        for (char *a = cmd + strlen(cmd) + 1; a < cmd + n; a += strlen(a) + 1)
                                ok = ok || strcmp(a, name) == 0;
        }
        free(cmd);
        return ok && pid_alive(pid) ? pid : 0;
}

/* Machines whose launchers are not our children (berthd started them, or
 * a berthd that is gone): power them off, then kill what is left. */
static void stop_machines(void)
{
        pid_t pids[64];
        size_t n = 0;
        DIR *d;
        struct dirent *de;
        char dir[400];

        snprintf(dir, sizeof(dir), "%s/machines", it.runtime_dir);
        d = opendir(dir);
        while (d && (de = readdir(d)) && n < 64) {
                pid_t pid;
                if (de->d_name[0] == '.')
                        continue;
                pid = launcher_of(de->d_name);
                if (pid > 0 && kill(pid, SIGTERM) == 0)
                        pids[n++] = pid;
        }
        if (d)
                closedir(d);
        for (int round = 0; round < 2; round++) {
                double end = it_now() + (round == 0 ? 60 : 10);
                bool any = true;
                while (any && it_now() < end) {
                        any = false;
                        for (size_t i = 0; i < n; i++)
                                any = any || pid_alive(pids[i]);
                        if (any)
                                usleep(50000);
                }
                if (!any)
                        break;
                for (size_t i = 0; i < n; i++)
                        if (pid_alive(pids[i]))
                                kill(pids[i], SIGKILL);
        }
}

static void bus_teardown(void)
{
        if (it.runtime_dir[0])
                stop_machines();
        stop_child(berthd_pid, SIGTERM, 20);
        berthd_pid = 0;
        stop_child(dbus_pid, SIGTERM, 20);
        dbus_pid = 0;
        bus_address[0] = 0;
        unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
}

static bool socket_answers(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool ok;

        if (fd < 0 || strlen(path) >= sizeof(sa.sun_path)) {
                if (fd >= 0)
                        close(fd);
                return false;
        }
        memcpy(sa.sun_path, path, strlen(path) + 1);
        ok = connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0;
        close(fd);
        return ok;
}

void it_bus_start_with(const char *extra_config)
{
        const char *src = getenv("BERTH_SOURCE_ROOT");
        char conf[400], policy[600], sock[400], out[400], err[400];
        struct stat st;
        FILE *f;

        require_program("dbus-daemon");
        require_program("busctl");
        cr_assert_not_null(src, "BERTH_SOURCE_ROOT is not set (tests/integration/meson.build sets it)");
        snprintf(policy, sizeof(policy), "%s/dbus/org.berth.machine1.conf", src);
        cr_assert_eq(stat(policy, &st), 0, "the project's bus policy %s: %m", policy);
        cr_assert_eq(dbus_pid, 0, "the bus runs already");
        it_on_teardown(bus_teardown);

        /* The test's directory is 0700: callers that are not root must
         * reach the socket in it. */
        cr_assert_eq(chmod(it.dir, 0755), 0);
        snprintf(sock, sizeof(sock), "%s/bus", it.dir);
        snprintf(conf, sizeof(conf), "%s/bus.conf", it.dir);
        f = fopen(conf, "we");
        cr_assert_not_null(f);
        /* Debian's /usr/share/dbus-1/system.conf, without the user switch,
         * the fork, the service helper and syslog. */
        fprintf(f,
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
                " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                "<busconfig>\n"
                "  <type>system</type>\n"
                "  <auth>EXTERNAL</auth>\n"
                "  <listen>unix:path=%s</listen>\n"
                "  <policy context=\"default\">\n"
                "    <allow user=\"*\"/>\n"
                "    <deny own=\"*\"/>\n"
                "    <deny send_type=\"method_call\"/>\n"
                "    <allow send_type=\"signal\"/>\n"
                "    <allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n"
                "    <allow send_requested_reply=\"true\" send_type=\"error\"/>\n"
                "    <allow receive_type=\"method_call\"/>\n"
                "    <allow receive_type=\"method_return\"/>\n"
                "    <allow receive_type=\"error\"/>\n"
                "    <allow receive_type=\"signal\"/>\n"
                "    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus\"/>\n"
                "    <allow send_destination=\"org.freedesktop.DBus\"\n"
                "           send_interface=\"org.freedesktop.DBus.Introspectable\"/>\n"
                "    <allow send_destination=\"org.freedesktop.DBus\"\n"
                "           send_interface=\"org.freedesktop.DBus.Properties\"/>\n"
                "    <deny send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus\"\n"
                "          send_member=\"UpdateActivationEnvironment\"/>\n"
                "    <deny send_destination=\"org.freedesktop.DBus\"\n"
                "          send_interface=\"org.freedesktop.DBus.Debug.Stats\"/>\n"
                "  </policy>\n"
                "  <policy user=\"root\">\n"
                "    <allow send_destination=\"org.freedesktop.DBus\"\n"
                "           send_interface=\"org.freedesktop.DBus.Monitoring\"/>\n"
                "  </policy>\n"
                "  <include>%s</include>\n"
                "%s"
                "</busconfig>\n",
                sock, policy, extra_config ? extra_config : "");
        cr_assert_eq(fclose(f), 0);

        snprintf(out, sizeof(out), "%s/dbus.address", it.dir);
        snprintf(err, sizeof(err), "%s/dbus.log", it.dir);
        char conf_arg[450];
        snprintf(conf_arg, sizeof(conf_arg), "--config-file=%s", conf);
        char *argv[] = { "dbus-daemon", conf_arg, "--nofork", "--print-address", NULL };
        dbus_pid = start_logged(argv, out, err);

        /* It prints the address once it listens. */
        for (double end = it_now() + 30;;) {
                char *a = it_read_file(out);
                bool up = a && strstr(a, "unix:") && socket_answers(sock);
                int ws;
                free(a);
                if (up)
                        break;
                if (waitpid(dbus_pid, &ws, WNOHANG) == dbus_pid) {
                        char *log = it_read_file(err);
                        dbus_pid = 0;
                        cr_assert_fail("dbus-daemon exited (wait status %d):\n%s", ws, log ? log : "");
                }
                cr_assert_lt(it_now(), end, "dbus-daemon did not listen on %s within 30s", sock);
                usleep(20000);
        }
        snprintf(bus_address, sizeof(bus_address), "unix:path=%s", sock);
        setenv("DBUS_SYSTEM_BUS_ADDRESS", bus_address, 1);
}

void it_bus_start(void)
{
        it_bus_start_with(NULL);
}

const char *it_bus_address(void)
{
        return bus_address;
}

char *it_berthd_log(void)
{
        char path[400];

        snprintf(path, sizeof(path), "%s/berthd.log", it.dir);
        return it_read_file(path);
}

pid_t it_berthd_start(void)
{
        return it_berthd_start_with(NULL);
}

pid_t it_berthd_start_with(const char *arg)
{
        const char *bin = getenv("BERTHD_BIN");
        char log[400];

        cr_assert(bus_address[0], "it_berthd_start before it_bus_start");
        cr_assert_not_null(bin, "BERTHD_BIN is not set (tests/integration/meson.build sets it)");
        cr_assert_eq(access(bin, X_OK), 0, "berthd %s: %m", bin);
        cr_assert_eq(berthd_pid, 0, "berthd runs already");
        snprintf(log, sizeof(log), "%s/berthd.log", it.dir);
        char *argv[] = { (char *) bin, (char *) arg, NULL };
        berthd_pid = start_logged(argv, log, log);

        for (double end = it_now() + 30;;) {
                struct it_result r = it_busctl(10, "call", "org.berth.machine1", "/org/berth/machine1",
                                               "org.berth.machine1.Manager", "ListMachines", NULL);
                bool up = r.status == 0 && strncmp(r.out, "a(ssso) ", 8) == 0;
                int st;
                it_result_free(&r);
                if (up)
                        break;
                if (waitpid(berthd_pid, &st, WNOHANG) == berthd_pid) {
                        char *l = it_berthd_log();
                        berthd_pid = 0;
                        cr_assert_fail("berthd exited (wait status %d) before it answered:\n%s", st, l ? l : "");
                }
                if (it_now() > end) {
                        char *l = it_berthd_log();
                        cr_assert_fail("berthd did not answer ListMachines within 30s:\n%s", l ? l : "");
                }
                usleep(100000);
        }
        return berthd_pid;
}

pid_t it_berthd_pid(void)
{
        return berthd_pid;
}

int it_berthd_kill(int sig)
{
        int status;

        cr_assert_gt(berthd_pid, 0, "berthd does not run");
        status = stop_child(berthd_pid, sig, 30);
        berthd_pid = 0;
        return status;
}

static struct it_result run_prefixed(int timeout_sec, bool nobody, const char *const *prefix, va_list ap)
{
        char *argv[MAX_ARGS];
        size_t n = 0;

        if (nobody) {
                static const char *const drop[] = { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups" };
                for (size_t i = 0; i < 4; i++)
                        argv[n++] = (char *) drop[i];
        }
        for (size_t i = 0; prefix[i]; i++)
                argv[n++] = (char *) prefix[i];
        for (const char *a = va_arg(ap, const char *); a && n < MAX_ARGS - 1; a = va_arg(ap, const char *))
                argv[n++] = (char *) a;
        argv[n] = NULL;
        return it_run(timeout_sec + 10, argv);
}

static struct it_result busctl_run(int timeout_sec, bool nobody, va_list ap)
{
        char t[64];
        const char *const prefix[] = { "busctl", "--system", t, NULL };

        snprintf(t, sizeof(t), "--timeout=%d", timeout_sec);
        return run_prefixed(timeout_sec, nobody, prefix, ap);
}

static struct it_result dbus_send_run(int timeout_sec, bool nobody, va_list ap)
{
        char t[64];
        const char *const prefix[] = { "dbus-send", "--system", "--print-reply", t, "--dest=org.berth.machine1",
                                       NULL };

        require_program("dbus-send");
        snprintf(t, sizeof(t), "--reply-timeout=%d", timeout_sec * 1000);
        return run_prefixed(timeout_sec, nobody, prefix, ap);
}

struct it_result it_busctl(int timeout_sec, ...)
{
        struct it_result r;
        va_list ap;

        va_start(ap, timeout_sec);
        r = busctl_run(timeout_sec, false, ap);
        va_end(ap);
        return r;
}

struct it_result it_busctl_nobody(int timeout_sec, ...)
{
        struct it_result r;
        va_list ap;

        va_start(ap, timeout_sec);
        r = busctl_run(timeout_sec, true, ap);
        va_end(ap);
        return r;
}

struct it_result it_dbus_send(int timeout_sec, ...)
{
        struct it_result r;
        va_list ap;

        va_start(ap, timeout_sec);
        r = dbus_send_run(timeout_sec, false, ap);
        va_end(ap);
        return r;
}

struct it_result it_dbus_send_nobody(int timeout_sec, ...)
{
        struct it_result r;
        va_list ap;

        va_start(ap, timeout_sec);
        r = dbus_send_run(timeout_sec, true, ap);
        va_end(ap);
        return r;
}

/* The quoted strings of busctl's output, unescaped, in order. */
static size_t quoted_strings(const char *s, char **out, size_t max)
{
        size_t n = 0;

        for (const char *p = strchr(s, '"'); p && n < max; p = strchr(p + 1, '"')) {
                char *v = malloc(strlen(p) + 1), *w = v;
                for (p++; *p && *p != '"'; p++) {
                        if (*p == '\\' && p[1])
                                p++;
                        *w++ = *p;
                }
                *w = 0;
                out[n++] = v;
                if (!*p)
                        break;
        }
        return n;
}

char *it_list_machines(void)
{
        struct it_result r = it_busctl(30, "call", "org.berth.machine1", "/org/berth/machine1",
                                       "org.berth.machine1.Manager", "ListMachines", NULL);
        char *s[4 * 64], *names = NULL;
        size_t n, len = 0;
        unsigned count;

        cr_assert_eq(r.status, 0, "ListMachines failed (%d): %s", r.status, r.err);
        cr_assert_eq(sscanf(r.out, "a(ssso) %u", &count), 1, "ListMachines returned '%s'", r.out);
        n = quoted_strings(r.out, s, 4 * 64);
        cr_assert_eq(n, 4 * (size_t) count, "ListMachines said %u machines but gave %zu strings: %s", count, n,
                     r.out);
        names = calloc(1, 1);
        for (size_t i = 0; i < n; i += 4) {
                char *path = NULL;
                cr_assert_geq(sd_bus_path_encode("/org/berth/machine1/machine", s[i], &path), 0);
                cr_assert_str_eq(s[i + 1], "container", "machine %s: class %s", s[i], s[i + 1]);
                cr_assert_str_eq(s[i + 2], "berth", "machine %s: service %s", s[i], s[i + 2]);
                cr_assert_str_eq(s[i + 3], path, "machine %s: object %s, expected %s", s[i], s[i + 3], path);
                names = realloc(names, len + strlen(s[i]) + 2);
                len += (size_t) sprintf(names + len, "%s\n", s[i]);
                free(path);
        }
        for (size_t i = 0; i < n; i++)
                free(s[i]);
        it_result_free(&r);
        return names;
}

char *it_machine_property(const char *machine, const char *property)
{
        char *path = NULL, *v = NULL, *sp;
        struct it_result r;

        cr_assert_geq(sd_bus_path_encode("/org/berth/machine1/machine", machine, &path), 0);
        r = it_busctl(30, "get-property", "org.berth.machine1", path, "org.berth.machine1.Machine", property,
                      NULL);
        free(path);
        if (r.status != 0) {
                it_result_free(&r);
                return NULL;
        }
        /* "s \"running\"\n", "u 1234\n", "ay 16 1 2 ...\n" */
        r.out[strcspn(r.out, "\n")] = 0;
        sp = strchr(r.out, ' ');
        if (sp && r.out[0] == 's' && r.out[1] == ' ') {
                char *s[1];
                if (quoted_strings(sp, s, 1) == 1)
                        v = s[0];
        } else if (sp) {
                v = strdup(sp + 1);
        }
        it_result_free(&r);
        return v;
}

bool it_wait_property(const char *machine, const char *property, const char *value, int timeout_sec)
{
        char *v = NULL;

        for (double end = it_now() + timeout_sec; it_now() < end; usleep(100000)) {
                free(v);
                v = it_machine_property(machine, property);
                if (v && strcmp(v, value) == 0) {
                        free(v);
                        return true;
                }
        }
        it_print_consoles("it_wait_property gave up: machine %s's %s is %s%s%s, not '%s', after %d s", machine,
                          property, v ? "'" : "(the call failed)", v ? v : "", v ? "'" : "", value, timeout_sec);
        free(v);
        return false;
}

bool it_wait_listed(const char *machine, bool listed, int timeout_sec)
{
        char needle[200];

        snprintf(needle, sizeof(needle), "\n%s\n", machine);
        for (double end = it_now() + timeout_sec; it_now() < end; usleep(100000)) {
                char *names = it_list_machines(), *all;
                bool has;
                asprintf(&all, "\n%s", names);
                has = strstr(all, needle) != NULL;
                free(all);
                free(names);
                if (has == listed)
                        return true;
        }
        it_print_consoles("it_wait_listed gave up: ListMachines %s %s after %d s", listed ? "does not list" : "still lists",
                          machine, timeout_sec);
        return false;
}

/* berthctl and images ---------------------------------------------- */

const char *it_ctl_bin(void)
{
        const char *b = getenv("BERTHCTL_BIN");

        cr_assert_not_null(b, "BERTHCTL_BIN is not set (tests/integration/meson.build sets it)");
        cr_assert_eq(access(b, X_OK), 0, "berthctl %s: %m", b);
        return b;
}

struct it_result it_ctl(int timeout_sec, ...)
{
        char *argv[64];
        size_t n = 0;
        va_list ap;

        argv[n++] = (char *) it_ctl_bin();
        va_start(ap, timeout_sec);
        for (const char *a = va_arg(ap, const char *); a && n < 63; a = va_arg(ap, const char *))
                argv[n++] = (char *) a;
        va_end(ap);
        argv[n] = NULL;
        return it_run(timeout_sec, argv);
}

void it_image_link(const char *name, const char *target)
{
        char dir[400], link[500];

        snprintf(dir, sizeof(dir), "%s/images", it.state_dir);
        mkdir(it.state_dir, 0755);
        mkdir(dir, 0755);
        snprintf(link, sizeof(link), "%s/%s", dir, name);
        cr_assert_eq(symlink(target, link), 0, "symlink %s: %m", link);
}

void it_assert_store_left(int images)
{
        char cmd[1200];
        snprintf(cmd, sizeof(cmd), "ls -A '%s/images' '%s/layers' 2>/dev/null | grep '^\\.' || true", it.state_dir,
                 it.state_dir);
        char *left = it_sh_until_empty(cmd, 50);
        cr_expect_str_eq(left, "", "staging left: %s", left);
        free(left);
        if (images < 0)
                return;
        struct it_result r = it_ctl(30, "list-images", "--no-legend", NULL);
        cr_expect_eq(it_count_lines(r.out), (size_t) images, "list-images: %s", r.out);
        it_result_free(&r);
}

pid_t it_spawn_sleeper(const char *name)
{
        pid_t pid = it_berth_spawn(name, "-D", it_busybox_tree(), "--ephemeral", "--name", name, "--", "sleep",
                                   "1000", NULL);

        if (!it_wait_state(name, "running", 60)) {
                char *err = it_spawn_log(name, "err");
                kill(pid, SIGKILL);
                it_wait(pid, 10);
                cr_assert_fail("machine %s did not reach STATE=running; berth said:\n%s", name, err);
        }
        cr_assert(it_wait_listed(name, true, 30), "machine %s is not listed", name);
        return pid;
}
