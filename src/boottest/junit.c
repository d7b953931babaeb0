/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The report as JUnit XML, the way Jenkins and GitLab read it: a testsuite
 * per tree, a testcase per check and per unit the boot started, failed
 * units as failures carrying their journal lines. libxml2 writes it, so
 * that escaping is done right; text from the machine is first made valid
 * XML 1.0 (UTF-8, no control characters but tab and newline). */
#include <errno.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boottest.h"
#include "cleanup.h"
#include "util.h"

/* Length of the valid UTF-8 sequence at s allowed in XML 1.0, 0 if none. */
static size_t xml_char(const unsigned char *s)
{
        uint32_t c;
        size_t n;

        if (s[0] < 0x80)
                return s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' || s[0] == '\r' ? 1 : 0;
        if ((s[0] & 0xe0) == 0xc0)
                n = 2, c = s[0] & 0x1f;
        else if ((s[0] & 0xf0) == 0xe0)
                n = 3, c = s[0] & 0x0f;
        else if ((s[0] & 0xf8) == 0xf0)
                n = 4, c = s[0] & 0x07;
        else
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                c = (c << 6) | (s[i] & 0x3f);
        }
        if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10ffff ||
            (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
                return 0;
        return n;
}

static char *xml_text(const char *s)
{
        size_t l = s ? strlen(s) : 0, k = 0;
        char *out = malloc(l + 1);

        if (!out)
                return NULL;
        for (size_t i = 0; i < l;) {
                size_t n = xml_char((const unsigned char *) s + i);
                if (n == 0) {
                        out[k++] = '?';
                        i++;
                        continue;
                }
                memcpy(out + k, s + i, n);
                k += n;
                i += n;
        }
        out[k] = 0;
        return out;
}

static int attr(xmlTextWriterPtr w, const char *name, const char *value)
{
        _cleanup_free_ char *v = xml_text(value ? value : "");
        return v ? xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST v) : -1;
}

static int attr_num(xmlTextWriterPtr w, const char *name, long value)
{
        char b[32];
        snprintf(b, sizeof(b), "%ld", value);
        return attr(w, name, b);
}

static int attr_sec(xmlTextWriterPtr w, const char *name, json_object *seconds)
{
        char b[32];
        snprintf(b, sizeof(b), "%.3f", seconds ? json_object_get_double(seconds) : 0.0);
        return attr(w, name, b);
}

static int text(xmlTextWriterPtr w, const char *s)
{
        _cleanup_free_ char *v = xml_text(s);
        return v ? xmlTextWriterWriteString(w, BAD_CAST v) : -1;
}

/* A check's outcome: a message when it failed, skipped when not checked. */
struct check {
        const char *name;
        json_object *time;
        const char *failure;    /* NULL: passed */
        const char *type;
        const char *body;
        const char *skipped;
};

static void testcase(xmlTextWriterPtr w, const char *classname, const struct check *c)
{
        xmlTextWriterStartElement(w, BAD_CAST "testcase");
        attr(w, "classname", classname);
        attr(w, "name", c->name);
        attr_sec(w, "time", c->time);
        if (c->skipped) {
                xmlTextWriterStartElement(w, BAD_CAST "skipped");
                attr(w, "message", c->skipped);
                xmlTextWriterEndElement(w);
        } else if (c->failure) {
                xmlTextWriterStartElement(w, BAD_CAST "failure");
                attr(w, "message", c->failure);
                attr(w, "type", c->type);
                if (c->body)
                        text(w, c->body);
                xmlTextWriterEndElement(w);
        }
        xmlTextWriterEndElement(w);
}

static char *join_lines(json_object *arr, const char *(*fmt)(json_object *, char *, size_t))
{
        size_t cap = 1, len = 0;
        char *s = calloc(1, 1), line[8192];

        for (size_t i = 0; s && arr && i < json_object_array_length(arr); i++) {
                const char *l = fmt(json_object_array_get_idx(arr, i), line, sizeof(line));
                size_t n = strlen(l);
                char *ns = realloc(s, cap + n + 1);
                if (!ns)
                        break;
                s = ns;
                memcpy(s + len, l, n);
                s[len + n] = '\n';
                len += n + 1;
                cap += n + 1;
                s[len] = 0;
        }
        return s;
}

static const char *plain(json_object *o, char *buf, size_t size)
{
        snprintf(buf, size, "%s", json_object_get_string(o));
        return buf;
}

static const char *job_line(json_object *o, char *buf, size_t size)
{
        snprintf(buf, size, "%s %s (%s)", jstr(o, "type"), jstr(o, "unit"), jstr(o, "state"));
        return buf;
}

static const char *journal_line(json_object *o, char *buf, size_t size)
{
        snprintf(buf, size, "[%s] <%s> %s: %s", jstr(o, "phase"), jstr(o, "priority"), jstr(o, "identifier"),
                 jstr(o, "message"));
        return buf;
}

/* The checks of one tree, computed once for counting and once for writing. */
static size_t tree_checks(json_object *t, struct check *c, size_t max, char **owned, size_t *n_owned)
{
        const char *verdict = jstr(t, "verdict") ?: "";
        const char *state = jstr(t, "system_state");
        json_object *timing = jget(t, "timing"), *sd = jget(t, "shutdown"), *units = jget(t, "units");
        json_object *failed = jget(t, "failed_units"), *hn = jget(t, "hostname"), *mid = jget(t, "machine_id");
        json_object *login = jget(t, "login");
        bool up = jget(timing, "ready_sec") != NULL, systemd = streq(jstr(jget(t, "init"), "kind") ?: "", "systemd");
        size_t n = 0;

#define ADD(...) do { if (n < max) c[n++] = (struct check) { __VA_ARGS__ }; } while (0)
#define OWN(s) (owned[(*n_owned)++] = (s))
        ADD(.name = "boot", .time = jget(timing, "ready_sec"),
            .failure = up ? NULL : (jstr(t, "reason") ?: "did not boot"), .type = verdict,
            .body = up ? NULL : OWN(join_lines(jget(t, "console"), plain)));
        if (up) {
                bool state_ok = state && streq(state, "running");
                ADD(.name = "system-state", .failure = state_ok ? NULL : OWN(strjoin("system state is ", state ?: "unknown", "")),
                    .type = "system-state");
        }
        if (sd) {
                bool clean = jbool(sd, "clean");
                ADD(.name = "shutdown", .time = jget(sd, "shutdown_sec"),
                    .failure = clean ? NULL : jbool(sd, "timed_out") ? "the shutdown hung"
                                                                                             : "the shutdown did not end cleanly",
                    .type = "shutdown", .body = clean ? NULL : OWN(join_lines(jget(sd, "waiting_for"), job_line)));
        }
        if (up && hn) {
                char *msg = NULL;
                if (!jbool(hn, "ok") &&
                    asprintf(&msg, "hostname is \"%s\", expected \"%s\"", jstr(hn, "value") ?: "", jstr(hn, "expected") ?: "") >= 0)
                        OWN(msg);
                ADD(.name = "hostname", .failure = msg, .type = "hostname");
        }
        if (up && mid)
                ADD(.name = "machine-id", .failure = jbool(mid, "ok") ? NULL : "no valid /etc/machine-id",
                    .type = "machine-id");
        if (up && systemd)
                ADD(.name = "getty", .failure = jbool(login, "getty_running") ? NULL : "no getty is running",
                    .type = "getty");
        else if (up)
                ADD(.name = "getty", .skipped = "not checked: no service manager to ask");
        /* One testcase per unit the boot started; a failed one carries its
         * journal lines. Failures on the way down are testcases of their own. */
        for (size_t i = 0; units && i < json_object_array_length(units); i++) {
                json_object *u = json_object_array_get_idx(units, i), *f = NULL;
                const char *name = jstr(u, "unit");
                for (size_t k = 0; failed && k < json_object_array_length(failed); k++) {
                        json_object *x = json_object_array_get_idx(failed, k);
                        if (streq(jstr(x, "unit") ?: "", name) && streq(jstr(x, "phase") ?: "", "boot"))
                                f = x;
                }
                ADD(.name = name, .time = jget(u, "activation_sec"),
                    .failure = f ? OWN(strjoin(name, " failed with result ", jstr(f, "result") ?: "")) : NULL,
                    .type = "unit-failed", .body = f ? OWN(join_lines(jget(f, "journal"), plain)) : NULL);
        }
        for (size_t k = 0; failed && k < json_object_array_length(failed); k++) {
                json_object *x = json_object_array_get_idx(failed, k);
                if (!streq(jstr(x, "phase") ?: "", "shutdown"))
                        continue;
                ADD(.name = OWN(strjoin(jstr(x, "unit") ?: "", " (shutdown)", "")),
                    .failure = OWN(strjoin(jstr(x, "unit") ?: "", " failed on shutdown with result ", jstr(x, "result") ?: "")),
                    .type = "unit-failed-on-shutdown", .body = OWN(join_lines(jget(x, "journal"), plain)));
        }
#undef ADD
#undef OWN
        return n;
}

#define CHECKS_MAX 4096

static void write_suite(xmlTextWriterPtr w, json_object *t, const char *started)
{
        struct check *c = calloc(CHECKS_MAX, sizeof(*c));
        char **owned = calloc(CHECKS_MAX * 3, sizeof(char *));
        size_t n_owned = 0, n, failures = 0, skipped = 0;
        const char *label = jstr(t, "label") ?: "tree";
        _cleanup_free_ char *classname = NULL, *journal = NULL, *console = NULL;

        if (!c || !owned) {
                free(c), free(owned);
                return;
        }
        n = tree_checks(t, c, CHECKS_MAX, owned, &n_owned);
        for (size_t i = 0; i < n; i++) {
                failures += c[i].failure && !c[i].skipped;
                skipped += c[i].skipped != NULL;
        }
        classname = strjoin("boot-test.", label, "");
        xmlTextWriterStartElement(w, BAD_CAST "testsuite");
        attr(w, "name", label);
        attr_num(w, "tests", (long) n);
        attr_num(w, "failures", (long) failures);
        attr_num(w, "errors", 0);
        attr_num(w, "skipped", (long) skipped);
        attr_sec(w, "time", jget(jget(t, "timing"), "total_sec"));
        attr(w, "timestamp", started);
        attr(w, "hostname", jstr(t, "machine") ?: label);

        xmlTextWriterStartElement(w, BAD_CAST "properties");
        static const char *const props[][2] = {
                { "tree", NULL }, { "machine", NULL }, { "verdict", NULL }, { "exit_status", NULL },
                { "reason", NULL }, { "system_state", NULL }, { "cgroup_layout", NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(props); i++) {
                const char *v = jstr(t, props[i][0]);
                if (!v)
                        continue;
                xmlTextWriterStartElement(w, BAD_CAST "property");
                attr(w, "name", props[i][0]);
                attr(w, "value", v);
                xmlTextWriterEndElement(w);
        }
        static const char *const nested[][2] = {
                { "os", "pretty_name" }, { "init", "kind" }, { "init", "version" },
                { "timing", "ready_sec" }, { "timing", "userspace_sec" }, { "timing", "total_sec" },
        };
        for (size_t i = 0; i < ELEMENTSOF(nested); i++) {
                const char *v = jstr(jget(t, nested[i][0]), nested[i][1]);
                char name[64];
                if (!v)
                        continue;
                snprintf(name, sizeof(name), "%s.%s", nested[i][0], nested[i][1]);
                xmlTextWriterStartElement(w, BAD_CAST "property");
                attr(w, "name", name);
                attr(w, "value", v);
                xmlTextWriterEndElement(w);
        }
        xmlTextWriterEndElement(w);

        for (size_t i = 0; i < n; i++)
                testcase(w, classname, &c[i]);

        console = join_lines(jget(t, "console"), plain);
        xmlTextWriterStartElement(w, BAD_CAST "system-out");
        text(w, console);
        xmlTextWriterEndElement(w);
        journal = join_lines(jget(t, "journal_errors"), journal_line);
        xmlTextWriterStartElement(w, BAD_CAST "system-err");
        text(w, journal);
        xmlTextWriterEndElement(w);
        xmlTextWriterEndElement(w);

        for (size_t i = 0; i < n_owned; i++)
                free(owned[i]);
        free(owned);
        free(c);
}

int junit_write(json_object *report, int fd)
{
        json_object *trees = jget(report, "trees");
        const char *started = jstr(report, "started") ?: "";
        xmlOutputBufferPtr out = xmlOutputBufferCreateFd(fd, NULL);     /* leaves fd open */
        xmlTextWriterPtr w = out ? xmlNewTextWriter(out) : NULL;
        int r;

        if (!w) {
                if (out)
                        xmlOutputBufferClose(out);
                return -EIO;
        }
        xmlTextWriterSetIndent(w, 1);
        xmlTextWriterSetIndentString(w, BAD_CAST "  ");
        xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL);
        xmlTextWriterStartElement(w, BAD_CAST "testsuites");
        attr(w, "name", "berth boot-test");
        attr_sec(w, "time", jget(report, "duration_sec"));
        for (size_t i = 0; trees && i < json_object_array_length(trees); i++)
                write_suite(w, json_object_array_get_idx(trees, i), started);
        xmlTextWriterEndElement(w);
        r = xmlTextWriterEndDocument(w);
        xmlFreeTextWriter(w);
        return r < 0 ? -EIO : 0;
}
