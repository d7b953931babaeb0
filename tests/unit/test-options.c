/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The option table is complete: every option has its help line, its
 * settings-file key (or says it is about the run), its entry in berth(1),
 * and every key its entry in berth(5). A new option without them fails
 * here. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "options.h"
#include "util.h"

static char *man_page(const char *name)
{
        const char *src = getenv("BERTH_SOURCE_ROOT");
        char path[4096], *text = NULL;

        cr_assert_not_null(src, "BERTH_SOURCE_ROOT is not set");
        snprintf(path, sizeof(path), "%s/man/%s.scd", src, name);
        cr_assert_geq(read_file_at(AT_FDCWD, path, &text, 1 << 20), 0, "cannot read %s", path);
        return text;
}

/* The part of text from the heading "# name" to the next heading. */
static char *section_of(const char *text, const char *name)
{
        char heading[128];
        const char *start, *end;

        snprintf(heading, sizeof(heading), "\n# %s\n", name);
        start = strstr(text, heading);
        cr_assert_not_null(start, "no section %s", name);
        end = strstr(start + 1, "\n# ");
        return strndup(start, end ? (size_t) (end - start) : strlen(start));
}

Test(options, every_option_has_a_key_or_says_it_is_about_the_run)
{
        for (size_t i = 0; i < option_table_size; i++) {
                const struct option_def *o = &option_table[i];
                const char *what = o->name ? o->name : o->key ? o->key : "-U";
                cr_assert_not_null(o->parse, "%s has no parser", what);
                if (o->alias) {
                        cr_assert_not_null(option_by_name(o->alias), "%s is an alias of nothing", what);
                        cr_assert_null(o->key, "the alias %s has a key of its own", what);
                        continue;
                }
                if (o->flags & OPT_RUN)
                        cr_assert_null(o->key, "%s is about the run but has a key", what);
                else {
                        cr_assert(o->section && o->key, "%s has no settings-file key", what);
                        cr_assert_not_null(o->default_text, "%s has no default for --show-settings", what);
                }
        }
}

Test(options, names_and_keys_are_unique)
{
        for (size_t i = 0; i < option_table_size; i++)
                for (size_t j = i + 1; j < option_table_size; j++) {
                        const struct option_def *a = &option_table[i], *b = &option_table[j];
                        if (a->name && b->name)
                                cr_assert(!streq(a->name, b->name), "--%s twice", a->name);
                        if (a->short_name)
                                cr_assert_neq(a->short_name, b->short_name, "-%c twice", a->short_name);
                        if (a->key && b->key)
                                cr_assert(!streq(a->key, b->key) || !streq(a->section, b->section),
                                          "[%s] %s= twice", a->section, a->key);
                }
}

/* --help says the options from --directory on are settings-file keys. */
Test(options, the_help_tells_the_truth_about_keys)
{
        bool after = false;

        for (size_t i = 0; i < option_table_size; i++) {
                const struct option_def *o = &option_table[i];
                if (o->name && streq(o->name, "directory"))
                        after = true;
                if (after && o->name)
                        cr_assert(o->key || (o->alias && option_target(o)->key), "--%s has no key", o->name);
                if (!after)
                        cr_assert_null(o->key, "--%s has a key but comes before --directory", o->name);
        }
        cr_assert(after);
}

Test(options, every_option_has_a_help_line)
{
        for (size_t i = 0; i < option_table_size; i++) {
                const struct option_def *o = &option_table[i];
                if (!o->name && !o->short_name)
                        continue;       /* Parameters=: the words after the options */
                cr_assert(o->help && *o->help, "--%s has no help line", o->name ? o->name : "-U");
        }
}

/* berth(1)'s OPTIONS name every option as *--name* (and *-x* beside it). */
Test(options, berth_1_documents_every_option)
{
        _cleanup_free_ char *text = man_page("berth.1");
        _cleanup_free_ char *opts = section_of(text, "OPTIONS");

        for (size_t i = 0; i < option_table_size; i++) {
                const struct option_def *o = &option_table[i];
                char want[128];
                if (o->name) {
                        snprintf(want, sizeof(want), "*--%s*", o->name);
                        cr_assert(strstr(opts, want), "berth(1) OPTIONS does not document %s", want);
                }
                if (o->short_name) {
                        snprintf(want, sizeof(want), "\n*-%c*", o->short_name);
                        cr_assert(strstr(opts, want), "berth(1) OPTIONS does not document -%c", o->short_name);
                }
        }
}

/* berth(5) has every key under its section's heading. */
Test(options, berth_5_documents_every_key)
{
        _cleanup_free_ char *text = man_page("berth.5");

        for (size_t i = 0; i < option_table_size; i++) {
                const struct option_def *o = &option_table[i];
                char heading[64], want[128];
                if (!o->key)
                        continue;
                snprintf(heading, sizeof(heading), "[%s] SECTION", o->section);
                _cleanup_free_ char *sec = section_of(text, heading);
                snprintf(want, sizeof(want), "*%s=*", o->key);
                cr_assert(strstr(sec, want), "berth(5) %s does not document %s", heading, want);
                if (o->flags & OPT_PRIVILEGED) {
                        _cleanup_free_ char *trust = section_of(text, "TRUST");
                        cr_assert(strstr(trust, want) || strstr(trust, "every key of *[Resources]*"),
                                  "berth(5) TRUST does not name %s as privileged", want);
                }
        }
}

/* The lookups the parsers go through. */
Test(options, lookups)
{
        cr_assert_str_eq(option_by_short('D')->name, "directory");
        cr_assert_str_eq(option_by_key("Exec", "Environment")->name, "setenv");
        cr_assert_null(option_by_key("exec", "Environment"));
        cr_assert_null(option_by_key("Exec", "Bind"));
        cr_assert_str_eq(option_target(option_by_name("machine"))->name, "name");
        cr_assert_str_eq(option_target(option_by_short('U'))->name, "private-users");
        cr_assert_null(option_by_name("nope"));
}
