/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The machine's journal, read once the machine is gone: the mount namespace
 * held open since boot keeps its /run and overlay, so the machine's own
 * journalctl reads everything journald wrote, shutdown included. Its JSON
 * output is read with json-c. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boottest.h"
#include "cleanup.h"
#include "util.h"

/* systemd's catalog ID of "unit X failed with result R" (SD_MESSAGE_UNIT_FAILURE_RESULT). */
#define MESSAGE_UNIT_FAILURE_RESULT "d9b373ed55a64feb8242e02dbe79a49c"
#define JOURNAL_ERRORS_MAX 200
#define UNIT_LINES_MAX 50

static const char *field(json_object *e, const char *key)
{
        json_object *v;
        if (!json_object_object_get_ex(e, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

/* MESSAGE is a string, or an array of bytes when it is not valid UTF-8. */
static char *message(json_object *e)
{
        json_object *v;
        char *s;

        if (!json_object_object_get_ex(e, "MESSAGE", &v) || !v)
                return strdup("");
        if (json_object_is_type(v, json_type_string))
                return strdup(json_object_get_string(v));
        if (!json_object_is_type(v, json_type_array))
                return strdup("");
        size_t n = json_object_array_length(v);
        s = malloc(n + 1);
        if (!s)
                return NULL;
        for (size_t i = 0; i < n; i++)
                s[i] = (char) json_object_get_int(json_object_array_get_idx(v, i));
        s[n] = 0;
        return s;
}

static bool entry_is_about(json_object *e, const char *unit)
{
        const char *a = field(e, "_SYSTEMD_UNIT"), *b = field(e, "UNIT");
        return (a && streq(a, unit)) || (b && streq(b, unit));
}

static bool failed_already(const struct tree_result *res, const char *unit, enum phase phase)
{
        for (size_t i = 0; i < res->failed_units.n; i++)
                if (streq(res->failed_units.v[i].unit ?: "", unit) && res->failed_units.v[i].phase == phase)
                        return true;
        return false;
}

/* An entry of this boot of the machine: the kernel's boot (the machine
 * shares it) and after berth started it — a tree may bring the journal of
 * earlier boots along. */
static bool this_boot(json_object *e, const char *boot_id, uint64_t start_monotonic)
{
        const char *b = field(e, "_BOOT_ID"), *m = field(e, "__MONOTONIC_TIMESTAMP");
        return b && m && streq(b, boot_id) && strtoull(m, NULL, 10) >= start_monotonic;
}

/* The entries of this boot, parsed. */
static json_object *parse_entries(char *out, uint64_t start_monotonic)
{
        json_object *all = json_object_new_array();
        json_tokener *tok = json_tokener_new();
        char boot_id[64] = "", *save = NULL;
        _cleanup_fclose_ FILE *b = fopen("/proc/sys/kernel/random/boot_id", "re");

        if (b && fgets(boot_id, sizeof(boot_id), b))
                boot_id[strcspn(boot_id, "\n")] = 0;
        /* journald writes the ID without dashes */
        for (char *from = boot_id, *to = boot_id;; from++)
                if (*from != '-' && !(*to++ = *from))
                        break;
        for (char *line = strtok_r(out, "\n", &save); tok && line; line = strtok_r(NULL, "\n", &save)) {
                json_tokener_reset(tok);
                json_object *e = json_tokener_parse_ex(tok, line, (int) strlen(line));
                if (e && this_boot(e, boot_id, start_monotonic))
                        json_object_array_add(all, e);
                else
                        json_object_put(e);
        }
        if (tok)
                json_tokener_free(tok);
        return all;
}

/* Units that failed while the machine went down, from systemd's own
 * "failed with result" messages after the poweroff began. */
static void shutdown_failures(struct tree_result *res, json_object *all, uint64_t poweroff_realtime)
{
        for (size_t i = 0; i < json_object_array_length(all); i++) {
                json_object *e = json_object_array_get_idx(all, i);
                const char *id = field(e, "MESSAGE_ID"), *unit = field(e, "UNIT"), *rt = field(e, "__REALTIME_TIMESTAMP");
                if (!id || !unit || !streq(id, MESSAGE_UNIT_FAILURE_RESULT) || !rt ||
                    strtoull(rt, NULL, 10) < poweroff_realtime || poweroff_realtime == 0)
                        continue;
                if (failed_already(res, unit, PHASE_SHUTDOWN))
                        continue;
                struct failed_unit *f = RESULT_PUSH(res, res->failed_units);
                if (!f)
                        return;
                result_set(res, &f->unit, unit);
                result_set(res, &f->result, field(e, "UNIT_RESULT") ?: "failed");
                f->phase = PHASE_SHUTDOWN;
                f->journal.present = true;
        }
}

static void add_error(struct tree_result *res, json_object *e, int priority, const char *ident, const char *msg,
                      bool shutdown)
{
        struct journal_error *x = RESULT_PUSH(res, res->journal_errors);

        if (!x)
                return;
        x->priority = priority;
        result_set(res, &x->identifier, ident);
        result_set(res, &x->unit, field(e, "_SYSTEMD_UNIT"));
        result_set(res, &x->message, msg);
        x->phase = shutdown ? PHASE_SHUTDOWN : PHASE_BOOT;
}

void journal_collect(struct tree_result *res, struct machine_ns *ns, uint64_t start_monotonic, uint64_t poweroff_realtime)
{
        char *const argv[] = { "journalctl", "--no-pager", "-o", "json", NULL };
        _cleanup_free_ char *out = NULL;
        size_t entries = 0, error_count = 0;
        int r;

        res->has_journal = true;
        res->journal_errors.present = true;
        res->failed_units.present = true;
        r = inside_run(ns, NULL, argv, INSIDE_STOPPED, 30000, &out);
        if (r != 0 || !out[0]) {
                res->journal_available = false;
                return;
        }

        /* Two passes: unit failures during the shutdown first, so that the
         * second can give every failed unit its lines. */
        json_object *all = parse_entries(out, start_monotonic);
        entries = json_object_array_length(all);
        shutdown_failures(res, all, poweroff_realtime);

        for (size_t i = 0; i < entries; i++) {
                json_object *e = json_object_array_get_idx(all, i);
                const char *prio = field(e, "PRIORITY"), *rt = field(e, "__REALTIME_TIMESTAMP");
                const char *ident = field(e, "SYSLOG_IDENTIFIER") ?: field(e, "_COMM") ?: "";
                bool shutdown = poweroff_realtime > 0 && rt && strtoull(rt, NULL, 10) >= poweroff_realtime;
                _cleanup_free_ char *msg = message(e);
                _cleanup_free_ char *line = NULL;

                if (!msg || asprintf(&line, "%s: %s", ident, msg) < 0)
                        continue;
                for (size_t k = 0; k < res->failed_units.n; k++) {
                        struct failed_unit *f = &res->failed_units.v[k];
                        if (entry_is_about(e, f->unit ?: ""))
                                result_push(res, &f->journal, line);
                }
                if (!prio || atoi(prio) > 3)
                        continue;
                error_count++;
                if (res->journal_errors.n < JOURNAL_ERRORS_MAX)
                        add_error(res, e, atoi(prio), ident, msg, shutdown);
        }
        for (size_t k = 0; k < res->failed_units.n; k++)
                strlist_keep_last(&res->failed_units.v[k].journal, UNIT_LINES_MAX);
        json_object_put(all);
        res->journal_available = true;
        res->journal_entries = entries;
        res->journal_error_count = error_count;
}
