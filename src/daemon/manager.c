/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthd's registry: the machines whose launchers run, as their state files
 * in RUNTIMEDIR/machines say. Launchers do not talk to berthd: they write
 * their state file (and hold their lock) whether berthd runs or not, and
 * berthd watches the directory. So a launcher never fails for want of
 * berthd, and a berthd restarted after a crash finds every machine again. */
#include "manager.h"
#include "net-sweep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "berthfile.h"
#include "cleanup.h"
#include "layers.h"
#include "store.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#include "log.h"
#include "name.h"
#include "paths.h"
#include "programs.h"
#include "state.h"
#include "util.h"

static void no_event(struct manager *m, struct machine *mach, void *userdata)
{
}

static void no_transfer_new(struct transfer *t, void *userdata)
{
}

static void no_transfer_removed(struct transfer *t, const char *result, const char *message, void *userdata)
{
}

/* Until a face listens. */
static const struct manager_events no_events = {
        .machine_new = no_event,
        .machine_removed = no_event,
        .machine_changed = no_event,
};

static const struct transfer_events no_transfer_events = {
        .transfer_new = no_transfer_new,
        .transfer_removed = no_transfer_removed,
};

int manager_new(sd_event *event, struct manager **ret)
{
        struct manager *m = calloc(1, sizeof(*m));

        if (!m)
                return -ENOMEM;
        m->event = sd_event_ref(event);
        m->inotify_fd = -1;
        m->lock_fd = -1;
        m->events = &no_events;
        m->transfers = (struct transfers) { .event = event, .events = &no_transfer_events };
        *ret = m;
        return 0;
}

static void pending_free(struct pending_start *p)
{
        if (p->unit_call)
                p->manager->units->drop(p->unit_call);
        free(p->job);
        sd_event_source_disable_unref(p->child_source);
        if (p->free_userdata)
                p->free_userdata(p->userdata);
        safe_close(p->err_fd);
        free(p->name);
        free(p);
}

/* A caller that waits for the start of name, first in m->starts. */
static struct pending_start *pending_add(struct manager *m, const char *name, manager_start_done_t done,
                                         void (*free_userdata)(void *userdata), void *userdata)
{
        struct pending_start *p = calloc(1, sizeof(*p));

        if (!p || !(p->name = strdup(name))) {
                free(p);
                return NULL;
        }
        p->manager = m;
        p->err_fd = -1;
        p->done = done;
        p->free_userdata = free_userdata;
        p->userdata = userdata;
        p->next = m->starts;
        m->starts = p;
        return p;
}

struct manager *manager_free(struct manager *m)
{
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n_machines; i++)
                machine_free(m->machines[i]);
        free(m->machines);
        while (m->starts) {
                struct pending_start *p = m->starts;
                m->starts = p->next;
                pending_free(p);
        }
        transfers_done(&m->transfers);
        sd_event_source_disable_unref(m->inotify_source);
        safe_close(m->inotify_fd);
        safe_close(m->lock_fd);
        sd_event_unref(m->event);
        free(m->launcher);
        free(m);
        return NULL;
}

struct machine *manager_find(struct manager *m, const char *name)
{
        for (size_t i = 0; i < m->n_machines; i++)
                if (streq(m->machines[i]->name, name))
                        return m->machines[i];
        return NULL;
}

struct machine *manager_find_by_pid(struct manager *m, pid_t pid)
{
        char path[64], line[4096];
        _cleanup_fclose_ FILE *f = NULL;

        for (size_t i = 0; i < m->n_machines; i++)
                if (m->machines[i]->leader == pid || m->machines[i]->supervisor == pid)
                        return m->machines[i];
        /* Any process of a machine: its cgroup is below the machine's. Our
         * "0::" path is relative to the cgroup2 mount, the machine's cgroup
         * absolute: match a tail of the latter at a '/' boundary. */
        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) pid);
        f = fopen(path, "re");
        while (f && fgets(line, sizeof(line), f)) {
                const char *rel;

                if (!startswith(line, "0::"))
                        continue;
                line[strcspn(line, "\n")] = 0;
                rel = line + 3;
                for (size_t i = 0; i < m->n_machines; i++)
                        for (const char *t = strchr(m->machines[i]->cgroup, '/'); t; t = strchr(t + 1, '/')) {
                                size_t n = strlen(t);
                                if (strncmp(rel, t, n) == 0 && (rel[n] == 0 || rel[n] == '/'))
                                        return m->machines[i];
                        }
        }
        return NULL;
}

static int on_supervisor_exit(sd_event_source *s, int fd, uint32_t revents, void *userdata);

static void remove_machine(struct manager *m, struct machine *mach)
{
        for (size_t i = 0; i < m->n_machines; i++)
                if (m->machines[i] == mach) {
                        m->machines[i] = m->machines[--m->n_machines];
                        break;
                }
        /* Which step ended it: the last the launcher wrote down. */
        if (mach->stop[0])
                log_info("machine %s is gone (stop: %s)", mach->name, mach->stop);
        else
                log_info("machine %s is gone", mach->name);
        m->events->machine_removed(m, mach, m->events_userdata);
        machine_free(mach);
}

static void finish_start(struct manager *m, const char *name, struct machine *mach);

static int add_machine(struct manager *m, struct machine *mach)
{
        struct machine **n;
        int r;

        mach->supervisor_fd = (int) syscall(SYS_pidfd_open, mach->supervisor, 0);
        if (mach->supervisor_fd < 0)
                return -errno;
        r = sd_event_add_io(m->event, &mach->exit_source, mach->supervisor_fd, EPOLLIN, on_supervisor_exit, mach);
        if (r < 0)
                return r;
        n = realloc(m->machines, sizeof(*n) * (m->n_machines + 1));
        if (!n)
                return -ENOMEM;
        m->machines = n;
        m->machines[m->n_machines++] = mach;
        mach->timestamp = (uint64_t) time(NULL) * 1000000;
        log_info("machine %s registered (launcher PID %d)", mach->name, (int) mach->supervisor);
        m->events->machine_new(m, mach, m->events_userdata);
        finish_start(m, mach->name, mach);
        return 0;
}

static int on_supervisor_exit(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct machine *mach = userdata;
        siginfo_t si;

        _cleanup_free_ char *name = strdup(mach->name);

        /* Reap it if it is ours (berthd started it). */
        (void) waitid(P_PIDFD, (id_t) fd, &si, WEXITED | WNOHANG);

        remove_machine(mach->manager, mach);
        /* A launcher that ended well took its network down itself. */
        if (name)
                net_sweep(name);
        return 0;
}

/* A state file appeared, changed or went away. */
static void refresh(struct manager *m, const char *name)
{
        struct machine *known = manager_find(m, name), *fresh = NULL;
        int r;

        if (!machine_name_valid(name))
                return;
        r = machine_load(m, name, &fresh);
        if (r < 0) {
                /* Gone or stale: the launcher's pidfd says when it ends. */
                if (r != -ENOENT && r != -ESTALE)
                        log_warning_errno(r, "machine %s: reading its state file in %s/machines, ignoring it", name,
                                          berth_runtime_dir());
                return;
        }
        if (!known) {
                r = add_machine(m, fresh);
                if (r < 0) {
                        log_warning_errno(r, "machine %s: registering it, continuing", name);
                        machine_free(fresh);
                }
                return;
        }
        /* A reboot rewrites the file with a new leader, same launcher. */
        if (fresh->supervisor == known->supervisor && machine_update(known, fresh))
                m->events->machine_changed(m, known, m->events_userdata);
        machine_free(fresh);
}

static int on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct manager *m = userdata;
        char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
        ssize_t n = read(fd, buf, sizeof(buf));

        for (char *p = buf; n > 0 && p < buf + n;) {
                struct inotify_event *ev = (struct inotify_event *) p;
                if (ev->len > 0 && ev->name[0] != '.')
                        refresh(m, ev->name);
                p += sizeof(*ev) + ev->len;
        }
        return 0;
}

int manager_load(struct manager *m)
{
        char dir[4096];
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        int r;

        snprintf(dir, sizeof(dir), "%s/machines", berth_runtime_dir());
        r = mkdir_p(dir, 0755);
        if (r < 0)
                return r;
        m->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (m->inotify_fd < 0)
                return -errno;
        /* Launchers write a temporary file and rename it into place. */
        if (inotify_add_watch(m->inotify_fd, dir, IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE) < 0)
                return -errno;
        r = sd_event_add_io(m->event, &m->inotify_source, m->inotify_fd, EPOLLIN, on_inotify, m);
        if (r < 0)
                return r;
        d = opendir(dir);
        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.')
                        refresh(m, de->d_name);
        net_sweep(NULL);
        return 0;
}

/* StartMachine ------------------------------------------------------- */

static void finish_start(struct manager *m, const char *name_in, struct machine *mach)
{
        /* name_in may belong to one of the entries freed below. */
        _cleanup_free_ char *name = strdup(name_in);
        char err[512] = "";

        if (!name)
                return;
        for (struct pending_start *p = m->starts; p; p = p->next)
                if (streq(p->name, name) && p->err[0])
                        snprintf(err, sizeof(err), "%s", p->err);
        for (struct pending_start **pp = &m->starts; *pp;) {
                struct pending_start *p = *pp;
                if (!streq(p->name, name)) {
                        pp = &p->next;
                        continue;
                }
                *pp = p->next;
                p->done(mach, name, mach ? NULL : err[0] ? err : "the launcher failed", p->userdata);
                pending_free(p);
        }
}

static int on_launcher_exit(sd_event_source *s, const siginfo_t *si, void *userdata)
{
        struct pending_start *p = userdata;
        ssize_t k;

        /* Still waiting for registration: the launcher failed. Its first
         * line on stderr says why. */
        k = read(p->err_fd, p->err, sizeof(p->err) - 1);
        p->err[k > 0 ? k : 0] = 0;
        p->err[strcspn(p->err, "\n")] = 0;
        finish_start(p->manager, p->name, NULL);
        return 0;
}

static bool image_is_file(const char *path)
{
        return image_file_stem(path) > 0;
}

/* The tree, raw disk image or layered image's manifest to start: what
 * [Exec] Image= of /etc/berth/NAME.berth names (a path, or the name of
 * another image of the store), else the store's image NAME (a tree, a
 * symbolic link to one too, NAME.raw or NAME.layers). */
static int image_path(const char *name, char **ret)
{
        _cleanup_free_ char *v = NULL;
        struct stat st;
        bool file;
        int r = berthfile_get(name, "Exec", "Image", &v);

        if (r < 0)
                return r;
        *ret = NULL;
        if (r > 0 && v[0] == '/')
                *ret = take_ptr(v);
        else if (!machine_name_valid(r > 0 ? v : name))
                return -EINVAL;
        else if ((r = image_store_find(r > 0 ? v : name, ret, &file)) < 0) {
                free(*ret);
                *ret = NULL;
                return r;
        }
        if (stat(*ret, &st) < 0 || !(S_ISDIR(st.st_mode) || (S_ISREG(st.st_mode) && image_is_file(*ret)))) {
                free(*ret);
                *ret = NULL;
                return -ENOENT;
        }
        return 0;
}

static int spawn_launcher(struct manager *m, const char *name, struct pending_start *p);


int manager_start_machine(struct manager *m, const char *name, manager_start_done_t done,
                          void (*free_userdata)(void *userdata), void *userdata)
{
        _cleanup_free_ char *image = NULL;
        struct pending_start *p;
        int r;

        if (manager_find(m, name))
                return -EEXIST;
        /* Already starting: one launcher, and every caller gets its answer. */
        for (struct pending_start *q = m->starts; q; q = q->next)
                if (streq(q->name, name))
                        return pending_add(m, name, done, free_userdata, userdata) ? 0 : -ENOMEM;
        if (image_path(name, &image) < 0)
                return -ENOENT;
        p = pending_add(m, name, done, free_userdata, userdata);
        if (!p)
                return -ENOMEM;
        if (m->units && m->units->start(p, m->units_userdata, &p->unit_call) >= 0)
                return 0;
        r = spawn_launcher(m, name, p);
        if (r < 0) {
                m->starts = p->next;
                p->free_userdata = NULL;        /* still the caller's */
                pending_free(p);
                return r;
        }
        return 0;
}

void manager_start_spawn(struct pending_start *p)
{
        if (spawn_launcher(p->manager, p->name, p) < 0)
                manager_start_fail(p, "could not run the launcher");
}

void manager_start_fail(struct pending_start *p, const char *format, ...)
{
        va_list ap;

        va_start(ap, format);
        (void) vsnprintf(p->err, sizeof(p->err), format, ap);
        va_end(ap);
        finish_start(p->manager, p->name, NULL);
}

struct pending_start *manager_find_start_by_job(struct manager *m, const char *job)
{
        for (struct pending_start *p = m->starts; p; p = p->next)
                if (p->job && streq(p->job, job))
                        return p;
        return NULL;
}

/* The launcher as berthd's own child, detached. */
static int spawn_launcher(struct manager *m, const char *name, struct pending_start *p)
{
        _cleanup_free_ char *image = NULL;
        int errpipe[2];
        pid_t pid;

        if (image_path(name, &image) < 0)
                return -ENOENT;
        if (pipe2(errpipe, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                close(errpipe[0]);
                close(errpipe[1]);
                return -errno;
        }
        if (pid == 0) {
                /* The launcher: a session of its own, no terminal, stderr to
                 * berthd only for the failure of its start; the machine's
                 * console stays passive. */
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                (void) setsid();
                dup2(null, STDIN_FILENO);
                dup2(null, STDOUT_FILENO);
                dup2(errpipe[1], STDERR_FILENO);
                (void) syscall(SYS_close_range, 3, ~0U, 0);
                sigset_t all;
                sigemptyset(&all);
                sigprocmask(SIG_SETMASK, &all, NULL);
                execl(m->launcher, "berth", image_is_file(image) ? "-i" : "-D", image, "--name", name,
                      BERTHD_START_OPTIONS, "--register=yes", "-q", (char *) NULL);
                _exit(127);
        }
        close(errpipe[1]);
        p->pid = pid;
        p->err_fd = errpipe[0];
        if (sd_event_add_child(m->event, &p->child_source, pid, WEXITED, on_launcher_exit, p) < 0)
                return -EIO;
        (void) sd_event_source_set_child_process_own(p->child_source, false);
        return 0;
}
