/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Files into and out of a running machine. CopyToMachine,
 * CopyFromMachine (and their *WithFlags forms, as machined has them):
 * berth-copy run for the call, the answer sent when it ends, so that
 * berthd goes on serving meanwhile; the copy itself, its paths resolved
 * inside the machine's root and its owners moved through the machine's ID
 * map, is berth-copy's (src/image/berth-copy.c). BindMountMachine,
 * UnbindMountMachine: bind.c's mounts. */
#include "copy-bus.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bind.h"
#include "bus-util.h"
#include "cleanup.h"
#include "log.h"
#include "machine.h"
#include "manager.h"
#include "programs.h"
#include "spawn.h"
#include "util.h"

#define COPY_REPLACE 1ULL       /* machined's flag: replace what is there */
#define COPY_MKDIR 2ULL         /* berth's: make the destination's parents */

struct copy_job {
        sd_bus_message *reply_to;
        int err_fd;
        char what[600];
};

static int on_copy_exit(sd_event_source *s, const siginfo_t *si, void *userdata)
{
        struct copy_job *j = userdata;
        char err[512] = "";
        ssize_t n = read(j->err_fd, err, sizeof(err) - 1);

        err[n > 0 ? n : 0] = 0;
        err[strcspn(err, "\n")] = 0;
        /* "berth-copy: ": the line is the helper's; the caller wants its text. */
        const char *text = startswith(err, "berth-copy: ") ? err + strlen("berth-copy: ") : err;
        if (si->si_code == CLD_EXITED && si->si_status == 0) {
                log_info("%s: done", j->what);
                (void) sd_bus_reply_method_return(j->reply_to, "");
        } else {
                log_warning("%s: %s", j->what, text[0] ? text : "failed");
                (void) sd_bus_reply_method_errorf(j->reply_to, SD_BUS_ERROR_FAILED, "%s",
                                                  text[0] ? text : "the copy failed");
        }
        sd_bus_message_unref(j->reply_to);
        close(j->err_fd);
        free(j);
        sd_event_source_unref(s);       /* the loop reaps it after this */
        return 0;
}

/* berth-copy for machine m, its stderr on err; the PID or -errno. */
static pid_t spawn(const struct machine *m, bool in, uint64_t flags, const char *source, const char *dest, int err)
{
        _cleanup_free_ char *helper = NULL;
        char pid[16], base[16], size[16];
        char *argv[10] = { "berth-copy" };
        size_t n = 1;
        int r = program_find("berth-copy", &helper);

        if (r < 0)
                return r;
        snprintf(pid, sizeof(pid), "%d", (int) m->leader);
        snprintf(base, sizeof(base), "%u", m->uid_range ? m->uid_shift : 0);
        snprintf(size, sizeof(size), "%u", m->uid_range);
        if (flags & COPY_REPLACE)
                argv[n++] = "--force";
        if (flags & COPY_MKDIR)
                argv[n++] = "--mkdir";
        argv[n++] = in ? "to" : "from";
        argv[n++] = pid, argv[n++] = base, argv[n++] = size;
        argv[n++] = (char *) source, argv[n++] = (char *) dest;
        return helper_fork_exec(helper, argv, -1, -1, err);
}

static int copy(sd_bus_message *msg, struct manager *mgr, bool in, bool with_flags, sd_bus_error *error)
{
        const char *name, *source, *dest;
        uint64_t flags = 0;
        struct machine *m;
        int err[2], r = sd_bus_message_read(msg, "sss", &name, &source, &dest);

        if (r >= 0 && with_flags)
                r = sd_bus_message_read(msg, "t", &flags);
        if (r < 0)
                return r;
        if ((r = bus_require_root(msg, error)) < 0 || (r = bus_find_machine(mgr, name, error, &m)) < 0)
                return r;
        if (!dest[0])
                dest = source;
        if (source[0] != '/' || dest[0] != '/')
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "paths must be absolute: %s %s", source,
                                         dest);
        if (flags & ~(COPY_REPLACE | COPY_MKDIR))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "unknown flags %#llx",
                                         (unsigned long long) flags);
        if (pipe2(err, O_CLOEXEC) < 0)
                return -errno;
        pid_t child = spawn(m, in, flags, source, dest, err[1]);
        close(err[1]);
        struct copy_job *j = child < 0 ? NULL : calloc(1, sizeof(*j));
        if (!j) {
                close(err[0]);
                if (child > 0)
                        (void) kill(child, SIGKILL);
                return child < 0 ? sd_bus_error_set_errnof(error, (int) -child, "starting berth-copy: %s",
                                                           strerror((int) -child))
                                 : -ENOMEM;
        }
        j->err_fd = err[0];
        j->reply_to = sd_bus_message_ref(msg);
        snprintf(j->what, sizeof(j->what), "machine %s: copy of %s %s %s", name, source, in ? "in as" : "out as",
                 dest);
        r = sd_event_add_child(mgr->event, NULL, child, WEXITED, on_copy_exit, j);
        if (r < 0) {
                (void) kill(child, SIGKILL);
                sd_bus_message_unref(j->reply_to);
                close(j->err_fd);
                free(j);
                return r;
        }
        return 1;       /* the answer comes when the copy ends */
}

int bus_method_copy_to(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return copy(msg, userdata, true, false, error);
}

int bus_method_copy_from(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return copy(msg, userdata, false, false, error);
}

int bus_method_copy_to_with_flags(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return copy(msg, userdata, true, true, error);
}

int bus_method_copy_from_with_flags(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return copy(msg, userdata, false, true, error);
}

static int bind_call(sd_bus_message *msg, struct manager *mgr, struct bind_request *b, const char *name,
                     sd_bus_error *error)
{
        struct machine *m;
        char err[512];
        int r;

        if ((r = bus_require_root(msg, error)) < 0 || (r = bus_find_machine(mgr, name, error, &m)) < 0)
                return r;
        /* Only what bind mounted: not the machine's /proc, /tmp, ... */
        size_t i = 0;
        while (b->unbind && m->binds && m->binds[i] && !streq(m->binds[i], b->target))
                i++;
        if (b->unbind && !(m->binds && m->binds[i]))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "%s was not mounted by BindMountMachine (berthctl bind)", b->target);
        r = machine_bind(m, b, err, sizeof(err));
        if (r == -EINVAL)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s", err);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "%s", err);
        if (b->unbind) {
                free(m->binds[i]);
                memmove(m->binds + i, m->binds + i + 1, (strv_length(m->binds + i + 1) + 1) * sizeof(char *));
                log_info("machine %s: %s unmounted", name, b->target);
        } else {
                if (strv_push(&m->binds, b->target) < 0)
                        log_oom();
                log_info("machine %s: %s mounted on %s%s", name, b->source, b->target, b->read_only ? " read-only" : "");
        }
        return sd_bus_reply_method_return(msg, "");
}

int bus_method_bind_mount(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct bind_request b = {};
        const char *name;
        int ro, mkdir, r = sd_bus_message_read(msg, "sssbb", &name, &b.source, &b.target, &ro, &mkdir);

        if (r < 0)
                return r;
        if (!b.target[0])
                b.target = b.source;    /* machined's: the same path inside */
        b.read_only = ro, b.mkdir = mkdir;
        return bind_call(msg, userdata, &b, name, error);
}

int bus_method_unbind_mount(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct bind_request b = { .unbind = true };
        const char *name;
        int r = sd_bus_message_read(msg, "ss", &name, &b.target);

        if (r < 0)
                return r;
        return bind_call(msg, userdata, &b, name, error);
}
