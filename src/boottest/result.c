/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A tree's result: its lists, freeing it, and copying it into and out of
 * the arena a worker hands it to its parent in. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "result.h"

static const char *const verdict_table[_VERDICT_MAX] = {
        [VERDICT_PASS] = "pass",
        [VERDICT_DEGRADED] = "degraded",
        [VERDICT_NOT_BOOTED] = "not-booted",
        [VERDICT_TIMEOUT] = "timeout",
};

const char *verdict_to_string(enum verdict v)
{
        return v >= 0 && v < _VERDICT_MAX ? verdict_table[v] : NULL;
}

double usec_to_sec(uint64_t usec)
{
        return (double) (usec / 1000) / 1000.0;
}

const char *phase_to_string(enum phase p)
{
        return p == PHASE_SHUTDOWN ? "shutdown" : "boot";
}

const char *result_verdict(const struct tree_result *r)
{
        return r->interrupted ? "interrupted" : verdict_to_string(r->verdict);
}

int result_exit_status(const struct tree_result *r)
{
        return r->interrupted ? EXIT_INTERRUPTED : (int) r->verdict;
}

void result_set(struct tree_result *r, char **field, const char *value)
{
        char *copy = NULL;

        if (value && !(copy = strdup(value))) {
                r->oom = true;
                return;
        }
        free(*field);
        *field = copy;
}

void result_push(struct tree_result *r, strlist *l, const char *s)
{
        if (strlist_push(l, s) < 0)
                r->oom = true;
}

void *list_grow(void **v, size_t *n, size_t *cap, bool *present, size_t size)
{
        if (*n == *cap) {
                size_t c = *cap ? *cap * 2 : 8;
                void *nv = realloc(*v, c * size);
                if (!nv)
                        return NULL;
                *v = nv;
                *cap = c;
        }
        void *e = (char *) *v + *n * size;
        memset(e, 0, size);
        (*n)++;
        *present = true;
        return e;
}

int strlist_push(strlist *l, const char *s)
{
        char *copy = strdup(s), **slot;

        if (!copy)
                return -ENOMEM;
        slot = LIST_PUSH(*l);
        if (!slot) {
                free(copy);
                return -ENOMEM;
        }
        *slot = copy;
        return 0;
}

void strlist_keep_last(strlist *l, size_t max)
{
        if (l->n <= max)
                return;
        size_t drop = l->n - max;
        for (size_t i = 0; i < drop; i++)
                free(l->v[i]);
        memmove(l->v, l->v + drop, max * sizeof(char *));
        l->n = max;
}

void strlist_done(strlist *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i]);
        free(l->v);
        *l = (strlist) {};
}

static void jobs_done(job_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i].unit), free(l->v[i].type), free(l->v[i].state);
        free(l->v);
}

void result_done(struct tree_result *r)
{
        free(r->tree), free(r->label), free(r->machine);
        for (size_t i = 0; i < r->n_os; i++)
                free(r->os[i].value);
        free(r->init_path), free(r->init_kind), free(r->init_version);
        for (size_t i = 0; i < r->units.n; i++) {
                struct unit_result *u = &r->units.v[i];
                free(u->unit), free(u->load_state), free(u->active_state), free(u->sub_state), free(u->result);
        }
        free(r->units.v);
        for (size_t i = 0; i < r->failed_units.n; i++) {
                free(r->failed_units.v[i].unit), free(r->failed_units.v[i].result);
                strlist_done(&r->failed_units.v[i].journal);
        }
        free(r->failed_units.v);
        free(r->system_state), free(r->virtualization), free(r->inspect_error);
        jobs_done(&r->waiting_for);
        strlist_done(&r->getty_units);
        free(r->hostname), free(r->hostname_expected), free(r->machine_id), free(r->machine_id_source);
        free(r->cgroup_layout);
        jobs_done(&r->shutdown.waiting_for);
        for (size_t i = 0; i < r->journal_errors.n; i++) {
                struct journal_error *e = &r->journal_errors.v[i];
                free(e->identifier), free(e->unit), free(e->message);
        }
        free(r->journal_errors.v);
        strlist_done(&r->console);
        strlist_done(&r->checked);
        strlist_done(&r->not_checked);
        free(r->reason);
        *r = (struct tree_result) TREE_RESULT_INIT;
}

/* --- the deep copy --- */

struct copy {
        struct arena *arena;    /* NULL: malloc */
        bool failed;
};

static void *copy_mem(struct copy *c, const void *src, size_t size)
{
        void *p;

        if (!src || size == 0)
                return NULL;
        p = c->arena ? arena_alloc(c->arena, size) : malloc(size);
        if (!p) {
                c->failed = true;
                return NULL;
        }
        return memcpy(p, src, size);
}

static char *copy_str(struct copy *c, const char *s)
{
        return s ? copy_mem(c, s, strlen(s) + 1) : NULL;
}

/* An array's elements, shallow: their strings are copied after. NULL and
 * n 0 when that failed, so that the copy never points into the source. */
#define COPY_LIST(c, dst, src)                                                  \
        do {                                                                    \
                (dst).v = copy_mem(c, (src).v, (src).n * sizeof(*(src).v));     \
                (dst).n = (dst).cap = (dst).v ? (src).n : 0;                    \
        } while (0)

static void copy_strlist(struct copy *c, strlist *dst, const strlist *src)
{
        COPY_LIST(c, *dst, *src);
        for (size_t i = 0; i < dst->n; i++)
                dst->v[i] = copy_str(c, src->v[i]);
}

static void copy_jobs(struct copy *c, job_list *dst, const job_list *src)
{
        COPY_LIST(c, *dst, *src);
        for (size_t i = 0; i < dst->n; i++) {
                struct waiting_job *j = &dst->v[i];
                j->unit = copy_str(c, j->unit);
                j->type = copy_str(c, j->type);
                j->state = copy_str(c, j->state);
        }
}

static void copy_lists(struct copy *c, struct tree_result *d, const struct tree_result *s)
{
        COPY_LIST(c, d->units, s->units);
        for (size_t i = 0; i < d->units.n; i++) {
                struct unit_result *u = &d->units.v[i];
                u->unit = copy_str(c, u->unit);
                u->load_state = copy_str(c, u->load_state);
                u->active_state = copy_str(c, u->active_state);
                u->sub_state = copy_str(c, u->sub_state);
                u->result = copy_str(c, u->result);
        }
        COPY_LIST(c, d->failed_units, s->failed_units);
        for (size_t i = 0; i < d->failed_units.n; i++) {
                struct failed_unit *f = &d->failed_units.v[i];
                f->unit = copy_str(c, f->unit);
                f->result = copy_str(c, f->result);
                copy_strlist(c, &f->journal, &s->failed_units.v[i].journal);
        }
        copy_jobs(c, &d->waiting_for, &s->waiting_for);
        copy_jobs(c, &d->shutdown.waiting_for, &s->shutdown.waiting_for);
        COPY_LIST(c, d->journal_errors, s->journal_errors);
        for (size_t i = 0; i < d->journal_errors.n; i++) {
                struct journal_error *e = &d->journal_errors.v[i];
                e->identifier = copy_str(c, e->identifier);
                e->unit = copy_str(c, e->unit);
                e->message = copy_str(c, e->message);
        }
        copy_strlist(c, &d->getty_units, &s->getty_units);
        copy_strlist(c, &d->console, &s->console);
        copy_strlist(c, &d->checked, &s->checked);
        copy_strlist(c, &d->not_checked, &s->not_checked);
}

int result_copy(struct tree_result *d, const struct tree_result *s, struct arena *a)
{
        struct copy c = { .arena = a };

        /* Every scalar and flag as it is; then every pointer replaced by a
         * copy of what it points to. A field added to the struct with a
         * pointer in it is added here too. */
        *d = *s;
        d->tree = copy_str(&c, s->tree);
        d->label = copy_str(&c, s->label);
        d->machine = copy_str(&c, s->machine);
        for (size_t i = 0; i < d->n_os; i++)
                d->os[i].value = copy_str(&c, s->os[i].value);
        d->init_path = copy_str(&c, s->init_path);
        d->init_kind = copy_str(&c, s->init_kind);
        d->init_version = copy_str(&c, s->init_version);
        d->system_state = copy_str(&c, s->system_state);
        d->virtualization = copy_str(&c, s->virtualization);
        d->inspect_error = copy_str(&c, s->inspect_error);
        d->hostname = copy_str(&c, s->hostname);
        d->hostname_expected = copy_str(&c, s->hostname_expected);
        d->machine_id = copy_str(&c, s->machine_id);
        d->machine_id_source = copy_str(&c, s->machine_id_source);
        d->cgroup_layout = copy_str(&c, s->cgroup_layout);
        d->reason = copy_str(&c, s->reason);
        copy_lists(&c, d, s);
        return c.failed ? -ENOMEM : 0;
}

/* --- the arena --- */

int arena_new(struct arena *a, size_t size)
{
        /* Reserved, not used: pages count once written. */
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

        if (p == MAP_FAILED)
                return -errno;
        *a = (struct arena) { .base = p, .size = size };
        return 0;
}

void *arena_alloc(struct arena *a, size_t size)
{
        size_t at = (a->used + 15) & ~(size_t) 15;

        if (at > a->size || size > a->size - at)
                return NULL;
        a->used = at + size;
        return (char *) a->base + at;
}

void arena_done(struct arena *a)
{
        if (a->base)
                (void) munmap(a->base, a->size);
        *a = (struct arena) {};
}
