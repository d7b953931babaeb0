/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The reports: the JSON one written here, with json-c, from the trees'
 * results (schema in berth(1)); the JUnit one in junit.c. Each goes to a
 * hidden file next to its path, renamed over it when complete. */
#include <errno.h>
#include <json-c/json.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "matrix.h"
#include "util.h"

static json_object *json_str(const char *s)
{
        return json_object_new_string(s ? s : "");
}

/* A string that may be null. */
static json_object *json_str_or_null(const char *s)
{
        return s ? json_str(s) : NULL;
}

/* Seconds with millisecond precision, printed as such. */
static json_object *json_seconds(uint64_t usec)
{
        char s[32];

        if (usec == USEC_NULL || usec == USEC_ABSENT)
                return NULL;
        snprintf(s, sizeof(s), "%.3f", usec_to_sec(usec));
        return json_object_new_double_s(usec_to_sec(usec), s);
}

static void add(json_object *o, const char *key, json_object *value)
{
        json_object_object_add(o, key, value);
}

/* A duration the report has the key for: USEC_ABSENT is no key. */
static void add_seconds(json_object *o, const char *key, uint64_t usec)
{
        if (usec != USEC_ABSENT)
                add(o, key, json_seconds(usec));
}

static json_object *json_strlist(const strlist *l)
{
        json_object *a = json_object_new_array();

        for (size_t i = 0; i < l->n; i++)
                json_object_array_add(a, json_str(l->v[i]));
        return a;
}

static json_object *json_os(const struct tree_result *r)
{
        static const char *const keys[_OS_FIELD_MAX] = {
                [OS_PRETTY_NAME] = "pretty_name", [OS_ID] = "id", [OS_VERSION_ID] = "version_id",
                [OS_VERSION_CODENAME] = "version_codename",
        };
        json_object *o = json_object_new_object();

        for (size_t i = 0; i < r->n_os; i++)
                add(o, keys[r->os[i].field], json_str(r->os[i].value));
        return o;
}

static json_object *json_init(const struct tree_result *r)
{
        json_object *o = json_object_new_object();

        if (r->init_known) {
                add(o, "path", json_str_or_null(r->init_path));
                add(o, "kind", json_str_or_null(r->init_kind));
        }
        if (r->init_version)
                add(o, "version", json_str(r->init_version));
        return o;
}

static json_object *json_timing(const struct tree_result *r)
{
        json_object *o = json_object_new_object();

        add_seconds(o, "ready_sec", r->ready);
        add_seconds(o, "userspace_sec", r->userspace);
        add_seconds(o, "inspect_sec", r->inspect);
        add_seconds(o, "total_sec", r->total);
        return o;
}

static json_object *json_units(const struct tree_result *r)
{
        json_object *a = json_object_new_array();

        for (size_t i = 0; i < r->units.n; i++) {
                const struct unit_result *u = &r->units.v[i];
                json_object *o = json_object_new_object();
                add(o, "unit", json_str(u->unit));
                add(o, "load_state", json_str(u->load_state));
                add(o, "active_state", json_str(u->active_state));
                add(o, "sub_state", json_str(u->sub_state));
                add(o, "result", json_str(u->result));
                add(o, "activation_sec", json_seconds(u->activation));
                json_object_array_add(a, o);
        }
        return a;
}

static json_object *json_failed_units(const struct tree_result *r)
{
        json_object *a = json_object_new_array();

        for (size_t i = 0; i < r->failed_units.n; i++) {
                const struct failed_unit *f = &r->failed_units.v[i];
                json_object *o = json_object_new_object();
                add(o, "unit", json_str(f->unit));
                add(o, "result", json_str(f->result));
                add(o, "phase", json_str(phase_to_string(f->phase)));
                add(o, "journal", json_strlist(&f->journal));
                json_object_array_add(a, o);
        }
        return a;
}

static json_object *json_jobs(const job_list *l)
{
        json_object *a = json_object_new_array();
        const struct waiting_job *v = l->v;

        for (size_t i = 0; i < l->n; i++) {
                json_object *o = json_object_new_object();
                add(o, "unit", json_str(v[i].unit));
                add(o, "type", json_str(v[i].type));
                add(o, "state", json_str(v[i].state));
                json_object_array_add(a, o);
        }
        return a;
}

static json_object *json_login(const struct tree_result *r)
{
        json_object *o = json_object_new_object();

        if (r->has_getty) {
                add(o, "getty_running", json_object_new_boolean(r->getty_running));
                add(o, "getty_units", json_strlist(&r->getty_units));
        }
        if (r->has_login_tools) {
                add(o, "agetty_present", json_object_new_boolean(r->agetty_present));
                add(o, "login_present", json_object_new_boolean(r->login_present));
        }
        return o;
}

static json_object *json_rc(const struct tree_result *r)
{
        json_object *o = json_object_new_object();
        char level[2] = { r->runlevel, 0 };

        add(o, "finished", json_object_new_boolean(r->rc_finished));
        add(o, "finished_sec", json_seconds(r->rc_finished_time));
        if (r->rc_has_runlevel)
                add(o, "runlevel", r->runlevel ? json_str(level) : NULL);
        return o;
}

static void add_identity(json_object *t, const struct tree_result *r)
{
        json_object *host = json_object_new_object(), *mid = json_object_new_object();

        add(host, "value", json_str(r->hostname));
        add(host, "expected", json_str(r->hostname_expected));
        add(host, "ok", json_object_new_boolean(r->hostname_ok));
        add(t, "hostname", host);
        add(mid, "value", json_str_or_null(r->machine_id));
        add(mid, "source", json_str_or_null(r->machine_id_source));
        add(mid, "ok", json_object_new_boolean(r->machine_id_ok));
        add(t, "machine_id", mid);
}

static json_object *json_shutdown(const struct tree_result *r)
{
        json_object *o = json_object_new_object();

        if (r->shutdown.waiting_for.present)
                add(o, "waiting_for", json_jobs(&r->shutdown.waiting_for));
        add(o, "timed_out", json_object_new_boolean(r->shutdown.timed_out));
        add(o, "shutdown_sec", json_seconds(r->shutdown.time));
        add(o, "berth_exit_status", json_object_new_int(r->shutdown.berth_exit_status));
        add(o, "clean", json_object_new_boolean(r->shutdown.clean));
        return o;
}

static void add_journal(json_object *t, const struct tree_result *r)
{
        json_object *o = json_object_new_object(), *a = json_object_new_array();

        add(o, "available", json_object_new_boolean(r->journal_available));
        if (r->journal_available) {
                add(o, "entries", json_object_new_int64((int64_t) r->journal_entries));
                add(o, "errors", json_object_new_int64((int64_t) r->journal_error_count));
        }
        add(t, "journal", o);
        for (size_t i = 0; i < r->journal_errors.n; i++) {
                const struct journal_error *e = &r->journal_errors.v[i];
                json_object *x = json_object_new_object();
                add(x, "priority", json_object_new_int(e->priority));
                add(x, "identifier", json_str(e->identifier));
                add(x, "unit", json_str_or_null(e->unit));
                add(x, "message", json_str(e->message));
                add(x, "phase", json_str(phase_to_string(e->phase)));
                json_object_array_add(a, x);
        }
        add(t, "journal_errors", a);
}

/* A tree of the report: its keys in the order the schema lists them, which
 * is the order in which a boot finds them out. */
static json_object *json_tree(const struct tree_result *r)
{
        json_object *t = json_object_new_object();
        /* Failed units are asked of systemd with the units, or found in the
         * journal alone when systemd was never asked. */
        bool failed_with_units = r->units.present;

        add(t, "tree", json_str(r->tree));
        add(t, "label", json_str(r->label));
        if (r->machine) {
                add(t, "machine", json_str(r->machine));
                add(t, "os", json_os(r));
                add(t, "init", json_init(r));
                if (r->has_timing)
                        add(t, "timing", json_timing(r));
        }
        if (r->has_rc) {
                add(t, "rc", json_rc(r));
                add(t, "pid1_alive", json_object_new_boolean(r->pid1_alive));
        }
        if (r->units.present)
                add(t, "units", json_units(r));
        if (r->failed_units.present && failed_with_units)
                add(t, "failed_units", json_failed_units(r));
        if (r->system_state)
                add(t, "system_state", json_str(r->system_state));
        if (r->virtualization)
                add(t, "virtualization", json_str(r->virtualization));
        if (r->inspect_error)
                add(t, "inspect_error", json_str(r->inspect_error));
        if (r->waiting_for.present)
                add(t, "waiting_for", json_jobs(&r->waiting_for));
        if (r->has_getty)
                add(t, "login", json_login(r));
        if (r->has_identity)
                add_identity(t, r);
        if (!r->has_getty && r->has_login_tools)
                add(t, "login", json_login(r));
        if (r->has_identity)
                add(t, "cgroup_layout", json_str_or_null(r->cgroup_layout));
        if (r->has_shutdown)
                add(t, "shutdown", json_shutdown(r));
        if (r->has_journal)
                add_journal(t, r);
        if (r->failed_units.present && !failed_with_units)
                add(t, "failed_units", json_failed_units(r));
        if (r->console.present)
                add(t, "console", json_strlist(&r->console));
        if (r->checked.present)
                add(t, "checked", json_strlist(&r->checked));
        if (r->not_checked.present)
                add(t, "not_checked", json_strlist(&r->not_checked));
        add(t, "verdict", json_str(result_verdict(r)));
        add(t, "exit_status", json_object_new_int(result_exit_status(r)));
        add(t, "reason", json_str_or_null(r->reason));
        if (!r->machine && r->has_timing)
                add(t, "timing", json_timing(r));
        return t;
}

static json_object *json_report(const struct report *rep)
{
        json_object *report = json_object_new_object(), *trees = json_object_new_array();
        json_object *summary = json_object_new_object();
        const struct boot_test_args *a = rep->matrix->args;
        unsigned counts[_VERDICT_MAX + 1] = {};

        add(report, "schema_version", json_object_new_int(BOOT_TEST_SCHEMA_VERSION));
        add(report, "berth_version", json_str(BERTH_VERSION));
        add(report, "started", json_str(rep->started));
        add(report, "duration_sec", json_seconds(rep->duration));
        add(report, "timeout_sec", json_object_new_int((int) a->o.timeout_sec));
        add(report, "jobs", json_object_new_int((int) a->jobs));
        add(report, "exit_status", json_object_new_int(rep->exit_status));
        for (size_t i = 0; i < rep->matrix->n_jobs; i++) {
                const struct tree_result *r = &rep->matrix->jobs[i].result;
                counts[r->interrupted ? _VERDICT_MAX : r->verdict]++;
                json_object_array_add(trees, json_tree(r));
        }
        add(summary, "trees", json_object_new_int((int) rep->matrix->n_jobs));
        for (int v = 0; v < _VERDICT_MAX; v++)
                add(summary, verdict_to_string(v), json_object_new_int((int) counts[v]));
        add(summary, "interrupted", json_object_new_int((int) counts[_VERDICT_MAX]));
        add(report, "summary", summary);
        add(report, "trees", trees);
        return report;
}

void report_init(struct report *rep, const struct matrix *m, int exit_status, time_t started, uint64_t t0)
{
        *rep = (struct report) { .matrix = m, .exit_status = exit_status,
                                 .duration = now_usec(CLOCK_MONOTONIC) - t0 };
        strftime(rep->started, sizeof(rep->started), "%Y-%m-%dT%H:%M:%SZ", gmtime(&started));
}

/* Checked before anything boots: a path that cannot be written is said at
 * once, not after the whole matrix. */
int report_dir_writable(const char *path)
{
        _cleanup_free_ char *dir = strdup(path);
        char *slash;

        if (!dir)
                return -ENOMEM;
        if (streq(path, "-"))
                return 0;
        slash = strrchr(dir, '/');
        if (slash)
                slash[slash == dir ? 1 : 0] = 0;
        return access(slash ? dir : ".", W_OK | X_OK) < 0 ? -errno : 0;
}

/* A reader never sees half a report, and a failed write leaves nothing. */
int report_write(const struct report *report, const char *path, int (*write_fn)(const struct report *, int))
{
        _cleanup_free_ char *tmp = NULL;
        const char *slash = strrchr(path, '/');
        int fd, r;

        if (streq(path, "-"))
                return write_fn(report, STDOUT_FILENO);
        if (asprintf(&tmp, "%.*s.%s.XXXXXX", slash ? (int) (slash - path + 1) : 0, path, slash ? slash + 1 : path) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = fchmod(fd, 0644) < 0 ? -errno : write_fn(report, fd);
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void) unlink(tmp);
        close(fd);
        return r;
}

int report_json_write(const struct report *report, int fd)
{
        json_object *o = json_report(report);
        const char *s = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                      JSON_C_TO_STRING_NOSLASHESCAPE)
                          : NULL;
        int r = s ? write_full(fd, s, strlen(s)) : -ENOMEM;

        if (r >= 0)
                r = write_full(fd, "\n", 1);
        json_object_put(o);
        return r;
}
