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

/* What berth reads: the launcher's stop signals and berthd's Image=, which
 * neither warns about; everything else is not read yet. */
Test(berthfile, keys_read)
{
        cr_assert(berthfile_key_read("Exec", "KillSignal"));
        cr_assert(berthfile_key_read("Exec", "PoweroffSignal"));
        cr_assert(berthfile_key_read("Exec", "RebootSignal"));
        cr_assert(berthfile_key_read("Exec", "Image"));
        cr_assert_not(berthfile_key_read("Exec", "Environment"));
        cr_assert_not(berthfile_key_read("Files", "Bind"));
        cr_assert_not(berthfile_key_read("Network", "VirtualEthernet"));
        cr_assert_not(berthfile_key_read("Files", "KillSignal"));
        cr_assert_not(berthfile_key_read("", "KillSignal"));
        cr_assert_not(berthfile_key_read("Exec", "killsignal"));
        cr_assert_not(berthfile_key_read(NULL, "Image"));
}
