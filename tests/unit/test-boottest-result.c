/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* boot-test's tree result: the trip from a worker to its parent through
 * the shared arena keeps every field, a result too big for its arena is
 * refused whole, and the JSON report has each shape's keys in the order
 * berth boot-test has always written them. */
#include <criterion/criterion.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "matrix.h"
#include "result.h"
#include "util.h"

static void set(struct tree_result *r, char **field, const char *value)
{
        result_set(r, field, value);
        cr_assert(!r->oom);
}

static void push_job(struct tree_result *r, job_list *l, const char *unit)
{
        struct waiting_job *j = RESULT_PUSH(r, *l);
        cr_assert_not_null(j);
        set(r, &j->unit, unit);
        set(r, &j->type, "start");
        set(r, &j->state, "waiting");
}

/* Every field set, every list with entries. */
static void fill(struct tree_result *r)
{
        *r = (struct tree_result) TREE_RESULT_INIT;
        set(r, &r->tree, "/srv/tree");
        set(r, &r->label, "tree");
        set(r, &r->machine, "bt-tree-abcdef");
        r->os[r->n_os++] = (struct os_value) { .field = OS_PRETTY_NAME };
        set(r, &r->os[0].value, "Debian GNU/Linux 12 (bookworm)");
        r->os[r->n_os++] = (struct os_value) { .field = OS_ID };
        set(r, &r->os[1].value, "debian");
        r->init_known = true;
        set(r, &r->init_path, "/usr/lib/systemd/systemd");
        set(r, &r->init_kind, "systemd");
        set(r, &r->init_version, "252");
        r->has_timing = true;
        r->ready = 713000, r->userspace = 600000, r->inspect = 120000, r->total = 1250000;
        for (int i = 0; i < 2; i++) {
                struct unit_result *u = RESULT_PUSH(r, r->units);
                cr_assert_not_null(u);
                set(r, &u->unit, i ? "b.service" : "a.service");
                set(r, &u->load_state, "loaded");
                set(r, &u->active_state, i ? "failed" : "active");
                set(r, &u->sub_state, i ? "failed" : "running");
                set(r, &u->result, i ? "exit-code" : "success");
                u->activation = i ? USEC_NULL : 5000;
        }
        struct failed_unit *f = RESULT_PUSH(r, r->failed_units);
        cr_assert_not_null(f);
        set(r, &f->unit, "b.service");
        set(r, &f->result, "exit-code");
        f->phase = PHASE_SHUTDOWN;
        result_push(r, &f->journal, "b: it failed");
        set(r, &r->system_state, "degraded");
        set(r, &r->virtualization, "container-other");
        set(r, &r->inspect_error, "systemctl show '*' failed");
        push_job(r, &r->waiting_for, "slow.service");
        r->has_getty = r->getty_running = true;
        result_push(r, &r->getty_units, "console-getty.service");
        r->has_login_tools = r->agetty_present = true;
        r->has_rc = r->rc_finished = r->rc_has_runlevel = r->pid1_alive = true;
        r->rc_finished_time = 604000;
        r->runlevel = '2';
        r->has_identity = r->hostname_ok = r->machine_id_ok = true;
        set(r, &r->hostname, "bt-tree-abcdef");
        set(r, &r->hostname_expected, "bt-tree-abcdef");
        set(r, &r->machine_id, "fb0ff632b2c64ced8d1d9a4e619d659f");
        set(r, &r->machine_id_source, "uuid");
        set(r, &r->cgroup_layout, "unified");
        r->has_shutdown = r->shutdown.timed_out = true;
        r->shutdown.berth_exit_status = 1;
        push_job(r, &r->shutdown.waiting_for, "hang.service");
        r->has_journal = r->journal_available = true;
        r->journal_entries = 125, r->journal_error_count = 1;
        struct journal_error *e = RESULT_PUSH(r, r->journal_errors);
        cr_assert_not_null(e);
        e->priority = 3;
        set(r, &e->identifier, "probe");
        set(r, &e->unit, "b.service");
        set(r, &e->message, "uid=0");
        result_push(r, &r->console, "Welcome to Debian");
        result_push(r, &r->checked, "ready");
        result_push(r, &r->not_checked, "getty: no service manager to ask");
        r->verdict = VERDICT_TIMEOUT;
        set(r, &r->reason, "the shutdown did not finish in 90s");
        cr_assert(!r->oom);
}

/* The JSON report of a matrix of this one tree, as text. */
static char *report_text(const struct tree_result *r)
{
        struct boot_test_args a = { .o.timeout_sec = 90, .jobs = 1 };
        struct job j = { .result = *r };
        struct matrix m = { .args = &a, .jobs = &j, .n_jobs = 1 };
        struct report rep;
        int fd = memfd_create("report", MFD_CLOEXEC);
        char *text = NULL;

        cr_assert_geq(fd, 0);
        report_init(&rep, &m, result_exit_status(r), 0, now_usec(CLOCK_MONOTONIC));
        rep.duration = 2500000;
        cr_assert_eq(report_json_write(&rep, fd), 0);
        off_t size = lseek(fd, 0, SEEK_END);
        text = calloc(1, (size_t) size + 1);
        cr_assert_not_null(text);
        cr_assert_eq(pread(fd, text, (size_t) size, 0), size);
        close(fd);
        return text;
}

Test(boottest_result, a_result_survives_the_trip_from_a_worker)
{
        struct arena arena;
        int p[2];

        cr_assert_eq(arena_new(&arena, 1 << 20), 0);
        cr_assert_eq(pipe(p), 0);
        pid_t pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                /* As a worker: its result in its own memory, which its
                 * parent does not share. */
                struct tree_result src;
                fill(&src);
                struct tree_result *shared = arena_alloc(&arena, sizeof(*shared));
                if (!shared || result_copy(shared, &src, &arena) < 0)
                        _exit(1);
                char *text = report_text(&src);
                _exit(write_full(p[1], text, strlen(text)) < 0 ? 1 : 0);
        }
        close(p[1]);
        char want[65536];
        ssize_t n = read_full(p[0], want, sizeof(want) - 1);
        int status;
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        cr_assert_gt(n, 0);
        want[n] = 0;

        struct tree_result got;
        cr_assert_eq(result_copy(&got, arena.base, NULL), 0);
        arena_done(&arena);     /* nothing of it may be needed any more */
        char *text = report_text(&got);
        cr_expect_str_eq(text, want);
        cr_expect(strstr(text, "\"runlevel\": \"2\"") && strstr(text, "\"activation_sec\": 0.005"), "%s", text);
        free(text);
        result_done(&got);
        close(p[0]);
}

Test(boottest_result, a_result_too_big_for_its_arena_is_refused_whole)
{
        struct tree_result src, *shared;
        struct arena arena;

        fill(&src);
        cr_assert_eq(arena_new(&arena, 1024), 0);
        shared = arena_alloc(&arena, sizeof(*shared));
        cr_assert_not_null(shared);
        cr_expect_eq(result_copy(shared, &src, &arena), -ENOMEM);
        arena_done(&arena);
        result_done(&src);
}

static char *tree_keys(const struct tree_result *r)
{
        char *text = report_text(r), *keys = NULL;
        json_object *o = json_tokener_parse(text), *trees, *t;

        cr_assert_not_null(o, "%s", text);
        cr_assert(json_object_object_get_ex(o, "trees", &trees));
        t = json_object_array_get_idx(trees, 0);
        json_object_object_foreach(t, key, value) {
                (void) value;
                char *k = strjoin(keys ?: "", keys ? "," : "", key);
                free(keys);
                keys = k;
        }
        json_object_put(o);
        free(text);
        return keys;
}

static void base(struct tree_result *r, bool started)
{
        *r = (struct tree_result) TREE_RESULT_INIT;
        set(r, &r->tree, "/srv/tree");
        set(r, &r->label, "tree");
        if (!started)
                return;
        set(r, &r->machine, "bt-tree-abcdef");
        r->has_timing = r->init_known = true;
        r->console.present = true;
        result_push(r, &r->checked, "ready");
}

/* The orders below are those of the reports berth boot-test wrote before
 * its results were a struct. */
Test(boottest_result, each_shape_keeps_its_key_order)
{
        struct tree_result r;
        char *k;

        /* systemd, up and inspected */
        base(&r, true);
        r.units.present = r.failed_units.present = true;
        set(&r, &r.system_state, "running");
        set(&r, &r.virtualization, "container-other");
        r.has_getty = r.has_login_tools = r.has_identity = r.has_shutdown = r.has_journal = true;
        r.journal_errors.present = r.not_checked.present = true;
        k = tree_keys(&r);
        cr_expect_str_eq(k, "tree,label,machine,os,init,timing,units,failed_units,system_state,virtualization,login,"
                            "hostname,machine_id,cgroup_layout,shutdown,journal,journal_errors,console,checked,"
                            "not_checked,verdict,exit_status,reason");
        free(k), result_done(&r);

        /* another init */
        base(&r, true);
        r.has_rc = r.has_login_tools = r.has_identity = r.has_shutdown = true;
        set(&r, &r.system_state, "running");
        result_push(&r, &r.not_checked, "journal-errors: no journal");
        k = tree_keys(&r);
        cr_expect_str_eq(k, "tree,label,machine,os,init,timing,rc,pid1_alive,system_state,hostname,machine_id,login,"
                            "cgroup_layout,shutdown,console,checked,not_checked,verdict,exit_status,reason");
        free(k), result_done(&r);

        /* systemd, not up in time */
        base(&r, true);
        set(&r, &r.system_state, "starting");
        r.waiting_for.present = r.has_journal = r.journal_errors.present = r.failed_units.present = true;
        r.not_checked.present = true;
        k = tree_keys(&r);
        cr_expect_str_eq(k, "tree,label,machine,os,init,timing,system_state,waiting_for,journal,journal_errors,"
                            "failed_units,console,checked,not_checked,verdict,exit_status,reason");
        free(k), result_done(&r);

        /* no init */
        base(&r, true);
        k = tree_keys(&r);
        cr_expect_str_eq(k, "tree,label,machine,os,init,timing,console,checked,verdict,exit_status,reason");
        free(k), result_done(&r);

        /* interrupted before it started; a worker that died */
        base(&r, false);
        r.interrupted = r.has_timing = true;
        k = tree_keys(&r);
        cr_expect_str_eq(k, "tree,label,verdict,exit_status,reason,timing");
        free(k), result_done(&r);
        base(&r, false);
        r.verdict = VERDICT_NOT_BOOTED;
        k = tree_keys(&r);
        cr_expect_str_eq(k, "tree,label,verdict,exit_status,reason");
        free(k), result_done(&r);
}
