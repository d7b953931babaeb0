/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where systemd is PID 1, a machine is the unit berth@NAME.service (if it
 * is installed), as systemd-nspawn@ is: systemd supervises its launcher,
 * and the unit's log, limits and dependencies apply. The reply still
 * waits for the machine's registration; a job that fails says so. */
#include "unit-bus.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "manager.h"
#include "util.h"

static bool systemd_runs(void)
{
        struct stat st;

        return lstat("/run/systemd/system/", &st) >= 0 && S_ISDIR(st.st_mode) && !getenv("BERTH_NO_UNITS");
}

static int on_unit_started(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        struct pending_start *p = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        const char *job;

        if (e && (sd_bus_error_has_name(e, "org.freedesktop.systemd1.NoSuchUnit") ||
                  sd_bus_error_has_name(e, "org.freedesktop.systemd1.LoadFailed"))) {
                /* No berth@.service installed: run the launcher ourselves. */
                manager_start_spawn(p);
                return 0;
        }
        if (e) {
                manager_start_fail(p, "systemd refused berth@%s.service: %s", p->name, e->message);
                return 0;
        }
        if (sd_bus_message_read(reply, "o", &job) >= 0)
                p->job = strdup(job);
        return 0;
}

static int unit_start(struct pending_start *p, void *userdata, void **ret_handle)
{
        sd_bus_slot *slot = NULL;
        char unit[128];
        int r;

        if (!systemd_runs())
                return -EOPNOTSUPP;
        snprintf(unit, sizeof(unit), "berth@%s.service", p->name);
        r = sd_bus_call_method_async(userdata, &slot, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                     "org.freedesktop.systemd1.Manager", "StartUnit", on_unit_started, p, "ss",
                                     unit, "replace");
        if (r < 0)
                return r;
        *ret_handle = slot;
        return 0;
}

/* The start is answered: systemd's reply, should it still come, is not. */
static void unit_drop(void *handle)
{
        sd_bus_slot_unref(handle);
}

static const struct manager_units systemd_units = {
        .start = unit_start,
        .drop = unit_drop,
};

static int on_job_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error)
{
        struct pending_start *p;
        const char *job, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(msg, "uoss", &id, &job, &unit, &result) < 0 || streq(result, "done"))
                return 0;
        p = manager_find_start_by_job(userdata, job);
        if (p)
                manager_start_fail(p, "%s ended with '%s' (see journalctl -u %s)", unit, result, unit);
        return 0;
}

int unit_bus_setup(struct manager *m, sd_bus *bus)
{
        m->units = &systemd_units;
        m->units_userdata = bus;
        if (!systemd_runs())
                return 0;
        return sd_bus_match_signal_async(bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                         "org.freedesktop.systemd1.Manager", "JobRemoved", on_job_removed, NULL, m);
}
