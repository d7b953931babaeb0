/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthctl against berthd on a private bus: it starts the Debian machine
 * and waits for READY, lists and shows it as berthd says, runs commands in
 * it with their exit status passed back (pipes without a terminal, a PTY
 * with one), reaches a login prompt, powers it off; every error is one line
 * with the right exit status; callers other than root list but change
 * nothing; without berthd it says so. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bus.h"
#include "cleanup.h"
#include "helpers.h"

TestSuite(berthctl, .init = it_setup, .fini = it_teardown);

/* A shell command line with $CTL for berthctl (to pipe into it). */
static struct it_result ctl_sh(int timeout_sec, const char *script)
{
        char *argv[] = { "sh", "-c", (char *) script, NULL };

        setenv("CTL", it_ctl_bin(), 1);
        return it_run(timeout_sec, argv);
}

/* A failure: exit status, one line on stderr, starting with prefix. */
static void assert_one_line_error(struct it_result *r, const char *what, int status, const char *prefix,
                                  const char *needle)
{
        size_t lines = 0;

        for (const char *p = r->err; *p; p++)
                lines += *p == '\n';
        cr_assert_eq(r->status, status, "%s exited with %d, expected %d: %s", what, r->status, status, r->err);
        cr_assert_eq(lines, 1, "%s: expected one line on stderr, got:\n%s", what, r->err);
        if (prefix)
                cr_assert(strncmp(r->err, prefix, strlen(prefix)) == 0, "%s: expected '%s...', got '%s'", what,
                          prefix, r->err);
        if (needle)
                cr_assert(strstr(r->err, needle), "%s: no '%s' in '%s'", what, needle, r->err);
        it_result_free(r);
}

static void assert_ok_out(struct it_result *r, const char *what, const char *expected)
{
        cr_assert_eq(r->status, 0, "%s exited with %d: %s", what, r->status, r->err);
        if (expected)
                cr_assert_str_eq(r->out, expected, "%s printed '%s', expected '%s'", what, r->out, expected);
        it_result_free(r);
}


/* The walk-through -------------------------------------------------- */

static char *field(const char *line, int n)
{
        char *copy = strdup(line), *save = NULL, *t = strtok_r(copy, " \n", &save), *v;

        for (int i = 0; t && i < n; i++)
                t = strtok_r(NULL, " \n", &save);
        v = t ? strdup(t) : NULL;
        free(copy);
        return v;
}

Test(berthctl, starts_debian_runs_commands_logs_in_and_powers_off)
{
        const char *tree = it_debian_tree();
        char *leader, *os_release, path[600], script[600], want[300], *line;
        struct it_result r;
        struct it_pty s;

        it_image_link("deb", tree);
        it_bus_start();
        it_berthd_start();

        r = it_ctl(30, "list", NULL);
        assert_ok_out(&r, "list", "No machines.\n");
        r = it_ctl(30, "list", "--no-legend", NULL);
        assert_ok_out(&r, "list --no-legend", "");
        r = it_ctl(30, "list", "--json", NULL);
        assert_ok_out(&r, "list --json", "[]\n");

        /* start --wait returns once systemd said READY=1. */
        r = it_ctl(300, "start", "--wait", "--timeout=240", "deb", NULL);
        cr_assert_eq(r.status, 0, "start --wait deb exited with %d: %s%s", r.status, r.err, it_berthd_log());
        it_result_free(&r);
        line = it_state_get("deb", "STATE");
        cr_assert(line && strcmp(line, "running") == 0, "after start --wait, STATE=%s", line ? line : "(none)");
        free(line);
        line = it_machine_property("deb", "State");
        cr_assert(line && strcmp(line, "running") == 0, "after start --wait, State is %s", line ? line : "?");
        free(line);
        leader = it_state_get("deb", "LEADER");
        cr_assert_not_null(leader);

        /* logs: the machine's journal, read by its own journalctl. */
        r = it_ctl(30, "logs", "deb", "-n", "3", NULL);
        cr_expect_eq(r.status, 0, "logs: %s", r.err);
        cr_expect(it_count_lines(r.out) >= 1 && it_count_lines(r.out) <= 4, "logs -n 3 printed:\n%s", r.out);
        it_result_free(&r);
        r = it_ctl(30, "logs", "deb", "--unit=systemd-journald.service", NULL);
        cr_expect(r.status == 0 && strstr(r.out, "systemd-journald"), "logs -u: %s%s", r.out, r.err);
        it_result_free(&r);
        r = it_ctl(30, "logs", "deb", "-n", "many", NULL);
        cr_expect(r.status == 2 && strstr(r.err, "expected a number of lines or all"), "%s", r.err);
        it_result_free(&r);

        /* list, show and status say what berthd says. */
        r = it_ctl(30, "list", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        snprintf(want, sizeof(want), "\ndeb container berth running %s\n", leader);
        {
                /* Columns are padded: compare with the spaces squeezed. */
                char *sq = calloc(1, strlen(r.out) + 2), *w = sq;
                *w++ = '\n';
                for (const char *p = r.out; *p; p++)
                        if (!(*p == ' ' && w[-1] == ' '))
                                *w++ = *p;
                cr_assert(strncmp(r.out, "NAME ", 5) == 0 && strstr(sq, want) && strstr(sq, "\n1 machines listed.\n"),
                          "list printed:\n%s", r.out);
                free(sq);
        }
        it_result_free(&r);
        r = it_ctl(30, "list", "--no-legend", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        line = field(r.out, 4);
        /* One line: the machine's, its leader in the fifth column. */
        cr_assert(strncmp(r.out, "deb ", 4) == 0 && strchr(r.out, '\n') == r.out + strlen(r.out) - 1 && line &&
                  strcmp(line, leader) == 0,
                  "list --no-legend printed:\n%s", r.out);
        free(line);
        it_result_free(&r);
        snprintf(script, sizeof(script),
                 "\"$CTL\" list --json | python3 -c 'import json, sys; d = json.load(sys.stdin); "
                 "assert len(d) == 1, d; m = d[0]; print(m[\"name\"], m[\"class\"], m[\"service\"], m[\"state\"], "
                 "m[\"leader\"])'");
        r = ctl_sh(30, script);
        snprintf(want, sizeof(want), "deb container berth running %s\n", leader);
        assert_ok_out(&r, "list --json", want);
        r = it_ctl(30, "show", "deb", "-p", "Leader", "--value", NULL);
        snprintf(want, sizeof(want), "%s\n", leader);
        assert_ok_out(&r, "show -p Leader --value", want);
        r = it_ctl(30, "show", "deb", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        snprintf(want, sizeof(want), "\nLeader=%s\n", leader);
        cr_assert(strncmp(r.out, "Name=deb\n", 9) == 0 && strstr(r.out, want) && strstr(r.out, "\nState=running\n"),
                  "show printed:\n%s", r.out);
        it_result_free(&r);
        r = it_ctl(30, "status", "deb", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        snprintf(want, sizeof(want), "Leader: %s (systemd)\n", leader);
        cr_assert(strstr(r.out, "State: running\n") && strstr(r.out, want) && strstr(r.out, "OS: Debian GNU/Linux 12"),
                  "status printed:\n%s", r.out);
        snprintf(want, sizeof(want), "%s /usr/lib/systemd/systemd", leader);
        cr_assert(strstr(r.out, want), "the process tree lacks '%s':\n%s", want, r.out);
        it_result_free(&r);

        /* shell without a terminal: pipes, and the command's status. */
        snprintf(path, sizeof(path), "%s/usr/lib/os-release", tree);
        os_release = it_read_file(path);
        cr_assert_not_null(os_release, "%s", path);
        r = it_ctl(60, "shell", "deb", "cat", "/etc/os-release", NULL);
        assert_ok_out(&r, "shell deb cat /etc/os-release", os_release);
        r = ctl_sh(60, "printf 'exit 7\\n' | \"$CTL\" shell deb");
        cr_assert_eq(r.status, 7, "'exit 7' through shell: %d (%s)", r.status, r.err);
        it_result_free(&r);
        r = it_ctl(60, "shell", "deb", "/bin/sh", "-c", "exit 7", NULL);
        cr_assert_eq(r.status, 7, "shell deb /bin/sh -c 'exit 7': %d (%s)", r.status, r.err);
        it_result_free(&r);
        r = it_ctl(60, "shell", "deb", "/bin/sh", "-c", "kill -9 $$", NULL);
        cr_assert_eq(r.status, 128 + 9, "a command killed by SIGKILL: %d (%s)", r.status, r.err);
        it_result_free(&r);
        r = ctl_sh(60, "echo through | \"$CTL\" shell deb /bin/sh -c 'read x; echo got-$x; echo err >&2'");
        cr_assert_eq(r.status, 0, "%s", r.err);
        cr_assert_str_eq(r.out, "got-through\n");
        cr_assert_str_eq(r.err, "err\n");
        it_result_free(&r);
        r = it_ctl(60, "shell", "nobody@deb", "/usr/bin/id", "-u", NULL);
        assert_ok_out(&r, "shell nobody@deb id -u", "65534\n");
        r = it_ctl(60, "shell", "deb", "/bin/hostname", NULL);
        assert_ok_out(&r, "shell deb hostname", "deb\n");
        /* The program starts with no signal ignored (berthd ignores SIGPIPE). */
        r = it_ctl(60, "shell", "deb", "/bin/grep", "SigIgn", "/proc/self/status", NULL);
        assert_ok_out(&r, "shell deb grep SigIgn /proc/self/status", "SigIgn:\t0000000000000000\n");
        r = it_ctl(60, "shell", "dm-nosuchuser@deb", "/bin/true", NULL);
        assert_one_line_error(&r, "shell dm-nosuchuser@deb", 1, "berthctl: ", "dm-nosuchuser");

        /* shell on a terminal: a PTY in the machine. */
        {
                char *argv[] = { (char *) it_ctl_bin(), "shell", "deb", NULL };
                it_pty_start(&s, argv);
                it_pty_send(&s, "tty; echo answer-$((6*7)); exit 5\r");
                cr_assert(it_pty_expect(&s, "answer-42", 60), "no answer from a shell on a PTY:\n%s", s.out);
                cr_assert(strstr(s.out, "/dev/pts/"), "the shell is not on a PTY:\n%s", s.out);
                int st = it_pty_finish(&s, 30);
                cr_assert_eq(st, 5, "shell on a PTY exited with %d:\n%s", st, s.out);
        }

        /* login: a prompt, and ^] three times leaves. */
        {
                char *argv[] = { (char *) it_ctl_bin(), "login", "deb", NULL };
                it_pty_start(&s, argv);
                cr_assert(it_pty_expect(&s, "deb login: ", 60), "no login prompt:\n%s", s.out);
                it_pty_send(&s, "\x1d\x1d\x1d");
                int st = it_pty_finish(&s, 30);
                cr_assert_neq(st, -1, "berthctl login did not end after ^]^]^]:\n%s", s.out);
        }

        /* poweroff, then the list is empty and nothing is left. */
        r = it_ctl(60, "poweroff", "deb", NULL);
        assert_ok_out(&r, "poweroff deb", "");
        cr_assert(it_wait_listed("deb", false, 180), "deb is still listed after poweroff");
        r = it_ctl(30, "list", NULL);
        assert_ok_out(&r, "list", "No machines.\n");
        it_assert_clean("deb", tree);
        free(leader);
        free(os_release);
}

/* JSON ------------------------------------------------------------------ */

/* text is exactly one JSON document (whitespace around it allowed), as a
 * parser that refuses extra data reads it; the test fails otherwise. */
static json_object *one_json_document(const char *text, const char *what)
{
        struct json_tokener *tok = json_tokener_new();
        size_t len = strlen(text);
        json_object *o;
        size_t end;

        cr_assert_not_null(tok);
        o = json_tokener_parse_ex(tok, text, (int) len);
        cr_assert(o && json_tokener_get_error(tok) == json_tokener_success, "%s: not JSON (%s):\n%s", what,
                  json_tokener_error_desc(json_tokener_get_error(tok)), text);
        end = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        for (size_t i = end; i < len; i++)
                cr_assert(strchr(" \t\n", text[i]), "%s: more than one JSON document:\n%s", what, text);
        return o;
}

/* An array of objects whose key has these values, in this order. */
static void assert_array_of(json_object *a, const char *key, const char *const *values, size_t n, const char *what)
{
        cr_assert(json_object_is_type(a, json_type_array), "%s: not an array: %s", what,
                  json_object_to_json_string(a));
        cr_assert_eq(json_object_array_length(a), n, "%s: %zu elements: %s", what, json_object_array_length(a),
                     json_object_to_json_string(a));
        for (size_t i = 0; i < n; i++) {
                json_object *v = NULL;
                cr_assert(json_object_object_get_ex(json_object_array_get_idx(a, i), key, &v) &&
                                  strcmp(json_object_get_string(v), values[i]) == 0,
                          "%s: element %zu has no %s=%s: %s", what, i, key, values[i], json_object_to_json_string(a));
        }
}

Test(berthctl, json_of_several_machines_is_one_document)
{
        static const char *const both[] = { "dm-j1", "dm-j2" }, *const reversed[] = { "dm-j2", "dm-j1" };
        static const char *const modes[] = { "--json", "--json=short", "--json=pretty" };
        const char *tree = it_busybox_tree();
        struct it_result r;
        json_object *o;

        it_bus_start();
        it_berthd_start();
        it_spawn_sleeper("dm-j1");
        it_spawn_sleeper("dm-j2");

        for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
                r = it_ctl(30, "list", modes[m], NULL);
                cr_assert_eq(r.status, 0, "list %s: %s", modes[m], r.err);
                o = one_json_document(r.out, "list --json");
                assert_array_of(o, "name", both, 2, "list --json");
                json_object_put(o);
                it_result_free(&r);

                /* show and status: one array, in the order named. */
                r = it_ctl(30, "show", modes[m], "dm-j2", "dm-j1", NULL);
                cr_assert_eq(r.status, 0, "show %s: %s", modes[m], r.err);
                o = one_json_document(r.out, "show --json");
                assert_array_of(o, "Name", reversed, 2, "show --json");
                json_object_put(o);
                it_result_free(&r);
                r = it_ctl(30, "status", modes[m], "dm-j1", "dm-j2", NULL);
                cr_assert_eq(r.status, 0, "status %s: %s", modes[m], r.err);
                o = one_json_document(r.out, "status --json");
                assert_array_of(o, "Name", both, 2, "status --json");
                json_object_put(o);
                it_result_free(&r);
        }

        /* One machine: an array of one; -p: only those keys. */
        r = it_ctl(30, "show", "--json", "-p", "Name,State", "dm-j1", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        o = one_json_document(r.out, "show --json -p");
        assert_array_of(o, "State", (const char *const[]) { "running" }, 1, "show --json -p");
        cr_assert_eq(json_object_object_length(json_object_array_get_idx(o, 0)), 2, "show --json -p: %s", r.out);
        json_object_put(o);
        it_result_free(&r);

        /* A name that fails is one line on stderr; the others are still
         * one document. */
        r = it_ctl(30, "show", "--json", "dm-j1", "dm-nope", "dm-j2", NULL);
        o = one_json_document(r.out, "show --json with a missing machine");
        assert_array_of(o, "Name", both, 2, "show --json with a missing machine");
        json_object_put(o);
        assert_one_line_error(&r, "show --json dm-j1 dm-nope dm-j2", 1, "berthctl: machine dm-nope: ", NULL);

        r = it_ctl(30, "terminate", "dm-j1", "dm-j2", NULL);
        assert_ok_out(&r, "terminate dm-j1 dm-j2", "");
        cr_assert(it_wait_listed("dm-j1", false, 30) && it_wait_listed("dm-j2", false, 30));
        it_assert_clean("dm-j1", tree);
        it_assert_clean("dm-j2", tree);
}

/* The man page --------------------------------------------------------- */

/* The names under "## heading" of berthctl(1)'s PROPERTIES, one per line:
 * the lines that are nothing but *Name*. */
static char *man_properties(const char *heading)
{
        const char *src = getenv("BERTH_SOURCE_ROOT");
        char path[600], *text, *save = NULL, *out = NULL;
        size_t size = 0;
        static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        bool in_properties = false, in_heading = false;
        FILE *f;

        cr_assert_not_null(src, "BERTH_SOURCE_ROOT is not set (tests/integration/meson.build sets it)");
        snprintf(path, sizeof(path), "%s/man/berthctl.1.scd", src);
        text = it_read_file(path);
        cr_assert_not_null(text, "%s: %m", path);
        f = open_memstream(&out, &size);
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                size_t n = strlen(l);

                if (strncmp(l, "# ", 2) == 0)
                        in_properties = strcmp(l, "# PROPERTIES") == 0;
                else if (strncmp(l, "## ", 3) == 0)
                        in_heading = in_properties && strcmp(l + 3, heading) == 0;
                else if (in_heading && n > 2 && l[0] == '*' && l[n - 1] == '*' && strspn(l + 1, letters) == n - 2)
                        fprintf(f, "%.*s\n", (int) n - 2, l + 1);
        }
        fclose(f);
        free(text);
        cr_assert(out && *out, "berthctl(1) lists no properties under '## %s' in PROPERTIES", heading);
        return out;
}

/* The keys of show's KEY=VALUE lines, one per line. */
static char *show_keys(const char *out)
{
        char *copy = strdup(out), *save = NULL, *keys = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&keys, &size);

        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                if (strchr(l, '='))
                        fprintf(f, "%.*s\n", (int) (strchr(l, '=') - l), l);
        fclose(f);
        free(copy);
        return keys;
}

Test(berthctl, man_page_lists_every_property_show_prints)
{
        char *documented, *shown;
        struct it_result r;
        json_object *o;

        it_bus_start();
        it_berthd_start();
        it_spawn_sleeper("dm-props");

        r = it_ctl(30, "show", "--all", "dm-props", NULL);
        cr_assert_eq(r.status, 0, "show --all dm-props: %s", r.err);
        documented = man_properties("Machines");
        shown = show_keys(r.out);
        cr_assert_str_eq(shown, documented, "show prints (left) what berthctl(1) does not list (right), in its order");
        free(documented);
        free(shown);
        it_result_free(&r);

        /* Without a name: berthd's own properties. */
        r = it_ctl(30, "show", "-a", NULL);
        cr_assert_eq(r.status, 0, "show without a name: %s", r.err);
        documented = man_properties("berthd");
        shown = show_keys(r.out);
        cr_assert_str_eq(shown, documented, "show prints (left) what berthctl(1) does not list (right), in its order");
        cr_assert(strstr(r.out, "\nNMachines=1\n") && strstr(r.out, "\nRuntimeDirectory=") &&
                          strstr(r.out, it.runtime_dir),
                  "show without a name printed:\n%s", r.out);
        free(documented);
        free(shown);
        it_result_free(&r);
        r = it_ctl(30, "show", "-p", "NMachines", "--value", NULL);
        assert_ok_out(&r, "show -p NMachines --value", "1\n");
        r = it_ctl(30, "show", "--json", NULL);
        cr_assert_eq(r.status, 0, "show --json without a name: %s", r.err);
        o = one_json_document(r.out, "show --json without a name");
        cr_assert(json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, "Version", NULL),
                  "show --json without a name: %s", r.out);
        json_object_put(o);
        it_result_free(&r);

        r = it_ctl(30, "terminate", "dm-props", NULL);
        assert_ok_out(&r, "terminate dm-props", "");
        cr_assert(it_wait_listed("dm-props", false, 30));
        it_assert_clean("dm-props", it_busybox_tree());
}

/* machinectl's options ------------------------------------------------- */

Test(berthctl, show_leaves_out_empty_properties_unless_all)
{
        static const char *const empty[] = { "Init", "StopStep", "NetworkInterfaces" };
        struct it_result r, all;
        char want[64];

        it_bus_start();
        it_berthd_start();
        it_spawn_sleeper("dm-all");

        r = it_ctl(30, "show", "dm-all", NULL);
        all = it_ctl(30, "show", "-a", "dm-all", NULL);
        cr_assert(r.status == 0 && all.status == 0, "show: %s%s", r.err, all.err);
        cr_assert(strncmp(r.out, "Name=dm-all\n", 12) == 0 && strstr(r.out, "\nState=running\n"), "show:\n%s",
                  r.out);
        for (size_t i = 0; i < ELEMENTSOF(empty); i++) {
                snprintf(want, sizeof(want), "\n%s=\n", empty[i]);
                cr_assert(!strstr(r.out, want), "show prints the empty %s:\n%s", empty[i], r.out);
                cr_assert(strstr(all.out, want), "show -a leaves out the empty %s:\n%s", empty[i], all.out);
        }
        it_result_free(&r);
        it_result_free(&all);
        /* Named with -p, it is printed though empty; --json has it all. */
        r = it_ctl(30, "show", "dm-all", "-p", "StopStep,Name", NULL);
        assert_ok_out(&r, "show -p StopStep,Name", "StopStep=\nName=dm-all\n");
        r = it_ctl(30, "show", "--json", "dm-all", NULL);
        cr_assert(r.status == 0 && strstr(r.out, "\"StopStep\":\"\""), "show --json:\n%s%s", r.out, r.err);
        it_result_free(&r);
        r = it_ctl(30, "list", "--all", NULL);
        assert_one_line_error(&r, "list --all", 2, "berthctl: --all does not apply to list, only to show", NULL);

        r = it_ctl(30, "terminate", "dm-all", NULL);
        assert_ok_out(&r, "terminate dm-all", "");
        cr_assert(it_wait_listed("dm-all", false, 30));
        it_assert_clean("dm-all", it_busybox_tree());
}

/* The columns of the line of out that has needle (UTF-8 characters up
 * to \r or \n); -1 without one. */
static int line_columns(const char *out, const char *needle, const char **ret_line)
{
        const char *p = strstr(out, needle);
        int n = 0;

        if (!p)
                return -1;
        while (p > out && p[-1] != '\n')
                p--;
        *ret_line = p;
        for (; *p && *p != '\r' && *p != '\n'; p++)
                n += ((unsigned char) *p & 0xc0) != 0x80;
        return n;
}

Test(berthctl, status_cuts_the_process_tree_to_the_terminal_unless_full)
{
        const char *tree = it_busybox_tree(), *line = NULL;
        char arg[300], *argv[] = { (char *) it_ctl_bin(), "status", "dm-l", NULL, NULL };
        struct it_pty s;
        struct it_result r;
        pid_t pid;
        int cols;

        snprintf(arg, sizeof(arg), "marker-");
        memset(arg + 7, 'x', 200);
        snprintf(arg + 207, sizeof(arg) - 207, "-end");
        it_bus_start();
        it_berthd_start();
        pid = it_berth_spawn("dm-l", "-D", tree, "--ephemeral", "--name", "dm-l", "--", "/bin/sh", "-c",
                             "sleep 1000; :", arg, NULL);
        cr_assert(it_wait_state("dm-l", "running", 60) && it_wait_listed("dm-l", true, 30), "dm-l: %s",
                  it_spawn_log("dm-l", "err"));

        /* On an 80-column terminal: cut, with an ellipsis. */
        it_pty_start(&s, argv);
        cr_assert_eq(it_pty_finish(&s, 30), 0, "status on a PTY:\n%s", s.out);
        cols = line_columns(s.out, "marker-", &line);
        cr_assert(cols > 0 && cols <= 80 && !strstr(s.out, "-end"), "status on a terminal did not cut:\n%s", s.out);
        cr_assert(strstr(line, "\u2026\r\n") == line + strcspn(line, "\r") - strlen("\u2026") ||
                          strstr(line, "...\r\n") == line + strcspn(line, "\r") - 3,
                  "no ellipsis at the end of:\n%.*s", (int) strcspn(line, "\r"), line);

        /* -l, or not a terminal: in full. */
        char *full[] = { (char *) it_ctl_bin(), "-l", "status", "dm-l", NULL };
        it_pty_start(&s, full);
        cr_assert_eq(it_pty_finish(&s, 30), 0, "status -l on a PTY:\n%s", s.out);
        cr_assert(strstr(s.out, arg), "status -l on a terminal cut the command line:\n%s", s.out);
        r = it_ctl(30, "status", "dm-l", NULL);
        cr_assert(r.status == 0 && strstr(r.out, arg), "status into a pipe cut the command line:\n%s%s", r.out,
                  r.err);
        it_result_free(&r);

        r = it_ctl(30, "terminate", "dm-l", NULL);
        assert_ok_out(&r, "terminate dm-l", "");
        cr_assert_neq(it_wait(pid, 30), -1);
        it_assert_clean("dm-l", tree);
}

Test(berthctl, shell_takes_uid_and_setenv)
{
        char *tree = it_copy_busybox(), path[600];
        const char *script;
        struct it_result r;
        struct it_pty s;
        FILE *f;
        pid_t pid;

        snprintf(path, sizeof(path), "%s/etc/passwd", tree);
        f = fopen(path, "a");
        cr_assert_not_null(f, "%s: %m", path);
        fprintf(f, "nobody:x:65534:65534:nobody:/:/bin/sh\n");
        fclose(f);
        it_bus_start();
        it_berthd_start();
        pid = it_berth_spawn("dm-e", "-D", tree, "--ephemeral", "--name", "dm-e", "--", "sleep", "1000", NULL);
        cr_assert(it_wait_state("dm-e", "running", 60) && it_wait_listed("dm-e", true, 30), "dm-e: %s",
                  it_spawn_log("dm-e", "err"));

        /* --uid is the user unless USER@ names one. */
        r = it_ctl(60, "shell", "--uid=nobody", "dm-e", "/bin/id", "-u", NULL);
        assert_ok_out(&r, "shell --uid=nobody", "65534\n");
        r = it_ctl(60, "shell", "--uid", "nobody", "root@dm-e", "/bin/id", "-u", NULL);
        assert_ok_out(&r, "shell --uid nobody root@dm-e", "0\n");
        r = it_ctl(60, "shell", "--uid=dm-nosuch", "dm-e", "/bin/true", NULL);
        assert_one_line_error(&r, "shell --uid=dm-nosuch", 1, "berthctl: machine dm-e: ", "dm-nosuch");

        /* -E: NAME=VALUE (the last of a name wins, over berthd's own
         * PATH too), or NAME alone from berthctl's environment. */
        setenv("DM_PASSED", "from the host", 1);
        script = "echo \"$FOO|$PATH|$DM_PASSED|$HOME\"";
        r = it_ctl(60, "shell", "-E", "FOO=one", "--setenv=FOO=two=2", "-E", "PATH=/bin", "-E", "DM_PASSED",
                "--uid=nobody", "dm-e", "/bin/sh", "-c", script, NULL);
        assert_ok_out(&r, "shell -E", "two=2|/bin|from the host|/\n");
        /* Replaced, not added after berthd's: a program that reads the
         * first PATH= of its environment gets ours. */
        r = it_ctl(60, "shell", "-E", "PATH=/bin", "-E", "HOME=/tmp", "dm-e", "/bin/env", NULL);
        cr_assert_eq(r.status, 0, "shell env: %s", r.err);
        cr_assert(strstr(r.out, "PATH=/bin\n") && strstr(r.out, "PATH=") == strstr(r.out, "PATH=/bin\n") &&
                          strstr(r.out, "HOME=") == strstr(r.out, "HOME=/tmp\n"),
                  "-E did not replace berthd's PATH and HOME:\n%s", r.out);
        cr_assert_null(strstr(strstr(r.out, "PATH=/bin\n") + 1, "PATH="), "PATH twice:\n%s", r.out);
        it_result_free(&r);
        r = it_ctl(30, "shell", "-E", "9X=1", "dm-e", NULL);
        assert_one_line_error(&r, "shell -E 9X=1", 2, "berthctl: --setenv=9X=1: ", NULL);
        r = it_ctl(30, "list", "-E", "A=1", NULL);
        assert_one_line_error(&r, "list -E A=1", 2, "berthctl: --setenv does not apply to list, only to shell",
                              NULL);

        /* On a terminal too: -E TERM= replaces the caller's TERM. */
        {
                char *argv[] = { (char *) it_ctl_bin(), "shell", "-E", "TERM=dm-term", "--uid=nobody", "dm-e", NULL };
                it_pty_start(&s, argv);
                it_pty_send(&s, "echo \"<$TERM:$(id -u)>\"; exit 4\r");
                cr_assert(it_pty_expect(&s, "<dm-term:65534>", 60), "shell -E TERM= on a PTY:\n%s", s.out);
                cr_assert_eq(it_pty_finish(&s, 30), 4, "shell on a PTY:\n%s", s.out);
        }

        r = it_ctl(30, "terminate", "dm-e", NULL);
        assert_ok_out(&r, "terminate dm-e", "");
        cr_assert_neq(it_wait(pid, 30), -1);
        it_assert_clean("dm-e", tree);
}

/* -M NAME: berthd inside machine NAME, on the machine's own bus. The
 * Debian machine gets this build's berthd and its policy bound in; its
 * systemd starts its dbus-daemon. */
Test(berthctl, machine_option_talks_to_berthd_inside_the_machine)
{
        const char *tree = it_debian_tree(), *src = getenv("BERTH_SOURCE_ROOT"), *berthd = getenv("BERTHD_BIN");
        char bind_berthd[600], bind_policy[600], want[400];
        struct it_result r;
        bool up = false;
        pid_t pid;

        cr_assert(src && berthd, "BERTH_SOURCE_ROOT and BERTHD_BIN are set by tests/integration/meson.build");
        snprintf(bind_berthd, sizeof(bind_berthd), "--bind-ro=%s:/usr/local/sbin/berthd", berthd);
        snprintf(bind_policy, sizeof(bind_policy),
                 "--bind-ro=%s/dbus/org.berth.machine1.conf:/usr/share/dbus-1/system.d/org.berth.machine1.conf", src);
        it_bus_start();
        it_berthd_start();
        pid = it_berth_spawn("dm-nest", "-D", tree, "--ephemeral", "--boot", "--name", "dm-nest", bind_berthd,
                             bind_policy, NULL);
        cr_assert(it_wait_state("dm-nest", "running", 240) && it_wait_listed("dm-nest", true, 30),
                  "dm-nest did not come up: %s", it_spawn_log("dm-nest", "err"));

        /* The machine's bus, where no berthd runs yet: berthd here does. */
        r = it_ctl(30, "-M", "dm-nest", "list", NULL);
        assert_one_line_error(&r, "-M dm-nest list before berthd runs in it", 1, "berthctl: listing machines: ",
                              "berthd is not running");

        r = it_ctl(60, "shell", "dm-nest", "/usr/bin/systemd-run", "--quiet", "--unit=dm-berthd",
                "/usr/local/sbin/berthd", NULL);
        assert_ok_out(&r, "systemd-run berthd in dm-nest", NULL);
        for (double end = it_now() + 60; !up && it_now() < end; usleep(200000)) {
                r = it_ctl(30, "-M", "dm-nest", "show", "-p", "RuntimeDirectory", "--value", NULL);
                up = r.status == 0;
                if (up)
                        cr_assert_str_eq(r.out, "/run/berth\n", "berthd in dm-nest: RuntimeDirectory=%s", r.out);
                it_result_free(&r);
        }
        cr_assert(up, "berthd in dm-nest never answered through -M");

        /* What berthd in the machine says, not the one here. */
        r = it_ctl(30, "--machine=dm-nest", "list", NULL);
        assert_ok_out(&r, "--machine=dm-nest list", "No machines.\n");
        r = it_ctl(30, "list", "--no-legend", NULL);
        cr_assert(r.status == 0 && strncmp(r.out, "dm-nest ", 8) == 0, "list here:\n%s%s", r.out, r.err);
        it_result_free(&r);
        r = it_ctl(30, "show", "-M", "dm-nest", "-p", "NMachines", NULL);
        assert_ok_out(&r, "show -M dm-nest -p NMachines", "NMachines=0\n");
        snprintf(want, sizeof(want), "%s\n", it.runtime_dir);
        r = it_ctl(30, "show", "-p", "RuntimeDirectory", "--value", NULL);
        assert_ok_out(&r, "show -p RuntimeDirectory here", want);
        r = it_ctl(30, "-M", "dm-nest", "status", "dm-x", NULL);
        assert_one_line_error(&r, "-M dm-nest status dm-x", 1, "berthctl: machine dm-x: ", "no machine dm-x");

        /* A machine that is not running, a bad name, -H with -M. */
        r = it_ctl(30, "-M", "dm-nope", "list", NULL);
        assert_one_line_error(&r, "-M dm-nope list", 1, "berthctl: machine dm-nope: ", "no machine dm-nope");
        r = it_ctl(30, "-M", "../x", "list", NULL);
        assert_one_line_error(&r, "-M ../x list", 2, "berthctl: -M ../x: invalid machine name", NULL);
        r = it_ctl(30, "-H", "localhost", "-M", "dm-nest", "list", NULL);
        assert_one_line_error(&r, "-H localhost -M dm-nest list", 2, "berthctl: -H and -M cannot be given together",
                              NULL);

        r = it_ctl(60, "poweroff", "dm-nest", NULL);
        assert_ok_out(&r, "poweroff dm-nest", "");
        cr_assert_neq(it_wait(pid, 120), -1, "dm-nest did not power off");
        it_assert_clean("dm-nest", tree);
}

/* A machine without a bus inside: -M says so, in one line. */
Test(berthctl, machine_option_without_a_bus_in_the_machine)
{
        struct it_result r;

        it_bus_start();
        it_berthd_start();
        it_spawn_sleeper("dm-nobus");
        r = it_ctl(30, "-M", "dm-nobus", "list", NULL);
        assert_one_line_error(&r, "-M dm-nobus list", 1,
                              "berthctl: machine dm-nobus: cannot connect to the system bus inside it: ",
                              "needs a dbus-daemon and berthd running in the machine");
        r = it_ctl(30, "terminate", "dm-nobus", NULL);
        assert_ok_out(&r, "terminate dm-nobus", "");
        cr_assert(it_wait_listed("dm-nobus", false, 30));
        it_assert_clean("dm-nobus", it_busybox_tree());
}

/* berthctl [-q] VERB dm-q on a PTY: wait for ready, leave with ^] three
 * times; what it printed. */
static char *escaped_session(const char *verb, bool quiet, const char *send, const char *ready)
{
        char *argv[] = { (char *) it_ctl_bin(), quiet ? "-q" : (char *) verb, quiet ? (char *) verb : "dm-q",
                         quiet ? "dm-q" : NULL, NULL };
        struct it_pty s;

        it_pty_start(&s, argv);
        if (send)
                it_pty_send(&s, send);
        cr_assert(it_pty_expect(&s, ready, 60), "%s%s: no '%s':\n%s", quiet ? "-q " : "", verb, ready, s.out);
        usleep(200000);
        it_pty_send(&s, "\x1d\x1d\x1d");
        cr_assert_neq(it_pty_finish(&s, 30), -1, "%s did not end after ^]^]^]:\n%s", verb, s.out);
        return strdup(s.out);
}

Test(berthctl, quiet_leaves_out_the_informational_lines)
{
        char *out;

        it_bus_start();
        it_berthd_start();
        it_spawn_sleeper("dm-q");

        out = escaped_session("login", false, NULL, "dm-q login: ");
        cr_assert(strstr(out, "Connected to machine dm-q") && strstr(out, "connection to machine dm-q closed"),
                  "login without -q:\n%s", out);
        free(out);
        out = escaped_session("login", true, NULL, "dm-q login: ");
        cr_assert(!strstr(out, "Connected to") && !strstr(out, "closed"), "login -q:\n%s", out);
        free(out);
        out = escaped_session("shell", false, "echo ready-$((1+1))\r", "ready-2");
        cr_assert(strstr(out, "left the shell of machine dm-q"), "shell without -q:\n%s", out);
        free(out);
        out = escaped_session("shell", true, "echo ready-$((1+1))\r", "ready-2");
        cr_assert(!strstr(out, "left the shell"), "shell -q:\n%s", out);
        free(out);

        /* --no-pager changes nothing, and is no usage error. */
        struct it_result a = it_ctl(30, "list", NULL), b = it_ctl(30, "--no-pager", "list", NULL);
        cr_assert_eq(b.status, 0, "list --no-pager: %s", b.err);
        cr_assert_str_eq(a.out, b.out);
        it_result_free(&a);
        it_result_free(&b);

        a = it_ctl(30, "terminate", "dm-q", NULL);
        assert_ok_out(&a, "terminate dm-q", "");
        cr_assert(it_wait_listed("dm-q", false, 30));
        it_assert_clean("dm-q", it_busybox_tree());
}

/* Errors --------------------------------------------------------------- */

Test(berthctl, errors_are_one_line_with_the_right_status)
{
        const char *tree = it_busybox_tree();
        struct it_result r;
        pid_t pid;

        it_image_link("dm-c", tree);
        it_bus_start();
        it_berthd_start();
        pid = it_spawn_sleeper("dm-c");

        r = it_ctl(30, "poweroff", "dm-nope", NULL);
        assert_one_line_error(&r, "poweroff dm-nope", 1, "berthctl: machine dm-nope: ", "no machine dm-nope");
        r = it_ctl(30, "status", "dm-nope", NULL);
        assert_one_line_error(&r, "status dm-nope", 1, "berthctl: machine dm-nope: ", "dm-nope");
        r = it_ctl(30, "start", "dm-c", NULL);
        assert_one_line_error(&r, "start dm-c", 1, "berthctl: machine dm-c: ", "already running");
        r = it_ctl(30, "start", "dm-missing", NULL);
        assert_one_line_error(&r, "start dm-missing", 1, "berthctl: machine dm-missing: ", "dm-missing");
        /* Usage errors: nothing is sent. */
        r = it_ctl(30, "start", "../x", NULL);
        assert_one_line_error(&r, "start ../x", 2, "berthctl: ", NULL);
        r = it_ctl(30, "list", "--wait", NULL);
        assert_one_line_error(&r, "list --wait", 2, "berthctl: ", NULL);
        r = it_ctl(30, "frobnicate", NULL);
        assert_one_line_error(&r, "frobnicate", 2, "berthctl: ", "frobnicate");
        r = it_ctl(30, "kill", "--signal=SIGNOPE", "dm-c", NULL);
        assert_one_line_error(&r, "kill --signal=SIGNOPE", 2, "berthctl: ", "SIGNOPE");

        /* A machine whose init is berth's stub runs shell commands too. */
        r = it_ctl(60, "shell", "dm-c", "/bin/sh", "-c", "echo $(cat /proc/1/comm); exit 7", NULL);
        cr_assert_eq(r.status, 7, "shell dm-c: %d (%s)", r.status, r.err);
        it_result_free(&r);

        /* One name fails, the others are still done. */
        r = it_ctl(30, "terminate", "dm-nope", "dm-c", NULL);
        assert_one_line_error(&r, "terminate dm-nope dm-c", 1, "berthctl: machine dm-nope: ", NULL);
        cr_assert_neq(it_wait(pid, 30), -1, "dm-c still runs after terminate");
        cr_assert(it_wait_listed("dm-c", false, 30));
        it_assert_clean("dm-c", tree);
}

Test(berthctl, non_root_lists_but_changes_nothing)
{
        const char *tree = it_busybox_tree();
        char *leader, want[200];
        struct it_result r;
        pid_t pid;

        it_image_link("dm-img", tree);
        it_bus_start();
        it_berthd_start();
        pid = it_spawn_sleeper("dm-pub");
        leader = it_state_get("dm-pub", "LEADER");
        cr_assert_not_null(leader);

        char *list[] = { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", (char *) it_ctl_bin(), "list",
                         "--no-legend", NULL };
        r = it_run(30, list);
        cr_assert_eq(r.status, 0, "list as nobody: %s", r.err);
        cr_assert(strncmp(r.out, "dm-pub ", 7) == 0, "list as nobody:\n%s", r.out);
        it_result_free(&r);
        char *show[] = { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", (char *) it_ctl_bin(), "show",
                         "dm-pub", "-p", "Leader", "--value", NULL };
        r = it_run(30, show);
        snprintf(want, sizeof(want), "%s\n", leader);
        assert_ok_out(&r, "show as nobody", want);

        static const char *const verbs[] = { "poweroff", "reboot", "terminate", "kill" };
        for (size_t i = 0; i < 4; i++) {
                char *argv[] = { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", (char *) it_ctl_bin(),
                                 (char *) verbs[i], "dm-pub", NULL };
                char what[100];
                snprintf(what, sizeof(what), "%s as nobody", verbs[i]);
                r = it_run(30, argv);
                assert_one_line_error(&r, what, 1, "berthctl: machine dm-pub: ", "access denied");
        }
        char *start[] = { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", (char *) it_ctl_bin(), "start",
                          "dm-img", NULL };
        r = it_run(30, start);
        assert_one_line_error(&r, "start as nobody", 1, "berthctl: machine dm-img: ", "access denied");

        cr_assert(it_wait_property("dm-pub", "Leader", leader, 5), "dm-pub changed");
        cr_assert_eq(waitpid(pid, NULL, WNOHANG), 0, "dm-pub ended");
        cr_assert_null(it_state_get("dm-img", "STATE"), "dm-img was started");
        cr_assert_eq(kill(pid, SIGTERM), 0);
        cr_assert_neq(it_wait(pid, 30), -1);
        it_assert_clean("dm-pub", tree);
        free(leader);
}

Test(berthctl, says_when_berthd_or_the_bus_is_missing)
{
        char addr[400];
        struct it_result r;

        /* The line says what to do: start berthd, or its unit. */
        it_bus_start();
        r = it_ctl(30, "list", NULL);
        cr_assert(strstr(r.err, "systemctl start berthd.service") && strstr(r.err, "run berthd as root"),
                  "list without berthd does not say how to start it: %s", r.err);
        assert_one_line_error(&r, "list without berthd", 1, "berthctl: ", "berthd is not running");
        r = it_ctl(30, "status", "dm-x", NULL);
        assert_one_line_error(&r, "status without berthd", 1, "berthctl: machine dm-x: berthd is not running",
                              "systemctl start berthd.service");

        /* Without a bus: the address, and that berthd needs the bus. */
        snprintf(addr, sizeof(addr), "unix:path=%s/no-bus", it.dir);
        setenv("DBUS_SYSTEM_BUS_ADDRESS", addr, 1);
        r = it_ctl(30, "list", NULL);
        cr_assert(strstr(r.err, "service dbus start") && strstr(r.err, "then berthd"),
                  "list without a bus does not say what to start: %s", r.err);
        assert_one_line_error(&r, "list without a bus", 1, "berthctl: cannot connect to the system bus at ",
                              addr + strlen("unix:path="));
}
