/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --show-settings: the merged settings as a settings file would hold
 * them, each line with where its value came from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "options.h"
#include "settings-file.h"
#include "settings.h"
#include "util.h"

static const char *origin(const struct assignment *a, char *buf, size_t size)
{
        if (a->source == SOURCE_COMMAND_LINE)
                return "command line";
        snprintf(buf, size, "%s:%u%s", a->path, a->line, a->source == SOURCE_IMAGE ? " (image)" : "");
        return buf;
}

static void line(const char *key, const char *value, const char *from)
{
        _cleanup_free_ char *v = log_escape_dup(value);
        int n = printf("%s=%s", key, v ? v : "");

        printf("%*s# %s\n", n < 40 ? 40 - n : 1, "", from);
}

/* The command's words as one Parameters= line, quoted where a word needs
 * it, so that the line reads back as the same words. */
static char *command_line_words(const struct settings *s, const struct option_def *o)
{
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        bool first = true;

        if (!f)
                return NULL;
        for (size_t i = 0; i < s->n_applied; i++) {
                const char *w = s->applied[i].value;
                if (s->applied[i].opt != o || s->applied[i].source != SOURCE_COMMAND_LINE)
                        continue;
                fputs(first ? "" : " ", f);
                first = false;
                if (*w && !strpbrk(w, " \t\n\"'\\")) {
                        fputs(w, f);
                        continue;
                }
                fputc('\'', f);
                for (; *w; w++) {
                        if (*w == '\'')
                                fputs("'\\''", f);
                        else
                                fputc(*w, f);
                }
                fputc('\'', f);
        }
        fclose(f);
        return text;
}

/* The last assignment of o: the one that counts, unless all do. */
static const struct assignment *last_of(const struct settings *s, const struct option_def *o)
{
        for (size_t i = s->n_applied; i > 0; i--)
                if (s->applied[i - 1].opt == o)
                        return &s->applied[i - 1];
        return NULL;
}

static void show_option(const struct settings *s, const struct option_def *o)
{
        const struct assignment *last = last_of(s, o);
        char buf[4096];
        bool any = false;

        for (size_t i = 0; i < s->n_applied; i++) {
                const struct assignment *a = &s->applied[i];
                if (a->opt != o || (!(o->flags & OPT_LIST) && a != last))
                        continue;
                if (o->key && streq(o->key, "Parameters") && a->source == SOURCE_COMMAND_LINE) {
                        if (!any) {
                                _cleanup_free_ char *words = command_line_words(s, o);
                                line(o->key, words ? words : "", "command line");
                        }
                        any = true;
                        continue;
                }
                any = true;
                char hidden[300];
                if ((o->flags & OPT_SECRET) && a->value) {
                        snprintf(hidden, sizeof(hidden), "%.*s:(not shown)", (int) strcspn(a->value, ":"), a->value);
                        line(o->key, hidden, origin(a, buf, sizeof(buf)));
                        continue;
                }
                line(o->key, a->value ? a->value : "yes", origin(a, buf, sizeof(buf)));
        }
        if (!any) {
                snprintf(buf, sizeof(buf), "default: %s", o->default_text ? o->default_text : "(none)");
                line(o->key, "", buf);
        }
}

void settings_show(const struct settings *s, const char *name, const char *etc, const char *image)
{
        const char *sections[8];
        size_t n = 0;

        printf("# machine %s: %s", name, s->settings_mode == SETTINGS_NO ? "no settings files (--settings=no)"
                                                                          : "settings files ");
        if (s->settings_mode != SETTINGS_NO)
                printf("%s%s%s%s", etc ? etc : "", etc && access(etc, F_OK) < 0 ? " (none)" : "",
                       image ? ", " : "", image ? image : "");
        printf("%s\n", image && access(image, F_OK) < 0 ? " (none)" : "");
        for (size_t i = 0; i < option_table_size; i++) {
                const char *sec = option_table[i].section;
                bool seen = false;
                for (size_t j = 0; sec && j < n; j++)
                        seen = seen || streq(sections[j], sec);
                if (sec && !seen && n < ELEMENTSOF(sections))
                        sections[n++] = sec;
        }
        for (size_t j = 0; j < n; j++) {
                printf("%s[%s]\n", j ? "\n" : "", sections[j]);
                for (size_t i = 0; i < option_table_size; i++)
                        if (option_table[i].key && streq(option_table[i].section, sections[j]))
                                show_option(s, &option_table[i]);
        }
}
