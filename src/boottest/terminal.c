/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a person sees: a line per tree with its phase (redrawn in place on
 * a terminal, one line per event otherwise), then a summary line per tree
 * with what went wrong. Text from trees and machines is shown escaped. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "matrix.h"
#include "util.h"

void terminal_init(struct terminal *t, const struct boot_test_args *a)
{
        bool report_on_stdout = (a->json_path && streq(a->json_path, "-")) || (a->junit_path && streq(a->junit_path, "-"));

        *t = (struct terminal) { .out = report_on_stdout ? stderr : stdout, .quiet = a->quiet };
        t->tty = isatty(fileno(t->out));
}

/* What trees and machines wrote (a tree's name, a unit's, a reason with
 * the machine's words in it), fit for a terminal: into buf. */
static const char *esc(const char *s, char *buf, size_t size)
{
        log_escape(s ? s : "", s ? strlen(s) : 0, buf, size);
        return buf;
}

static const char *job_state(const struct job *j)
{
        return j->done ? "done" : j->started ? j->phase : "waiting";
}

void terminal_draw(struct terminal *t, const struct job *jobs, size_t n)
{
        if (t->quiet)
                return;
        if (t->tty && t->drawn)
                fprintf(t->out, "\033[%zuA", t->drawn);
        t->drawn = 0;
        for (size_t i = 0; i < n; i++) {
                char l[256], x[1024];
                fprintf(t->out, "%s%-20s %-10s %s\n", t->tty ? "\r\033[K" : "", esc(jobs[i].label, l, sizeof(l)),
                        job_state(&jobs[i]), esc(jobs[i].text, x, sizeof(x)));
                t->drawn++;
        }
        fflush(t->out);
}

void terminal_event(struct terminal *t, const struct job *jobs, size_t n, size_t i)
{
        char l[256], x[1024];

        if (t->quiet)
                return;
        if (t->tty) {
                terminal_draw(t, jobs, n);
                return;
        }
        fprintf(t->out, "%-20s %-10s %s\n", esc(jobs[i].label, l, sizeof(l)), jobs[i].done ? "done" : jobs[i].phase,
                esc(jobs[i].text, x, sizeof(x)));
        fflush(t->out);
}

/* The failed units, and the jobs a hung boot or shutdown waited for. */
static void summary_details(struct terminal *t, const struct tree_result *r)
{
        const job_list *w = r->shutdown.waiting_for.present ? &r->shutdown.waiting_for : &r->waiting_for;
        char b1[1024], b2[256], b3[256];

        for (size_t u = 0; u < r->failed_units.n; u++) {
                const struct failed_unit *x = &r->failed_units.v[u];
                fprintf(t->out, "            failed: %s (%s, %s)\n", esc(x->unit, b1, sizeof(b1)),
                        esc(x->result, b2, sizeof(b2)), phase_to_string(x->phase));
        }
        for (size_t u = 0; u < w->n; u++) {
                const struct waiting_job *x = &w->v[u];
                fprintf(t->out, "            waiting for: %s %s (%s)\n", esc(x->type, b2, sizeof(b2)),
                        esc(x->unit, b1, sizeof(b1)), esc(x->state, b3, sizeof(b3)));
        }
}

static bool measured(uint64_t usec)
{
        return usec != USEC_ABSENT && usec != USEC_NULL;
}

static void summary_line(struct terminal *t, const struct job *j)
{
        const struct tree_result *r = &j->result;
        const char *verdict = result_verdict(r);
        char upper[16], b[1024];
        size_t k;

        for (k = 0; verdict && verdict[k] && k < sizeof(upper) - 1; k++)
                upper[k] = (char) (verdict[k] >= 'a' && verdict[k] <= 'z' ? verdict[k] - 32 : verdict[k]);
        upper[k] = 0;
        fprintf(t->out, "%-11s %-20s", upper, esc(j->label, b, sizeof(b)));
        if (r->system_state)
                fprintf(t->out, " state %s,", r->system_state);
        if (r->failed_units.present)
                fprintf(t->out, " %zu failed unit%s,", r->failed_units.n, r->failed_units.n == 1 ? "" : "s");
        if (measured(r->ready))
                fprintf(t->out, " up in %.2fs,", usec_to_sec(r->ready));
        if (r->has_shutdown && measured(r->shutdown.time))
                fprintf(t->out, " shutdown %.2fs,", usec_to_sec(r->shutdown.time));
        fprintf(t->out, " total %.2fs\n", measured(r->total) ? usec_to_sec(r->total) : 0.0);
        if (r->reason && (r->interrupted || r->verdict != VERDICT_PASS))
                fprintf(t->out, "            %s\n", esc(r->reason, b, sizeof(b)));
}

void terminal_summary(struct terminal *t, const struct job *jobs, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                summary_line(t, &jobs[i]);
                summary_details(t, &jobs[i].result);
        }
        fflush(t->out);
}
