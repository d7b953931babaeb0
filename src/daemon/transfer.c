/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "transfer.h"

#include <systemd/sd-bus.h>

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "paths.h"
#include "programs.h"
#include "spawn.h"
#include "staging.h"
#include "util.h"

static void parse_line(struct transfer *t, const char *line)
{
        char phase[16];
        unsigned long long bytes, total, files;

        if (sscanf(line, "progress %15s %llu %llu %llu", phase, &bytes, &total, &files) != 4)
                return;
        snprintf(t->phase, sizeof(t->phase), "%s", phase);
        t->bytes = bytes;
        t->total = total;
        t->files = files;
}

/* What came of berth-import's progress lines; read's result. */
static ssize_t read_output(struct transfer *t)
{
        ssize_t n = read(t->out_fd, t->out + t->n_out, sizeof(t->out) - 1 - t->n_out);

        if (n <= 0)
                return n;
        t->n_out += (size_t) n;
        t->out[t->n_out] = 0;
        char *start = t->out, *nl;
        while ((nl = strchr(start, '\n'))) {
                *nl = 0;
                parse_line(t, start);
                start = nl + 1;
        }
        t->n_out = strlen(start);
        memmove(t->out, start, t->n_out + 1);
        if (t->n_out == sizeof(t->out) - 1)
                t->n_out = 0;   /* no line is that long: drop it */
        return n;
}

static int on_output(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct transfer *t = userdata;
        ssize_t n = read_output(t);

        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
                t->out_source = sd_event_source_disable_unref(t->out_source);
        return 0;
}

static void unlink_transfer(struct transfer *t)
{
        for (struct transfer **p = &t->owner->list; *p; p = &(*p)->next)
                if (*p == t) {
                        *p = t->next;
                        break;
                }
}

static void transfer_free(struct transfer *t)
{
        sd_bus_message_unref(t->waiter);
        sd_event_source_disable_unref(t->out_source);
        sd_event_source_disable_unref(t->child_source);
        safe_close(t->out_fd);
        safe_close(t->err_fd);
        free(t->remote);
        free(t->local);
        free(t);
}

/* What a failed or cancelled import left behind (it may have had no
 * chance to remove it). */
static void sweep_store(pid_t pid)
{
        const char *sub[] = { "images", "layers" };
        char path[4200];

        for (size_t i = 0; i < ELEMENTSOF(sub); i++) {
                snprintf(path, sizeof(path), "%s/%s", berth_state_dir(), sub[i]);
                _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd >= 0)
                        staging_sweep(fd, pid);
        }
}

static int on_helper_exit(sd_event_source *s, const siginfo_t *si, void *userdata)
{
        struct transfer *t = userdata;
        char message[512] = "";
        const char *result = "done";

        /* The last lines, up to the end berth-import's exit made. */
        while (read_output(t) > 0)
                ;
        ssize_t k = read(t->err_fd, t->err, sizeof(t->err) - 1);
        t->err[k > 0 ? k : 0] = 0;
        /* The last line is the one that says why. */
        char *end = t->err + strlen(t->err);
        while (end > t->err && end[-1] == '\n')
                *--end = 0;
        char *last = strrchr(t->err, '\n');
        const char *why = last ? last + 1 : t->err;
        if (startswith(why, "berth-import: "))
                why += strlen("berth-import: ");
        if (t->cancelled)
                result = "canceled";
        else if (si->si_code != CLD_EXITED || si->si_status != 0) {
                result = "failed";
                snprintf(message, sizeof(message), "%s", *why ? why : "berth-import failed");
        }
        if (!streq(result, "done")) {
                sweep_store(t->pid);
                log_info("transfer %u (%s %s → %s): %s%s%s", t->id, t->type, t->remote, t->local, result,
                         *message ? ": " : "", message);
        }
        unlink_transfer(t);
        t->owner->events->transfer_removed(t, result, message, t->owner->userdata);
        transfer_free(t);
        return 0;
}

int transfer_start(struct transfers *ts, const char *verb, const char *source, const char *name, int in_fd,
                   struct transfer **ret)
{
        _cleanup_free_ char *helper = NULL;
        int out[2] = { -1, -1 }, err[2] = { -1, -1 };
        int r = program_find("berth-import", &helper);

        if (r < 0)
                return r;
        struct transfer *t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        *t = (struct transfer) { .owner = ts, .id = ++ts->next_id, .out_fd = -1, .err_fd = -1 };
        /* berth-import's verbs tar, oci, fs and raw import; clone,
         * clone-ro and export-tar are a clone and an export. */
        if (startswith(verb, "clone"))
                snprintf(t->type, sizeof(t->type), "clone");
        else
                snprintf(t->type, sizeof(t->type), "%s%s", startswith(verb, "export-") ? "" : "import-", verb);
        snprintf(t->phase, sizeof(t->phase), "starting");
        /* What a client handed as a file descriptor is shown by its path,
         * where it has one. An export's source is the image, its
         * destination the descriptor. */
        bool export = startswith(verb, "export-");
        const char *fd_arg = export ? name : source;
        char fd_path[64], shown[PATH_MAX] = "";
        snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", in_fd);
        ssize_t n = streq(fd_arg, "-") && in_fd >= 0 ? readlink(fd_path, shown, sizeof(shown) - 1) : -1;
        if (n > 0 && shown[0] == '/')
                shown[n] = 0;
        else
                snprintf(shown, sizeof(shown), "%s", fd_arg);
        if (!(t->remote = strdup(shown)) || !(t->local = strdup(export ? source : name))) {
                transfer_free(t);
                return -ENOMEM;
        }
        /* Only berthd's ends do not block. */
        if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || fcntl(out[0], F_SETFL, O_NONBLOCK) < 0 ||
            fcntl(err[0], F_SETFL, O_NONBLOCK) < 0) {
                r = -errno;
                safe_close(out[0]), safe_close(out[1]), safe_close(err[0]), safe_close(err[1]);
                transfer_free(t);
                return r;
        }
        t->out_fd = out[0];
        t->err_fd = err[0];
        char *argv[] = { "berth-import", "--progress-fd=1", (char *) verb, (char *) source, (char *) name, NULL };
        pid_t pid = helper_fork_exec(helper, argv, in_fd, out[1], err[1]);
        close(out[1]);
        close(err[1]);
        if (pid < 0) {
                transfer_free(t);
                return (int) pid;
        }
        t->pid = pid;
        if (sd_event_add_io(ts->event, &t->out_source, t->out_fd, EPOLLIN, on_output, t) < 0 ||
            sd_event_add_child(ts->event, &t->child_source, pid, WEXITED, on_helper_exit, t) < 0) {
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                transfer_free(t);
                return -EIO;
        }
        (void) sd_event_source_set_child_process_own(t->child_source, true);
        t->next = ts->list;
        ts->list = t;
        ts->events->transfer_new(t, ts->userdata);
        *ret = t;
        return 0;
}

struct transfer *transfer_find(struct transfers *ts, uint32_t id)
{
        for (struct transfer *t = ts->list; t; t = t->next)
                if (t->id == id)
                        return t;
        return NULL;
}

int transfer_cancel(struct transfer *t)
{
        t->cancelled = true;
        return kill(t->pid, SIGTERM) < 0 ? -errno : 0;
}

void transfers_done(struct transfers *ts)
{
        while (ts->list) {
                struct transfer *t = ts->list;
                ts->list = t->next;
                transfer_free(t);   /* the child source owns the process: it is killed */
        }
}

double transfer_progress(const struct transfer *t)
{
        if (t->total == 0)
                return -1;
        double p = (double) t->bytes / (double) t->total;
        return p > 1 ? 1 : p;
}
