/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-bus: the launcher's hand on the system bus. The launcher is static
 * and loads no library when a machine starts; where it needs D-Bus (a
 * systemd scope for the machine) it runs this small program, linked with
 * sd-bus, once.
 *
 *   berth-bus scope-start --unit=machine-NAME.scope --pid=PID [--slice=SLICE]
 *             [--description=TEXT] [--property=NAME=VALUE]...
 *
 * asks systemd for a transient scope with Delegate=yes holding PID (and
 * the limits, NAME=VALUE as resources.c reads them: MemoryMax=1G,
 * AllowedCPUs=0-1, IOWriteBandwidthMax=/dev/vda 10M, ...), waits
 * for the job, and prints the scope's control group. Exit status: 0 done,
 * 1 systemd refused or the job failed (one line on stderr says why), 2 no
 * systemd answers on the bus.
 *
 *   berth-bus set-property --unit=UNIT --property=NAME=VALUE...
 *
 * changes a running unit's limits (SetUnitProperties, runtime only), the
 * lifted ones too; exit statuses as scope-start's.
 *
 *   berth-bus register|unregister ...
 *
 * makes a machine known to systemd-machined, or unknown again
 * (machined-register.c). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "machined-register.h"
#include "resources.h"
#include "unit-props.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

struct scope_args {
        const char *unit;
        const char *slice;
        const char *description;
        uint32_t pid;
        struct cgroup_limits limits;
};

struct job_wait {
        const char *path;
        char result[64];
        bool done;
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct job_wait *w = userdata;
        const char *path, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
                return 0;
        if (w->path && strcmp(path, w->path) == 0) {
                snprintf(w->result, sizeof(w->result), "%s", result);
                w->done = true;
        }
        return 0;
}

static int append_properties(sd_bus_message *m, const struct scope_args *a)
{
        int r = sd_bus_message_open_container(m, 'a', "(sv)");

        if (r >= 0)
                r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)", "Description", "s", a->description, "Delegate", "b",
                                          1, "PIDs", "au", 1, a->pid, "CollectMode", "s", "inactive-or-failed");
        if (r >= 0 && a->slice)
                r = sd_bus_message_append(m, "(sv)", "Slice", "s", a->slice);
        if (r >= 0)
                r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)", "MemoryAccounting", "b", 1, "TasksAccounting", "b",
                                          1, "CPUAccounting", "b", 1, "IOAccounting", "b", 1);
        if (r >= 0)
                r = bus_append_limits(m, &a->limits, false);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static int control_group(sd_bus *bus, const char *unit, char **ret)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *path;
        int r;

        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "GetUnit", &error, &reply, "s", unit);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &path);
        if (r >= 0)
                r = sd_bus_get_property_string(bus, SD_DEST, path, "org.freedesktop.systemd1.Scope", "ControlGroup",
                                               &error, ret);
        if (r < 0)
                fprintf(stderr, "reading the control group of %s: %s\n", unit,
                        error.message ? error.message : strerror(-r));
        sd_bus_message_unref(reply);
        sd_bus_error_free(&error);
        return r;
}

static int scope_start(const struct scope_args *a)
{
        sd_bus *bus = NULL;
        sd_bus_message *m = NULL, *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        struct job_wait w = {};
        char *cgroup = NULL;
        const char *job;
        int r, status = 1;

        r = sd_bus_default_system(&bus);
        if (r < 0) {
                fprintf(stderr, "no system bus answers: %s\n", strerror(-r));
                return 2;
        }
        /* Subscribe before the call, or the job may end unseen. */
        r = sd_bus_match_signal(bus, NULL, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved", on_job_removed, &w);
        if (r >= 0)
                r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", a->unit, "fail");
        if (r >= 0)
                r = append_properties(m, a);
        if (r >= 0)
                r = sd_bus_message_append(m, "a(sa(sv))", 0);
        if (r < 0) {
                fprintf(stderr, "building the request: %s\n", strerror(-r));
                goto out;
        }
        r = sd_bus_call(bus, m, 0, &error, &reply);
        if (r < 0) {
                bool absent = sd_bus_error_has_name(&error, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
                              sd_bus_error_has_name(&error, SD_BUS_ERROR_NAME_HAS_NO_OWNER);
                fprintf(stderr, "systemd %s %s: %s\n", absent ? "does not answer for" : "refused", a->unit,
                        error.message ? error.message : strerror(-r));
                status = absent ? 2 : 1;
                goto out;
        }
        r = sd_bus_message_read(reply, "o", &job);
        if (r < 0)
                goto out;
        w.path = job;
        while (!w.done) {
                r = sd_bus_process(bus, NULL);
                if (r < 0) {
                        fprintf(stderr, "waiting for the job of %s: %s\n", a->unit, strerror(-r));
                        goto out;
                }
                if (r == 0 && (r = sd_bus_wait(bus, UINT64_MAX)) < 0) {
                        fprintf(stderr, "waiting for the job of %s: %s\n", a->unit, strerror(-r));
                        goto out;
                }
        }
        if (strcmp(w.result, "done") != 0) {
                fprintf(stderr, "the job starting %s ended with '%s' (see journalctl -u %s)\n", a->unit, w.result,
                        a->unit);
                goto out;
        }
        if (control_group(bus, a->unit, &cgroup) < 0)
                goto out;
        printf("%s\n", cgroup);
        status = 0;
out:
        free(cgroup);
        sd_bus_message_unref(reply);
        sd_bus_message_unref(m);
        sd_bus_error_free(&error);
        sd_bus_flush_close_unref(bus);
        return status;
}

static int set_property(const struct scope_args *a)
{
        sd_bus *bus = NULL;
        sd_bus_message *m = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r, status = 1;

        r = sd_bus_default_system(&bus);
        if (r < 0) {
                fprintf(stderr, "no system bus answers: %s\n", strerror(-r));
                return 2;
        }
        r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties");
        if (r >= 0)
                r = sd_bus_message_append(m, "sb", a->unit, 1);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r >= 0)
                r = bus_append_limits(m, &a->limits, true);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0) {
                fprintf(stderr, "building the request: %s\n", strerror(-r));
                goto out;
        }
        r = sd_bus_call(bus, m, 0, &error, NULL);
        if (r < 0) {
                bool absent = sd_bus_error_has_name(&error, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
                              sd_bus_error_has_name(&error, SD_BUS_ERROR_NAME_HAS_NO_OWNER);
                fprintf(stderr, "systemd refused the properties of %s: %s\n", a->unit,
                        error.message ? error.message : strerror(-r));
                status = absent ? 2 : 1;
                goto out;
        }
        status = 0;
out:
        sd_bus_message_unref(m);
        sd_bus_error_free(&error);
        sd_bus_flush_close_unref(bus);
        return status;
}

static int parse_u64(const char *s, uint64_t *ret)
{
        char *end;

        errno = 0;
        *ret = strtoull(s, &end, 10);
        return errno || *end || !*s ? -EINVAL : 0;
}

int main(int argc, char **argv)
{
        static const struct option options[] = {
                { "unit", required_argument, NULL, 'u' },
                { "pid", required_argument, NULL, 'p' },
                { "slice", required_argument, NULL, 's' },
                { "description", required_argument, NULL, 'd' },
                { "property", required_argument, NULL, 'P' },
                {}
        };
        struct scope_args a = { .description = "berth machine" };
        uint64_t v;
        int c;

        if (argc >= 2 && (strcmp(argv[1], "register") == 0 || strcmp(argv[1], "unregister") == 0))
                return machined_register_main(argc, argv, strcmp(argv[1], "unregister") == 0);
        bool set = argc >= 2 && strcmp(argv[1], "set-property") == 0;
        if (argc < 2 || (strcmp(argv[1], "scope-start") != 0 && !set)) {
                fprintf(stderr, "usage: berth-bus scope-start --unit=UNIT --pid=PID [...] | set-property "
                        "--unit=UNIT --property=NAME=VALUE... | register ... | unregister ...\n");
                return 1;
        }
        optind = 2;
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                if (c == '?')
                        return 1;
                if (c == 'u')
                        a.unit = optarg;
                else if (c == 's')
                        a.slice = optarg;
                else if (c == 'd')
                        a.description = optarg;
                else if (c == 'P') {
                        char *eq = strchr(optarg, '='), why_buf[256];
                        const char *why;

                        if (eq)
                                *eq = 0;
                        if (!eq || limits_assign(&a.limits, optarg, eq + 1, why_buf, sizeof(why_buf), &why) < 0) {
                                fprintf(stderr, "berth-bus: --property=%s: %s\n", optarg,
                                        eq ? why : "expected NAME=VALUE");
                                return 1;
                        }
                } else if (parse_u64(optarg, &v) < 0) {
                        fprintf(stderr, "berth-bus: bad number '%s'\n", optarg);
                        return 1;
                } else if (c == 'p')
                        a.pid = (uint32_t) v;
        }
        if (set) {
                if (!a.unit || !a.limits.set) {
                        fprintf(stderr, "berth-bus: set-property needs --unit and a --property\n");
                        return 1;
                }
                return set_property(&a);
        }
        if (!a.unit || !a.pid) {
                fprintf(stderr, "berth-bus: --unit and --pid are required\n");
                return 1;
        }
        return scope_start(&a);
}
