/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One tree: boot it with the launcher (ephemeral, its own user namespace
 * and cgroup), wait for READY=1, PID 1's end or the timeout, look inside,
 * power it off, read its journal, and give a verdict. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "boottest.h"
#include "cleanup.h"
#include "name.h"
#include "osrelease.h"
#include "state.h"
#include "tree.h"
#include "util.h"

#define CONSOLE_LINES_MAX 100
#define KILL_WAIT_SEC 20

struct run {
        const struct boot_options *o;
        struct tree_result *res;
        char name[MACHINE_NAME_MAX + 1];
        pid_t launcher;
        int pidfd, notify_fd, log_fd, stop_fd;
        pid_t leader;
        struct machine_ns ns;
        bool ready, exited, interrupted;
        int exit_status;        /* the launcher's */
        uint64_t start;
        progress_fn progress;
        void *userdata;
};

static void progress(struct run *r, const char *phase, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void progress(struct run *r, const char *phase, const char *fmt, ...)
{
        char text[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        if (r->progress)
                r->progress(r->userdata, phase, text);
}

static double elapsed(const struct run *r)
{
        return usec_to_sec(now_usec(CLOCK_MONOTONIC) - r->start);
}

/* PRETTY_NAME, ID, VERSION_ID, VERSION_CODENAME of the tree, from the tree
 * itself, in the order it has them; a key given twice keeps its first place
 * and its last value. */
static void os_release(struct tree_result *res, const char *tree)
{
        static const char *const keys[_OS_FIELD_MAX] = {
                [OS_PRETTY_NAME] = "PRETTY_NAME", [OS_ID] = "ID", [OS_VERSION_ID] = "VERSION_ID",
                [OS_VERSION_CODENAME] = "VERSION_CODENAME",
        };
        _cleanup_close_ int root = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *text = NULL;
        char *state, *key, *value;

        if (root < 0 || os_release_read(root, &text) < 0)
                return;
        state = text;
        while (os_release_next(&state, &key, &value) > 0)
                for (enum os_field f = 0; f < _OS_FIELD_MAX; f++) {
                        if (!streq(key, keys[f]))
                                continue;
                        size_t i = 0;
                        while (i < res->n_os && res->os[i].field != f)
                                i++;
                        if (i == res->n_os)
                                res->os[res->n_os++] = (struct os_value) { .field = f };
                        result_set(res, &res->os[i].value, value);
                }
}

static int notify_socket(char *addr, size_t size)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        uint8_t u[16];
        char id[33];
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        if (fd < 0)
                return -errno;
        /* Abstract: nothing in any file system to remove afterwards. */
        if (uuid_random(u) < 0)
                return close(fd), -EIO;
        uuid_to_id128(u, id);
        snprintf(addr, size, "@berth-boot-test/%s", id);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", addr);
        sa.sun_path[0] = 0;
        if (bind(fd, (struct sockaddr *) &sa, (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(addr))) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

static int spawn_launcher(struct run *r, const char *tree)
{
        char addr[100], stop_timeout[32];
        _cleanup_free_ char *notify_env = NULL;
        int devnull;

        r->notify_fd = notify_socket(addr, sizeof(addr));
        if (r->notify_fd < 0)
                return r->notify_fd;
        r->log_fd = memfd_create("berth-boot-test-console", MFD_CLOEXEC);
        if (r->log_fd < 0)
                return -errno;
        if (asprintf(&notify_env, "NOTIFY_SOCKET=%s", addr) < 0)
                return -ENOMEM;
        /* berth's own escalation comes later than ours: a hung shutdown is
         * seen, asked about, and then killed by us. */
        snprintf(stop_timeout, sizeof(stop_timeout), "--stop-timeout=%u", r->o->timeout_sec + 60);
        char *const argv[] = {
                (char *) "berth", (char *) "--ephemeral", (char *) "--boot", (char *) "--quiet",
                (char *) "--console=read-only", (char *) "--register=auto", stop_timeout,
                (char *) "-D", (char *) tree, (char *) "-M", r->name, NULL,
        };

        r->launcher = fork();
        if (r->launcher < 0)
                return -errno;
        if (r->launcher == 0) {
                sigset_t none;
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                /* Away from the terminal's Ctrl-C: boot-test decides how it
                 * stops; and stopped when boot-test is killed. */
                (void) setpgid(0, 0);
                (void) prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
                devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 || dup2(r->log_fd, STDOUT_FILENO) < 0 ||
                    dup2(r->log_fd, STDERR_FILENO) < 0)
                        _exit(127);
                putenv(notify_env);
                execv(r->o->launcher, argv);
                dprintf(STDERR_FILENO, "berth boot-test: executing %s: %m\n", r->o->launcher);
                _exit(127);
        }
        r->pidfd = (int) syscall(SYS_pidfd_open, r->launcher, 0);
        return r->pidfd < 0 ? -errno : 0;
}

static void reap_launcher(struct run *r)
{
        int status;

        if (r->exited)
                return;
        while (waitpid(r->launcher, &status, 0) < 0)
                if (errno != EINTR)
                        return;
        r->exited = true;
        r->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void handle_notify(struct run *r)
{
        char buf[4096];
        ssize_t n;

        while ((n = recv(r->notify_fd, buf, sizeof(buf) - 1, 0)) > 0) {
                buf[n] = 0;
                for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                        if (streq(line, "READY=1"))
                                r->ready = true;
                        else if (startswith(line, "BERTH_LEADER=")) {
                                char what[300];
                                pid_t leader = atoi(line + 13);
                                /* Held from now on: the journal is read through them
                                 * after the machine is gone. */
                                machine_ns_close(&r->ns);
                                if (leader > 0 && machine_ns_open(leader, r->name, MACHINE_NS_ALL, &r->ns, what, sizeof(what)) >= 0)
                                        r->leader = leader;
                        }
                }
        }
}

enum wait_result { WAIT_EVENT, WAIT_EXITED, WAIT_TIMEOUT, WAIT_STOP };

/* Wait for the launcher to end, or (ready_too) for READY=1, until deadline. */
static enum wait_result wait_for(struct run *r, uint64_t deadline, bool ready_too)
{
        for (;;) {
                struct pollfd p[3] = {
                        { .fd = r->pidfd, .events = POLLIN },
                        { .fd = r->notify_fd, .events = POLLIN },
                        { .fd = r->stop_fd, .events = POLLIN },
                };
                uint64_t now = now_usec(CLOCK_MONOTONIC);
                if (ready_too && r->ready)
                        return WAIT_EVENT;
                if (now >= deadline)
                        return WAIT_TIMEOUT;
                if (poll(p, 3, (int) ((deadline - now) / 1000) + 1) < 0 && errno != EINTR)
                        return WAIT_TIMEOUT;
                if (p[1].revents & POLLIN)
                        handle_notify(r);
                if (ready_too && r->ready)
                        return WAIT_EVENT;
                if (p[0].revents & POLLIN) {
                        reap_launcher(r);
                        return WAIT_EXITED;
                }
                if (p[2].revents & POLLIN) {
                        uint8_t si[128];
                        (void) !read(r->stop_fd, si, sizeof(si));
                        r->interrupted = true;
                        return WAIT_STOP;
                }
        }
}

/* Terminal escape sequences (systemd's colours) out of the console text. */
static void strip_escapes(char *s)
{
        char *w = s;

        for (char *r = s; *r;) {
                if (r[0] == '\033' && r[1] == '[') {
                        r += 2;
                        while (*r && !(*r >= 0x40 && *r <= 0x7e))
                                r++;
                        if (*r)
                                r++;
                        continue;
                }
                *w++ = *r++;
        }
        *w = 0;
}

/* The last CONSOLE_LINES_MAX lines the machine and berth printed, into
 * res->console; the last error berth printed, into *ret_last_error. */
static void console_tail(struct run *r, char **ret_last_error)
{
        strlist *console = &r->res->console;
        off_t size = lseek(r->log_fd, 0, SEEK_END);
        _cleanup_free_ char *buf = NULL;
        LIST(char *) lines = {};

        *ret_last_error = NULL;
        console->present = true;
        if (size <= 0 || !(buf = malloc((size_t) size + 1)) || pread(r->log_fd, buf, (size_t) size, 0) != size)
                return;
        buf[size] = 0;
        /* A console may carry NUL bytes (startpar ends a partial line with
         * "\n\0"): a terminal shows nothing for them, and so does the report,
         * rather than losing every line after one. */
        size_t w = 0;
        for (off_t i = 0; i < size; i++)
                if (buf[i])
                        buf[w++] = buf[i];
        buf[w] = 0;
        strip_escapes(buf);
        for (char *save = NULL, *line = strtok_r(buf, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
                if (startswith(line, "berth: ")) {
                        free(*ret_last_error);
                        *ret_last_error = strdup(line + 7);
                }
                char **slot = RESULT_PUSH(r->res, lines);
                if (slot)
                        *slot = line;
        }
        for (size_t i = lines.n > CONSOLE_LINES_MAX ? lines.n - CONSOLE_LINES_MAX : 0; i < lines.n; i++)
                result_push(r->res, console, lines.v[i]);
        free(lines.v);
}

/* Power the machine off through berth (which knows the init); a shutdown
 * that does not end in time is asked what it waits for, then killed. */
static void power_off(struct run *r, bool systemd, const char *cgroup, struct shutdown_result *shutdown)
{
        uint64_t t0 = now_usec(CLOCK_MONOTONIC);
        /* Interrupted: a few seconds for a clean poweroff, not the timeout. */
        uint64_t deadline = t0 + (r->interrupted ? 5 : (uint64_t) r->o->timeout_sec) * 1000000;
        bool hung = false, killing = false, interrupted = r->interrupted;

        progress(r, "stopping", "powering off");
        (void) kill(r->launcher, SIGTERM);
        for (;;) {
                enum wait_result w = wait_for(r, deadline, false);
                if (w == WAIT_EXITED)
                        break;
                if (w == WAIT_STOP && !interrupted) {
                        /* Interrupted while it stops: a few seconds more at most. */
                        interrupted = true;
                        uint64_t soon = now_usec(CLOCK_MONOTONIC) + 5 * 1000000ull;
                        deadline = soon < deadline ? soon : deadline;
                        continue;
                }
                if (w == WAIT_STOP && !killing) {
                        /* Interrupted again: at once. */
                        (void) kill(r->launcher, SIGTERM);
                        killing = true;
                        deadline = now_usec(CLOCK_MONOTONIC) + KILL_WAIT_SEC * 1000000ull;
                        continue;
                }
                if (w == WAIT_STOP)
                        continue;
                if (killing) {
                        /* berth did not end after killing the machine. */
                        (void) kill(r->launcher, SIGKILL);
                        reap_launcher(r);
                        break;
                }
                hung = true;
                if (systemd && r->leader > 0)
                        inspect_jobs(r->res, &r->ns, cgroup, &shutdown->waiting_for);
                progress(r, "stopping", "shutdown hung after %us: killing the machine",
                         (unsigned) ((now_usec(CLOCK_MONOTONIC) - t0) / 1000000));
                (void) kill(r->launcher, SIGTERM);      /* the second one: killed at once */
                killing = true;
                deadline = now_usec(CLOCK_MONOTONIC) + KILL_WAIT_SEC * 1000000ull;
        }
        shutdown->timed_out = hung && !r->interrupted;
        shutdown->time = hung ? USEC_NULL : now_usec(CLOCK_MONOTONIC) - t0;
        shutdown->berth_exit_status = r->exit_status;
        shutdown->clean = !hung && r->exit_status == 0;
}

/* The worst finding wins; of equals, the first said. */
static void set_verdict(enum verdict *v, enum verdict nv, char **reason, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void set_verdict(enum verdict *v, enum verdict nv, char **reason, const char *fmt, ...)
{
        va_list ap;

        if (nv < *v || (nv == *v && *reason))
                return;
        *v = nv;
        free(*reason);
        va_start(ap, fmt);
        if (vasprintf(reason, fmt, ap) < 0)
                *reason = NULL;
        va_end(ap);
}

static const char *not_up_text(const char *kind)
{
        if (streq(kind ?: "", "runit"))
                return "runit's stage 2 had not begun";
        if (streq(kind ?: "", "openrc"))
                return "OpenRC had not reached its runlevel";
        return "the rc scripts had not finished";
}

static void judge(struct run *r, bool systemd, enum wait_result booted, const char *launcher_error)
{
        struct tree_result *res = r->res;
        enum verdict v = VERDICT_PASS;
        _cleanup_free_ char *reason = NULL;
        const char *state = res->system_state;

        if (booted == WAIT_EXITED && launcher_error)
                set_verdict(&v, VERDICT_NOT_BOOTED, &reason, "%s", launcher_error);
        else if (booted == WAIT_EXITED)
                set_verdict(&v, VERDICT_NOT_BOOTED, &reason, "PID 1 ended before the machine was up (berth exited %d)",
                            r->exit_status);
        else if (booted == WAIT_TIMEOUT)
                set_verdict(&v, VERDICT_TIMEOUT, &reason, "not up after %us (no READY=1)", r->o->timeout_sec);
        else if (!systemd && !res->pid1_alive)
                set_verdict(&v, VERDICT_NOT_BOOTED, &reason, "PID 1 ended while the rc scripts ran");
        else if (!systemd && !res->rc_finished)
                set_verdict(&v, VERDICT_TIMEOUT, &reason, "%s after %us", not_up_text(res->init_kind),
                            r->o->timeout_sec);
        else if (systemd && state && (streq(state, "maintenance") || streq(state, "offline") || streq(state, "stopping")))
                set_verdict(&v, VERDICT_NOT_BOOTED, &reason, "system state %s (emergency or rescue mode)", state);
        else if (systemd && state && !streq(state, "running") && !streq(state, "degraded"))
                set_verdict(&v, VERDICT_NOT_BOOTED, &reason, "system state %s", state);

        if (res->failed_units.n > 0) {
                size_t n = res->failed_units.n;
                const struct failed_unit *f = &res->failed_units.v[0];
                set_verdict(&v, VERDICT_DEGRADED, &reason, "%zu unit%s failed (%s: %s%s)", n, n == 1 ? "" : "s", f->unit,
                            f->result, f->phase == PHASE_SHUTDOWN ? ", on shutdown" : "");
        }
        if (systemd && state && streq(state, "degraded"))
                set_verdict(&v, VERDICT_DEGRADED, &reason, "system state degraded");
        if (booted == WAIT_EVENT) {
                if (res->shutdown.timed_out)
                        set_verdict(&v, VERDICT_TIMEOUT, &reason, "the shutdown did not finish in %us",
                                    r->o->timeout_sec);
                else if (!res->shutdown.clean)
                        set_verdict(&v, VERDICT_DEGRADED, &reason, "the shutdown did not end cleanly (berth exited %d)",
                                    r->exit_status);
        }
        res->interrupted = r->interrupted;
        res->verdict = v;
        result_set(res, &res->reason, r->interrupted ? "interrupted" : reason);
}

static void make_name(char *name, size_t size, const char *label)
{
        uint8_t u[16] = {};
        char base[48];
        size_t k = 0;

        /* A name of the label's characters that are valid in one. */
        for (const char *c = label; *c && k < sizeof(base) - 1; c++) {
                bool ok = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.", *c) && *c != '.';
                base[k] = ok ? *c : '_';
                k++;
        }
        base[k] = 0;
        (void) uuid_random(u);
        snprintf(name, size, "bt-%s-%02x%02x%02x", base[0] ? base : "tree", u[0], u[1], u[2]);
}

/* Without systemd: what its rc scripts, runlevel or service manager say. */
static void list_other_checks(struct tree_result *res, const char *kind)
{
        bool runit = streq(kind, "runit"), openrc = streq(kind, "openrc");
        bool services = runit || openrc, sysv = openrc || streq(kind, "sysvinit");
        const char *checked[] = { "pid1-alive",
                                  runit ? "runit-stage-2" : openrc ? "openrc-runlevel-reached" : "rc-finished",
                                  "hostname", "machine-id", "shutdown" };

        for (size_t i = 0; i < ELEMENTSOF(checked); i++)
                result_push(res, &res->checked, checked[i]);
        if (sysv)
                result_push(res, &res->checked, "runlevel");
        if (services)
                result_push(res, &res->checked, "failed-units");
        else
                result_push(res, &res->not_checked, "failed-units: no service manager to ask");
        result_push(res, &res->not_checked, services ? "unit-timing: no start times kept"
                                                     : "unit-timing: no service manager to ask");
        result_push(res, &res->not_checked, "journal-errors: no journal");
        result_push(res, &res->not_checked, services ? "getty: its gettys want /dev/ttyN, which a machine has not"
                                                     : "getty: no service manager to ask");
        result_push(res, &res->not_checked, services ? "shutdown-failed-units: not kept after the shutdown"
                                                     : "shutdown-failed-units: no service manager to ask");
}

/* What was checked, and what could not be, for this init. */
static void list_checks(struct tree_result *res, bool systemd, enum wait_result booted, const char *kind)
{
        if (systemd) {
                const char *checked[] = { "ready", "system-state", "failed-units", "unit-timing", "journal-errors",
                                          "getty", "hostname", "machine-id", "shutdown", "shutdown-failed-units" };
                for (size_t i = 0; i < ELEMENTSOF(checked); i++)
                        result_push(res, &res->checked, checked[i]);
                res->not_checked.present = true;
        } else if (booted != WAIT_EVENT)
                result_push(res, &res->checked, "ready");
        else
                list_other_checks(res, kind ?: "other");
}

int boot_tree(const struct boot_options *o, const char *tree, const char *label, int stop_fd, progress_fn progress_cb,
              void *userdata, struct tree_result *res)
{
        struct run r = {
                .o = o, .res = res, .launcher = -1, .pidfd = -1, .notify_fd = -1,
                .log_fd = -1, .stop_fd = stop_fd, .ns = MACHINE_NS_INIT, .progress = progress_cb,
                .userdata = userdata,
        };
        _cleanup_(machine_state_done) struct machine_state st = {};
        const char *cgroup = NULL, *kind = NULL, *uuid = NULL, *init_path = NULL;
        _cleanup_free_ char *launcher_error = NULL;
        enum wait_result booted;
        bool systemd = false;
        uint64_t poweroff_rt = 0;
        int k;

        make_name(r.name, sizeof(r.name), label);
        result_set(res, &res->tree, tree);
        result_set(res, &res->label, label);
        result_set(res, &res->machine, r.name);
        os_release(res, tree);
        res->has_timing = true;

        r.start = now_usec(CLOCK_MONOTONIC);
        progress(&r, "booting", "booting as %s", r.name);
        k = spawn_launcher(&r, tree);
        if (k < 0) {
                booted = WAIT_EXITED;
                if (asprintf(&launcher_error, "starting berth: %s", strerror(-k)) < 0)
                        launcher_error = NULL;
                if (r.launcher > 0)
                        reap_launcher(&r);
                goto report;
        }
        booted = wait_for(&r, r.start + (uint64_t) o->timeout_sec * 1000000, true);
        if (!r.exited) {
                if (machine_state_read(r.name, &st) >= 0) {
                        cgroup = st.cgroup;
                        kind = st.init_kind;
                        uuid = st.uuid;
                        init_path = st.init;
                }
                res->init_known = true;
                result_set(res, &res->init_path, init_path);
                result_set(res, &res->init_kind, kind);
                systemd = kind && streq(kind, "systemd");
        }
        if (booted == WAIT_EVENT) {
                res->ready = now_usec(CLOCK_MONOTONIC) - r.start;
                progress(&r, "inspecting", "up after %.2fs, looking inside", elapsed(&r));

                uint64_t t0 = now_usec(CLOCK_MONOTONIC);
                if (systemd)
                        inspect_systemd(res, &r.ns, cgroup);
                else {
                        uint64_t deadline = r.start + (uint64_t) o->timeout_sec * 1000000;
                        inspect_other_init(res, r.leader, cgroup ?: "", kind ?: "other", deadline, stop_fd);
                        if (res->rc_finished && streq(kind ?: "", "runit"))
                                inspect_runit(res, r.leader, deadline, stop_fd);
                        else if (res->rc_finished && streq(kind ?: "", "openrc"))
                                inspect_openrc(res, &r.ns, cgroup);
                }
                if (r.leader > 0)
                        inspect_identity(res, &r.ns, r.leader, r.name, uuid);
                res->inspect = now_usec(CLOCK_MONOTONIC) - t0;

                res->has_shutdown = true;
                poweroff_rt = now_usec(CLOCK_REALTIME);
                power_off(&r, systemd, cgroup, &res->shutdown);
        } else if (booted == WAIT_TIMEOUT || booted == WAIT_STOP) {
                /* Not up: the shutdown is not reported. */
                struct shutdown_result shutdown = {};
                if (booted == WAIT_TIMEOUT) {
                        result_set(res, &res->system_state, "starting");
                        if (r.leader > 0 && systemd)
                                inspect_jobs(res, &r.ns, cgroup, &res->waiting_for);
                }
                progress(&r, "stopping", booted == WAIT_STOP ? "interrupted: stopping" : "not up after %us: stopping",
                         o->timeout_sec);
                power_off(&r, false, NULL, &shutdown);
                systemd = systemd && booted == WAIT_TIMEOUT;
        }

        /* Only a systemd tree has a journal to read; it is read after the
         * shutdown, through the namespaces held since boot. */
        if (r.leader > 0 && (systemd || booted == WAIT_EXITED) && !r.interrupted) {
                struct machine_ns mnt = MACHINE_NS_INIT;
                mnt.fd[MACHINE_NS_MNT] = r.ns.fd[MACHINE_NS_MNT];
                mnt.fd[MACHINE_NS_USER] = r.ns.fd[MACHINE_NS_USER];
                progress(&r, "journal", "reading the journal");
                journal_collect(res, &mnt, r.start, poweroff_rt);
        }

report:
        machine_ns_close(&r.ns);
        reap_launcher(&r);
        {
                char *last_error = NULL;
                console_tail(&r, &last_error);
                if (!launcher_error)
                        launcher_error = last_error;
                else
                        free(last_error);
        }
        res->total = now_usec(CLOCK_MONOTONIC) - r.start;
        list_checks(res, systemd, booted, kind);
        judge(&r, systemd, booted, launcher_error);
        safe_close(r.pidfd);
        safe_close(r.notify_fd);
        safe_close(r.log_fd);
        return res->oom ? -ENOMEM : 0;
}
