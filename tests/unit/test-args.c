/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "settings.h"
#include "util.h"

#include "args-test.h"

TestSuite(args, .init = setup, .fini = teardown);

Test(args, defaults)
{
        struct settings s = {};

        cr_assert_eq(parse(&s, ARGV("-D", "/srv/tree")), 1);
        cr_assert_str_eq(s.directory, "/srv/tree");
        cr_assert_str_eq(s.name, "");
        cr_assert_null(s.hostname);
        cr_assert_not(s.boot);
        cr_assert_not(s.ephemeral);
        cr_assert_not(s.quiet);
        cr_assert_null(s.upper);
        cr_assert_eq(s.n_binds, 0);
        cr_assert_null(s.tmpfs);
        cr_assert_eq(s.n_tmpfs, 0);
        cr_assert_null(s.setenv);
        cr_assert_not_null(s.argv);
        cr_assert_null(s.argv[0]);
        cr_assert_eq(s.console, CONSOLE_AUTO);
        cr_assert_not(s.uuid_set);
        cr_assert_eq(s.stop_timeout_sec, BERTH_STOP_TIMEOUT_SEC);
        settings_done(&s);
}

Test(args, directory_relative_becomes_absolute)
{
        struct settings s = {};
        char want[PATH_MAX + 32];

        cr_assert_eq(parse(&s, ARGV("-D", "tree")), 1);
        cr_assert_eq(s.directory[0], '/');
        snprintf(want, sizeof(want), "%s/tree", tmp_real);
        cr_assert_str_eq(s.directory, want);
        settings_done(&s);

        cr_assert_eq(parse(&s, ARGV("--directory=sub/deeper")), 1);
        snprintf(want, sizeof(want), "%s/sub/deeper", tmp_real);
        cr_assert_str_eq(s.directory, want);
        settings_done(&s);

        /* The last -D wins. */
        cr_assert_eq(parse(&s, ARGV("-D", "/a", "--directory", "/b")), 1);
        cr_assert_str_eq(s.directory, "/b");
        settings_done(&s);
}

Test(args, directory_required)
{
        struct settings s = {};

        cr_assert_eq(parse(&s, ARGV("--boot")), -EINVAL);
        settings_done(&s);
        cr_assert_eq(parse(&s, (char *[]) { "berth", NULL }), -EINVAL);
        settings_done(&s);
        cr_assert_lt(parse(&s, ARGV("-D", "")), 0);
        settings_done(&s);
        /* -D without its argument. */
        cr_assert_lt(parse(&s, ARGV("-D")), 0);
        settings_done(&s);
        /* A command but no tree. */
        cr_assert_lt(parse(&s, ARGV("--", "/bin/sh")), 0);
        settings_done(&s);
}

Test(args, name)
{
        struct settings s = {};

        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--name=web-1")), 1);
        cr_assert_str_eq(s.name, "web-1");
        settings_done(&s);
        cr_assert_eq(parse(&s, ARGV("-D", "/t", "-M", "db")), 1);
        cr_assert_str_eq(s.name, "db");
        settings_done(&s);
        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--machine", "m.example_2")), 1);
        cr_assert_str_eq(s.name, "m.example_2");
        settings_done(&s);
}

Test(args, name_invalid)
{
        char long_name[80];
        const char *bad[] = { "", "../etc", "a/b", "a..b", ".hidden", "-dash", "we b", "we\nb", long_name };

        memset(long_name, 'a', 65);
        long_name[65] = 0;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct settings s = {};
                cr_assert_lt(parse(&s, ARGV("-D", "/t", "--name", (char *) bad[i])), 0,
                             "--name='%s' accepted", bad[i]);
                settings_done(&s);
        }
}

Test(args, hostname)
{
        struct settings s = {};

        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--hostname=box.example")), 1);
        cr_assert_str_eq(s.hostname, "box.example");
        settings_done(&s);
        cr_assert_lt(parse(&s, ARGV("-D", "/t", "--hostname=bad/name")), 0);
        settings_done(&s);
        cr_assert_lt(parse(&s, ARGV("-D", "/t", "--hostname=")), 0);
        settings_done(&s);
        cr_assert_lt(parse(&s, ARGV("-D", "/t", "--hostname=a..b")), 0);
        settings_done(&s);
}

Test(args, setenv)
{
        struct settings s = {};

        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--setenv=A=1", "-E", "B=", "-E", "C=x=y")), 1);
        cr_assert_eq(strv_length(s.setenv), 3);
        cr_assert_str_eq(s.setenv[0], "A=1");
        cr_assert_str_eq(s.setenv[1], "B=");
        cr_assert_str_eq(s.setenv[2], "C=x=y");
        settings_done(&s);

        cr_assert_lt(parse(&s, ARGV("-D", "/t", "-E", "=value")), 0);
        settings_done(&s);
        cr_assert_lt(parse(&s, ARGV("-D", "/t", "--setenv=")), 0);
        cr_assert_null(s.setenv);
        settings_done(&s);
}

/* nspawn's -E NAME: the value of NAME in berth's own environment, or the
 * empty string when berth has none (as --setenv=NAME=$NAME in a shell). */
Test(args, setenv_name_alone_passes_berths_value_on)
{
        struct settings s = {};

        cr_assert_eq(setenv("BERTH_TEST_PASSED", "from berth", 1), 0);
        cr_assert_eq(unsetenv("BERTH_TEST_UNSET"), 0);
        cr_assert_eq(parse(&s, ARGV("-D", "/t", "-E", "BERTH_TEST_PASSED", "--setenv=BERTH_TEST_UNSET", "-E_x1")), 1);
        cr_assert_eq(strv_length(s.setenv), 3);
        cr_assert_str_eq(s.setenv[0], "BERTH_TEST_PASSED=from berth");
        cr_assert_str_eq(s.setenv[1], "BERTH_TEST_UNSET=");
        cr_assert_str_eq(s.setenv[2], "_x1=");
        settings_done(&s);

        assert_refused_saying(ARGV("-D", "/t", "-E", "1ABC"), "--setenv=1ABC: a NAME to pass on has only");
        assert_refused_saying(ARGV("-D", "/t", "-E", "A-B"), "--setenv=A-B: a NAME");
        assert_refused_saying(ARGV("-D", "/t", "--setenv="), "expected NAME=VALUE, or a NAME");
        assert_refused_saying(ARGV("-D", "/t", "-E", "=v"), "--setenv==v: expected NAME=VALUE, or a NAME");
}

Test(args, uuid)
{
        static const uint8_t want[16] = {
                0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x42, 0xd3,
                0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00,
        };
        struct settings s = {};

        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--uuid=123e4567-e89b-42d3-a456-426614174000")), 1);
        cr_assert(s.uuid_set);
        cr_assert_arr_eq(s.uuid, want, 16);
        settings_done(&s);

        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--uuid", "123e4567e89b42d3a456426614174000")), 1);
        cr_assert(s.uuid_set);
        cr_assert_arr_eq(s.uuid, want, 16);
        settings_done(&s);

        cr_assert_lt(parse(&s, ARGV("-D", "/t", "--uuid=123e4567")), 0);
        cr_assert_not(s.uuid_set);
        settings_done(&s);
        cr_assert_lt(parse(&s, ARGV("-D", "/t", "--uuid=123e4567-e89b-42d3-a456-42661417400g")), 0);
        settings_done(&s);
        cr_assert_lt(parse(&s, ARGV("-D", "/t", "--uuid=")), 0);
        settings_done(&s);
}

Test(args, console)
{
        static const struct {
                const char *arg;
                enum console_mode mode;
        } good[] = {
                { "--console=interactive", CONSOLE_INTERACTIVE },
                { "--console=read-only", CONSOLE_READ_ONLY },
                { "--console=passive", CONSOLE_PASSIVE },
                { "--console=pipe", CONSOLE_PIPE },
        };
        const char *bad[] = { "--console=auto", "--console=", "--console=bogus", "--console=Pipe", "--console=readonly" };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                struct settings s = {};
                cr_assert_eq(parse(&s, ARGV("-D", "/t", (char *) good[i].arg)), 1, "%s", good[i].arg);
                cr_assert_eq(s.console, good[i].mode, "%s", good[i].arg);
                settings_done(&s);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct settings s = {};
                cr_assert_lt(parse(&s, ARGV("-D", "/t", (char *) bad[i])), 0, "%s accepted", bad[i]);
                settings_done(&s);
        }
}

Test(args, console_mode_strings_round_trip)
{
        for (int i = 0; i < _CONSOLE_MAX; i++) {
                const char *n = console_mode_to_string(i);
                cr_assert_not_null(n, "mode %d has no name", i);
                cr_assert_eq(console_mode_from_string(n), i, "%s", n);
        }
        cr_assert_str_eq(console_mode_to_string(CONSOLE_AUTO), "auto");
        cr_assert_str_eq(console_mode_to_string(CONSOLE_READ_ONLY), "read-only");
        cr_assert_null(console_mode_to_string(_CONSOLE_MAX));
        cr_assert_null(console_mode_to_string((enum console_mode) -1));
        cr_assert_eq(console_mode_from_string(NULL), -EINVAL);
        cr_assert_eq(console_mode_from_string(""), -EINVAL);
        cr_assert_eq(console_mode_from_string("Auto"), -EINVAL);
        cr_assert_eq(console_mode_from_string("pipe "), -EINVAL);
}

Test(args, stop_timeout)
{
        const char *bad[] = {
                "--stop-timeout=0", "--stop-timeout=0s", "--stop-timeout=-1", "--stop-timeout=x",
                "--stop-timeout=5m", "--stop-timeout=", "--stop-timeout=4294967296",
        };
        struct settings s = {};

        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--stop-timeout=5")), 1);
        cr_assert_eq(s.stop_timeout_sec, 5);
        settings_done(&s);
        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--stop-timeout", "5s")), 1);
        cr_assert_eq(s.stop_timeout_sec, 5);
        settings_done(&s);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                cr_assert_lt(parse(&s, ARGV("-D", "/t", (char *) bad[i])), 0, "%s accepted", bad[i]);
                settings_done(&s);
        }
}

Test(args, ephemeral_and_upper)
{
        struct settings s = {};
        char want[PATH_MAX + 32];

        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--ephemeral")), 1);
        cr_assert(s.ephemeral);
        settings_done(&s);
        cr_assert_eq(parse(&s, ARGV("-D", "/t", "-x")), 1);
        cr_assert(s.ephemeral);
        settings_done(&s);

        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--upper=/var/tmp/up")), 1);
        cr_assert_str_eq(s.upper, "/var/tmp/up");
        settings_done(&s);
        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--upper", "up")), 1);
        snprintf(want, sizeof(want), "%s/up", tmp_real);
        cr_assert_str_eq(s.upper, want);
        settings_done(&s);

        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--ephemeral", "--upper=/u")), -EINVAL);
        settings_done(&s);
        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--upper=/u", "-x")), -EINVAL);
        settings_done(&s);
        cr_assert_lt(parse(&s, ARGV("-D", "/t", "--upper=")), 0);
        settings_done(&s);
}

Test(args, flags)
{
        struct settings s = {};

        cr_assert_eq(parse(&s, ARGV("-q", "-b", "-D", "/t")), 1);
        cr_assert(s.quiet);
        cr_assert(s.boot);
        settings_done(&s);
        cr_assert_eq(parse(&s, ARGV("--quiet", "--boot", "-D/t")), 1);
        cr_assert(s.quiet);
        cr_assert(s.boot);
        cr_assert_str_eq(s.directory, "/t");
        settings_done(&s);
        /* Bundled short options. */
        cr_assert_eq(parse(&s, ARGV("-qbxD", "/t")), 1);
        cr_assert(s.quiet && s.boot && s.ephemeral);
        cr_assert_str_eq(s.directory, "/t");
        settings_done(&s);
}

Test(args, unknown_options_refused)
{
        struct settings s = {};

        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--bogus")), -EINVAL);
        settings_done(&s);
        cr_assert_eq(parse(&s, ARGV("-Z", "-D", "/t")), -EINVAL);
        settings_done(&s);
        /* --boot takes no argument. */
        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--boot=yes")), -EINVAL);
        settings_done(&s);
        /* Missing argument. */
        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--name")), -EINVAL);
        settings_done(&s);
}

/* One line in berth's own words, with where to look, not getopt's (which
 * names the binary by its full path and gives no hint). */
Test(args, option_errors_are_one_line_with_a_hint)
{
        assert_says(ARGV("-D", "/t", "--bogus"), "berth: unknown option --bogus (see berth --help)\n");
        assert_says(ARGV("-D", "/t", "--bogus=1"), "berth: unknown option --bogus (see berth --help)\n");
        assert_says(ARGV("-Z", "-D", "/t"), "berth: unknown option -Z (see berth --help)\n");
        assert_says(ARGV("-bZ", "-D", "/t"), "berth: unknown option -Z (see berth --help)\n");
        assert_says(ARGV("--boot", "-Zb", "-D", "/t"), "berth: unknown option -Z (see berth --help)\n");
        assert_says(ARGV("-D", "/t", "--boot=yes"), "berth: option --boot takes no value (see berth --help)\n");
        assert_says(ARGV("-D", "/t", "--bo=yes"), "berth: option --boot takes no value (see berth --help)\n");
        assert_says(ARGV("--version=2"), "berth: option --version takes no value (see berth --help)\n");
        assert_says(ARGV("-D", "/t", "-U=no"), "berth: option -U takes no value (see berth --help)\n");
        assert_says(ARGV("-D", "/t", "--name"), "berth: option --name needs a value (see berth --help)\n");
        assert_says(ARGV("-D", "/t", "--na"), "berth: option --name needs a value (see berth --help)\n");
        assert_says(ARGV("-D", "/t", "-M"), "berth: option -M needs a value (see berth --help)\n");
        assert_says(ARGV("-qD"), "berth: option -D needs a value (see berth --help)\n");
        assert_says(ARGV("-D", "/t", "--private"),
                    "berth: ambiguous option --private: --private-users, --private-users-ownership, "
                    "--private-network (see berth --help)\n");
        assert_says(ARGV("-b"), "berth: no tree given: use -D TREE or -i IMAGE (see berth --help)\n");
}

/* nspawn's -U: pick (and the ownership chosen for the tree); it takes no
 * value, and a value after it is refused rather than run as the command. */
Test(args, U_is_pick_and_takes_no_value)
{
        struct settings s = {};

        cr_assert_eq(parse(&s, ARGV("--private-users=no", "--private-users-ownership=chown", "-U", "-D", "/t")), 1);
        cr_assert_eq(s.private_users, PRIVATE_USERS_PICK);
        cr_assert_eq(s.ownership, OWNERSHIP_MAP);
        cr_assert_eq(strv_length(s.argv), 0);
        settings_done(&s);
        cr_assert_eq(parse(&s, ARGV("-D", "/t", "-xU")), 1);
        cr_assert_eq(s.private_users, PRIVATE_USERS_PICK);
        settings_done(&s);
        /* A command that is no --private-users= value runs. */
        cr_assert_eq(parse(&s, ARGV("-D", "/t", "-U", "/bin/true")), 1);
        cr_assert_str_eq(s.argv[0], "/bin/true");
        settings_done(&s);
        /* After --, "no" is the command. */
        cr_assert_eq(parse(&s, ARGV("-D", "/t", "-U", "--", "no")), 1);
        cr_assert_str_eq(s.argv[0], "no");
        settings_done(&s);

        assert_says(ARGV("-D", "/t", "-U", "no"),
                    "berth: -U takes no value: write --private-users=no (or put -- before a command named no)\n");
        assert_refused_saying(ARGV("-D", "/t", "-U", "pick"), "write --private-users=pick");
        assert_says(ARGV("-D", "/t", "-Uno"), "berth: -U takes no value: write --private-users=no\n");
        assert_says(ARGV("-D", "/t", "-U524288:100"), "berth: -U takes no value: write --private-users=524288:100\n");
        assert_refused_saying(ARGV("-D", "/t", "-xU", "yes"), "write --private-users=yes");
        assert_refused_saying(ARGV("-D", "/t", "-U", "1000000:65536"), "write --private-users=1000000:65536");
        assert_refused_saying(ARGV("-b", "-D", "/t", "-U", "524288"), "write --private-users=524288");
}

/* Every short option: those that take a value take the next word, those
 * that do not leave it alone (it is the command). */
Test(args, every_short_option)
{
        struct settings s = {};

        cr_assert_eq(parse(&s, ARGV("-D", "/t", "-M", "m", "-E", "A=1", "cmd")), 1);
        cr_assert_str_eq(s.directory, "/t");
        cr_assert_str_eq(s.name, "m");
        cr_assert_str_eq(s.setenv[0], "A=1");
        cr_assert_str_eq(s.argv[0], "cmd");
        settings_done(&s);
        cr_assert_eq(parse(&s, ARGV("-D/t", "-Mm", "-EA=1", "cmd")), 1);
        cr_assert_str_eq(s.directory, "/t");
        cr_assert_str_eq(s.name, "m");
        cr_assert_str_eq(s.setenv[0], "A=1");
        settings_done(&s);
        const char *flags[] = { "-q", "-b", "-x", "-U", "-a" };
        for (size_t i = 0; i < ELEMENTSOF(flags); i++) {
                cr_assert_eq(parse(&s, ARGV("-D", "/t", (char *) flags[i], "cmd")), 1, "%s", flags[i]);
                cr_assert_eq(strv_length(s.argv), 1, "%s swallowed its next word", flags[i]);
                cr_assert_str_eq(s.argv[0], "cmd");
                settings_done(&s);
        }
}

/* What berth does anyway, accepted so that nspawn command lines work. */
Test(args, nspawn_options_berth_follows_anyway)
{
        struct settings s = {};

        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--as-pid2", "--private-network", "cmd")), 1);
        cr_assert(s.as_pid2);
        cr_assert(s.private_network);
        cr_assert_not(s.ready_at_exec);
        cr_assert_str_eq(s.argv[0], "cmd");
        settings_done(&s);
        cr_assert_eq(parse(&s, ARGV("-aD", "/t")), 1);
        cr_assert(s.as_pid2);
        settings_done(&s);

        const char *yes[] = { "yes", "true", "on", "1" }, *no[] = { "no", "false", "off", "0" };
        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                char a[64];
                snprintf(a, sizeof(a), "--notify-ready=%s", yes[i]);
                cr_assert_eq(parse(&s, ARGV("-D", "/t", "-b", a)), 1);
                cr_assert_not(s.ready_at_exec, "%s", a);
                settings_done(&s);
                snprintf(a, sizeof(a), "--notify-ready=%s", no[i]);
                cr_assert_eq(parse(&s, ARGV("-D", "/t", "-b", a)), 1);
                cr_assert(s.ready_at_exec, "%s", a);
                settings_done(&s);
        }
        assert_says(ARGV("-D", "/t", "--notify-ready=maybe"), "berth: --notify-ready=maybe: expected yes or no\n");
        assert_says(ARGV("-D", "/t", "--notify-ready"),
                    "berth: option --notify-ready needs a value (see berth --help)\n");
        assert_says(ARGV("-D", "/t", "--private-network=yes"),
                    "berth: option --private-network takes no value (see berth --help)\n");
        /* As in nspawn, --as-pid2 and --boot exclude each other. */
        assert_says(ARGV("-D", "/t", "--as-pid2", "--boot"),
                    "berth: --as-pid2 and --boot exclude each other: with --boot the tree's init is PID 1\n");
        assert_says(ARGV("-ab", "-D", "/t"),
                    "berth: --as-pid2 and --boot exclude each other: with --boot the tree's init is PID 1\n");
}

Test(args, command_after_double_dash)
{
        struct settings s = {};

        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--", "-b", "--name=x", "arg")), 1);
        cr_assert_not(s.boot);
        cr_assert_str_eq(s.name, "");
        cr_assert_eq(strv_length(s.argv), 3);
        cr_assert_str_eq(s.argv[0], "-b");
        cr_assert_str_eq(s.argv[1], "--name=x");
        cr_assert_str_eq(s.argv[2], "arg");
        settings_done(&s);

        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--")), 1);
        cr_assert_not_null(s.argv);
        cr_assert_eq(strv_length(s.argv), 0);
        settings_done(&s);

        /* With --boot, the rest are init's arguments. */
        cr_assert_eq(parse(&s, ARGV("-b", "-D", "/t", "--", "--unit=rescue.target")), 1);
        cr_assert(s.boot);
        cr_assert_eq(strv_length(s.argv), 1);
        cr_assert_str_eq(s.argv[0], "--unit=rescue.target");
        settings_done(&s);
}

Test(args, command_at_first_non_option)
{
        struct settings s = {};
        char *argv[] = { "berth", "-D", "/t", "/bin/sh", "-c", "echo hi", "--boot", "--", NULL };

        cr_assert_eq(parse(&s, argv), 1);
        cr_assert_not(s.boot);
        cr_assert_eq(strv_length(s.argv), 5);
        cr_assert_str_eq(s.argv[0], "/bin/sh");
        cr_assert_str_eq(s.argv[1], "-c");
        cr_assert_str_eq(s.argv[2], "echo hi");
        cr_assert_str_eq(s.argv[3], "--boot");
        cr_assert_str_eq(s.argv[4], "--");
        /* A copy: the caller's argv is left as it was. */
        cr_assert_neq(s.argv[0], argv[3]);
        cr_assert_str_eq(argv[3], "/bin/sh");
        cr_assert_str_eq(argv[6], "--boot");
        settings_done(&s);
}

Test(args, help_and_version)
{
        struct settings s = {};
        char out[16384];

        cr_assert_eq(parse_capturing(&s, ARGV("--help"), out, sizeof(out)), 0);
        cr_assert_not_null(strstr(out, "--directory=TREE"), "help: %s", out);
        cr_assert_not_null(strstr(out, "--stop-timeout"));
        cr_assert_not_null(strstr(out, "--tmpfs=DST[:OPTIONS]"));
        /* -U is a flag: the help shows it apart from --private-users=VALUE. */
        cr_assert_not_null(strstr(out, "  -U                        The same as --private-users=pick"), "%s", out);
        cr_assert_null(strstr(out, "-U --private-users"), "%s", out);
        settings_done(&s);

        cr_assert_eq(parse_capturing(&s, ARGV("-h"), out, sizeof(out)), 0);
        cr_assert_not_null(strstr(out, "--directory=TREE"));
        settings_done(&s);

        /* Before anything else is checked: no -D, and a bad option later. */
        cr_assert_eq(parse_capturing(&s, ARGV("-D", "/t", "--help", "--bogus"), out, sizeof(out)), 0);
        settings_done(&s);

        cr_assert_eq(parse_capturing(&s, ARGV("--version"), out, sizeof(out)), 0);
        cr_assert_str_eq(out, "berth " BERTH_VERSION "\n");
        settings_done(&s);
}

Test(args, settings_done_resets)
{
        struct settings s = {};
        char bind[PATH_MAX + 16];

        snprintf(bind, sizeof(bind), "--bind-ro=%s:/b", tmp);
        cr_assert_eq(parse(&s, ARGV("-D", "/t", "-M", "m", "--hostname=h", "--upper=/u", bind, "--tmpfs=/x",
                                    "-E", "A=1", "--uuid=123e4567e89b42d3a456426614174000", "--console=pipe",
                                    "--stop-timeout=7", "-b", "cmd", "arg")), 1);
        settings_done(&s);
        cr_assert_null(s.directory);
        cr_assert_str_eq(s.name, "");
        cr_assert_null(s.hostname);
        cr_assert_null(s.upper);
        cr_assert_null(s.binds);
        cr_assert_eq(s.n_binds, 0);
        cr_assert_null(s.tmpfs);
        cr_assert_eq(s.n_tmpfs, 0);
        cr_assert_null(s.setenv);
        cr_assert_null(s.argv);
        cr_assert_not(s.boot);
        cr_assert_not(s.uuid_set);
        cr_assert_eq(s.console, CONSOLE_AUTO);
        cr_assert_eq(s.stop_timeout_sec, 0);
        /* Twice is harmless. */
        settings_done(&s);
}

Test(args, parse_again_in_the_same_process)
{
        struct settings s = {};

        /* getopt's state from a first parse must not leak into the next. */
        cr_assert_eq(parse(&s, ARGV("-D", "/one", "-b", "--", "x")), 1);
        settings_done(&s);
        cr_assert_eq(parse(&s, ARGV("-D", "/two", "-M", "n", "y", "z")), 1);
        cr_assert_str_eq(s.directory, "/two");
        cr_assert_str_eq(s.name, "n");
        cr_assert_not(s.boot);
        cr_assert_eq(strv_length(s.argv), 2);
        cr_assert_str_eq(s.argv[0], "y");
        settings_done(&s);
        /* Stopped halfway (bundled short options) before the next parse. */
        cr_assert_lt(parse(&s, ARGV("-bZ", "-D", "/t")), 0);
        settings_done(&s);
        cr_assert_eq(parse(&s, ARGV("-qD", "/three")), 1);
        cr_assert_str_eq(s.directory, "/three");
        cr_assert(s.quiet);
        cr_assert_not(s.boot);
        settings_done(&s);
}
