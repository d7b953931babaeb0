/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-oci's log as runc writes it, since engines read it: with --log
 * FILE each line goes there, as logrus text (time="..." level=error
 * msg="...") or, with --log-format=json, one JSON object per line with
 * level, msg and time; an error is also said plainly on stderr. Without
 * --log the lines go to stderr. */
#include "oci-log.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "oci-proc.h"
#include "util.h"

static int log_fd = STDERR_FILENO;
static bool log_json;

static const char *level_name(enum log_level l)
{
        switch (l) {
        case LOG_LEVEL_ERROR:
                return "error";
        case LOG_LEVEL_WARNING:
                return "warning";
        case LOG_LEVEL_INFO:
                return "info";
        default:
                return "debug";
        }
}

static void sink(enum log_level level, const char *msg)
{
        char now[64], line[4096];
        int n;

        oci_now_rfc3339(now, sizeof(now));
        if (log_json) {
                json_object *o = json_object_new_object();
                if (!o)
                        return;
                json_object_object_add(o, "level", json_object_new_string(level_name(level)));
                json_object_object_add(o, "msg", json_object_new_string(msg));
                json_object_object_add(o, "time", json_object_new_string(now));
                n = snprintf(line, sizeof(line), "%s\n",
                             json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
                json_object_put(o);
        } else {
                /* logrus quotes msg as Go's %q would: the escapes a message
                 * already has (log_escape) leave only '"' and '\\' to do. */
                char quoted[3000];
                size_t q = 0;
                for (const char *c = msg; *c && q < sizeof(quoted) - 3; c++) {
                        if (*c == '"' || *c == '\\')
                                quoted[q++] = '\\';
                        quoted[q++] = *c;
                }
                quoted[q] = 0;
                n = snprintf(line, sizeof(line), "time=\"%s\" level=%s msg=\"%s\"\n", now, level_name(level), quoted);
        }
        if (n > 0)
                (void) write_full(log_fd, line, (size_t) n < sizeof(line) ? (size_t) n : sizeof(line) - 1);
        if (level == LOG_LEVEL_ERROR && log_fd != STDERR_FILENO) {
                n = snprintf(line, sizeof(line), "%s\n", msg);
                (void) write_full(STDERR_FILENO, line, (size_t) n < sizeof(line) ? (size_t) n : sizeof(line) - 1);
        }
}

int oci_log_setup(const char *path, const char *format)
{
        if (format && !streq(format, "text") && !streq(format, "json")) {
                fprintf(stderr, "invalid log-format: %s\n", format);
                return -1;
        }
        log_json = format && streq(format, "json");
        if (path && *path) {
                int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
                if (fd < 0) {
                        fprintf(stderr, "opening --log %s: %m\n", path);
                        return -1;
                }
                log_fd = fd;
        }
        log_set_sink(sink);
        return 0;
}
