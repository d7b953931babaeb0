/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* import-tar, import-oci (and clone's copies): berthd runs the work as a
 * Transfer; berthctl follows it to its end, drawing its progress on stderr
 * (one redrawn line on a terminal, a line at each phase and every 2 s
 * otherwise), and cancels it on ^C. list-transfers and cancel-transfer:
 * any client's transfers. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "cleanup.h"
#include "log.h"
#include "util.h"
#include "verbs.h"

struct follow {
        uint32_t id;
        bool done;
        char result[16];
        char message[512];
};

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
        interrupted = 1;
}

static int on_removed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct follow *f = userdata;
        const char *path, *result, *message;
        uint32_t id;

        if (sd_bus_message_read(m, "uoss", &id, &path, &result, &message) < 0 || id != f->id)
                return 0;
        f->done = true;
        snprintf(f->result, sizeof(f->result), "%s", result);
        snprintf(f->message, sizeof(f->message), "%s", message);
        return 0;
}

struct seen {
        char phase[16];
        uint64_t bytes, total, files;
};

/* The Transfer's properties in one call. */
static int read_progress(struct ctl *c, const char *path, struct seen *s)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *key;
        int r = sd_bus_call_method(c->bus, BERTH_BUS, path, "org.freedesktop.DBus.Properties", "GetAll", NULL, &reply,
                                   "s", "org.berth.machine1.Transfer");

        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                uint64_t *field = NULL;
                const char *phase;
                if ((r = sd_bus_message_read(reply, "s", &key)) < 0)
                        break;
                if (streq(key, "BytesDone"))
                        field = &s->bytes;
                else if (streq(key, "BytesTotal"))
                        field = &s->total;
                else if (streq(key, "Files"))
                        field = &s->files;
                if (field)
                        r = sd_bus_message_read(reply, "v", "t", field);
                else if (streq(key, "Phase") && (r = sd_bus_message_read(reply, "v", "s", &phase)) >= 0)
                        snprintf(s->phase, sizeof(s->phase), "%s", phase);
                else
                        r = sd_bus_message_skip(reply, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        return r < 0 ? -ENOENT : 0;
}

/* "unpacking 12.3M of 150.0M (8%), 1234 files, 45.6M/s, 3s left" */
static void draw(const struct seen *s, uint64_t elapsed_usec, bool tty)
{
        char done[32], total[32], rate[32], left[48] = "";
        double secs = (double) elapsed_usec / 1e6;
        uint64_t per_sec = secs > 0.2 ? (uint64_t) ((double) s->bytes / secs) : 0;

        format_bytes(done, sizeof(done), s->bytes);
        format_bytes(rate, sizeof(rate), per_sec);
        if (s->total > 0 && per_sec > 0 && s->bytes <= s->total) {
                char span[32];
                format_timespan(span, sizeof(span), (s->total - s->bytes) * 1000000 / per_sec);
                snprintf(left, sizeof(left), ", %s left", span);
        }
        if (s->total > 0)
                snprintf(total, sizeof(total), " of %s (%u%%)", format_bytes(total, sizeof(total), s->total),
                         (unsigned) (s->bytes * 100 / s->total));
        else
                total[0] = 0;
        fprintf(stderr, "%s%s %s%s, %llu files, %s/s%s%s", tty ? "\r\033[K" : "", s->phase, done, total,
                (unsigned long long) s->files, rate, left, tty ? "" : "\n");
        fflush(stderr);
}

/* Until the transfer ends: its result. */
static int follow_transfer(struct ctl *c, struct follow *f, const char *path, const char *what, const char *done)
{
        bool tty = isatty(STDERR_FILENO) && !c->quiet, drawn = false;
        uint64_t start = now_usec(CLOCK_MONOTONIC), last_line = 0;
        char last_phase[16] = "starting";
        struct sigaction sa = { .sa_handler = on_sigint }, old;
        bool cancel_sent = false;

        sigaction(SIGINT, &sa, &old);
        while (!f->done) {
                int r = sd_bus_process(c->bus, NULL);
                if (r < 0) {
                        sigaction(SIGINT, &old, NULL);
                        return log_error_errno(r, "following transfer %u", f->id);
                }
                if (r > 0)
                        continue;
                if (interrupted && !cancel_sent) {
                        cancel_sent = true;
                        (void) sd_bus_call_method(c->bus, BERTH_BUS, BERTH_PATH, BERTH_MANAGER, "CancelTransfer", NULL,
                                                  NULL, "u", f->id);
                        continue;
                }
                uint64_t now = now_usec(CLOCK_MONOTONIC);
                struct seen s = {};
                /* A terminal's line is redrawn; a log gets one at each new
                 * phase and every 2 s. */
                if (!c->quiet && read_progress(c, path, &s) >= 0 && !streq(s.phase, "starting") &&
                    (tty || now - last_line >= 2000000 || !streq(s.phase, last_phase))) {
                        draw(&s, now - start, tty);
                        drawn = true;
                        last_line = now;
                        snprintf(last_phase, sizeof(last_phase), "%s", s.phase);
                }
                (void) sd_bus_wait(c->bus, 200000);
        }
        sigaction(SIGINT, &old, NULL);
        if (drawn && tty)
                fputs("\r\033[K", stderr);
        if (streq(f->result, "done")) {
                if (!c->quiet)
                        fprintf(stderr, "%s\n", done);
                return 0;
        }
        if (streq(f->result, "canceled"))
                return log_error_ret(-ECANCELED, "%s canceled; nothing of it is left", what);
        return log_error_ret(-EIO, "%s", f->message[0] ? f->message : "the transfer failed");
}

int ctl_run_transfer(struct ctl *c, const char *what, const char *done, const char *method, const char *types, ...)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        struct follow f = {};
        const char *path;
        va_list ap;
        int r;

        /* Subscribed before the call, so that no end is missed. */
        r = sd_bus_match_signal(c->bus, &slot, BERTH_BUS, BERTH_PATH, BERTH_MANAGER, "TransferRemoved", on_removed,
                                &f);
        if (r < 0)
                return log_error_errno(r, "subscribing to berthd's transfers");
        r = sd_bus_message_new_method_call(c->bus, &call, BERTH_BUS, BERTH_PATH, BERTH_MANAGER, method);
        va_start(ap, types);
        if (r >= 0)
                r = sd_bus_message_appendv(call, types, ap);
        va_end(ap);
        if (r < 0)
                return log_error_errno(r, "asking berthd");
        r = sd_bus_call(c->bus, call, 0, &e, &reply);
        if (r < 0)
                return ctl_log_error(&e, r, "%s", what);
        r = sd_bus_message_read(reply, "uo", &f.id, &path);
        if (r < 0)
                return log_error_errno(r, "%s: berthd's answer", what);
        if (f.id == 0) {        /* done at once */
                if (!c->quiet)
                        fprintf(stderr, "%s\n", done);
                return 0;
        }
        return follow_transfer(c, &f, path, what, done);
}

/* "import of NAME", "Imported image NAME." */
static void import_texts(const char *name, char *what, char *done, size_t size)
{
        snprintf(what, size, "import of %s", name);
        snprintf(done, size, "Imported image %s.", name);
}

int verb_import_tar(struct ctl *c, char **args, unsigned n)
{
        const char *file = args[0], *name = args[1];
        _cleanup_close_ int fd = streq(file, "-") ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)
                                                  : open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                return log_error_errno(-errno, "%s", streq(file, "-") ? "standard input" : file);
        char what[128], done[128];
        import_texts(name, what, done, sizeof(what));
        return ctl_run_transfer(c, what, done, "ImportTar", "hs", fd, name);
}

/* import-fs: the directory's fd, import-raw: the file's, handed to berthd
 * as importd takes them. */
static int import_fd(struct ctl *c, const char *method, const char *path, const char *name, int flags)
{
        _cleanup_close_ int fd = open(path, flags | O_RDONLY | O_CLOEXEC | O_NOCTTY);
        char what[128], done[128];

        if (fd < 0)
                return log_error_errno(-errno, "%s", path);
        import_texts(name, what, done, sizeof(what));
        return ctl_run_transfer(c, what, done, method, "hs", fd, name);
}

int verb_import_fs(struct ctl *c, char **args, unsigned n)
{
        return import_fd(c, "ImportFileSystem", args[0], args[1], O_DIRECTORY);
}

int verb_import_raw(struct ctl *c, char **args, unsigned n)
{
        return import_fd(c, "ImportRaw", args[0], args[1], 0);
}

/* The tarball is berthctl's to make (or standard output), so that it is
 * the caller's file; one that the export did not finish is removed. */
int verb_export_tar(struct ctl *c, char **args, unsigned n)
{
        const char *name = args[0], *file = n > 1 ? args[1] : "-";
        bool out = streq(file, "-");
        char what[128], done[PATH_MAX + 128];

        if (out && isatty(STDOUT_FILENO))
                return log_error_ret(-EINVAL, "export-tar %s: standard output is a terminal; name a file", name);
        _cleanup_close_ int fd = out ? fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)
                                     : open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0644);
        if (fd < 0)
                return log_error_errno(-errno, "%s", out ? "standard output" : file);
        snprintf(what, sizeof(what), "export of %s", name);
        snprintf(done, sizeof(done), "Exported image %s to %s.", name, out ? "standard output" : file);
        int r = ctl_run_transfer(c, what, done, "ExportTar", "sh", name, fd);
        if (r < 0 && !out)
                (void) unlink(file);
        return r;
}

int verb_import_oci(struct ctl *c, char **args, unsigned n)
{
        _cleanup_free_ char *abs = realpath(args[0], NULL);

        if (!abs)
                return log_error_errno(-errno, "%s", args[0]);
        char what[128], done[128];
        import_texts(args[1], what, done, sizeof(what));
        return ctl_run_transfer(c, what, done, "ImportOCI", "ss", abs, args[1]);
}

int verb_list_transfers(struct ctl *c, char **args, unsigned n)
{
        static const char *const headers[] = { "ID", "TYPE", "REMOTE", "LOCAL", "PERCENT" };
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(table_freep) struct table *t = table_new(ELEMENTSOF(headers), headers);
        const char *type, *remote, *local, *path;
        uint32_t id;
        double progress;
        int r;

        if (!t)
                return log_oom();
        r = sd_bus_call_method(c->bus, BERTH_BUS, BERTH_PATH, BERTH_MANAGER, "ListTransfers", &e, &reply, NULL);
        if (r < 0)
                return ctl_log_error(&e, r, "listing transfers");
        r = sd_bus_message_enter_container(reply, 'a', "(usssdo)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(usssdo)", &id, &type, &remote, &local, &progress, &path)) > 0) {
                char ids[16], pct[16];
                snprintf(ids, sizeof(ids), "%u", id);
                if (progress < 0)
                        snprintf(pct, sizeof(pct), "n/a");
                else
                        snprintf(pct, sizeof(pct), "%u%%", (unsigned) (progress * 100));
                if (table_add_cell(t, ids) < 0 || table_add_cell(t, type) < 0 || table_add_cell(t, remote) < 0 ||
                    table_add_cell(t, local) < 0 || table_add_cell(t, pct) < 0)
                        return log_oom();
        }
        if (r < 0)
                return log_error_errno(r, "listing transfers: berthd's answer");
        if (table_rows(t) == 0) {
                if (!c->no_legend)
                        printf("No transfers.\n");
                return 0;
        }
        r = table_print(t, stdout, !c->no_legend);
        if (r >= 0 && !c->no_legend)
                printf("\n%zu transfers listed.\n", table_rows(t));
        return r;
}

int verb_cancel_transfer(struct ctl *c, char **args, unsigned n)
{
        for (unsigned i = 0; i < n; i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                unsigned id;
                if (parse_uint(args[i], &id) < 0)
                        return log_invalid("not a transfer ID: %s", args[i]);
                int r = sd_bus_call_method(c->bus, BERTH_BUS, BERTH_PATH, BERTH_MANAGER, "CancelTransfer", &e, NULL,
                                           "u", (uint32_t) id);
                if (r < 0)
                        return ctl_log_error(&e, r, "cancelling transfer %u", id);
        }
        return 0;
}
