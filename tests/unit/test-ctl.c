/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthctl's helpers: signal names, option tables, the table and JSON
 * output, properties read from a bus message, the process tree. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bus.h"
#include "cgutil.h"
#include "cgtree.h"
#include "cmdline.h"
#include "output.h"
#include "remote.h"
#include "signals.h"
#include "util.h"
#include "verbs.h"

Test(signals, names_and_numbers)
{
        cr_assert_eq(signal_from_string("SIGTERM"), SIGTERM);
        cr_assert_eq(signal_from_string("TERM"), SIGTERM);
        cr_assert_eq(signal_from_string("KILL"), SIGKILL);
        cr_assert_eq(signal_from_string("9"), 9);
        cr_assert_eq(signal_from_string("SIGRTMIN"), SIGRTMIN);
        cr_assert_eq(signal_from_string("SIGRTMIN+4"), SIGRTMIN + 4);
        cr_assert_eq(signal_from_string("RTMIN+4"), SIGRTMIN + 4);
        cr_assert_eq(signal_from_string("RTMAX-1"), SIGRTMAX - 1);
        cr_assert_eq(signal_from_string("RTMAX"), SIGRTMAX);
}

Test(signals, rejects_what_is_no_signal)
{
        const char *bad[] = { "", "0", "-1", "65", "999999999999", "FOO", "SIG", "term", "SIGTERM ",
                              "RTMIN+", "RTMIN+99", "RTMAX-99", "RTMIN-1", "15x", NULL };

        cr_assert_eq(signal_from_string(NULL), -EINVAL);
        for (const char **s = bad; *s; s++)
                cr_assert_eq(signal_from_string(*s), -EINVAL, "'%s' was taken for a signal", *s);
}

Test(signals, round_trip)
{
        char buf[32];

        for (int sig = 1; sig <= SIGRTMAX; sig++) {
                const char *name = signal_to_string(sig, buf, sizeof(buf));

                if (!name)      /* 32, 33: glibc's own, no name */
                        continue;
                cr_assert_eq(signal_from_string(name), sig, "%s", name);
        }
        cr_assert_str_eq(signal_to_string(SIGINT, buf, sizeof(buf)), "SIGINT");
        cr_assert_str_eq(signal_to_string(SIGRTMIN + 4, buf, sizeof(buf)), "SIGRTMIN+4");
        cr_assert_null(signal_to_string(0, buf, sizeof(buf)));
}

Test(tables, kill_whom_round_trip)
{
        for (int i = 0; i < _KILL_WHOM_MAX; i++)
                cr_assert_eq(kill_whom_from_string(kill_whom_to_string(i)), i);
        cr_assert_eq(kill_whom_from_string("leader"), KILL_LEADER);
        cr_assert_eq(kill_whom_from_string("everyone"), -EINVAL);
        cr_assert_null(kill_whom_to_string(_KILL_WHOM_MAX));
}

Test(tables, json_mode_round_trip)
{
        for (int i = 0; i < _JSON_MODE_MAX; i++)
                cr_assert_eq(json_mode_from_string(json_mode_to_string(i)), i);
        cr_assert_eq(json_mode_from_string("pretty"), JSON_PRETTY);
        cr_assert_eq(json_mode_from_string("yes"), -EINVAL);
}

Test(verbs, table)
{
        char buf[128];

        cr_assert_str_eq(verb_find(NULL)->name, "list");
        cr_assert_str_eq(verb_find("kill")->name, "kill");
        cr_assert_str_eq(verb_find("login")->name, "login");
        cr_assert_str_eq(verb_find("shell")->name, "shell");
        cr_assert_null(verb_find("logi"));
        cr_assert_null(verb_find("lis"));
        for (const struct verb *v = verbs; v->name; v++) {
                cr_assert(v->run && v->help && v->args, "%s", v->name);
                cr_assert_leq(v->min_args, v->max_args, "%s", v->name);
        }
        verb_list_for_option(OPT_JSON, buf, sizeof(buf));
        cr_assert_str_eq(buf, "list, list-images, image-status, show-image, status and show");
        verb_list_for_option(OPT_WAIT, buf, sizeof(buf));
        cr_assert_str_eq(buf, "start");
        verb_list_for_option(OPT_TIMEOUT, buf, sizeof(buf));
        cr_assert_str_eq(buf, "start and wait");
        cr_assert_str_eq(verb_option_name(OPT_KILL), "--kill-whom");
}

/* The command line ------------------------------------------------------ */

struct parsed {
        struct ctl c;
        struct cmdline cl;
        int r;
};

/* cmdline_parse of the words (NULL-terminated), as berthctl would get them. */
static struct parsed parse(const char *first, ...)
{
        static char *argv[32];
        struct parsed p = { .c = CTL_INIT };
        int argc = 0;
        va_list ap;

        argv[argc++] = "berthctl";
        va_start(ap, first);
        for (const char *a = first; a && argc < 31; a = va_arg(ap, const char *))
                argv[argc++] = (char *) a;
        va_end(ap);
        argv[argc] = NULL;
        p.r = cmdline_parse(argc, argv, &p.c, &p.cl);
        return p;
}

static void parsed_free(struct parsed *p)
{
        free(p->cl.args);
        strv_free(p->c.properties);
        strv_free(p->c.setenv);
}

static void assert_args(const struct parsed *p, const char *const *want, unsigned n)
{
        cr_assert_eq(p->r, 0);
        cr_assert_eq(p->cl.n_args, n, "%u words, expected %u", p->cl.n_args, n);
        for (unsigned i = 0; i < n; i++)
                cr_assert_str_eq(p->cl.args[i], want[i]);
}

Test(cmdline, an_option_value_is_never_the_verb)
{
        struct parsed p = parse("show", "-p", "shell", "dm-a", "dm-b", NULL);

        assert_args(&p, (const char *const[]) { "show", "dm-a", "dm-b" }, 3);
        cr_assert_str_eq(p.c.properties[0], "shell");
        cr_assert_null(p.c.command);
        parsed_free(&p);
        p = parse("-H", "shell", "list", NULL);
        assert_args(&p, (const char *const[]) { "list" }, 1);
        cr_assert_str_eq(p.c.host, "shell");
        parsed_free(&p);
}

Test(cmdline, options_before_between_and_after_names)
{
        struct parsed p = parse("--json", "status", "dm-a", "--no-legend", "dm-b", "-p", "X", NULL);

        assert_args(&p, (const char *const[]) { "status", "dm-a", "dm-b" }, 3);
        cr_assert_eq(p.c.json, JSON_SHORT);
        cr_assert(p.c.no_legend);
        cr_assert_eq(p.cl.given, OPT_JSON | OPT_LEGEND | OPT_PROPERTY);
        parsed_free(&p);
}

Test(cmdline, what_follows_shells_name_is_the_command)
{
        struct parsed p = parse("--wait", "shell", "--json", "deb", "ls", "-l", "--wait", "-h", NULL);

        assert_args(&p, (const char *const[]) { "shell", "deb" }, 2);
        cr_assert_eq(p.c.n_command, 4);
        cr_assert_str_eq(p.c.command[0], "ls");
        cr_assert_str_eq(p.c.command[3], "-h");
        cr_assert_not(p.cl.help, "the command's -h was taken for berthctl's");
        cr_assert_eq(p.cl.given, OPT_WAIT | OPT_JSON);
        parsed_free(&p);
        p = parse("--", "shell", "deb", "-x", NULL);
        assert_args(&p, (const char *const[]) { "shell", "deb" }, 2);
        cr_assert_eq(p.c.n_command, 1);
        cr_assert_str_eq(p.c.command[0], "-x");
        parsed_free(&p);
        p = parse("shell", NULL);
        assert_args(&p, (const char *const[]) { "shell" }, 1);
        cr_assert_null(p.c.command);
        parsed_free(&p);
}

Test(cmdline, shell_uid_and_setenv)
{
        struct parsed p;

        setenv("DM_FROM_HERE", "x y", 1);
        p = parse("-E", "A=1", "shell", "--setenv=B=2", "--uid=nobody", "-E", "A=3", "-EDM_FROM_HERE", "deb",
                  "-E", "C=4", NULL);
        assert_args(&p, (const char *const[]) { "shell", "deb" }, 2);
        cr_assert_str_eq(p.c.uid, "nobody");
        cr_assert_eq(strv_length(p.c.setenv), 3);
        cr_assert_str_eq(p.c.setenv[0], "A=3");
        cr_assert_str_eq(p.c.setenv[1], "B=2");
        cr_assert_str_eq(p.c.setenv[2], "DM_FROM_HERE=x y");
        cr_assert_eq(p.c.n_command, 2, "-E after the name belongs to the command");
        cr_assert_eq(p.cl.given, OPT_UID | OPT_SETENV);
        parsed_free(&p);
}

Test(cmdline, machine_is_remote_and_not_with_host)
{
        struct parsed p = parse("-M", "web", "list", NULL);

        assert_args(&p, (const char *const[]) { "list" }, 1);
        cr_assert_str_eq(p.c.machine, "web");
        cr_assert(p.c.remote && !p.c.host);
        parsed_free(&p);
        p = parse("status", "--machine=web", "x", NULL);
        assert_args(&p, (const char *const[]) { "status", "x" }, 2);
        cr_assert_str_eq(p.c.machine, "web");
        parsed_free(&p);
        p = parse("-H", "h", "list", NULL);
        cr_assert(p.r == 0 && p.c.remote && !p.c.machine);
        parsed_free(&p);
        p = parse("list", NULL);
        cr_assert(p.r == 0 && !p.c.remote);
        parsed_free(&p);
}

Test(cmdline, bad_options_are_usage_errors)
{
        static const char *const bad[][3] = {
                { "-x", NULL }, { "--frob", NULL }, { "list", "-p", NULL }, { "--json=long", NULL },
                { "kill", "--signal=NOPE", NULL }, { "--timeout=soon", NULL }, { "-E", "1A=x" },
                { "--setenv=", NULL }, { "-E", "A B" }, { "--uid=", NULL }, { "-M", "../x" },
                { "-Hh", "-Mm" }, { "--machine=", NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct parsed p = parse(bad[i][0], bad[i][1], NULL);
                cr_assert_eq(p.r, -EINVAL, "%s %s was taken", bad[i][0], bad[i][1] ? bad[i][1] : "");
                parsed_free(&p);
        }
}

/* -H for shell and login: berthctl over ssh ---------------------------- */

Test(remote, destination_as_sd_bus_takes_it)
{
        static const struct {
                const char *host, *dest, *port;
        } good[] = {
                { "host", "host", NULL },
                { "root@host:2222", "root@host", "2222" },
                { "[::1]:22", "::1", "22" },
                { "u@[fe80::1]", "u@fe80::1", NULL },
        };
        static const char *const bad[] = { "", "@host", "u@", "a@b@c", "[::1", "[]", "host:22x", ":22" };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                _cleanup_free_ char *dest = NULL, *port = NULL;
                cr_assert_eq(remote_destination(good[i].host, &dest, &port), 0, "%s", good[i].host);
                cr_assert_str_eq(dest, good[i].dest);
                if (good[i].port)
                        cr_assert_str_eq(port, good[i].port);
                else
                        cr_assert_null(port, "%s: port %s", good[i].host, port);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *dest = NULL, *port = NULL;
                cr_assert_eq(remote_destination(bad[i], &dest, &port), -EINVAL, "'%s' was taken", bad[i]);
        }
        for (size_t i = 0; i < 2; i++) {
                char *dest = NULL, *port = NULL;
                const char *h = i ? "host:web" : "host/web";
                cr_assert_eq(remote_destination(h, &dest, &port), -EPROTONOSUPPORT, "%s", h);
        }
}

/* The words of argv run on the host: every one but -H's, quoted. */
static char *remote_line(bool tty, char **argv, char ***ret_cmd)
{
        struct ctl c = CTL_INIT;
        struct cmdline cl = {};
        char **cmd = NULL;
        int argc = (int) strv_length(argv);

        cr_assert_eq(cmdline_parse(argc, argv, &c, &cl), 0);
        cr_assert_not_null(c.host);
        cr_assert_eq(remote_command(c.host, argc, argv, cl.cut, c.setenv, tty, &cmd), 0);
        free(cl.args);
        free(cl.cut);
        strv_free(c.setenv);
        *ret_cmd = cmd;
        return cmd[strv_length(cmd) - 1];
}

Test(remote, the_host_runs_the_same_command_line_but_h)
{
        char *a[] = { "berthctl", "-q", "-H", "root@h:22", "shell", "u@deb", "sh", "-c", "echo 'x'; exit 3", "-H",
                      "y", NULL };
        char **cmd;
        char *line = remote_line(false, a, &cmd);

        cr_assert_str_eq(line, "'berthctl' '-q' 'shell' 'u@deb' 'sh' '-c' 'echo '\\''x'\\''; exit 3' '-H' 'y'");
        cr_assert_eq(strv_length(cmd), 8);
        cr_assert_str_eq(cmd[0], "ssh");
        cr_assert_str_eq(cmd[1], "-x");
        cr_assert_str_eq(cmd[2], "-T");
        cr_assert_str_eq(cmd[3], "-p");
        cr_assert_str_eq(cmd[4], "22");
        cr_assert_str_eq(cmd[5], "--");
        cr_assert_str_eq(cmd[6], "root@h");
        strv_free(cmd);

        char *b[] = { "berthctl", "--host=h", "login", "--host", "h2", "deb", NULL };
        line = remote_line(true, b, &cmd);
        cr_assert_str_eq(line, "'berthctl' 'login' 'deb'");
        cr_assert_str_eq(cmd[2], "-t");
        cr_assert_str_eq(cmd[4], "h2", "the last -H wins, as with the bus");
        strv_free(cmd);

        char *d[] = { "berthctl", "-qHh", "login", "-qH", "h", "deb", "-Hh", NULL };
        line = remote_line(true, d, &cmd);
        cr_assert_str_eq(line, "'berthctl' '-q' 'login' '-q' 'deb'");
        strv_free(cmd);

        /* -E NAME is this environment's NAME, given by value. */
        setenv("DM_REMOTE_VAR", "it's here", 1);
        char *e[] = { "berthctl", "-E", "DM_REMOTE_VAR", "-H", "h", "shell", "--setenv=B=2", "-qEA=1", "deb",
                      "-E", "X", NULL };
        line = remote_line(false, e, &cmd);
        cr_assert_str_eq(line, "'berthctl' '--setenv=DM_REMOTE_VAR=it'\\''s here' '--setenv=B=2' '--setenv=A=1' "
                               "'shell' '-q' 'deb' '-E' 'X'");
        strv_free(cmd);
}

/* berthctl(1) and --help ----------------------------------------------- */

/* One section of berthctl(1): from "# NAME" to the next "# ". */
static char *man_section(const char *name)
{
        const char *src = getenv("BERTH_SOURCE_ROOT");
        char path[4096], heading[64];
        _cleanup_free_ char *text = NULL;
        const char *start, *end;

        cr_assert_not_null(src, "BERTH_SOURCE_ROOT is not set (tests/unit/meson.build sets it)");
        snprintf(path, sizeof(path), "%s/man/berthctl.1.scd", src);
        cr_assert_gt(read_file_at(AT_FDCWD, path, &text, 1 << 20), 0, "%s", path);
        snprintf(heading, sizeof(heading), "\n# %s\n", name);
        start = strstr(text, heading);
        cr_assert_not_null(start, "berthctl(1) has no %s section", name);
        start += strlen(heading);
        end = strstr(start, "\n# ");
        return strndup(start, end ? (size_t) (end - start) : strlen(start));
}

static void help_text(char **ret)
{
        size_t size = 0;
        FILE *f = open_memstream(ret, &size);

        cr_assert_not_null(f);
        verbs_help(f);
        fclose(f);
}

Test(man, synopsis_names_every_verb)
{
        _cleanup_free_ char *synopsis = man_section("SYNOPSIS");
        char want[64];

        for (const struct verb *v = verbs; v->name; v++) {
                snprintf(want, sizeof(want), "*%s*", v->name);
                cr_assert(strstr(synopsis, want), "berthctl(1)'s SYNOPSIS leaves out %s:\n%s", v->name, synopsis);
        }
}

/* Every long option of --help is in berthctl(1)'s OPTIONS, and --json's
 * modes are the same in both. */
Test(man, options_of_help_are_documented)
{
        _cleanup_free_ char *help = NULL, *options = man_section("OPTIONS");
        const char *json_help, *json_man = strstr(options, "*--json*");
        size_t n = 0;

        help_text(&help);
        json_help = strstr(help, "--json[=");

        for (const char *p = help; (p = strstr(p, "--")); p += 2) {
                char opt[64], want[72];
                size_t len = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");

                if (len == 0)
                        continue;
                snprintf(opt, sizeof(opt), "--%.*s", (int) len, p + 2);
                snprintf(want, sizeof(want), "*%s*", opt);
                cr_assert(strstr(options, want), "%s is in --help but not in berthctl(1)'s OPTIONS", opt);
                n++;
        }
        cr_assert_gt(n, 5, "no options found in --help:\n%s", help);
        cr_assert(json_help && json_man, "--json: missing in --help or berthctl(1)");
        for (int i = 0; i < _JSON_MODE_MAX; i++) {
                const char *mode = json_mode_to_string(i);
                const char *eol = strchr(json_help, '\n');
                char want[32];

                cr_assert(memmem(json_help, (size_t) (eol - json_help), mode, strlen(mode)),
                          "--help's --json leaves out %s: %.*s", mode, (int) (eol - json_help), json_help);
                snprintf(want, sizeof(want), "*%s*", mode);
                cr_assert(strstr(json_man, want), "berthctl(1)'s --json leaves out %s", mode);
        }
}

static char *table_text(const struct table *t, bool legend)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        cr_assert_not_null(f);
        cr_assert_eq(table_print(t, f, legend), 0);
        fclose(f);
        return buf;
}

Test(output, table_columns)
{
        static const char *const headers[] = { "NAME", "STATE", "LEADER" };
        _cleanup_(table_freep) struct table *t = table_new(3, headers);
        const char *cells[] = { "web", "running", "1234", "a", "", "7", "zz-long-name", "opening", NULL };
        _cleanup_free_ char *with = NULL, *without = NULL;

        cr_assert_not_null(t);
        for (size_t i = 0; i < ELEMENTSOF(cells); i++)
                cr_assert_eq(table_add_cell(t, cells[i]), 0);
        cr_assert_eq(table_rows(t), 3);
        table_sort(t, 0);
        with = table_text(t, true);
        cr_assert_str_eq(with,
                         "NAME         STATE   LEADER\n"
                         "a            -       7\n"
                         "web          running 1234\n"
                         "zz-long-name opening -\n");
        without = table_text(t, false);
        cr_assert_str_eq(without,
                         "a            -       7\n"
                         "web          running 1234\n"
                         "zz-long-name opening -\n");
}

Test(output, table_header_only)
{
        static const char *const headers[] = { "NAME", "X" };
        _cleanup_(table_freep) struct table *t = table_new(2, headers);
        _cleanup_free_ char *text = NULL, *none = NULL;

        cr_assert_eq(table_rows(t), 0);
        text = table_text(t, true);
        cr_assert_str_eq(text, "NAME X\n");
        none = table_text(t, false);
        cr_assert_str_eq(none, "");
}

Test(output, timespan)
{
        char buf[64];

        cr_assert_str_eq(format_timespan(buf, sizeof(buf), 0), "0s");
        cr_assert_str_eq(format_timespan(buf, sizeof(buf), 999999), "0s");
        cr_assert_str_eq(format_timespan(buf, sizeof(buf), 45 * 1000000ULL), "45s");
        cr_assert_str_eq(format_timespan(buf, sizeof(buf), 182 * 1000000ULL), "3min 2s");
        cr_assert_str_eq(format_timespan(buf, sizeof(buf), 3605 * 1000000ULL), "1h");
        cr_assert_str_eq(format_timespan(buf, sizeof(buf), (86400 + 4 * 3600 + 59) * 1000000ULL), "1d 4h");
        cr_assert_str_eq(format_timespan(buf, sizeof(buf), 4 * 3600 * 1000000ULL), "4h");
        format_timespan(buf, 4, 182 * 1000000ULL);     /* cut short, still a string */
        cr_assert_eq(strlen(buf), 3);
}

Test(output, value_text)
{
        _cleanup_json_ json_object *a = json_object_new_array();
        _cleanup_free_ char *s = NULL, *b = NULL, *n = NULL, *l = NULL, *e = NULL;
        json_object *str = json_object_new_string("x y"), *yes = json_object_new_boolean(1);
        json_object *num = json_object_new_uint64(18446744073709551615ULL);

        json_object_array_add(a, json_object_new_int(3));
        json_object_array_add(a, json_object_new_int(12));
        s = json_value_to_text(str);
        b = json_value_to_text(yes);
        n = json_value_to_text(num);
        l = json_value_to_text(a);
        e = json_value_to_text(NULL);
        cr_assert_str_eq(s, "x y");
        cr_assert_str_eq(b, "yes");
        cr_assert_str_eq(n, "18446744073709551615");
        cr_assert_str_eq(l, "3 12");
        cr_assert_str_eq(e, "[not set]", "a null (unknown) value, as systemctl show writes it");
        json_object_put(str);
        json_object_put(yes);
        json_object_put(num);
}

/* A bus object good enough to build and read messages: its peer never
 * answers, so it stays authenticating. */
static sd_bus *offline_bus(int sv[2])
{
        sd_bus *bus = NULL;

        cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        cr_assert_geq(sd_bus_new(&bus), 0);
        cr_assert_geq(sd_bus_set_fd(bus, sv[0], sv[0]), 0);
        cr_assert_geq(sd_bus_start(bus), 0);
        return bus;
}

Test(bus, properties_to_json)
{
        static const uint8_t id[16] = { 0x2b, 0x20, 0x82, 0x4c, 0x77, 0x3d, 0x43, 0xab,
                                        0x8b, 0xfb, 0x7d, 0x48, 0xbe, 0xba, 0xec, 0x5e };
        int sv[2];
        sd_bus *bus = offline_bus(sv);
        sd_bus_message *m = NULL;
        _cleanup_json_ json_object *o = NULL;
        _cleanup_free_ char *text = NULL;

        cr_assert_geq(sd_bus_message_new_signal(bus, &m, "/a", "a.b", "X"), 0);
        cr_assert_geq(sd_bus_message_open_container(m, 'a', "{sv}"), 0);
        cr_assert_geq(sd_bus_message_append(m, "{sv}", "Name", "s", "web"), 0);
        cr_assert_geq(sd_bus_message_append(m, "{sv}", "Leader", "u", 4000000000U), 0);
        cr_assert_geq(sd_bus_message_append(m, "{sv}", "Timestamp", "t", 1795629151000000ULL), 0);
        cr_assert_geq(sd_bus_message_append(m, "{sv}", "MemoryCurrent", "t", UINT64_MAX), 0);
        cr_assert_geq(sd_bus_message_open_container(m, 'e', "sv"), 0);
        cr_assert_geq(sd_bus_message_append(m, "s", "Id"), 0);
        cr_assert_geq(sd_bus_message_open_container(m, 'v', "ay"), 0);
        cr_assert_geq(sd_bus_message_append_array(m, 'y', id, sizeof(id)), 0);
        cr_assert_geq(sd_bus_message_close_container(m), 0);
        cr_assert_geq(sd_bus_message_close_container(m), 0);
        cr_assert_geq(sd_bus_message_append(m, "{sv}", "NetworkInterfaces", "ai", 2, 3, 12), 0);
        cr_assert_geq(sd_bus_message_append(m, "{sv}", "Odd", "(ii)", 1, 2), 0);
        cr_assert_geq(sd_bus_message_append(m, "{sv}", "Last", "b", 1), 0);
        cr_assert_geq(sd_bus_message_close_container(m), 0);
        cr_assert_geq(sd_bus_message_seal(m, 1, 0), 0);
        cr_assert_geq(sd_bus_message_rewind(m, true), 0);

        cr_assert_eq(ctl_properties_to_json(m, &o), 0);
        text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        cr_assert_str_eq(text, "{\"Name\":\"web\",\"Leader\":4000000000,\"Timestamp\":1795629151000000,"
                               "\"MemoryCurrent\":null,"
                               "\"Id\":\"2b20824c773d43ab8bfb7d48bebaec5e\",\"NetworkInterfaces\":[3,12],"
                               "\"Last\":true}");
        sd_bus_message_unref(m);
        close(sv[1]);
        sd_bus_close_unref(bus);        /* no flush: it would wait for an authentication never answered */
}

static void put(int dir_fd, const char *path, const char *text)
{
        cr_assert_eq(write_file_at(dir_fd, path, text, 0644), 0, "%s", path);
}

Test(cgtree, tree_of_a_fake_cgroup)
{
        char dir[] = "/tmp/test-ctl-XXXXXX", procs[32], expect[512];
        _cleanup_free_ char *buf = NULL, *self = NULL;
        _cleanup_close_ int fd = -EBADF;
        _cleanup_json_ json_object *a = NULL;
        size_t size = 0;
        FILE *f;

        cr_assert_not_null(mkdtemp(dir));
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(mkdirat(fd, "payload", 0755), 0);
        cr_assert_geq(mkdirat(fd, "payload/init.scope", 0755), 0);
        cr_assert_geq(mkdirat(fd, "supervisor", 0755), 0);
        snprintf(procs, sizeof(procs), "%d\n", (int) getpid());
        put(fd, "cgroup.procs", "");
        put(fd, "payload/cgroup.procs", "");
        put(fd, "payload/init.scope/cgroup.procs", procs);
        put(fd, "supervisor/cgroup.procs", "");
        cr_assert_gt(read_file_at(AT_FDCWD, "/proc/self/cmdline", &self, 4096), 0);

        f = open_memstream(&buf, &size);
        cr_assert_eq(cgtree_print(f, dir, "  ", 0), 0);
        fclose(f);
        snprintf(expect, sizeof(expect),
                 "  |-payload\n"
                 "  | `-init.scope\n"
                 "  |   `-%d %s",
                 (int) getpid(), self);
        cr_assert(startswith(buf, expect), "got:\n%s", buf);
        cr_assert(strstr(buf, "\n  `-supervisor\n"), "got:\n%s", buf);

        /* Cut to a width: the command line ends in "..." at column 24,
         * the other lines are as they were. */
        _cleanup_free_ char *cut = NULL;
        char head[64];
        f = open_memstream(&cut, &size);
        cr_assert_eq(cgtree_print(f, dir, "  ", 24), 0);
        fclose(f);
        snprintf(head, sizeof(head), "  |   `-%d ", (int) getpid());
        cr_assert_gt(strlen(head) + strlen(self), 24, "the test's command line is too short to be cut");
        const char *line = strstr(cut, head), *eol = line ? strchr(line, '\n') : NULL;
        cr_assert(line && eol, "got:\n%s", cut);
        cr_assert_eq(eol - line, 24, "the line is %d columns: %.*s", (int) (eol - line), (int) (eol - line), line);
        cr_assert(strncmp(eol - 3, "...", 3) == 0 && strncmp(line + strlen(head), self, 21 - strlen(head)) == 0,
                  "got:\n%s", cut);
        cr_assert(startswith(cut, "  |-payload\n  | `-init.scope\n") && strstr(cut, "\n  `-supervisor\n"),
                  "got:\n%s", cut);

        cr_assert_eq(cgtree_json(dir, &a), 0);
        cr_assert_eq(json_object_array_length(a), 1);
        cr_assert_str_eq(json_object_get_string(json_object_object_get(json_object_array_get_idx(a, 0), "cgroup")),
                         "/payload/init.scope");
        cr_assert_eq(rm_rf_at(AT_FDCWD, dir), 0);
}

Test(cgtree, resolve_refuses_relative)
{
        char *p = NULL;

        cr_assert_eq(cgtree_resolve("machine.slice", &p), -EINVAL);
        cr_assert_eq(cgtree_resolve(NULL, &p), -EINVAL);
        cr_assert_null(p);
}

Test(cgtree, resolve_finds_the_root_below_the_cgroup2_mount)
{
        char *mp = NULL, *p = NULL;

        if (cgroup2_mount_point(&mp) < 0)
                cr_skip_test("no cgroup2 hierarchy is mounted here");
        cr_assert_eq(cgtree_resolve("/", &p), 0);
        cr_assert_str_eq(p, mp);
        free(p);
        free(mp);
}
