/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthctl against berthd on a private bus: it starts the Debian machine
 * and waits for READY, lists and shows it as berthd says, runs commands in
 * it with their exit status passed back (pipes without a terminal, a PTY
 * with one), reaches a login prompt, powers it off; every error is one line
 * with the right exit status; callers other than root list but change
 * nothing; without berthd it says so. */
#include <criterion/criterion.h>
#include <dirent.h>
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

static const char *ctl_bin(void)
{
        const char *b = getenv("BERTHCTL_BIN");

        cr_assert_not_null(b, "BERTHCTL_BIN is not set (tests/integration/meson.build sets it)");
        cr_assert_eq(access(b, X_OK), 0, "berthctl %s: %m", b);
        return b;
}

/* berthctl ARGS, stdin from /dev/null. */
static struct it_result ctl(int timeout_sec, ...)
{
        char *argv[64];
        size_t n = 0;
        va_list ap;

        argv[n++] = (char *) ctl_bin();
        va_start(ap, timeout_sec);
        for (const char *a = va_arg(ap, const char *); a && n < 63; a = va_arg(ap, const char *))
                argv[n++] = (char *) a;
        va_end(ap);
        argv[n] = NULL;
        return it_run(timeout_sec, argv);
}

/* A shell command line with $CTL for berthctl (to pipe into it). */
static struct it_result ctl_sh(int timeout_sec, const char *script)
{
        char *argv[] = { "sh", "-c", (char *) script, NULL };

        setenv("CTL", ctl_bin(), 1);
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

static void image_link(const char *name, const char *target)
{
        char dir[400], link[500];

        snprintf(dir, sizeof(dir), "%s/images", it.state_dir);
        mkdir(it.state_dir, 0755);
        mkdir(dir, 0755);
        snprintf(link, sizeof(link), "%s/%s", dir, name);
        cr_assert_eq(symlink(target, link), 0, "symlink %s: %m", link);
}

static pid_t spawn_sleeper(const char *name)
{
        pid_t pid = it_berth_spawn(name, "-D", it_busybox_tree(), "--ephemeral", "--name", name, "--", "sleep",
                                   "1000", NULL);

        if (!it_wait_state(name, "running", 60)) {
                char *err = it_spawn_log(name, "err");
                kill(pid, SIGKILL);
                it_wait(pid, 10);
                cr_assert_fail("machine %s did not reach STATE=running; berth said:\n%s", name, err);
        }
        cr_assert(it_wait_listed(name, true, 30), "machine %s is not listed", name);
        return pid;
}

static void assert_clean(const char *machine, const char *tree)
{
        char *left = it_leftovers(machine, tree);

        cr_assert_null(left, "%s", left);
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

        image_link("deb", tree);
        it_bus_start();
        it_berthd_start();

        r = ctl(30, "list", NULL);
        assert_ok_out(&r, "list", "No machines.\n");
        r = ctl(30, "list", "--no-legend", NULL);
        assert_ok_out(&r, "list --no-legend", "");
        r = ctl(30, "list", "--json", NULL);
        assert_ok_out(&r, "list --json", "[]\n");

        /* start --wait returns once systemd said READY=1. */
        r = ctl(300, "start", "--wait", "--timeout=240", "deb", NULL);
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

        /* list, show and status say what berthd says. */
        r = ctl(30, "list", NULL);
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
        r = ctl(30, "list", "--no-legend", NULL);
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
        r = ctl(30, "show", "deb", "-p", "Leader", "--value", NULL);
        snprintf(want, sizeof(want), "%s\n", leader);
        assert_ok_out(&r, "show -p Leader --value", want);
        r = ctl(30, "show", "deb", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        snprintf(want, sizeof(want), "\nLeader=%s\n", leader);
        cr_assert(strncmp(r.out, "Name=deb\n", 9) == 0 && strstr(r.out, want) && strstr(r.out, "\nState=running\n"),
                  "show printed:\n%s", r.out);
        it_result_free(&r);
        r = ctl(30, "status", "deb", NULL);
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
        r = ctl(60, "shell", "deb", "cat", "/etc/os-release", NULL);
        assert_ok_out(&r, "shell deb cat /etc/os-release", os_release);
        r = ctl_sh(60, "printf 'exit 7\\n' | \"$CTL\" shell deb");
        cr_assert_eq(r.status, 7, "'exit 7' through shell: %d (%s)", r.status, r.err);
        it_result_free(&r);
        r = ctl(60, "shell", "deb", "/bin/sh", "-c", "exit 7", NULL);
        cr_assert_eq(r.status, 7, "shell deb /bin/sh -c 'exit 7': %d (%s)", r.status, r.err);
        it_result_free(&r);
        r = ctl(60, "shell", "deb", "/bin/sh", "-c", "kill -9 $$", NULL);
        cr_assert_eq(r.status, 128 + 9, "a command killed by SIGKILL: %d (%s)", r.status, r.err);
        it_result_free(&r);
        r = ctl_sh(60, "echo through | \"$CTL\" shell deb /bin/sh -c 'read x; echo got-$x; echo err >&2'");
        cr_assert_eq(r.status, 0, "%s", r.err);
        cr_assert_str_eq(r.out, "got-through\n");
        cr_assert_str_eq(r.err, "err\n");
        it_result_free(&r);
        r = ctl(60, "shell", "nobody@deb", "/usr/bin/id", "-u", NULL);
        assert_ok_out(&r, "shell nobody@deb id -u", "65534\n");
        r = ctl(60, "shell", "deb", "/bin/hostname", NULL);
        assert_ok_out(&r, "shell deb hostname", "deb\n");
        /* The program starts with no signal ignored (berthd ignores SIGPIPE). */
        r = ctl(60, "shell", "deb", "/bin/grep", "SigIgn", "/proc/self/status", NULL);
        assert_ok_out(&r, "shell deb grep SigIgn /proc/self/status", "SigIgn:\t0000000000000000\n");
        r = ctl(60, "shell", "dm-nosuchuser@deb", "/bin/true", NULL);
        assert_one_line_error(&r, "shell dm-nosuchuser@deb", 1, "berthctl: ", "dm-nosuchuser");

        /* shell on a terminal: a PTY in the machine. */
        {
                char *argv[] = { (char *) ctl_bin(), "shell", "deb", NULL };
                it_pty_start(&s, argv);
                it_pty_send(&s, "tty; echo answer-$((6*7)); exit 5\r");
                cr_assert(it_pty_expect(&s, "answer-42", 60), "no answer from a shell on a PTY:\n%s", s.out);
                cr_assert(strstr(s.out, "/dev/pts/"), "the shell is not on a PTY:\n%s", s.out);
                int st = it_pty_finish(&s, 30);
                cr_assert_eq(st, 5, "shell on a PTY exited with %d:\n%s", st, s.out);
        }

        /* login: a prompt, and ^] three times leaves. */
        {
                char *argv[] = { (char *) ctl_bin(), "login", "deb", NULL };
                it_pty_start(&s, argv);
                cr_assert(it_pty_expect(&s, "deb login: ", 60), "no login prompt:\n%s", s.out);
                it_pty_send(&s, "\x1d\x1d\x1d");
                int st = it_pty_finish(&s, 30);
                cr_assert_neq(st, -1, "berthctl login did not end after ^]^]^]:\n%s", s.out);
        }

        /* poweroff, then the list is empty and nothing is left. */
        r = ctl(60, "poweroff", "deb", NULL);
        assert_ok_out(&r, "poweroff deb", "");
        cr_assert(it_wait_listed("deb", false, 180), "deb is still listed after poweroff");
        r = ctl(30, "list", NULL);
        assert_ok_out(&r, "list", "No machines.\n");
        assert_clean("deb", tree);
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
        spawn_sleeper("dm-j1");
        spawn_sleeper("dm-j2");

        for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
                r = ctl(30, "list", modes[m], NULL);
                cr_assert_eq(r.status, 0, "list %s: %s", modes[m], r.err);
                o = one_json_document(r.out, "list --json");
                assert_array_of(o, "name", both, 2, "list --json");
                json_object_put(o);
                it_result_free(&r);

                /* show and status: one array, in the order named. */
                r = ctl(30, "show", modes[m], "dm-j2", "dm-j1", NULL);
                cr_assert_eq(r.status, 0, "show %s: %s", modes[m], r.err);
                o = one_json_document(r.out, "show --json");
                assert_array_of(o, "Name", reversed, 2, "show --json");
                json_object_put(o);
                it_result_free(&r);
                r = ctl(30, "status", modes[m], "dm-j1", "dm-j2", NULL);
                cr_assert_eq(r.status, 0, "status %s: %s", modes[m], r.err);
                o = one_json_document(r.out, "status --json");
                assert_array_of(o, "Name", both, 2, "status --json");
                json_object_put(o);
                it_result_free(&r);
        }

        /* One machine: an array of one; -p: only those keys. */
        r = ctl(30, "show", "--json", "-p", "Name,State", "dm-j1", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        o = one_json_document(r.out, "show --json -p");
        assert_array_of(o, "State", (const char *const[]) { "running" }, 1, "show --json -p");
        cr_assert_eq(json_object_object_length(json_object_array_get_idx(o, 0)), 2, "show --json -p: %s", r.out);
        json_object_put(o);
        it_result_free(&r);

        /* A name that fails is one line on stderr; the others are still
         * one document. */
        r = ctl(30, "show", "--json", "dm-j1", "dm-nope", "dm-j2", NULL);
        o = one_json_document(r.out, "show --json with a missing machine");
        assert_array_of(o, "Name", both, 2, "show --json with a missing machine");
        json_object_put(o);
        assert_one_line_error(&r, "show --json dm-j1 dm-nope dm-j2", 1, "berthctl: machine dm-nope: ", NULL);

        r = ctl(30, "terminate", "dm-j1", "dm-j2", NULL);
        assert_ok_out(&r, "terminate dm-j1 dm-j2", "");
        cr_assert(it_wait_listed("dm-j1", false, 30) && it_wait_listed("dm-j2", false, 30));
        assert_clean("dm-j1", tree);
        assert_clean("dm-j2", tree);
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
        spawn_sleeper("dm-props");

        r = ctl(30, "show", "--all", "dm-props", NULL);
        cr_assert_eq(r.status, 0, "show --all dm-props: %s", r.err);
        documented = man_properties("Machines");
        shown = show_keys(r.out);
        cr_assert_str_eq(shown, documented, "show prints (left) what berthctl(1) does not list (right), in its order");
        free(documented);
        free(shown);
        it_result_free(&r);

        /* Without a name: berthd's own properties. */
        r = ctl(30, "show", "-a", NULL);
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
        r = ctl(30, "show", "-p", "NMachines", "--value", NULL);
        assert_ok_out(&r, "show -p NMachines --value", "1\n");
        r = ctl(30, "show", "--json", NULL);
        cr_assert_eq(r.status, 0, "show --json without a name: %s", r.err);
        o = one_json_document(r.out, "show --json without a name");
        cr_assert(json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, "Version", NULL),
                  "show --json without a name: %s", r.out);
        json_object_put(o);
        it_result_free(&r);

        r = ctl(30, "terminate", "dm-props", NULL);
        assert_ok_out(&r, "terminate dm-props", "");
        cr_assert(it_wait_listed("dm-props", false, 30));
        assert_clean("dm-props", it_busybox_tree());
}

/* machinectl's options ------------------------------------------------- */

Test(berthctl, show_leaves_out_empty_properties_unless_all)
{
        static const char *const empty[] = { "Init", "StopStep", "NetworkInterfaces" };
        struct it_result r, all;
        char want[64];

        it_bus_start();
        it_berthd_start();
        spawn_sleeper("dm-all");

        r = ctl(30, "show", "dm-all", NULL);
        all = ctl(30, "show", "-a", "dm-all", NULL);
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
        r = ctl(30, "show", "dm-all", "-p", "StopStep,Name", NULL);
        assert_ok_out(&r, "show -p StopStep,Name", "StopStep=\nName=dm-all\n");
        r = ctl(30, "show", "--json", "dm-all", NULL);
        cr_assert(r.status == 0 && strstr(r.out, "\"StopStep\":\"\""), "show --json:\n%s%s", r.out, r.err);
        it_result_free(&r);
        r = ctl(30, "list", "--all", NULL);
        assert_one_line_error(&r, "list --all", 2, "berthctl: --all does not apply to list, only to show", NULL);

        r = ctl(30, "terminate", "dm-all", NULL);
        assert_ok_out(&r, "terminate dm-all", "");
        cr_assert(it_wait_listed("dm-all", false, 30));
        assert_clean("dm-all", it_busybox_tree());
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
        char arg[300], *argv[] = { (char *) ctl_bin(), "status", "dm-l", NULL, NULL };
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
        char *full[] = { (char *) ctl_bin(), "-l", "status", "dm-l", NULL };
        it_pty_start(&s, full);
        cr_assert_eq(it_pty_finish(&s, 30), 0, "status -l on a PTY:\n%s", s.out);
        cr_assert(strstr(s.out, arg), "status -l on a terminal cut the command line:\n%s", s.out);
        r = ctl(30, "status", "dm-l", NULL);
        cr_assert(r.status == 0 && strstr(r.out, arg), "status into a pipe cut the command line:\n%s%s", r.out,
                  r.err);
        it_result_free(&r);

        r = ctl(30, "terminate", "dm-l", NULL);
        assert_ok_out(&r, "terminate dm-l", "");
        cr_assert_neq(it_wait(pid, 30), -1);
        assert_clean("dm-l", tree);
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
        r = ctl(60, "shell", "--uid=nobody", "dm-e", "/bin/id", "-u", NULL);
        assert_ok_out(&r, "shell --uid=nobody", "65534\n");
        r = ctl(60, "shell", "--uid", "nobody", "root@dm-e", "/bin/id", "-u", NULL);
        assert_ok_out(&r, "shell --uid nobody root@dm-e", "0\n");
        r = ctl(60, "shell", "--uid=dm-nosuch", "dm-e", "/bin/true", NULL);
        assert_one_line_error(&r, "shell --uid=dm-nosuch", 1, "berthctl: machine dm-e: ", "dm-nosuch");

        /* -E: NAME=VALUE (the last of a name wins, over berthd's own
         * PATH too), or NAME alone from berthctl's environment. */
        setenv("DM_PASSED", "from the host", 1);
        script = "echo \"$FOO|$PATH|$DM_PASSED|$HOME\"";
        r = ctl(60, "shell", "-E", "FOO=one", "--setenv=FOO=two=2", "-E", "PATH=/bin", "-E", "DM_PASSED",
                "--uid=nobody", "dm-e", "/bin/sh", "-c", script, NULL);
        assert_ok_out(&r, "shell -E", "two=2|/bin|from the host|/\n");
        /* Replaced, not added after berthd's: a program that reads the
         * first PATH= of its environment gets ours. */
        r = ctl(60, "shell", "-E", "PATH=/bin", "-E", "HOME=/tmp", "dm-e", "/bin/env", NULL);
        cr_assert_eq(r.status, 0, "shell env: %s", r.err);
        cr_assert(strstr(r.out, "PATH=/bin\n") && strstr(r.out, "PATH=") == strstr(r.out, "PATH=/bin\n") &&
                          strstr(r.out, "HOME=") == strstr(r.out, "HOME=/tmp\n"),
                  "-E did not replace berthd's PATH and HOME:\n%s", r.out);
        cr_assert_null(strstr(strstr(r.out, "PATH=/bin\n") + 1, "PATH="), "PATH twice:\n%s", r.out);
        it_result_free(&r);
        r = ctl(30, "shell", "-E", "9X=1", "dm-e", NULL);
        assert_one_line_error(&r, "shell -E 9X=1", 2, "berthctl: --setenv=9X=1: ", NULL);
        r = ctl(30, "list", "-E", "A=1", NULL);
        assert_one_line_error(&r, "list -E A=1", 2, "berthctl: --setenv does not apply to list, only to shell",
                              NULL);

        /* On a terminal too: -E TERM= replaces the caller's TERM. */
        {
                char *argv[] = { (char *) ctl_bin(), "shell", "-E", "TERM=dm-term", "--uid=nobody", "dm-e", NULL };
                it_pty_start(&s, argv);
                it_pty_send(&s, "echo \"<$TERM:$(id -u)>\"; exit 4\r");
                cr_assert(it_pty_expect(&s, "<dm-term:65534>", 60), "shell -E TERM= on a PTY:\n%s", s.out);
                cr_assert_eq(it_pty_finish(&s, 30), 4, "shell on a PTY:\n%s", s.out);
        }

        r = ctl(30, "terminate", "dm-e", NULL);
        assert_ok_out(&r, "terminate dm-e", "");
        cr_assert_neq(it_wait(pid, 30), -1);
        assert_clean("dm-e", tree);
}

/* berthctl [-q] VERB dm-q on a PTY: wait for ready, leave with ^] three
 * times; what it printed. */
static char *escaped_session(const char *verb, bool quiet, const char *send, const char *ready)
{
        char *argv[] = { (char *) ctl_bin(), quiet ? "-q" : (char *) verb, quiet ? (char *) verb : "dm-q",
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
        spawn_sleeper("dm-q");

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
        struct it_result a = ctl(30, "list", NULL), b = ctl(30, "--no-pager", "list", NULL);
        cr_assert_eq(b.status, 0, "list --no-pager: %s", b.err);
        cr_assert_str_eq(a.out, b.out);
        it_result_free(&a);
        it_result_free(&b);

        a = ctl(30, "terminate", "dm-q", NULL);
        assert_ok_out(&a, "terminate dm-q", "");
        cr_assert(it_wait_listed("dm-q", false, 30));
        assert_clean("dm-q", it_busybox_tree());
}

/* Errors --------------------------------------------------------------- */

Test(berthctl, errors_are_one_line_with_the_right_status)
{
        const char *tree = it_busybox_tree();
        struct it_result r;
        pid_t pid;

        image_link("dm-c", tree);
        it_bus_start();
        it_berthd_start();
        pid = spawn_sleeper("dm-c");

        r = ctl(30, "poweroff", "dm-nope", NULL);
        assert_one_line_error(&r, "poweroff dm-nope", 1, "berthctl: machine dm-nope: ", "no machine dm-nope");
        r = ctl(30, "status", "dm-nope", NULL);
        assert_one_line_error(&r, "status dm-nope", 1, "berthctl: machine dm-nope: ", "dm-nope");
        r = ctl(30, "start", "dm-c", NULL);
        assert_one_line_error(&r, "start dm-c", 1, "berthctl: machine dm-c: ", "already running");
        r = ctl(30, "start", "dm-missing", NULL);
        assert_one_line_error(&r, "start dm-missing", 1, "berthctl: machine dm-missing: ", "dm-missing");
        /* Usage errors: nothing is sent. */
        r = ctl(30, "start", "../x", NULL);
        assert_one_line_error(&r, "start ../x", 2, "berthctl: ", NULL);
        r = ctl(30, "list", "--wait", NULL);
        assert_one_line_error(&r, "list --wait", 2, "berthctl: ", NULL);
        r = ctl(30, "frobnicate", NULL);
        assert_one_line_error(&r, "frobnicate", 2, "berthctl: ", "frobnicate");
        r = ctl(30, "kill", "--signal=SIGNOPE", "dm-c", NULL);
        assert_one_line_error(&r, "kill --signal=SIGNOPE", 2, "berthctl: ", "SIGNOPE");

        /* A machine whose init is berth's stub runs shell commands too. */
        r = ctl(60, "shell", "dm-c", "/bin/sh", "-c", "echo $(cat /proc/1/comm); exit 7", NULL);
        cr_assert_eq(r.status, 7, "shell dm-c: %d (%s)", r.status, r.err);
        it_result_free(&r);

        /* One name fails, the others are still done. */
        r = ctl(30, "terminate", "dm-nope", "dm-c", NULL);
        assert_one_line_error(&r, "terminate dm-nope dm-c", 1, "berthctl: machine dm-nope: ", NULL);
        cr_assert_neq(it_wait(pid, 30), -1, "dm-c still runs after terminate");
        cr_assert(it_wait_listed("dm-c", false, 30));
        assert_clean("dm-c", tree);
}

Test(berthctl, non_root_lists_but_changes_nothing)
{
        const char *tree = it_busybox_tree();
        char *leader, want[200];
        struct it_result r;
        pid_t pid;

        image_link("dm-img", tree);
        it_bus_start();
        it_berthd_start();
        pid = spawn_sleeper("dm-pub");
        leader = it_state_get("dm-pub", "LEADER");
        cr_assert_not_null(leader);

        char *list[] = { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", (char *) ctl_bin(), "list",
                         "--no-legend", NULL };
        r = it_run(30, list);
        cr_assert_eq(r.status, 0, "list as nobody: %s", r.err);
        cr_assert(strncmp(r.out, "dm-pub ", 7) == 0, "list as nobody:\n%s", r.out);
        it_result_free(&r);
        char *show[] = { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", (char *) ctl_bin(), "show",
                         "dm-pub", "-p", "Leader", "--value", NULL };
        r = it_run(30, show);
        snprintf(want, sizeof(want), "%s\n", leader);
        assert_ok_out(&r, "show as nobody", want);

        static const char *const verbs[] = { "poweroff", "reboot", "terminate", "kill" };
        for (size_t i = 0; i < 4; i++) {
                char *argv[] = { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", (char *) ctl_bin(),
                                 (char *) verbs[i], "dm-pub", NULL };
                char what[100];
                snprintf(what, sizeof(what), "%s as nobody", verbs[i]);
                r = it_run(30, argv);
                assert_one_line_error(&r, what, 1, "berthctl: machine dm-pub: ", "access denied");
        }
        char *start[] = { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", (char *) ctl_bin(), "start",
                          "dm-img", NULL };
        r = it_run(30, start);
        assert_one_line_error(&r, "start as nobody", 1, "berthctl: machine dm-img: ", "access denied");

        cr_assert(it_wait_property("dm-pub", "Leader", leader, 5), "dm-pub changed");
        cr_assert_eq(waitpid(pid, NULL, WNOHANG), 0, "dm-pub ended");
        cr_assert_null(it_state_get("dm-img", "STATE"), "dm-img was started");
        cr_assert_eq(kill(pid, SIGTERM), 0);
        cr_assert_neq(it_wait(pid, 30), -1);
        assert_clean("dm-pub", tree);
        free(leader);
}

Test(berthctl, says_when_berthd_or_the_bus_is_missing)
{
        char addr[400];
        struct it_result r;

        /* The line says what to do: start berthd, or its unit. */
        it_bus_start();
        r = ctl(30, "list", NULL);
        cr_assert(strstr(r.err, "systemctl start berthd.service") && strstr(r.err, "run berthd as root"),
                  "list without berthd does not say how to start it: %s", r.err);
        assert_one_line_error(&r, "list without berthd", 1, "berthctl: ", "berthd is not running");
        r = ctl(30, "status", "dm-x", NULL);
        assert_one_line_error(&r, "status without berthd", 1, "berthctl: machine dm-x: berthd is not running",
                              "systemctl start berthd.service");

        /* Without a bus: the address, and that berthd needs the bus. */
        snprintf(addr, sizeof(addr), "unix:path=%s/no-bus", it.dir);
        setenv("DBUS_SYSTEM_BUS_ADDRESS", addr, 1);
        r = ctl(30, "list", NULL);
        cr_assert(strstr(r.err, "service dbus start") && strstr(r.err, "then berthd"),
                  "list without a bus does not say what to start: %s", r.err);
        assert_one_line_error(&r, "list without a bus", 1, "berthctl: cannot connect to the system bus at ",
                              addr + strlen("unix:path="));
}

/* Nothing of a session left ------------------------------------------- */

/* What is in the PID namespace of the machine whose PID 1 is leader but
 * not the machine's own: berthd's helpers (forked from berthd, they are
 * called berthd) and zombies, one "PID (COMM) STATE ppid PPID" line each;
 * NULL when there is none. */
static char *strays_in(const char *leader)
{
        char path[64], ns[64], other[64], *stat, *out = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&out, &size);
        DIR *d = opendir("/proc");
        struct dirent *de;
        ssize_t n;

        cr_assert(f && d);
        snprintf(path, sizeof(path), "/proc/%s/ns/pid", leader);
        n = readlink(path, ns, sizeof(ns) - 1);
        cr_assert_gt(n, 0, "%s: %m", path);
        ns[n] = 0;
        while ((de = readdir(d))) {
                char comm[64] = "", state = '?';
                int ppid = 0;
                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/ns/pid", de->d_name);
                n = readlink(path, other, sizeof(other) - 1);
                if (n <= 0)
                        continue;
                other[n] = 0;
                if (strcmp(other, ns) != 0)
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
                stat = it_read_file(path);
                if (!stat || sscanf(stat, "%*d (%63[^)]) %c %d", comm, &state, &ppid) != 3) {
                        free(stat);
                        continue;
                }
                free(stat);
                if (strcmp(comm, "berthd") == 0 || state == 'Z')
                        fprintf(f, "%s (%s) %c ppid %d\n", de->d_name, comm, state, ppid);
        }
        closedir(d);
        fclose(f);
        if (!*out) {
                free(out);
                return NULL;
        }
        return out;
}

/* berthd's children: its session helpers and the launchers it started. */
static char *children_of_berthd(void)
{
        char cmd[200];
        struct it_result r;

        snprintf(cmd, sizeof(cmd), "ps -o pid=,stat=,args= --ppid %d | grep -v ' berth -D ' || true",
                 (int) it_berthd_pid());
        char *argv[] = { "sh", "-c", cmd, NULL };
        r = it_run(30, argv);
        if (!*r.out) {
                it_result_free(&r);
                return NULL;
        }
        free(r.err);
        return r.out;
}

/* A shell or a login leaves no helper and no zombie in the machine once
 * it has returned: the machine's systemd-shutdown would wait for them (a
 * poweroff right after a shell took 10 s, not a fraction of one). */
Test(berthctl, shell_and_login_leave_nothing_in_the_machine)
{
        const char *tree = it_debian_tree();
        char *leader, *left;
        struct it_result r;
        struct it_pty s;
        double t0;

        image_link("deb", tree);
        it_bus_start();
        it_berthd_start();
        r = ctl(300, "start", "--wait", "--timeout=240", "deb", NULL);
        cr_assert_eq(r.status, 0, "start --wait deb exited with %d: %s%s", r.status, r.err, it_berthd_log());
        it_result_free(&r);
        leader = it_state_get("deb", "LEADER");
        cr_assert_not_null(leader);

        /* login: its helper ends with the login session. */
        {
                char *argv[] = { (char *) ctl_bin(), "login", "deb", NULL };
                it_pty_start(&s, argv);
                cr_assert(it_pty_expect(&s, "deb login: ", 60), "no login prompt:\n%s", s.out);
                it_pty_send(&s, "root\r");
                cr_assert(it_pty_expect(&s, "root@deb", 60), "no shell after logging in as root:\n%s", s.out);
                it_pty_send(&s, "exit\r");
                int st = it_pty_finish(&s, 30);
                cr_assert_neq(st, -1, "berthctl login did not end with the session:\n%s", s.out);
        }
        for (double end = it_now() + 10; (left = children_of_berthd()); usleep(50000)) {
                cr_assert_lt(it_now(), end, "berthd's helper outlived the login session by 10 s:\n%s", left);
                free(left);
        }
        left = strays_in(leader);
        cr_assert_null(left, "after the login session ended, in the machine:\n%s", left);

        /* shell on a terminal: returns with the status, nothing left. */
        {
                char *argv[] = { (char *) ctl_bin(), "shell", "deb", NULL };
                it_pty_start(&s, argv);
                it_pty_send(&s, "echo answer-$((6*7)); exit 3\r");
                cr_assert(it_pty_expect(&s, "answer-42", 60), "no answer from a shell on a PTY:\n%s", s.out);
                int st = it_pty_finish(&s, 30);
                cr_assert_eq(st, 3, "shell on a PTY exited with %d:\n%s", st, s.out);
        }
        left = strays_in(leader);
        cr_assert_null(left, "right after shell on a PTY returned, in the machine:\n%s", left);

        /* shell without a terminal, then poweroff at once. */
        r = ctl(60, "shell", "deb", "true", NULL);
        assert_ok_out(&r, "shell deb true", "");
        left = strays_in(leader);
        cr_assert_null(left, "right after shell deb true returned, in the machine:\n%s", left);
        t0 = it_now();
        r = ctl(60, "poweroff", "deb", NULL);
        assert_ok_out(&r, "poweroff deb", "");
        cr_assert(it_wait_listed("deb", false, 60), "deb is still listed 60 s after poweroff");
        double took = it_now() - t0;
        fprintf(stderr, "poweroff right after a shell took %.2f s\n", took);
        cr_assert_lt(took, 5, "poweroff right after a shell took %.1f s", took);
        for (double end = it_now() + 10; (left = children_of_berthd()); usleep(50000)) {
                cr_assert_lt(it_now(), end, "berthd still has children after the poweroff:\n%s", left);
                free(left);
        }
        assert_clean("deb", tree);
        free(leader);
}

/* A session holds none of berthd's descriptors (its bus connection would
 * outlive berthd and keep its name): berthd restarted while a shell runs
 * takes the name again, and the shell still ends with its own status. */
Test(berthctl, berthd_restarts_while_a_shell_runs)
{
        const char *tree = it_busybox_tree();
        struct it_pty s;
        pid_t pid;

        it_bus_start();
        it_berthd_start();
        pid = spawn_sleeper("dm-sess");
        char *argv[] = { (char *) ctl_bin(), "shell", "dm-sess", NULL };
        it_pty_start(&s, argv);
        it_pty_send(&s, "echo up-$((1+1)); sleep 4; exit 4\r");
        cr_assert(it_pty_expect(&s, "up-2", 60), "no answer from the shell:\n%s", s.out);
        cr_assert_eq(it_berthd_kill(SIGTERM), 0, "berthd did not end on SIGTERM");
        it_berthd_start();
        int st = it_pty_finish(&s, 30);
        cr_assert_eq(st, 4, "the shell exited with %d:\n%s", st, s.out);
        cr_assert(it_wait_listed("dm-sess", true, 30), "the new berthd does not list dm-sess");
        cr_assert_eq(kill(pid, SIGTERM), 0);
        cr_assert_neq(it_wait(pid, 30), -1);
        assert_clean("dm-sess", tree);
}

/* berthd restarted during start --wait ------------------------------- */

/* A copy of the Debian tree (hard links: instant, and only new files are
 * written to it) with a unit that holds the boot for a few seconds: a
 * machine that takes a moment to be ready. */
static const char *slow_debian(void)
{
        static char image[400];
        char path[600];
        struct it_result r;
        FILE *f;

        snprintf(image, sizeof(image), "%s/slow-debian", it.dir);
        char *cp[] = { "cp", "-al", (char *) it_debian_tree(), image, NULL };
        r = it_run(120, cp);
        cr_assert_eq(r.status, 0, "cp -al: %s", r.err);
        it_result_free(&r);
        snprintf(path, sizeof(path), "%s/etc/systemd/system/slow-boot.service", image);
        f = fopen(path, "wxe");
        cr_assert_not_null(f, "%s: %m", path);
        fputs("[Unit]\nDescription=berth test: a boot that takes a moment\n"
              "[Service]\nType=oneshot\nExecStart=/bin/sleep 5\n", f);
        fclose(f);
        snprintf(path, sizeof(path), "%s/etc/systemd/system/multi-user.target.wants/slow-boot.service", image);
        cr_assert_eq(symlink("../slow-boot.service", path), 0, "%s: %m", path);
        return image;
}

/* berthctl ARGS in the background, stdout and stderr to it.dir/NAME.{out,err}. */
static pid_t ctl_spawn(const char *log_name, char *const args[])
{
        char *argv[16], path[500];
        size_t n = 0;
        pid_t pid;

        argv[n++] = (char *) ctl_bin();
        for (size_t i = 0; args[i] && n < 15; i++)
                argv[n++] = args[i];
        argv[n] = NULL;
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                snprintf(path, sizeof(path), "%s/%s.out", it.dir, log_name);
                int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                snprintf(path, sizeof(path), "%s/%s.err", it.dir, log_name);
                int err = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                int null = open("/dev/null", O_RDONLY);
                dup2(null, 0), dup2(out, 1), dup2(err, 2);
                execv(argv[0], argv);
                _exit(127);
        }
        return pid;
}

/* berthd restarted while start --wait waits: berthctl follows it, and
 * says 0 once every machine runs. */
Test(berthctl, start_wait_follows_a_berthd_restart)
{
        static const char *const names[] = { "dm-w1", "dm-w2", "dm-w3" };
        const char *image = slow_debian();
        char *args[] = { "start", "--wait", "--timeout=240", "dm-w1", "dm-w2", "dm-w3", NULL }, *v, path[500];
        int st = -1;
        pid_t pid;

        for (size_t i = 0; i < 3; i++)
                image_link(names[i], image);
        it_bus_start();
        it_berthd_start();
        pid = ctl_spawn("start", args);
        /* All three registered (StartMachine answered), none ready yet. */
        for (double end = it_now() + 120;; usleep(50000)) {
                v = it_state_get("dm-w3", "STATE");
                bool up = v != NULL;
                free(v);
                if (up)
                        break;
                snprintf(path, sizeof(path), "%s/start.err", it.dir);
                cr_assert(it_now() < end && waitpid(pid, &st, WNOHANG) == 0,
                          "dm-w3 never registered; start said:\n%s\nberthd said:\n%s", it_read_file(path),
                          it_berthd_log());
        }
        usleep(300000);
        for (size_t i = 0; i < 3; i++) {
                v = it_state_get(names[i], "STATE");
                cr_assert(v && strcmp(v, "opening") == 0, "%s is %s before berthd went away", names[i],
                          v ? v : "(no state)");
                free(v);
        }
        cr_assert_eq(waitpid(pid, NULL, WNOHANG), 0, "start --wait ended before berthd went away");
        /* Away for longer than berthctl's once-a-second look. */
        cr_assert_eq(it_berthd_kill(SIGTERM), 0, "berthd did not end on SIGTERM");
        usleep(2000000);
        it_berthd_start();
        for (double end = it_now() + 240; waitpid(pid, &st, WNOHANG) != pid; usleep(100000))
                cr_assert_lt(it_now(), end, "start --wait still waits");
        snprintf(path, sizeof(path), "%s/start.err", it.dir);
        v = it_read_file(path);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "start --wait exited with %d: %s", WEXITSTATUS(st), v);
        free(v);
        for (size_t i = 0; i < 3; i++) {
                v = it_machine_property(names[i], "State");
                cr_assert(v && strcmp(v, "running") == 0, "%s is %s after start --wait", names[i], v ? v : "?");
                free(v);
        }

        for (size_t i = 0; i < 3; i++) {
                struct it_result r = ctl(60, "poweroff", names[i], NULL);
                assert_ok_out(&r, "poweroff", "");
        }
        for (size_t i = 0; i < 3; i++)
                cr_assert(it_wait_listed(names[i], false, 120), "%s is still listed after poweroff", names[i]);
        for (size_t i = 0; i < 3; i++)
                assert_clean(names[i], image);
}

/* Wait until machine has a state file (berthd registered it). */
static void wait_registered(const char *machine, pid_t ctl_pid, const char *log_name)
{
        char path[500], *v;

        snprintf(path, sizeof(path), "%s/%s.err", it.dir, log_name);
        for (double end = it_now() + 120; !(v = it_state_get(machine, "STATE")); usleep(50000))
                cr_assert(it_now() < end && waitpid(ctl_pid, NULL, WNOHANG) == 0,
                          "%s never registered; berthctl said:\n%s\nberthd said:\n%s", machine, it_read_file(path),
                          it_berthd_log());
        free(v);
}

/* berthd gone for good during start --wait: what the launcher says counts
 * (running is running), and when it does not say running in time the one
 * line says what is known. */
Test(berthctl, start_wait_says_what_is_known_when_berthd_stays_away)
{
        const char *image = slow_debian();
        char *quick[] = { "start", "--wait", "--timeout=3", "dm-w4", NULL };
        char *patient[] = { "start", "--wait", "dm-w5", NULL };
        char path[500], *err, *v;
        int st;
        pid_t pid;

        image_link("dm-w4", image);
        image_link("dm-w5", image);
        it_bus_start();
        it_berthd_start();

        /* The timeout runs out while berthd is away. */
        pid = ctl_spawn("quick", quick);
        wait_registered("dm-w4", pid, "quick");
        cr_assert_eq(it_berthd_kill(SIGTERM), 0, "berthd did not end on SIGTERM");
        st = it_wait(pid, 60);
        snprintf(path, sizeof(path), "%s/quick.err", it.dir);
        err = it_read_file(path);
        cr_assert_eq(st, 1, "start --wait --timeout=3 with berthd away exited with %d: %s", st, err);
        cr_assert_str_eq(err,
                         "berthctl: machine dm-w4: berthd went away while waiting and was not back after 3 s; its "
                         "launcher says it is opening\n");
        free(err);

        /* Without a timeout: its launcher says running, that is enough. */
        it_berthd_start();
        pid = ctl_spawn("patient", patient);
        wait_registered("dm-w5", pid, "patient");
        cr_assert_eq(it_berthd_kill(SIGTERM), 0, "berthd did not end on SIGTERM");
        st = it_wait(pid, 120);
        snprintf(path, sizeof(path), "%s/patient.err", it.dir);
        err = it_read_file(path);
        cr_assert_eq(st, 0, "start --wait with berthd away exited with %d: %s", st, err);
        cr_assert_str_eq(err, "");
        free(err);
        v = it_state_get("dm-w5", "STATE");
        cr_assert(v && strcmp(v, "running") == 0, "dm-w5 is %s after start --wait", v ? v : "(gone)");
        free(v);

        it_berthd_start();
        for (size_t i = 0; i < 2; i++) {
                const char *name = i ? "dm-w5" : "dm-w4";
                struct it_result r = ctl(60, "poweroff", name, NULL);
                assert_ok_out(&r, "poweroff", "");
                cr_assert(it_wait_listed(name, false, 120), "%s is still listed after poweroff", name);
                assert_clean(name, image);
        }
}
