/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-oci's commands on a container that create made: start, state,
 * kill, delete, pause, resume, ps, list. Each reads ROOT/ID/state.json
 * and works out the status from the process and the exec fifo
 * (oci-proc.c); errors read as runc's, which engines match. */
#include "verbs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgutil.h"
#include "cleanup.h"
#include "hooks.h"
#include "log.h"
#include "name.h"
#include "oci-cgroup.h"
#include "oci-create.h"
#include "oci-notify.h"
#include "oci-proc.h"
#include "uidrange.h"
#include "util.h"

static int load(const char *root, const char *id, struct oci_state *st)
{
        char why[256];
        int r;

        if (!oci_id_valid(id, why, sizeof(why)))
                return log_error_ret(-EINVAL, "%s", why);
        r = oci_state_load(root, id, st);
        if (r == -ENOENT)
                return log_error_ret(r, "container does not exist");
        if (r < 0)
                return log_error_errno(r, "reading the state of container %s", id);
        st->status = oci_status_now(root, st);
        return 0;
}

int oci_verb_state(const char *root, const char *id)
{
        struct oci_state st;
        int r = load(root, id, &st);

        if (r < 0)
                return r;
        if (st.status == OCI_STOPPED)
                st.pid = 0;
        _cleanup_free_ char *text = oci_state_to_json(&st, OCI_STATE_PRETTY);
        oci_state_done(&st);
        if (!text)
                return log_oom();
        printf("%s\n", text);
        return 0;
}

/* poststart and poststop: a failure is a warning, and the rest go on
 * (runtime.md). */
static void run_post_hooks(struct oci_state *st, enum oci_hook_kind k, enum oci_status status)
{
        struct oci_hooks hooks;
        char why[512];

        if (!st->hooks)
                return;
        if (oci_hooks_parse_text(st->hooks, &hooks, why, sizeof(why)) < 0) {
                log_warning("container %s: its hooks in the state: %s", st->id, why);
                return;
        }
        st->status = status;
        _cleanup_free_ char *text = oci_state_to_json(st, 0);
        for (size_t i = 0; text && i < hooks.n[k]; i++) {
                struct oci_hooks one = {};
                one.list[k] = &hooks.list[k][i];
                one.n[k] = 1;
                if (oci_hooks_run(&one, k, text, why, sizeof(why)) < 0)
                        log_warning("container %s: %s", st->id, why);
        }
        oci_hooks_done(&hooks);
}

int oci_verb_start(const char *root, const char *id)
{
        _cleanup_free_ char *fifo = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct oci_state st;
        int r = load(root, id, &st);

        if (r < 0)
                return r;
        if (st.status == OCI_STOPPED)
                r = log_error_ret(-EINVAL, "cannot start a container that has stopped");
        else if (st.no_process)
                r = log_error_ret(-EINVAL, "cannot start container %s: its config.json has no process", id);
        else if (st.status != OCI_CREATED)
                r = log_error_ret(-EINVAL, "cannot start an already running container");
        else if (asprintf(&fifo, "%s/%s/exec.fifo", root, id) < 0)
                r = log_oom();
        /* sd_notify: the container's socket listens before it runs. */
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int notify = -EBADF;
        if (r >= 0 && st.notify_socket && (asprintf(&dir, "%s/%s", root, id) < 0 ||
                                           (r = oci_notify_listen(dir, &notify)) < 0))
                r = log_error_errno(r < 0 ? r : -ENOMEM, "container %s: its notify socket", id);
        /* Non-blocking: with the process gone there is no reader, and the
         * open fails at once instead of waiting for one. */
        if (r >= 0 && (fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
                r = errno == ENXIO ? log_error_ret(-ESRCH, "cannot start a container that has stopped")
                                   : log_error_errno(-errno, "opening %s", fifo);
        if (r >= 0 && write(fd, "0", 1) != 1)
                r = log_error_errno(-errno, "starting container %s", id);
        if (r >= 0) {
                log_debug("container %s: started", id);
                (void) unlink(fifo);
                if (notify >= 0 && (r = oci_notify_wait(notify, st.pid, st.notify_socket)) < 0 && r != -ESRCH)
                        log_error_errno(r, "container %s: passing READY=1 on to %s", id, st.notify_socket);
        }
        if (r >= 0)
                run_post_hooks(&st, OCI_HOOK_POSTSTART, OCI_RUNNING);
        oci_state_done(&st);
        return r;
}

/* Each process of the container's cgroup2 cgroup and those below it. */
static int cgroup_pids(const char *path, pid_t **pids, size_t *n)
{
        _cleanup_free_ char *procs = strjoin(path, "/cgroup.procs", NULL), *text = NULL;
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *e;
        int r;

        if (!procs)
                return -ENOMEM;
        r = read_file_at(AT_FDCWD, procs, &text, 1 << 22);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
                pid_t *p = realloc(*pids, (*n + 1) * sizeof(pid_t));
                if (!p)
                        return -ENOMEM;
                *pids = p;
                (*pids)[(*n)++] = (pid_t) atoi(l);
        }
        d = opendir(path);
        while (d && (e = readdir(d)))
                if (e->d_type == DT_DIR && e->d_name[0] != '.') {
                        _cleanup_free_ char *sub = strjoin(path, "/", e->d_name);
                        if (!sub)
                                return -ENOMEM;
                        r = cgroup_pids(sub, pids, n);
                        if (r < 0)
                                return r;
                }
        return 0;
}

static int signal_process(const struct oci_state *st, int sig)
{
        _cleanup_close_ int pidfd = (int) syscall(SYS_pidfd_open, st->pid, 0);

        /* Opened first, checked after: the signal reaches that process or
         * none, never a later one with its PID. */
        if (pidfd < 0 || !oci_proc_alive(st))
                return -ESRCH;
        if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
                return -errno;
        return 0;
}

static int signal_all(const struct oci_state *st, int sig)
{
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r;

        if (!st->cgroup)
                return signal_process(st, sig);
        r = cgroup_pids(st->cgroup, &pids, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                (void) kill(pids[i], sig);
        return 0;
}

int oci_verb_kill(const char *root, const char *id, const char *signal, bool all)
{
        struct oci_state st;
        int sig = signal ? signal_from_string(signal) : SIGTERM;
        int r;

        if (sig < 0)
                return log_error_ret(-EINVAL, "invalid signal: %s", signal);
        r = load(root, id, &st);
        if (r < 0)
                return r;
        /* A system container's init stops on its own signal (SIGRTMIN+3
         * for systemd), as the launcher's supervisor sends it. */
        if (sig == SIGTERM && st.term_signal > 0)
                sig = st.term_signal;
        if (st.status == OCI_STOPPED && !all)
                r = log_error_ret(-ESRCH, "container not running");
        else
                r = all ? signal_all(&st, sig) : signal_process(&st, sig);
        if (r == -ESRCH && st.status != OCI_STOPPED)
                r = log_error_ret(r, "container not running");
        else if (r < 0 && r != -ESRCH)
                r = log_error_errno(r, "signalling container %s", id);
        oci_state_done(&st);
        return r == -ESRCH && all ? 0 : r;
}

/* Wait up to timeout_ms for the process to be gone (a zombie is). */
static void wait_gone(const struct oci_state *st, int timeout_ms)
{
        for (int t = 0; t < timeout_ms && oci_proc_alive(st); t += 10)
                (void) usleep(10000);
}

int oci_verb_delete(const char *root, const char *id, bool force)
{
        struct machine_cgroup cg = {};
        _cleanup_free_ char *dir = NULL;
        struct oci_state st;
        int r = load(root, id, &st);

        if (r < 0)
                return force && r == -ENOENT ? 0 : r;
        /* runtime.md: deleting a container that is not stopped (a created
         * one too) has no effect and is an error; --force kills it first. */
        if (st.status != OCI_STOPPED && !force) {
                r = log_error_ret(-EBUSY, "cannot delete container %s that is not stopped: %s", id,
                                  oci_status_to_string(st.status));
                oci_state_done(&st);
                return r;
        }
        if (st.status != OCI_STOPPED) {
                if (st.cgroup)
                        (void) cg_freeze(st.cgroup, false, 0);
                (void) signal_all(&st, SIGKILL);
                (void) signal_process(&st, SIGKILL);
                wait_gone(&st, 5000);
        }
        if (st.cgroup) {
                char name[MACHINE_NAME_MAX + 1];
                oci_machine_name(id, name, sizeof(name));
                r = oci_cgroup_adopt(&st, name, &cg);
                if (r >= 0)
                        r = cgroup_destroy(&cg);
                if (r < 0)
                        log_warning_errno(r, "container %s: removing its cgroup %s", id, st.cgroup);
                cgroup_done(&cg);
        }
        if (asprintf(&dir, "%s/%s", root, id) < 0)
                r = log_oom();
        else if ((r = rm_rf_at(AT_FDCWD, dir)) < 0)
                r = log_error_errno(r, "removing %s", dir);
        else
                run_post_hooks(&st, OCI_HOOK_POSTSTOP, OCI_STOPPED);
        if (st.uid_base) {
                char name[MACHINE_NAME_MAX + 1];
                oci_machine_name(id, name, sizeof(name));
                (void) uid_range_drop(st.uid_base, name);
        }
        oci_state_done(&st);
        return r;
}

int oci_verb_pause(const char *root, const char *id, bool pause)
{
        struct oci_state st;
        int r = load(root, id, &st);

        if (r < 0)
                return r;
        if (!st.cgroup)
                r = log_error_ret(-EOPNOTSUPP, "container %s has no cgroup to freeze", id);
        else if (pause && st.status != OCI_RUNNING)
                r = log_error_ret(-EINVAL, "container not running");
        else if (!pause && st.status != OCI_PAUSED)
                r = log_error_ret(-EINVAL, "container not paused");
        else if ((r = cg_freeze(st.cgroup, pause, 5000)) < 0)
                r = log_error_errno(r, "%s container %s", pause ? "pausing" : "resuming", id);
        oci_state_done(&st);
        return r;
}

/* runc's table: ps(1) with the caller's options (-ef by default), its
 * header and the lines whose PID column names one of the container's. */
static int ps_table(const pid_t *pids, size_t n, char **args)
{
        _cleanup_strv_ char **argv = NULL;
        int out[2];

        if (strv_push(&argv, "ps") < 0)
                return log_oom();
        for (char **a = args && *args ? args : (char *[]) { "-ef", NULL }; *a; a++)
                if (strv_push(&argv, *a) < 0)
                        return log_oom();
        if (pipe2(out, O_CLOEXEC) < 0)
                return log_error_errno(-errno, "running ps");
        pid_t child = fork();
        if (child == 0) {
                (void) dup2(out[1], STDOUT_FILENO);
                execvp("ps", argv);
                _exit(127);
        }
        close(out[1]);
        _cleanup_fclose_ FILE *f = fdopen(out[0], "r");
        char line[4096];
        int col = -1, status = 0;
        while (f && fgets(line, sizeof(line), f)) {
                char copy[4096], *save = NULL;
                int i = 0;
                snprintf(copy, sizeof(copy), "%s", line);
                if (col < 0) {
                        for (char *w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save), i++)
                                if (streq(w, "PID"))
                                        col = i;
                        fputs(line, stdout);
                        continue;
                }
                char *w = strtok_r(copy, " \t\n", &save);
                for (; w && i < col; i++)
                        w = strtok_r(NULL, " \t\n", &save);
                for (size_t k = 0; w && k < n; k++)
                        if (atoi(w) == pids[k]) {
                                fputs(line, stdout);
                                break;
                        }
        }
        if (!f)
                close(out[0]);
        (void) waitpid(child, &status, 0);
        if (col < 0)
                return log_error_ret(-EINVAL, "ps %s: no PID column in its output", args && *args ? args[0] : "-ef");
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : log_error_ret(-EIO, "ps failed");
}

int oci_verb_ps(const char *root, const char *id, bool json, char **ps_args)
{
        _cleanup_free_ pid_t *pids = NULL;
        struct oci_state st;
        size_t n = 0;
        int r = load(root, id, &st);

        if (r < 0)
                return r;
        if (st.cgroup)
                r = cgroup_pids(st.cgroup, &pids, &n);
        else if (st.status != OCI_STOPPED && (pids = malloc(sizeof(pid_t))))
                pids[n++] = st.pid;
        oci_state_done(&st);
        if (r < 0)
                return log_error_errno(r, "listing the processes of container %s", id);
        if (!json)
                return ps_table(pids, n, ps_args);
        printf("[");
        for (size_t i = 0; i < n; i++)
                printf("%s%d", i ? "," : "", (int) pids[i]);
        printf("]\n");
        return 0;
}

static json_object *list_entry(const struct oci_state *st)
{
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        json_object_object_add(o, "ociVersion", json_object_new_string(st->oci_version));
        json_object_object_add(o, "id", json_object_new_string(st->id));
        json_object_object_add(o, "pid", json_object_new_int(st->status == OCI_STOPPED ? 0 : st->pid));
        json_object_object_add(o, "status", json_object_new_string(oci_status_to_string(st->status)));
        json_object_object_add(o, "bundle", json_object_new_string(st->bundle));
        json_object_object_add(o, "created", json_object_new_string(st->created ?: ""));
        json_object_object_add(o, "owner", json_object_new_string("root"));
        return o;
}

int oci_verb_list(const char *root, bool json, bool quiet)
{
        _cleanup_(closedirp) DIR *d = opendir(root);
        json_object *arr = json_object_new_array();
        struct dirent *e;

        if (!arr)
                return log_oom();
        if (!json && !quiet)
                printf("%-20s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
        while (d && (e = readdir(d))) {
                struct oci_state st;

                if (e->d_name[0] == '.' || oci_state_load(root, e->d_name, &st) < 0)
                        continue;
                st.status = oci_status_now(root, &st);
                if (json)
                        json_object_array_add(arr, list_entry(&st));
                else if (quiet)
                        printf("%s\n", st.id);
                else
                        printf("%-20s %-8d %-10s %-40s %-32s %s\n", st.id, st.status == OCI_STOPPED ? 0 : st.pid,
                               oci_status_to_string(st.status), st.bundle, st.created ?: "", "root");
                oci_state_done(&st);
        }
        if (json)
                printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN |
                                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(arr);
        return 0;
}
