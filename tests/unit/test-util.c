/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "cpulist.h"
#include "util.h"

static char tmp[] = "/tmp/berth-test-util-XXXXXX";
static int tmp_fd = -1;

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        return remove(path) < 0 ? -1 : 0;
}

static void setup(void)
{
        umask(022);
        cr_assert_not_null(mkdtemp(tmp));
        tmp_fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(tmp_fd, 0);
}

static void teardown(void)
{
        if (tmp_fd >= 0)
                close(tmp_fd);
        nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static bool exists_at(const char *dir, const char *path)
{
        char p[PATH_MAX];
        struct stat st;

        snprintf(p, sizeof(p), "%s/%s", dir, path);
        return lstat(p, &st) == 0;
}

/* strings */

Test(strings, startswith_and_strjoin)
{
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

        cr_assert(startswith("berth-launch", "berth"));
        cr_assert(startswith("berth", ""));
        cr_assert(startswith("berth", "berth"));
        cr_assert_not(startswith("ber", "berth"));
        cr_assert_not(startswith("xberth", "berth"));

        a = strjoin("a", "/", "b");
        cr_assert_str_eq(a, "a/b");
        b = strjoin("a", NULL, "c");
        cr_assert_str_eq(b, "ac");
        c = strjoin("", NULL, NULL);
        cr_assert_str_eq(c, "");
}

/* strv */

Test(strv, length)
{
        char *l[] = { (char *) "a", (char *) "b", (char *) "c", NULL };
        char *empty[] = { NULL };

        cr_assert_eq(strv_length(NULL), 0);
        cr_assert_eq(strv_length(empty), 0);
        cr_assert_eq(strv_length(l), 3);
}

Test(strv, push_copies)
{
        _cleanup_strv_ char **l = NULL;
        char value[] = "first";

        cr_assert_eq(strv_push(&l, value), 0);
        value[0] = 'F';
        cr_assert_eq(strv_push(&l, "second"), 0);
        cr_assert_eq(strv_push(&l, ""), 0);
        cr_assert_eq(strv_length(l), 3);
        cr_assert_str_eq(l[0], "first");
        cr_assert_str_eq(l[1], "second");
        cr_assert_str_eq(l[2], "");
        cr_assert_null(l[3]);
        cr_assert_neq(l[0], value);
}

Test(strv, copy_is_deep)
{
        char *l[] = { (char *) "x", (char *) "y", NULL };
        _cleanup_strv_ char **c = strv_copy(l);
        _cleanup_strv_ char **e = strv_copy(NULL);
        _cleanup_strv_ char **cc = NULL;

        cr_assert_not_null(c);
        cr_assert_eq(strv_length(c), 2);
        cr_assert_str_eq(c[0], "x");
        cr_assert_str_eq(c[1], "y");
        cr_assert_null(c[2]);
        cr_assert_neq(c[0], l[0]);
        cr_assert_neq(c[1], l[1]);

        /* Empty and NULL: an empty vector, not NULL (NULL means out of memory). */
        cr_assert_not_null(e);
        cr_assert_null(e[0]);

        cc = strv_copy(c);
        cr_assert_not_null(cc);
        free(c[0]);
        c[0] = strdup("changed");
        cr_assert_str_eq(cc[0], "x");
}

Test(strv, env_set_replaces_the_same_name)
{
        _cleanup_strv_ char **env = NULL;

        cr_assert_eq(strv_env_set(&env, "PATH=/bin"), 0);
        cr_assert_eq(strv_env_set(&env, "PATHX=1"), 0);
        cr_assert_eq(strv_env_set(&env, "TERM=vt220"), 0);
        cr_assert_eq(strv_env_set(&env, "PATH=/x"), 0);
        cr_assert_eq(strv_env_set(&env, "TERM="), 0);
        cr_assert_eq(strv_length(env), 3);
        cr_assert_str_eq(env[0], "PATH=/x");
        cr_assert_str_eq(env[1], "PATHX=1");
        cr_assert_str_eq(env[2], "TERM=");
}

Test(strv, env_assignment_from_arg)
{
        static const char *const bad[] = { "", "=x", "1A=x", "A B=x", "A-B", "9", "a.b=c", NULL };
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL;

        setenv("BERTH_TEST_PASSED", "from here", 1);
        unsetenv("BERTH_TEST_UNSET");
        cr_assert_eq(env_assignment_from("FOO=bar=baz", &a), 0);
        cr_assert_str_eq(a, "FOO=bar=baz");
        cr_assert_eq(env_assignment_from("BERTH_TEST_PASSED", &b), 0);
        cr_assert_str_eq(b, "BERTH_TEST_PASSED=from here");
        cr_assert_eq(env_assignment_from("BERTH_TEST_UNSET", &c), 0);
        cr_assert_str_eq(c, "BERTH_TEST_UNSET=");
        cr_assert_eq(env_assignment_from("_x1=", &d), 0);
        cr_assert_str_eq(d, "_x1=");
        for (const char *const *s = bad; *s; s++) {
                char *r = NULL;
                cr_assert_eq(env_assignment_from(*s, &r), -EINVAL, "'%s' was taken", *s);
                cr_assert_null(r);
        }
}

/* files */

TestSuite(files, .init = setup, .fini = teardown);

Test(files, write_then_read)
{
        _cleanup_free_ char *s = NULL;
        char p[PATH_MAX];
        struct stat st;

        cr_assert_eq(write_file_at(tmp_fd, "f", "hello\nworld\n", 0640), 0);
        cr_assert_eq(read_file_at(tmp_fd, "f", &s, 4096), 12);
        cr_assert_str_eq(s, "hello\nworld\n");
        snprintf(p, sizeof(p), "%s/f", tmp);
        cr_assert_eq(stat(p, &st), 0);
        cr_assert_eq(st.st_mode & 07777, 0640);

        /* Rewriting with less truncates. */
        free(s);
        s = NULL;
        cr_assert_eq(write_file_at(tmp_fd, "f", "x", 0640), 0);
        cr_assert_eq(read_file_at(tmp_fd, "f", &s, 4096), 1);
        cr_assert_str_eq(s, "x");

        /* Empty contents: an empty file. */
        free(s);
        s = NULL;
        cr_assert_eq(write_file_at(tmp_fd, "empty", "", 0644), 0);
        cr_assert_eq(read_file_at(tmp_fd, "empty", &s, 4096), 0);
        cr_assert_str_eq(s, "");
}

Test(files, read_stops_at_max)
{
        _cleanup_free_ char *s = NULL;

        cr_assert_eq(write_file_at(tmp_fd, "big", "0123456789", 0644), 0);
        cr_assert_eq(read_file_at(tmp_fd, "big", &s, 4), 4);
        cr_assert_str_eq(s, "0123");
}

Test(files, read_and_write_errors)
{
        char *s = (char *) "untouched";

        cr_assert_eq(read_file_at(tmp_fd, "missing", &s, 16), -ENOENT);
        cr_assert_str_eq(s, "untouched");
        cr_assert_eq(write_file_at(tmp_fd, "no/such/dir", "x", 0644), -ENOENT);
        /* Absolute paths ignore dir_fd. */
        cr_assert_eq(read_file_at(tmp_fd, "/nonexistent/berth-test", &s, 16), -ENOENT);
}

Test(files, write_does_not_follow_symlinks)
{
        _cleanup_free_ char *s = NULL;
        char p[PATH_MAX];

        cr_assert_eq(write_file_at(tmp_fd, "target", "original", 0644), 0);
        snprintf(p, sizeof(p), "%s/link", tmp);
        cr_assert_eq(symlink("target", p), 0);
        cr_assert_eq(write_file_at(tmp_fd, "link", "replaced", 0644), -ELOOP);
        cr_assert_eq(read_file_at(tmp_fd, "target", &s, 64), 8);
        cr_assert_str_eq(s, "original");
}

Test(files, write_string_into_existing_file_only)
{
        _cleanup_free_ char *s = NULL;

        cr_assert_eq(write_string_at(tmp_fd, "knob", "1"), -ENOENT);
        cr_assert_not(exists_at(tmp, "knob"));
        cr_assert_eq(write_file_at(tmp_fd, "knob", "", 0644), 0);
        cr_assert_eq(write_string_at(tmp_fd, "knob", "max"), 0);
        cr_assert_eq(read_file_at(tmp_fd, "knob", &s, 64), 3);
        cr_assert_str_eq(s, "max");
}

Test(files, mkdir_p_nested)
{
        char p[PATH_MAX];
        struct stat st;

        snprintf(p, sizeof(p), "%s/a/b/c", tmp);
        cr_assert_eq(mkdir_p(p, 0755), 0);
        cr_assert_eq(stat(p, &st), 0);
        cr_assert(S_ISDIR(st.st_mode));
        /* Again: nothing to do. */
        cr_assert_eq(mkdir_p(p, 0755), 0);
        /* Trailing and doubled slashes. */
        snprintf(p, sizeof(p), "%s//a/b//d/", tmp);
        cr_assert_eq(mkdir_p(p, 0700), 0);
        snprintf(p, sizeof(p), "%s/a/b/d", tmp);
        cr_assert_eq(stat(p, &st), 0);
        cr_assert(S_ISDIR(st.st_mode));
        cr_assert_eq(st.st_mode & 07777, 0700);
}

Test(files, mkdir_p_relative)
{
        struct stat st;

        cr_assert_eq(fchdir(tmp_fd), 0);
        cr_assert_eq(mkdir_p("rel/x/y", 0755), 0);
        cr_assert_eq(stat("rel/x/y", &st), 0);
        cr_assert(S_ISDIR(st.st_mode));
}

Test(files, mkdir_p_under_a_file_fails)
{
        char p[PATH_MAX];

        cr_assert_eq(write_file_at(tmp_fd, "file", "x", 0644), 0);
        snprintf(p, sizeof(p), "%s/file/sub", tmp);
        cr_assert_eq(mkdir_p(p, 0755), -ENOTDIR);
}

Test(files, mkdir_p_on_a_file_fails)
{
        char p[PATH_MAX];

        /* Success would tell the caller a directory is there. */
        cr_assert_eq(write_file_at(tmp_fd, "file", "x", 0644), 0);
        snprintf(p, sizeof(p), "%s/file", tmp);
        cr_assert_lt(mkdir_p(p, 0755), 0, "mkdir_p() on a regular file succeeded");
}

Test(files, mkdir_p_empty_path)
{
        /* Nothing to make; must not read past the string (run under
         * -Db_sanitize=address to see it do so). */
        cr_assert_eq(mkdir_p("", 0755), -ENOENT);
}

Test(files, rm_rf_nested_tree)
{
        char p[PATH_MAX];

        snprintf(p, sizeof(p), "%s/victim/a/b/c", tmp);
        cr_assert_eq(mkdir_p(p, 0755), 0);
        snprintf(p, sizeof(p), "%s/victim/empty", tmp);
        cr_assert_eq(mkdir(p, 0755), 0);
        cr_assert_eq(write_file_at(tmp_fd, "victim/top", "1", 0644), 0);
        cr_assert_eq(write_file_at(tmp_fd, "victim/a/b/c/deep", "2", 0644), 0);
        cr_assert_eq(write_file_at(tmp_fd, "victim/a/.hidden", "3", 0000), 0);
        snprintf(p, sizeof(p), "%s/victim/a/b/c/d", tmp);
        cr_assert_eq(symlink("../../../top", p), 0);

        cr_assert_eq(rm_rf_at(tmp_fd, "victim"), 0);
        cr_assert_not(exists_at(tmp, "victim"));
        /* Already gone: fine. */
        cr_assert_eq(rm_rf_at(tmp_fd, "victim"), 0);
}

Test(files, rm_rf_does_not_follow_symlinks)
{
        char p[PATH_MAX], t[PATH_MAX];

        snprintf(p, sizeof(p), "%s/keep/inner", tmp);
        cr_assert_eq(mkdir_p(p, 0755), 0);
        cr_assert_eq(write_file_at(tmp_fd, "keep/inner/file", "keep", 0644), 0);
        snprintf(p, sizeof(p), "%s/victim", tmp);
        cr_assert_eq(mkdir(p, 0755), 0);
        snprintf(p, sizeof(p), "%s/victim/abs", tmp);
        snprintf(t, sizeof(t), "%s/keep", tmp);
        cr_assert_eq(symlink(t, p), 0);
        snprintf(p, sizeof(p), "%s/victim/rel", tmp);
        cr_assert_eq(symlink("../keep/inner", p), 0);

        cr_assert_eq(rm_rf_at(tmp_fd, "victim"), 0);
        cr_assert_not(exists_at(tmp, "victim"));
        cr_assert(exists_at(tmp, "keep/inner/file"));

        /* A symlink itself is unlinked, its target kept. */
        snprintf(p, sizeof(p), "%s/alias", tmp);
        cr_assert_eq(symlink(t, p), 0);
        cr_assert_eq(rm_rf_at(tmp_fd, "alias"), 0);
        cr_assert_not(exists_at(tmp, "alias"));
        cr_assert(exists_at(tmp, "keep/inner/file"));
}

Test(files, rm_rf_a_file)
{
        cr_assert_eq(write_file_at(tmp_fd, "plain", "x", 0644), 0);
        cr_assert_eq(rm_rf_at(tmp_fd, "plain"), 0);
        cr_assert_not(exists_at(tmp, "plain"));
}

/* numbers */

/* In a child: the kept ones stay open whatever their order, the rest go. */
Test(fds, close_all_but_keeps_only_those_named)
{
        int fds[6], keep[4], pid, status;

        for (int i = 0; i < 6; i++)
                cr_assert_geq(fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC), 0);
        keep[0] = fds[4], keep[1] = -1, keep[2] = fds[1], keep[3] = fds[4];
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                bool ok = close_all_but(keep, 4) == 0 && fcntl(0, F_GETFD) >= 0;
                for (int i = 0; i < 6; i++)
                        ok = ok && (fcntl(fds[i], F_GETFD) >= 0) == (i == 1 || i == 4);
                ok = ok && fcntl(fds[5] + 1, F_GETFD) < 0;
                _exit(ok ? 0 : 1);
        }
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "close_all_but closed the wrong ones");
        for (int i = 0; i < 6; i++)
                close(fds[i]);
}

Test(parse, uint_valid)
{
        unsigned u = 7;

        cr_assert_eq(parse_uint("0", &u), 0);
        cr_assert_eq(u, 0);
        cr_assert_eq(parse_uint("42", &u), 0);
        cr_assert_eq(u, 42);
        cr_assert_eq(parse_uint("4294967295", &u), 0);
        cr_assert_eq(u, 4294967295u);
        cr_assert_eq(parse_uint("007", &u), 0);
        cr_assert_eq(u, 7);
}

Test(parse, uint_invalid)
{
        const char *bad[] = {
                "", "-1", "-0", "+1", " -1", "4294967296", "18446744073709551615",
                "99999999999999999999999", "12x", "x12", "1.5", "5s", "0x10", "1 ", "abc",
        };
        unsigned u = 1234;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                cr_assert_lt(parse_uint(bad[i], &u), 0, "parse_uint(\"%s\") accepted", bad[i]);
        cr_assert_lt(parse_uint(NULL, &u), 0);
        cr_assert_eq(u, 1234, "the result was written on failure");
}

Test(parse, uint_error_codes)
{
        unsigned u;

        cr_assert_eq(parse_uint("", &u), -EINVAL);
        cr_assert_eq(parse_uint("-1", &u), -EINVAL);
        cr_assert_eq(parse_uint("4294967296", &u), -ERANGE);
        cr_assert_eq(parse_uint("99999999999999999999999", &u), -ERANGE);
}

Test(parse, sec)
{
        unsigned u = 0;

        cr_assert_eq(parse_sec("5", &u), 0);
        cr_assert_eq(u, 5);
        cr_assert_eq(parse_sec("5s", &u), 0);
        cr_assert_eq(u, 5);
        cr_assert_eq(parse_sec("0s", &u), 0);
        cr_assert_eq(u, 0);
        cr_assert_eq(parse_sec("90", &u), 0);
        cr_assert_eq(u, 90);
        cr_assert_eq(parse_sec("4294967295s", &u), 0);
        cr_assert_eq(u, 4294967295u);
}

Test(parse, sec_invalid)
{
        const char *bad[] = {
                "", "s", "-5", "-5s", "+5s", "5ss", "5ms", "5m", "s5", "4294967296s", "5 s", "x",
        };
        unsigned u = 1234;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                cr_assert_lt(parse_sec(bad[i], &u), 0, "parse_sec(\"%s\") accepted", bad[i]);
        cr_assert_lt(parse_sec(NULL, &u), 0);
        cr_assert_eq(u, 1234);
}

/* UUIDs and IDs */

static const uint8_t example[16] = {
        0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x42, 0xd3,
        0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00,
};

Test(parse, boolean)
{
        const char *yes[] = { "yes", "true", "on", "1", "y", "t", "YES", "True" };
        const char *no[] = { "no", "false", "off", "0", "n", "f", "NO", "Off" };
        const char *bad[] = { "", "2", "yess", "maybe", " yes", "yes ", "-1" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                cr_assert_eq(parse_boolean(yes[i]), 1, "%s", yes[i]);
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                cr_assert_eq(parse_boolean(no[i]), 0, "%s", no[i]);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                cr_assert_eq(parse_boolean(bad[i]), -EINVAL, "'%s'", bad[i]);
        cr_assert_eq(parse_boolean(NULL), -EINVAL);
}

Test(uuid, parse_both_forms)
{
        uint8_t id[16];

        cr_assert_eq(uuid_parse("123e4567e89b42d3a456426614174000", id), 0);
        cr_assert_arr_eq(id, example, 16);
        memset(id, 0, sizeof(id));
        cr_assert_eq(uuid_parse("123e4567-e89b-42d3-a456-426614174000", id), 0);
        cr_assert_arr_eq(id, example, 16);
        memset(id, 0, sizeof(id));
        cr_assert_eq(uuid_parse("123E4567-E89B-42D3-A456-426614174000", id), 0);
        cr_assert_arr_eq(id, example, 16);
}

Test(uuid, parse_rejects_bad_input)
{
        const char *bad[] = {
                "",
                "123e4567e89b42d3a45642661417400",              /* 31 */
                "123e4567e89b42d3a4564266141740000",            /* 33 */
                "123e4567-e89b-42d3-a456-42661417400",          /* 35 */
                "123e4567-e89b-42d3-a456-4266141740000",        /* 37 */
                "123e4567-e89b-42d3-a456-426614174000\n",
                "123e4567e89b42d3a45642661417400g",             /* bad char */
                "123e4567e89b42d3a456426614174 00",
                "123e4567-e89b-42d3-a456-42661417400z",
                "123e4567xe89bx42d3xa456x426614174000",         /* wrong separators */
                "123e4567e-89b-42d3-a456-426614174000",         /* dashes misplaced */
                "123e4567-e89b-42d3-a4564-26614174000",
                "123e4567e89b42d3a456426614174000----",         /* 36 without dashes */
                "123e4567-e89b-42d3-a456-42661417400-",
                "-23e4567-e89b-42d3-a456-426614174000",
                "123e4567-e89b-42d3-a456426614174000",
        };
        uint8_t id[16];

        memset(id, 0xaa, sizeof(id));
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                cr_assert_eq(uuid_parse(bad[i], id), -EINVAL, "uuid_parse(\"%s\") accepted", bad[i]);
        for (size_t i = 0; i < 16; i++)
                cr_assert_eq(id[i], 0xaa, "the result was written on failure");
}

Test(uuid, string_forms)
{
        char s[37], h[33];

        memset(s, 'z', sizeof(s));
        memset(h, 'z', sizeof(h));
        uuid_to_string(example, s);
        cr_assert_str_eq(s, "123e4567-e89b-42d3-a456-426614174000");
        uuid_to_id128(example, h);
        cr_assert_str_eq(h, "123e4567e89b42d3a456426614174000");
}

Test(uuid, round_trips)
{
        for (int n = 0; n < 64; n++) {
                uint8_t id[16], back[16];
                char s[37], h[33];

                cr_assert_eq(uuid_random(id), 0);
                uuid_to_string(id, s);
                cr_assert_eq(strlen(s), 36);
                cr_assert_eq(uuid_parse(s, back), 0);
                cr_assert_arr_eq(back, id, 16);

                uuid_to_id128(id, h);
                cr_assert_eq(strlen(h), 32);
                cr_assert(id128_valid(h), "%s", h);
                memset(back, 0, sizeof(back));
                cr_assert_eq(uuid_parse(h, back), 0);
                cr_assert_arr_eq(back, id, 16);
        }
}

Test(uuid, random_is_version_4_rfc4122)
{
        uint8_t a[16], b[16];
        char s[37];

        for (int n = 0; n < 256; n++) {
                cr_assert_eq(uuid_random(a), 0);
                cr_assert_eq(a[6] >> 4, 4, "version %d", a[6] >> 4);
                cr_assert_eq(a[8] & 0xc0, 0x80, "variant bits %#x", a[8] & 0xc0);
                uuid_to_string(a, s);
                cr_assert_eq(s[14], '4');
                cr_assert(strchr("89ab", s[19]), "%s", s);
        }
        cr_assert_eq(uuid_random(b), 0);
        cr_assert_arr_neq(a, b, 16);
}

Test(id128, valid)
{
        cr_assert(id128_valid("123e4567e89b42d3a456426614174000"));
        cr_assert(id128_valid("123e4567e89b42d3a456426614174000\n"));
        cr_assert(id128_valid("00000000000000000000000000000001"));
        cr_assert(id128_valid("ffffffffffffffffffffffffffffffff"));
}

Test(id128, invalid)
{
        const char *bad[] = {
                "",
                "\n",
                "00000000000000000000000000000000",
                "00000000000000000000000000000000\n",
                "123E4567E89B42D3A456426614174000",
                "123e4567e89b42d3a45642661417400A",
                "123e4567e89b42d3a45642661417400",
                "123e4567e89b42d3a4564266141740000",
                "123e4567e89b42d3a45642661417400\n",
                "123e4567-e89b-42d3-a456-426614174000",
                "123e4567e89b42d3a45642661417400g",
                " 123e4567e89b42d3a45642661417400",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                cr_assert_not(id128_valid(bad[i]), "id128_valid(\"%s\") accepted", bad[i]);
}

Test(id128, nothing_after_the_newline)
{
        /* /etc/machine-id is one line: 32 digits, then at most a newline. */
        cr_assert_not(id128_valid("123e4567e89b42d3a456426614174000\ngarbage"));
        cr_assert_not(id128_valid("123e4567e89b42d3a456426614174000\n\n"));
}

Test(log, escapes_control_characters)
{
        char out[64];

        cr_assert_eq(log_escape("a\nb", 16, out, sizeof(out)), 4);
        cr_assert_str_eq(out, "a\\nb");
        log_escape("x\033[2Jy\t\x7f", 16, out, sizeof(out));
        cr_assert_str_eq(out, "x\\x1b[2Jy\\t\\x7f");
        log_escape("caf\xc3\xa9", 16, out, sizeof(out));
        cr_assert_str_eq(out, "caf\xc3\xa9", "UTF-8 passes");
        /* Never half an escape at the end. */
        cr_assert_eq(log_escape("ab\033", 16, out, 5), 2);
        cr_assert_str_eq(out, "ab");
}

/* A message is one line whatever it repeats. */
Test(log, a_message_is_one_line)
{
        int p[2], saved = dup(STDERR_FILENO);
        char buf[256] = {};

        cr_assert_eq(pipe(p), 0);
        dup2(p[1], STDERR_FILENO);
        log_error("invalid machine name '%s'", "a\nb\033c");
        dup2(saved, STDERR_FILENO);
        close(p[1]);
        cr_assert_gt(read(p[0], buf, sizeof(buf) - 1), 0);
        cr_assert(strstr(buf, "invalid machine name 'a\\nb\\x1bc'\n"), "%s", buf);
        cr_assert_eq(strchr(buf, '\n'), buf + strlen(buf) - 1);
}

Test(util, now_usec_follows_its_clock)
{
        struct timespec ts;
        uint64_t a = now_usec(CLOCK_MONOTONIC), b;

        clock_gettime(CLOCK_REALTIME, &ts);
        b = now_usec(CLOCK_REALTIME);
        cr_assert_geq(b, (uint64_t) ts.tv_sec * 1000000);
        cr_assert_lt(b - (uint64_t) ts.tv_sec * 1000000, 2000000);
        usleep(10000);
        cr_assert_geq(now_usec(CLOCK_MONOTONIC) - a, 10000);
}

Test(util, cpu_lists_parse_and_format_as_the_kernel_writes_them)
{
        cpu_set_t set;
        char buf[64];

        cr_assert_eq(cpu_list_parse("0-3,6", &set), 0);
        cr_expect(CPU_ISSET(0, &set) && CPU_ISSET(3, &set) && !CPU_ISSET(4, &set) && CPU_ISSET(6, &set));
        cpu_list_format(&set, buf, sizeof(buf));
        cr_expect_str_eq(buf, "0-3,6");
        cr_assert_eq(cpu_list_parse("1 3", &set), 0);
        cpu_list_format(&set, buf, sizeof(buf));
        cr_expect_str_eq(buf, "1,3");
        cr_expect_eq(cpu_list_parse("", &set), -ENODATA);
        cr_expect_eq(cpu_list_parse("3-1", &set), -EINVAL);
        cr_expect_eq(cpu_list_parse("1x", &set), -EINVAL);
        cr_expect_eq(cpu_list_parse("-1", &set), -EINVAL);
        cr_expect_eq(cpu_list_parse("99999", &set), -ERANGE);
}
