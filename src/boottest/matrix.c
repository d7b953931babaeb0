/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The matrix: one worker process per tree, up to --jobs at once. A worker
 * boots its tree and reports on a pipe, one line each: "P<phase>\t<text>"
 * for progress, "R" once at the end, when it has copied its result into
 * the arena the parent made for it before the fork. Ctrl-C stops every
 * worker; trees not started by then are reported as interrupted. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* Room for a result: some thousand times what a boot gives. */
#define ARENA_SIZE (64u << 20)

#include "cleanup.h"
#include "log.h"
#include "matrix.h"
#include "util.h"

/* Labels: the trees' base names, made unique. */
static void make_labels(struct job *jobs, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *copy = strdup(jobs[i].tree);
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

int matrix_init(struct matrix *m, const struct boot_test_args *a, struct terminal *t)
{
        *m = (struct matrix) { .args = a, .term = t };
        m->jobs = calloc(a->n_trees, sizeof(*m->jobs));
        if (!m->jobs)
                return -ENOMEM;
        m->n_jobs = a->n_trees;
        for (size_t i = 0; i < m->n_jobs; i++) {
                m->jobs[i].tree = a->trees[i];
                m->jobs[i].fd = -1;
                m->jobs[i].result = (struct tree_result) TREE_RESULT_INIT;
        }
        make_labels(m->jobs, m->n_jobs);
        return 0;
}

void matrix_done(struct matrix *m)
{
        for (size_t i = 0; i < m->n_jobs; i++) {
                result_done(&m->jobs[i].result);
                arena_done(&m->jobs[i].arena);
                free(m->jobs[i].buf);
                safe_close(m->jobs[i].fd);
        }
        free(m->jobs);
        m->jobs = NULL;
        m->n_jobs = 0;
}

/* --- the worker: one tree, reported on a pipe --- */

static void worker_progress(void *userdata, const char *phase, const char *text)
{
        int fd = *(int *) userdata;
        dprintf(fd, "P%s\t%s\n", phase, text);
}

_Noreturn static void worker(const struct boot_options *o, struct job *j, int fd, pid_t parent)
{
        struct tree_result res = TREE_RESULT_INIT, *shared;
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
        if (boot_tree(o, j->tree, j->label, stop_fd, worker_progress, &fd, &res) < 0)
                log_warning("%s: out of memory, its report is incomplete", j->tree);
        shared = arena_alloc(&j->arena, sizeof(*shared));
        if (!shared || result_copy(shared, &res, &j->arena) < 0) {
                log_error("%s: its result does not fit in %u MiB", j->tree, ARENA_SIZE >> 20);
                _exit(1);
        }
        dprintf(fd, "R\n");
        _exit(0);
}

static int start_job(struct matrix *m, size_t i)
{
        struct job *j = &m->jobs[i];
        int p[2], r;

        r = arena_new(&j->arena, ARENA_SIZE);
        if (r < 0)
                return r;
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid_t parent = getpid();
        fflush(stdout);
        j->worker = fork();
        if (j->worker < 0) {
                close(p[0]), close(p[1]);
                return -errno;
        }
        if (j->worker == 0) {
                close(p[0]);
                for (size_t k = 0; k < i; k++) {
                        safe_close(m->jobs[k].fd);
                        arena_done(&m->jobs[k].arena);
                }
                worker(&m->args->o, j, p[1], parent);
        }
        close(p[1]);
        j->fd = p[0];
        j->started = true;
        snprintf(j->phase, sizeof(j->phase), "booting");
        return 0;
}

/* --- the parent: the workers' reports --- */

static void handle_line(struct matrix *m, size_t i, char *line)
{
        struct job *j = &m->jobs[i];

        if (line[0] == 'P') {
                char *tab = strchr(line + 1, '\t');
                if (!tab)
                        return;
                *tab = 0;
                snprintf(j->phase, sizeof(j->phase), "%s", line + 1);
                snprintf(j->text, sizeof(j->text), "%s", tab + 1);
                terminal_event(m->term, m->jobs, m->n_jobs, i);
        } else if (line[0] == 'R' && !j->has_result && j->arena.base) {
                /* Out of the shared arena into our own memory. */
                if (result_copy(&j->result, j->arena.base, NULL) < 0)
                        result_done(&j->result);
                else
                        j->has_result = true;
                arena_done(&j->arena);
        }
}

/* A result for a tree that has none of its own. */
static void result_without_boot(struct job *j, bool interrupted, const char *reason)
{
        struct tree_result *r = &j->result;

        result_done(r);
        result_set(r, &r->tree, j->tree);
        result_set(r, &r->label, j->label);
        r->interrupted = interrupted;
        r->verdict = VERDICT_NOT_BOOTED;
        result_set(r, &r->reason, reason);
        j->has_result = true;
}

/* A worker's pipe ended: the result is in, or the worker died. */
static void finish_job(struct matrix *m, size_t i)
{
        struct job *j = &m->jobs[i];
        int status;

        j->fd = safe_close(j->fd);
        while (j->worker > 0 && waitpid(j->worker, &status, 0) < 0 && errno == EINTR)
                ;
        j->done = true;
        arena_done(&j->arena);
        if (!j->has_result)
                result_without_boot(j, false, "boot-test's worker for this tree died");
        const char *verdict = result_verdict(&j->result) ?: "?";
        const char *reason = j->result.reason ?: "";
        snprintf(j->text, sizeof(j->text), "%s%s%s", verdict, reason[0] ? ": " : "", reason);
        terminal_event(m->term, m->jobs, m->n_jobs, i);
}

static void read_job(struct matrix *m, size_t i)
{
        struct job *j = &m->jobs[i];
        char tmp[65536];
        ssize_t n = read(j->fd, tmp, sizeof(tmp));

        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return;
        if (n <= 0) {
                finish_job(m, i);
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
                handle_line(m, i, start);
                start = nl + 1;
        }
        j->len = strlen(start);
        memmove(j->buf, start, j->len + 1);
}

/* --- the schedule --- */

struct schedule {
        size_t running, next, finished;
        bool interrupted;
};

/* Start trees until --jobs run. */
static void start_more(struct matrix *m, struct schedule *s)
{
        while (!s->interrupted && s->running < m->args->jobs && s->next < m->n_jobs) {
                if (start_job(m, s->next) < 0) {
                        m->jobs[s->next].done = true;
                        finish_job(m, s->next);
                        s->finished++;
                } else
                        s->running++;
                if (m->term->tty)
                        terminal_draw(m->term, m->jobs, m->n_jobs);
                s->next++;
        }
}

/* Interrupted: the trees never started have nothing to report but that. */
static void skip_the_rest(struct matrix *m, struct schedule *s)
{
        for (; s->next < m->n_jobs; s->next++) {
                struct job *j = &m->jobs[s->next];
                result_without_boot(j, true, "interrupted before it started");
                j->result.has_timing = true;
                j->done = true;
                s->finished++;
        }
}

/* Every running tree stops; a second Ctrl-C kills them. */
static void interrupt(struct matrix *m, struct schedule *s, int sfd)
{
        struct signalfd_siginfo si;

        if (read(sfd, &si, sizeof(si)) != sizeof(si))
                return;
        s->interrupted = true;
        for (size_t i = 0; i < m->n_jobs; i++)
                if (m->jobs[i].started && !m->jobs[i].done)
                        (void) kill(m->jobs[i].worker, SIGTERM);
}

void matrix_run(struct matrix *m)
{
        struct schedule s = {};
        _cleanup_close_ int sfd = -EBADF;
        sigset_t mask;

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (m->term->tty)
                terminal_draw(m->term, m->jobs, m->n_jobs);

        while (s.finished < m->n_jobs) {
                start_more(m, &s);
                if (s.interrupted && s.next < m->n_jobs) {
                        skip_the_rest(m, &s);
                        continue;
                }
                struct pollfd p[m->n_jobs + 1];
                for (size_t i = 0; i < m->n_jobs; i++)
                        p[i] = (struct pollfd) { .fd = m->jobs[i].started && !m->jobs[i].done ? m->jobs[i].fd : -1,
                                                 .events = POLLIN };
                p[m->n_jobs] = (struct pollfd) { .fd = sfd, .events = POLLIN };
                if (poll(p, m->n_jobs + 1, -1) < 0 && errno != EINTR)
                        break;
                if (p[m->n_jobs].revents & POLLIN)
                        interrupt(m, &s, sfd);
                for (size_t i = 0; i < m->n_jobs; i++)
                        if (p[i].fd >= 0 && p[i].revents) {
                                read_job(m, i);
                                if (m->jobs[i].done) {
                                        s.running--;
                                        s.finished++;
                                }
                        }
        }
}

int matrix_worst(const struct matrix *m)
{
        int worst = 0;

        for (size_t i = 0; i < m->n_jobs; i++) {
                int s = result_exit_status(&m->jobs[i].result);
                if (s > worst)
                        worst = s;
        }
        return worst;
}
