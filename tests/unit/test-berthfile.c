/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berthfile.h"
#include "util.h"

static char dir[] = "/tmp/berth-test-berthfile-XXXXXX";

static void setup(void)
{
        cr_assert_not_null(mkdtemp(dir));
        cr_assert_eq(setenv("BERTH_CONFIG_DIR", dir, 1), 0);
}

static void teardown(void)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        (void) !system(cmd);
}

TestSuite(berthfile, .init = setup, .fini = teardown);

static void write_settings(const char *machine, const char *text)
{
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s.berth", dir, machine);
        f = fopen(path, "we");
        cr_assert_not_null(f);
        fputs(text, f);
        cr_assert_eq(fclose(f), 0);
}

static void assert_entry(const struct berthfile *f, size_t i, unsigned line, const char *section, const char *key,
                         const char *value)
{
        cr_assert_lt(i, f->n_entries, "no entry %zu", i);
        const struct berthfile_entry *e = &f->entries[i];
        cr_assert_eq(e->line, line, "entry %zu: line %u, not %u", i, e->line, line);
        cr_assert_str_eq(e->section, section);
        if (key)
                cr_assert_str_eq(e->key, key);
        else
                cr_assert_null(e->key, "entry %zu has a key %s", i, e->key);
        cr_assert_str_eq(e->value, value);
}

/* Every line counts, blank and comment lines too, so that a warning names
 * the line a user sees in an editor. */
Test(berthfile, entries_with_their_lines_and_sections)
{
        struct berthfile f = {};
        char path[256];

        write_settings("m", "# comment\nEarly=1\n\n[Exec]\n; another\n  KillSignal = HUP  \r\nEnvironment=FOO=bar\n"
                            "[Files]\nBind=/a:/b\ngarbage\n[broken\n=novalue\n[Network]\nVirtualEthernet=yes");
        cr_assert_eq(berthfile_load("m", &f), 1);
        snprintf(path, sizeof(path), "%s/m.berth", dir);
        cr_assert_str_eq(f.path, path);
        cr_assert_eq(f.n_entries, 8);
        assert_entry(&f, 0, 2, "", "Early", "1");
        assert_entry(&f, 1, 6, "Exec", "KillSignal", "HUP");
        assert_entry(&f, 2, 7, "Exec", "Environment", "FOO=bar");
        assert_entry(&f, 3, 9, "Files", "Bind", "/a:/b");
        assert_entry(&f, 4, 10, "Files", NULL, "garbage");
        assert_entry(&f, 5, 11, "Files", NULL, "[broken");
        assert_entry(&f, 6, 12, "Files", NULL, "=novalue");
        assert_entry(&f, 7, 14, "Network", "VirtualEthernet", "yes");
        berthfile_done(&f);
        cr_assert_null(f.entries);
        cr_assert_null(f.path);
        berthfile_done(&f);
}

Test(berthfile, the_last_value_wins)
{
        struct berthfile f = {};
        char *v = NULL;

        write_settings("m", "[Exec]\nKillSignal=HUP\n[Other]\nKillSignal=INT\n[Exec]\nKillSignal=USR1\n");
        cr_assert_eq(berthfile_load("m", &f), 1);
        const struct berthfile_entry *e = berthfile_find(&f, "Exec", "KillSignal");
        cr_assert_not_null(e);
        cr_assert_str_eq(e->value, "USR1");
        cr_assert_eq(e->line, 6);
        cr_assert_null(berthfile_find(&f, "Exec", "Image"));
        cr_assert_null(berthfile_find(&f, "exec", "KillSignal"));
        berthfile_done(&f);

        cr_assert_eq(berthfile_get("m", "Exec", "KillSignal", &v), 1);
        cr_assert_str_eq(v, "USR1");
        free(v);
        v = NULL;
        cr_assert_eq(berthfile_get("m", "Exec", "Image", &v), 0);
        cr_assert_null(v);
}

Test(berthfile, no_file)
{
        struct berthfile f = {};
        char *v = NULL, path[256];

        cr_assert_eq(berthfile_load("none", &f), 0);
        snprintf(path, sizeof(path), "%s/none.berth", dir);
        cr_assert_str_eq(f.path, path);
        cr_assert_eq(f.n_entries, 0);
        berthfile_done(&f);
        cr_assert_eq(berthfile_get("none", "Exec", "Image", &v), 0);
        /* Not a file: an error, not "none". */
        snprintf(path, sizeof(path), "%s/dir.berth", dir);
        cr_assert_eq(mkdir(path, 0755), 0);
        cr_assert_lt(berthfile_load("dir", &f), 0);
        cr_assert_lt(berthfile_get("dir", "Exec", "Image", &v), 0);
}

/* An indented line is a line of its own (systemd's parsers strip the
 * blanks), not the INI library's continuation of the value before it. */
Test(berthfile, an_indented_line_is_its_own)
{
        struct berthfile f = {};

        write_settings("m", "[Exec]\nEnvironment=A=1\n    Boot=yes\n\t  Hostname=h\n");
        cr_assert_eq(berthfile_load("m", &f), 1);
        cr_assert_eq(f.n_entries, 3);
        assert_entry(&f, 0, 2, "Exec", "Environment", "A=1");
        assert_entry(&f, 1, 3, "Exec", "Boot", "yes");
        assert_entry(&f, 2, 4, "Exec", "Hostname", "h");
        berthfile_done(&f);
}

/* A UTF-8 byte order mark is no part of the first line. */
Test(berthfile, a_byte_order_mark_is_skipped)
{
        struct berthfile f = {};

        write_settings("m", "\xef\xbb\xbf[Exec]\nBoot=yes\n");
        cr_assert_eq(berthfile_load("m", &f), 1);
        cr_assert_eq(f.n_entries, 1);
        assert_entry(&f, 0, 2, "Exec", "Boot", "yes");
        berthfile_done(&f);
}

/* A line longer than the library's buffer is not cut in two: reading stops
 * there and says which line it was. One that just fits is read. */
Test(berthfile, a_line_too_long_is_named_not_split)
{
        struct berthfile f = {};
        char text[1024], value[BERTHFILE_LINE_MAX + 2];

        memset(value, 'x', sizeof(value) - 1);
        value[BERTHFILE_LINE_MAX - strlen("Hostname=")] = 0;
        snprintf(text, sizeof(text), "[Exec]\nHostname=%s\nBoot=yes\n", value);
        cr_assert_eq(berthfile_parse("/f", text, &f), 0);
        cr_assert_eq(f.too_long, 0);
        cr_assert_eq(f.n_entries, 2);
        cr_assert_eq(strlen(f.entries[0].value), BERTHFILE_LINE_MAX - strlen("Hostname="));
        berthfile_done(&f);

        value[BERTHFILE_LINE_MAX - strlen("Hostname=")] = 'x';
        value[BERTHFILE_LINE_MAX + 1 - strlen("Hostname=")] = 0;
        snprintf(text, sizeof(text), "[Exec]\nBoot=yes\nHostname=%s\nKillSignal=HUP\n", value);
        cr_assert_eq(berthfile_parse("/f", text, &f), 0);
        cr_assert_eq(f.too_long, 3);
        cr_assert_eq(f.n_entries, 1);
        assert_entry(&f, 0, 2, "Exec", "Boot", "yes");
        berthfile_done(&f);
}

/* libinih's rules that systemd's parser does not have, as berth(5) says:
 * a ';' after a blank starts a comment; "Key: value" is a Key=Value. */
Test(berthfile, the_librarys_own_rules)
{
        struct berthfile f = {};

        cr_assert_eq(berthfile_parse("/f", "[Exec]\nEnvironment=A=b ;c\nEnvironment=B=x;y\nHostname: h\n", &f), 0);
        cr_assert_eq(f.n_entries, 3);
        assert_entry(&f, 0, 2, "Exec", "Environment", "A=b");
        assert_entry(&f, 1, 3, "Exec", "Environment", "B=x;y");
        assert_entry(&f, 2, 4, "Exec", "Hostname", "h");
        berthfile_done(&f);
}

/* The last line needs no newline; an empty text has no entries. */
Test(berthfile, text_edges)
{
        struct berthfile f = {};

        cr_assert_eq(berthfile_parse("/f", "[Exec]\nBoot=yes", &f), 0);
        cr_assert_eq(f.n_entries, 1);
        assert_entry(&f, 0, 2, "Exec", "Boot", "yes");
        berthfile_done(&f);
        cr_assert_eq(berthfile_parse("/f", "", &f), 0);
        cr_assert_eq(f.n_entries, 0);
        cr_assert_str_eq(f.path, "/f");
        berthfile_done(&f);
}
