/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* top: the machines' CPU, memory, tasks and I/O as their cgroups count
 * them, a table refreshed every --delay, sorted by --order: what
 * systemd-cgtop shows of machine.slice, for berth's machines on either
 * cgroup backend. CPU and I/O are rates between two readings, so the
 * first table comes one delay after the start. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "cleanup.h"
#include "log.h"
#include "util.h"
#include "verbs.h"

#define UNKNOWN UINT64_MAX

struct reading {
        char *name;
        uint64_t cpu_ns, memory, tasks, io_read, io_write;
};

struct frame {
        struct reading *r;
        size_t n;
        uint64_t at_usec;       /* CLOCK_MONOTONIC */
};

static void frame_done(struct frame *f)
{
        for (size_t i = 0; i < f->n; i++)
                free(f->r[i].name);
        free(f->r);
        *f = (struct frame) {};
}

static uint64_t number(json_object *props, const char *key)
{
        json_object *v = NULL;

        if (!json_object_object_get_ex(props, key, &v) || !json_object_is_type(v, json_type_int))
                return UNKNOWN;
        return json_object_get_uint64(v);
}

static bool wanted(const char *name, char **names, unsigned n)
{
        for (unsigned i = 0; i < n; i++)
                if (streq(names[i], name))
                        return true;
        return n == 0;
}

struct frame_request {
        struct frame *f;
        char **names;
        unsigned n;
};

static int read_machine(struct ctl *c, const char *name, const char *class, const char *service, const char *path,
                        void *userdata)
{
        struct frame_request *q = userdata;
        struct frame *f = q->f;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_json_ json_object *props = NULL;
        struct reading *grown;
        int r;

        if (!wanted(name, q->names, q->n))
                return 0;
        r = ctl_machine_properties(c, path, &e, &props);
        if (r < 0 && ctl_error_is_gone(&e))
                return 0;
        if (r < 0)
                return ctl_log_error(&e, r, "machine %s", name);
        grown = realloc(f->r, (f->n + 1) * sizeof(*f->r));
        if (!grown)
                return log_oom();
        f->r = grown;
        f->r[f->n] = (struct reading) {
                .name = strdup(name),
                .cpu_ns = number(props, "CPUUsageNSec"),
                .memory = number(props, "MemoryCurrent"),
                .tasks = number(props, "TasksCurrent"),
                .io_read = number(props, "IOReadBytes"),
                .io_write = number(props, "IOWriteBytes"),
        };
        return f->r[f->n++].name ? 0 : log_oom();
}

static int read_frame(struct ctl *c, char **names, unsigned n, struct frame *f)
{
        struct frame_request q = { f, names, n };
        int r = ctl_for_each_machine(c, read_machine, &q);

        f->at_usec = now_usec(CLOCK_MONOTONIC);
        return r;
}

/* One row: the rates since the reading before (UNKNOWN where either
 * reading has none, or the machine is new). */
struct row {
        const char *name;
        uint64_t tasks, memory;
        double cpu, in, out;    /* percent of one CPU; bytes per second; < 0: unknown */
};

static double rate(uint64_t now, uint64_t before, double seconds)
{
        if (now == UNKNOWN || before == UNKNOWN || now < before || seconds <= 0)
                return -1;
        return (double) (now - before) / seconds;
}

static const char *sort_order;

static int compare_rows(const void *a, const void *b)
{
        const struct row *x = a, *y = b;
        double kx, ky;

        if (streq(sort_order, "name"))
                return strcmp(x->name, y->name);
        if (streq(sort_order, "memory"))
                kx = x->memory == UNKNOWN ? -1 : (double) x->memory, ky = y->memory == UNKNOWN ? -1 : (double) y->memory;
        else if (streq(sort_order, "tasks"))
                kx = x->tasks == UNKNOWN ? -1 : (double) x->tasks, ky = y->tasks == UNKNOWN ? -1 : (double) y->tasks;
        else if (streq(sort_order, "io"))
                kx = x->in + x->out, ky = y->in + y->out;
        else
                kx = x->cpu, ky = y->cpu;
        if (kx != ky)
                return kx < ky ? 1 : -1;
        return strcmp(x->name, y->name);
}

static void cell_bytes(char *buf, size_t size, double v)
{
        char b[32];

        if (v < 0)
                snprintf(buf, size, "-");
        else
                snprintf(buf, size, "%s", format_bytes(b, sizeof(b), (uint64_t) v));
}

static int print_frame(struct ctl *c, const struct frame *before, const struct frame *now)
{
        _cleanup_free_ struct row *rows = calloc(now->n + 1, sizeof(struct row));
        double seconds = (double) (now->at_usec - before->at_usec) / 1e6;
        int width = 7;

        if (!rows)
                return log_oom();
        for (size_t i = 0; i < now->n; i++) {
                const struct reading *r = &now->r[i], *p = NULL;

                for (size_t j = 0; j < before->n && !p; j++)
                        if (streq(before->r[j].name, r->name))
                                p = &before->r[j];
                rows[i] = (struct row) {
                        .name = r->name,
                        .tasks = r->tasks,
                        .memory = r->memory,
                        .cpu = p ? rate(r->cpu_ns, p->cpu_ns, seconds) / 1e7 : -1,
                        .in = p ? rate(r->io_read, p->io_read, seconds) : -1,
                        .out = p ? rate(r->io_write, p->io_write, seconds) : -1,
                };
                if ((int) strlen(r->name) > width)
                        width = (int) strlen(r->name);
        }
        sort_order = c->order ?: "cpu";
        qsort(rows, now->n, sizeof(*rows), compare_rows);
        if (!c->no_legend)
                printf("%-*s %6s %6s %9s %9s %9s\n", width, "MACHINE", "TASKS", "%CPU", "MEMORY", "INPUT/s",
                       "OUTPUT/s");
        for (size_t i = 0; i < now->n; i++) {
                char tasks[24], cpu[24], mem[32], in[32], out[32];

                snprintf(tasks, sizeof(tasks), rows[i].tasks == UNKNOWN ? "-" : "%llu",
                         (unsigned long long) rows[i].tasks);
                if (rows[i].cpu < 0)
                        snprintf(cpu, sizeof(cpu), "-");
                else
                        snprintf(cpu, sizeof(cpu), "%.1f", rows[i].cpu);
                cell_bytes(mem, sizeof(mem), rows[i].memory == UNKNOWN ? -1 : (double) rows[i].memory);
                cell_bytes(in, sizeof(in), rows[i].in);
                cell_bytes(out, sizeof(out), rows[i].out);
                printf("%-*s %6s %6s %9s %9s %9s\n", width, rows[i].name, tasks, cpu, mem, in, out);
        }
        if (now->n == 0 && !c->no_legend)
                printf("No machines.\n");
        return fflush(stdout) == 0 ? 0 : -errno;
}

int verb_top(struct ctl *c, char **names, unsigned n)
{
        struct frame before = {}, now = {};
        uint64_t delay = c->delay_usec ?: 1000000;
        /* On a terminal the table replaces the last one, as top's does. */
        bool redraw = !c->batch && isatty(STDOUT_FILENO);
        int r;

        r = read_frame(c, names, n, &before);
        for (unsigned i = 0; r >= 0 && (c->iterations == 0 || i < c->iterations); i++) {
                struct timespec ts = { .tv_sec = (time_t) (delay / 1000000), .tv_nsec = (long) (delay % 1000000) * 1000 };

                while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                        ;
                r = read_frame(c, names, n, &now);
                if (r < 0)
                        break;
                if (redraw)
                        fputs("\033[H\033[2J", stdout);
                else if (i > 0)
                        putchar('\n');
                r = print_frame(c, &before, &now);
                frame_done(&before);
                before = now;
                now = (struct frame) {};
        }
        frame_done(&before);
        frame_done(&now);
        return r < 0 ? r : 0;
}
