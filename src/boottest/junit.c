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
#include "matrix.h"
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

/* Seconds to the millisecond; 0 for a time not measured. */
static int attr_sec(xmlTextWriterPtr w, const char *name, uint64_t usec)
{
        char b[32];
        snprintf(b, sizeof(b), "%.3f", usec == USEC_NULL || usec == USEC_ABSENT ? 0.0 : usec_to_sec(usec));
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
        uint64_t time;
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

/* Entries 0..n of a list, each formatted by fmt into a line. */
typedef const char *(*line_fn)(const void *list, size_t i, char *buf, size_t size);

static char *join_lines(const void *list, size_t n, line_fn fmt)
{
        size_t cap = 1, len = 0;
        char *s = calloc(1, 1), line[8192];

        for (size_t i = 0; s && i < n; i++) {
                const char *l = fmt(list, i, line, sizeof(line));
                size_t k = strlen(l);
                char *ns = realloc(s, cap + k + 1);
                if (!ns)
                        break;
                s = ns;
                memcpy(s + len, l, k);
                s[len + k] = '\n';
                len += k + 1;
                cap += k + 1;
                s[len] = 0;
        }
        return s;
}

static const char *plain(const void *list, size_t i, char *buf, size_t size)
{
        snprintf(buf, size, "%s", ((const strlist *) list)->v[i] ?: "");
        return buf;
}

static char *join_strlist(const strlist *l)
{
        return join_lines(l, l->n, plain);
}

static const char *job_line(const void *list, size_t i, char *buf, size_t size)
{
        const struct waiting_job *j = &((const job_list *) list)->v[i];
        snprintf(buf, size, "%s %s (%s)", j->type ?: "", j->unit ?: "", j->state ?: "");
        return buf;
}

static const char *journal_line(const void *list, size_t i, char *buf, size_t size)
{
        const struct journal_error *e = &((const struct tree_result *) list)->journal_errors.v[i];
        snprintf(buf, size, "[%s] <%d> %s: %s", phase_to_string(e->phase), e->priority, e->identifier ?: "",
                 e->message ?: "");
        return buf;
}

static const struct failed_unit *failed_at_boot(const struct tree_result *t, const char *unit)
{
        const struct failed_unit *f = NULL;

        for (size_t k = 0; k < t->failed_units.n; k++)
                if (streq(t->failed_units.v[k].unit ?: "", unit ?: "") && t->failed_units.v[k].phase == PHASE_BOOT)
                        f = &t->failed_units.v[k];
        return f;
}

/* The checks of one tree, computed once for counting and once for writing. */
static size_t tree_checks(const struct tree_result *t, struct check *c, size_t max, char **owned, size_t *n_owned)
{
        const char *verdict = result_verdict(t) ?: "";
        const char *state = t->system_state;
        bool up = t->ready != USEC_ABSENT, systemd = t->init_known && streq(t->init_kind ?: "", "systemd");
        size_t n = 0;

#define ADD(...) do { if (n < max) c[n++] = (struct check) { __VA_ARGS__ }; } while (0)
#define OWN(s) (owned[(*n_owned)++] = (s))
        ADD(.name = "boot", .time = t->ready,
            .failure = up ? NULL : (t->reason ?: "did not boot"), .type = verdict,
            .body = up ? NULL : OWN(join_strlist(&t->console)));
        if (up) {
                bool state_ok = state && streq(state, "running");
                ADD(.name = "system-state", .failure = state_ok ? NULL : OWN(strjoin("system state is ", state ?: "unknown", "")),
                    .type = "system-state");
        }
        if (t->has_shutdown) {
                bool clean = t->shutdown.clean;
                ADD(.name = "shutdown", .time = t->shutdown.time,
                    .failure = clean ? NULL : t->shutdown.timed_out ? "the shutdown hung" : "the shutdown did not end cleanly",
                    .type = "shutdown",
                    .body = clean ? NULL : OWN(join_lines(&t->shutdown.waiting_for, t->shutdown.waiting_for.n, job_line)));
        }
        if (up && t->has_identity) {
                char *msg = NULL;
                if (!t->hostname_ok && asprintf(&msg, "hostname is \"%s\", expected \"%s\"", t->hostname ?: "",
                                                t->hostname_expected ?: "") >= 0)
                        OWN(msg);
                ADD(.name = "hostname", .failure = msg, .type = "hostname");
                ADD(.name = "machine-id", .failure = t->machine_id_ok ? NULL : "no valid /etc/machine-id",
                    .type = "machine-id");
        }
        if (up && systemd)
                ADD(.name = "getty", .failure = t->getty_running ? NULL : "no getty is running", .type = "getty");
        else if (up)
                ADD(.name = "getty", .skipped = "not checked: no service manager to ask");
        /* One testcase per unit the boot started; a failed one carries its
         * journal lines. Failures on the way down are testcases of their own. */
        for (size_t i = 0; i < t->units.n; i++) {
                const char *name = t->units.v[i].unit;
                const struct failed_unit *f = failed_at_boot(t, name);
                ADD(.name = name, .time = t->units.v[i].activation,
                    .failure = f ? OWN(strjoin(name, " failed with result ", f->result ?: "")) : NULL,
                    .type = "unit-failed", .body = f ? OWN(join_strlist(&f->journal)) : NULL);
        }
        for (size_t k = 0; k < t->failed_units.n; k++) {
                const struct failed_unit *x = &t->failed_units.v[k];
                if (x->phase != PHASE_SHUTDOWN)
                        continue;
                ADD(.name = OWN(strjoin(x->unit ?: "", " (shutdown)", "")),
                    .failure = OWN(strjoin(x->unit ?: "", " failed on shutdown with result ", x->result ?: "")),
                    .type = "unit-failed-on-shutdown", .body = OWN(join_strlist(&x->journal)));
        }
#undef ADD
#undef OWN
        return n;
}

#define CHECKS_MAX 4096

static void property(xmlTextWriterPtr w, const char *name, const char *value)
{
        if (!value)
                return;
        xmlTextWriterStartElement(w, BAD_CAST "property");
        attr(w, "name", name);
        attr(w, "value", value);
        xmlTextWriterEndElement(w);
}

static void property_sec(xmlTextWriterPtr w, const char *name, uint64_t usec)
{
        char b[32];

        if (usec == USEC_NULL || usec == USEC_ABSENT)
                return;
        snprintf(b, sizeof(b), "%.3f", usec_to_sec(usec));
        property(w, name, b);
}

static void properties(xmlTextWriterPtr w, const struct tree_result *t)
{
        char exit_status[16];
        const char *pretty_name = NULL;

        snprintf(exit_status, sizeof(exit_status), "%d", result_exit_status(t));
        for (size_t i = 0; i < t->n_os; i++)
                if (t->os[i].field == OS_PRETTY_NAME)
                        pretty_name = t->os[i].value;
        xmlTextWriterStartElement(w, BAD_CAST "properties");
        property(w, "tree", t->tree);
        property(w, "machine", t->machine);
        property(w, "verdict", result_verdict(t));
        property(w, "exit_status", exit_status);
        property(w, "reason", t->reason);
        property(w, "system_state", t->system_state);
        property(w, "cgroup_layout", t->has_identity ? t->cgroup_layout : NULL);
        property(w, "os.pretty_name", pretty_name);
        property(w, "init.kind", t->init_known ? t->init_kind : NULL);
        property(w, "init.version", t->init_version);
        property_sec(w, "timing.ready_sec", t->ready);
        property_sec(w, "timing.userspace_sec", t->userspace);
        property_sec(w, "timing.total_sec", t->total);
        xmlTextWriterEndElement(w);
}

static void write_suite(xmlTextWriterPtr w, const struct tree_result *t, const char *started)
{
        struct check *c = calloc(CHECKS_MAX, sizeof(*c));
        char **owned = calloc(CHECKS_MAX * 3, sizeof(char *));
        size_t n_owned = 0, n, failures = 0, skipped = 0;
        const char *label = t->label ?: "tree";
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
        attr_sec(w, "time", t->has_timing ? t->total : USEC_ABSENT);
        attr(w, "timestamp", started);
        attr(w, "hostname", t->machine ?: label);
        properties(w, t);

        for (size_t i = 0; i < n; i++)
                testcase(w, classname, &c[i]);

        console = join_strlist(&t->console);
        xmlTextWriterStartElement(w, BAD_CAST "system-out");
        text(w, console);
        xmlTextWriterEndElement(w);
        journal = join_lines(t, t->journal_errors.n, journal_line);
        xmlTextWriterStartElement(w, BAD_CAST "system-err");
        text(w, journal);
        xmlTextWriterEndElement(w);
        xmlTextWriterEndElement(w);

        for (size_t i = 0; i < n_owned; i++)
                free(owned[i]);
        free(owned);
        free(c);
}

int junit_write(const struct report *report, int fd)
{
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
        attr_sec(w, "time", report->duration);
        for (size_t i = 0; i < report->matrix->n_jobs; i++)
                write_suite(w, &report->matrix->jobs[i].result, report->started);
        xmlTextWriterEndElement(w);
        r = xmlTextWriterEndDocument(w);
        xmlFreeTextWriter(w);
        return r < 0 ? -EIO : 0;
}
