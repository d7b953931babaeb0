/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The machine's journal, read once the machine is gone: the mount namespace
 * held open since boot keeps its /run and overlay, so the machine's own
 * journalctl reads everything journald wrote, shutdown included. */
#include <errno.h>
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

static json_object *failed_entry(json_object *failed, const char *unit, const char *phase)
{
        for (size_t i = 0; i < json_object_array_length(failed); i++) {
                json_object *f = json_object_array_get_idx(failed, i);
                if (streq(jstr(f, "unit") ?: "", unit) && streq(jstr(f, "phase") ?: "", phase))
                        return f;
        }
        return NULL;
}

static void keep_last(json_object *arr, size_t max)
{
        size_t n = json_object_array_length(arr);
        if (n > max)
                json_object_array_del_idx(arr, 0, n - max);
}

/* An entry of this boot of the machine: the kernel's boot (the machine
 * shares it) and after berth started it — a tree may bring the journal of
 * earlier boots along. */
static bool this_boot(json_object *e, const char *boot_id, uint64_t start_monotonic)
{
        const char *b = field(e, "_BOOT_ID"), *m = field(e, "__MONOTONIC_TIMESTAMP");
        return b && m && streq(b, boot_id) && strtoull(m, NULL, 10) >= start_monotonic;
}

void journal_collect(json_object *res, struct machine_ns *ns, uint64_t start_monotonic, uint64_t poweroff_realtime)
{
        char *const argv[] = { "journalctl", "--no-pager", "-o", "json", NULL };
        _cleanup_free_ char *out = NULL;
        json_object *journal = json_object_new_object(), *errors = json_object_new_array(), *failed;
        size_t entries = 0, error_count = 0;
        char *save = NULL;
        int r;

        json_object_object_add(res, "journal", journal);
        json_object_object_add(res, "journal_errors", errors);
        if (!json_object_object_get_ex(res, "failed_units", &failed) || !failed) {
                failed = json_object_new_array();
                json_object_object_add(res, "failed_units", failed);
        }
        r = inside_run(ns, NULL, argv, INSIDE_STOPPED, 30000, &out);
        if (r != 0 || !out[0]) {
                json_object_object_add(journal, "available", json_object_new_boolean(false));
                return;
        }

        /* Two passes: unit failures during the shutdown first, so that the
         * second can give every failed unit its lines. */
        char boot_id[64] = "";
        _cleanup_fclose_ FILE *b = fopen("/proc/sys/kernel/random/boot_id", "re");
        if (b && fgets(boot_id, sizeof(boot_id), b))
                boot_id[strcspn(boot_id, "\n")] = 0;
        /* journald writes the ID without dashes */
        for (char *from = boot_id, *to = boot_id;; from++)
                if (*from != '-' && !(*to++ = *from))
                        break;

        json_tokener *tok = json_tokener_new();
        json_object *all = json_object_new_array();
        for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                json_tokener_reset(tok);
                json_object *e = json_tokener_parse_ex(tok, line, (int) strlen(line));
                if (e && this_boot(e, boot_id, start_monotonic))
                        json_object_array_add(all, e);
                else
                        json_object_put(e);
        }
        json_tokener_free(tok);
        entries = json_object_array_length(all);

        for (size_t i = 0; i < entries; i++) {
                json_object *e = json_object_array_get_idx(all, i);
                const char *id = field(e, "MESSAGE_ID"), *unit = field(e, "UNIT"), *rt = field(e, "__REALTIME_TIMESTAMP");
                if (!id || !unit || !streq(id, MESSAGE_UNIT_FAILURE_RESULT) || !rt ||
                    strtoull(rt, NULL, 10) < poweroff_realtime || poweroff_realtime == 0)
                        continue;
                if (failed_entry(failed, unit, "shutdown"))
                        continue;
                json_object *f = json_object_new_object();
                json_object_object_add(f, "unit", json_str(unit));
                json_object_object_add(f, "result", json_str(field(e, "UNIT_RESULT") ?: "failed"));
                json_object_object_add(f, "phase", json_str("shutdown"));
                json_object_object_add(f, "journal", json_object_new_array());
                json_object_array_add(failed, f);
        }

        for (size_t i = 0; i < entries; i++) {
                json_object *e = json_object_array_get_idx(all, i);
                const char *prio = field(e, "PRIORITY"), *rt = field(e, "__REALTIME_TIMESTAMP");
                const char *ident = field(e, "SYSLOG_IDENTIFIER") ?: field(e, "_COMM") ?: "";
                bool shutdown = poweroff_realtime > 0 && rt && strtoull(rt, NULL, 10) >= poweroff_realtime;
                _cleanup_free_ char *msg = message(e);
                _cleanup_free_ char *line = NULL;

                if (!msg || asprintf(&line, "%s: %s", ident, msg) < 0)
                        continue;
                for (size_t k = 0; k < json_object_array_length(failed); k++) {
                        json_object *f = json_object_array_get_idx(failed, k), *lines = jget(f, "journal");
                        if (lines && entry_is_about(e, jstr(f, "unit") ?: ""))
                                json_object_array_add(lines, json_str(line));
                }
                if (!prio || atoi(prio) > 3)
                        continue;
                error_count++;
                if (json_object_array_length(errors) >= JOURNAL_ERRORS_MAX)
                        continue;
                json_object *o = json_object_new_object();
                json_object_object_add(o, "priority", json_object_new_int(atoi(prio)));
                json_object_object_add(o, "identifier", json_str(ident));
                json_object_object_add(o, "unit", field(e, "_SYSTEMD_UNIT") ? json_str(field(e, "_SYSTEMD_UNIT")) : NULL);
                json_object_object_add(o, "message", json_str(msg));
                json_object_object_add(o, "phase", json_str(shutdown ? "shutdown" : "boot"));
                json_object_array_add(errors, o);
        }
        for (size_t k = 0; k < json_object_array_length(failed); k++) {
                json_object *lines;
                if (json_object_object_get_ex(json_object_array_get_idx(failed, k), "journal", &lines))
                        keep_last(lines, UNIT_LINES_MAX);
        }
        json_object_put(all);
        json_object_object_add(journal, "available", json_object_new_boolean(true));
        json_object_object_add(journal, "entries", json_object_new_int64((int64_t) entries));
        json_object_object_add(journal, "errors", json_object_new_int64((int64_t) error_count));
}
