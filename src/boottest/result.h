/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What boot-test found out about one tree: filled by the worker (run.c,
 * inspect.c, journal.c), read by the summary (terminal.c) and the reports
 * (report.c writes it as the JSON report's "trees" entry, whose schema
 * berth(1) gives; junit.c as a testsuite). Strings are malloc'd and owned
 * by the result; NULL is "absent" or JSON null, as each field says. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Verdicts, which are also exit statuses; a matrix exits with the worst. */
enum verdict {
        VERDICT_PASS = 0,       /* running, nothing failed, clean shutdown */
        VERDICT_DEGRADED = 1,   /* booted, some units failed */
        VERDICT_NOT_BOOTED = 2, /* init missing, PID 1 died, emergency mode */
        VERDICT_TIMEOUT = 3,    /* no READY, or the shutdown hung */
        _VERDICT_MAX,
};

#define EXIT_INTERRUPTED 130

const char *verdict_to_string(enum verdict v);

/* A duration in µs; the report gives it in seconds, to the millisecond. */
#define USEC_ABSENT UINT64_MAX          /* no such key in the report */
#define USEC_NULL (UINT64_MAX - 1)      /* the key, as null: not measured */
/* Seconds, to the millisecond: what a boot is measured in. */
double usec_to_sec(uint64_t usec);

/* A growing array: v[0..n), with room for cap. present: the report has the
 * key (an empty array is not an absent one). */
#define LIST(type)                      \
        struct {                        \
                type *v;                \
                size_t n, cap;          \
                bool present;           \
        }
/* A new zeroed element at the end (and the list present), NULL when out of memory. */
void *list_grow(void **v, size_t *n, size_t *cap, bool *present, size_t size);
#define LIST_PUSH(l) \
        ((typeof((l).v)) list_grow((void **) &(l).v, &(l).n, &(l).cap, &(l).present, sizeof(*(l).v)))

typedef LIST(char *) strlist;
/* A copy of s at the end; -ENOMEM. */
int strlist_push(strlist *l, const char *s);
/* Only the last max entries stay. */
void strlist_keep_last(strlist *l, size_t max);
void strlist_done(strlist *l);

enum phase { PHASE_BOOT, PHASE_SHUTDOWN };
const char *phase_to_string(enum phase p);

struct unit_result {
        char *unit, *load_state, *active_state, *sub_state, *result;
        uint64_t activation;    /* USEC_NULL when it did not activate */
};

struct failed_unit {
        char *unit, *result;
        enum phase phase;
        strlist journal;        /* its journal lines, "IDENT: MESSAGE" */
};

/* A job of systemd's that a hung boot or shutdown waits for. */
struct waiting_job {
        char *unit, *type, *state;
};
typedef LIST(struct waiting_job) job_list;

struct journal_error {
        int priority;
        char *identifier;
        char *unit;             /* NULL: null */
        char *message;
        enum phase phase;
};

/* os-release's fields, in the order the tree's file has them. */
enum os_field { OS_PRETTY_NAME, OS_ID, OS_VERSION_ID, OS_VERSION_CODENAME, _OS_FIELD_MAX };
struct os_value {
        enum os_field field;
        char *value;
};

struct tree_result {
        char *tree, *label;
        char *machine;          /* NULL: never started (then os, init, console,
                                 * checked and not_checked are absent too) */
        struct os_value os[_OS_FIELD_MAX];
        size_t n_os;

        bool init_known;        /* the state file was read: path and kind (NULL: null) */
        char *init_path, *init_kind;
        char *init_version;     /* NULL: absent (systemd did not answer) */

        bool has_timing;
        uint64_t ready, userspace, inspect, total;

        /* systemd's own account */
        LIST(struct unit_result) units;
        LIST(struct failed_unit) failed_units;
        char *system_state, *virtualization, *inspect_error;    /* NULL: absent */
        job_list waiting_for;   /* the boot's, when it timed out */

        /* login */
        bool has_getty;         /* systemd said */
        bool getty_running;
        strlist getty_units;
        bool has_login_tools;   /* the tree was looked at */
        bool agetty_present, login_present;

        /* other inits */
        bool has_rc;
        bool rc_finished;
        uint64_t rc_finished_time;      /* USEC_NULL while not finished */
        bool rc_has_runlevel;   /* sysvinit */
        char runlevel;          /* 0: null */
        bool pid1_alive;

        /* identity */
        bool has_identity;
        char *hostname, *hostname_expected;
        bool hostname_ok;
        char *machine_id, *machine_id_source;   /* NULL: null */
        bool machine_id_ok;
        char *cgroup_layout;    /* NULL: null */

        bool has_shutdown;
        struct shutdown_result {
                bool timed_out, clean;
                uint64_t time;          /* USEC_NULL when it hung */
                int berth_exit_status;
                job_list waiting_for;   /* when it hung */
        } shutdown;

        bool has_journal;
        bool journal_available;
        uint64_t journal_entries, journal_error_count;
        LIST(struct journal_error) journal_errors;

        strlist console;        /* its last lines */
        strlist checked, not_checked;

        bool interrupted;       /* then verdict is not set */
        enum verdict verdict;
        char *reason;           /* NULL: null */

        bool oom;               /* something found could not be kept */
};

#define TREE_RESULT_INIT                                                                            \
        {                                                                                           \
                .ready = USEC_ABSENT, .userspace = USEC_ABSENT, .inspect = USEC_ABSENT,             \
                .total = USEC_ABSENT, .rc_finished_time = USEC_NULL, .shutdown.time = USEC_NULL,    \
        }

/* Filling it in: *field = a copy of value (NULL stays NULL, the old value
 * is freed); a copy of s at the end of l; a new zeroed element at the end
 * of list (NULL then). Out of memory, r->oom is set. */
void result_set(struct tree_result *r, char **field, const char *value);
void result_push(struct tree_result *r, strlist *l, const char *s);
#define RESULT_PUSH(r, list)                                            \
        ({                                                              \
                typeof((list).v) _e = LIST_PUSH(list);                  \
                if (!_e)                                                \
                        (r)->oom = true;                                \
                _e;                                                     \
        })

const char *result_verdict(const struct tree_result *r);       /* "interrupted" too */
int result_exit_status(const struct tree_result *r);
void result_done(struct tree_result *r);

/* A deep copy of src into dst. With an arena, every byte of it is in the
 * arena (see below); without, in malloc'd memory to be freed with
 * result_done(). -ENOMEM: out of memory or arena, dst then holds what was
 * copied and nothing of src. */
struct arena;
int result_copy(struct tree_result *dst, const struct tree_result *src, struct arena *a);

/* An arena: memory shared with the processes forked after it was made,
 * at the same address in each. A worker copies its result into one its
 * parent made; the parent copies it out once the worker is done. */
struct arena {
        void *base;
        size_t size, used;
};
int arena_new(struct arena *a, size_t size);
void *arena_alloc(struct arena *a, size_t size);
void arena_done(struct arena *a);
