/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The reports: the matrix as one JSON document (schema in berth(1)), which
 * the JUnit writer reads too; each written to a hidden file next to its
 * path and renamed over it when complete. */
#include <errno.h>
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

json_object *report_make(const struct matrix *m, int exit_status, time_t started, uint64_t t0)
{
        json_object *report = json_object_new_object(), *trees = json_object_new_array();
        json_object *summary = json_object_new_object();
        const struct boot_test_args *a = m->args;
        unsigned counts[_VERDICT_MAX + 1] = {};
        char stamp[64];

        strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&started));
        json_object_object_add(report, "schema_version", json_object_new_int(BOOT_TEST_SCHEMA_VERSION));
        json_object_object_add(report, "berth_version", json_str(BERTH_VERSION));
        json_object_object_add(report, "started", json_str(stamp));
        json_object_object_add(report, "duration_sec", json_seconds(now_usec(CLOCK_MONOTONIC) - t0));
        json_object_object_add(report, "timeout_sec", json_object_new_int((int) a->o.timeout_sec));
        json_object_object_add(report, "jobs", json_object_new_int((int) a->jobs));
        json_object_object_add(report, "exit_status", json_object_new_int(exit_status));
        for (size_t i = 0; i < m->n_jobs; i++) {
                int v = verdict_from_string(jstr(m->jobs[i].result, "verdict"));
                counts[v < 0 ? _VERDICT_MAX : v]++;
                json_object_array_add(trees, json_object_get(m->jobs[i].result));
        }
        json_object_object_add(summary, "trees", json_object_new_int((int) m->n_jobs));
        for (int v = 0; v < _VERDICT_MAX; v++)
                json_object_object_add(summary, verdict_to_string(v), json_object_new_int((int) counts[v]));
        json_object_object_add(summary, "interrupted", json_object_new_int((int) counts[_VERDICT_MAX]));
        json_object_object_add(report, "summary", summary);
        json_object_object_add(report, "trees", trees);
        return report;
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
int report_write(json_object *report, const char *path, int (*write_fn)(json_object *, int))
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

int report_json_write(json_object *report, int fd)
{
        const char *s = json_object_to_json_string_ext(report, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                        JSON_C_TO_STRING_NOSLASHESCAPE);
        int r = write_full(fd, s, strlen(s));
        return r < 0 ? r : write_full(fd, "\n", 1);
}
