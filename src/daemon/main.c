/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthd: org.berth.machine1 on the system bus. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "log.h"
#include "manager.h"
#include "machined-bus.h"
#include "manager-bus.h"
#include "paths.h"
#include "programs.h"
#include "state.h"
#include "unit-bus.h"
#include "util.h"

/* The launcher berthd starts machines with; BERTH_LAUNCHER overrides. */
static char *find_launcher(void)
{
        char *p = NULL;
        int r = program_find("berth", &p);

        if (r >= 0)
                return p;
        log_warning_errno(r, "berth, the launcher, is neither beside berthd nor in %s: starting a machine will "
                          "fail, continuing", BERTH_BINDIR);
        return strdup(BERTH_BINDIR "/berth");
}

static int run(enum machined_compat compat)
{
        sd_event *event = NULL;
        sd_bus *bus = NULL;
        struct manager *m = NULL;
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        (void) signal(SIGPIPE, SIG_IGN);

        r = sd_event_default(&event);
        if (r < 0)
                return log_error_errno(r, "creating the event loop");
        (void) sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
        (void) sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);
        r = sd_bus_open_system(&bus);
        if (r < 0) {
                log_error_errno(r, "connecting to the system bus");
                goto out;
        }
        r = manager_new(event, &m);
        if (r < 0)
                goto out;
        m->launcher = find_launcher();
        r = berthd_lock(&m->lock_fd);
        if (r == -EBUSY) {
                log_error("another berthd runs already (it holds %s/berthd.lock)", berth_runtime_dir());
                goto out;
        }
        if (r < 0) {
                log_error_errno(r, "locking %s/berthd.lock", berth_runtime_dir());
                goto out;
        }
        r = manager_bus_setup(m, bus);
        if (r < 0) {
                log_error_errno(r, "publishing the objects");
                goto out;
        }
        r = unit_bus_setup(m, bus);
        if (r < 0)
                log_warning_errno(r, "watching systemd's jobs, continuing");
        r = manager_load(m);
        if (r < 0) {
                log_error_errno(r, "reading %s/machines", berth_runtime_dir());
                goto out;
        }
        r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_bus_request_name(bus, "org.berth.machine1", 0);
        if (r < 0) {
                log_error_errno(r, "taking the name org.berth.machine1");
                goto out;
        }
        r = machined_bus_setup(bus, m, compat);
        if (r < 0)
                goto out;
        log_info("berthd ready: %zu machine%s running", m->n_machines, m->n_machines == 1 ? "" : "s");
        r = sd_event_loop(event);
out:
        manager_free(m);
        sd_bus_flush_close_unref(bus);
        sd_event_unref(event);
        return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
        enum machined_compat compat = MACHINED_COMPAT_AUTO;

        for (int i = 1; i < argc; i++) {
                const char *v = startswith(argv[i], "--machined-compat=") ? argv[i] + strlen("--machined-compat=")
                                                                          : NULL;
                if (streq(argv[i], "--help") || streq(argv[i], "-h")) {
                        printf("berthd [--help] [--version] [--machined-compat=auto|yes|no]\n\n"
                               "The berth machine manager: org.berth.machine1 on the system bus, and\n"
                               "org.freedesktop.machine1 for machinectl where systemd-machined does not\n"
                               "run (--machined-compat=auto, the default). Machines are read from\n"
                               "%s/machines. See berthd(8).\n",
                               berth_runtime_dir());
                        return 0;
                }
                if (streq(argv[i], "--version")) {
                        printf("berthd %s\n", BERTH_VERSION);
                        return 0;
                }
                int c = v ? machined_compat_from_string(v) : -EINVAL;
                if (v && c < 0) {
                        fprintf(stderr, "berthd: --machined-compat=%s: expected auto, yes or no\n", v);
                        return 2;
                }
                if (!v) {
                        fprintf(stderr, "berthd: unknown argument %s (see --help)\n", argv[i]);
                        return 2;
                }
                compat = (enum machined_compat) c;
        }
        log_setup("berthd");
        return run(compat);
}
