/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "berthfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "util.h"

#define BERTHFILE_MAX (256 * 1024)

static const struct {
        const char *section, *key;
} keys_read[] = {
        { "Exec", "KillSignal" },       /* the launcher */
        { "Exec", "PoweroffSignal" },
        { "Exec", "RebootSignal" },
        { "Exec", "Image" },            /* berthd */
};

bool berthfile_key_read(const char *section, const char *key)
{
        for (size_t i = 0; section && key && i < ELEMENTSOF(keys_read); i++)
                if (streq(section, keys_read[i].section) && streq(key, keys_read[i].key))
                        return true;
        return false;
}

static char *strip(char *s)
{
        char *e;

        while (*s == ' ' || *s == '\t')
                s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
                *--e = 0;
        return s;
}

static int add_entry(struct berthfile *f, unsigned line, const char *section, const char *key, const char *value)
{
        struct berthfile_entry *n = realloc(f->entries, sizeof(*n) * (f->n_entries + 1));

        if (!n)
                return -ENOMEM;
        f->entries = n;
        n += f->n_entries;
        *n = (struct berthfile_entry) {
                .line = line,
                .section = strdup(section),
                .key = key ? strdup(key) : NULL,
                .value = strdup(value),
        };
        f->n_entries++;
        if (!n->section || (key && !n->key) || !n->value)
                return -ENOMEM;
        return 0;
}

/* One line: a comment or blank (nothing), a [Section] (into section), a
 * Key=Value, or neither (an entry without a key). */
static int parse_line(struct berthfile *f, unsigned line, char *text, char **section)
{
        char *l = strip(text), *eq;

        if (!*l || *l == '#' || *l == ';')
                return 0;
        if (*l == '[' && l[strlen(l) - 1] == ']' && strlen(l) > 2) {
                char *name = strndup(l + 1, strlen(l) - 2);
                if (!name)
                        return -ENOMEM;
                free(*section);
                *section = name;
                return 0;
        }
        eq = strchr(l, '=');
        if (!eq || eq == l || *l == '[')
                return add_entry(f, line, *section, NULL, l);
        *eq = 0;
        return add_entry(f, line, *section, strip(l), strip(eq + 1));
}

int berthfile_path(const char *machine, char **ret)
{
        const char *dir = getenv("BERTH_CONFIG_DIR");

        return asprintf(ret, "%s/%s.berth", dir && dir[0] == '/' ? dir : "/etc/berth", machine) < 0 ? -ENOMEM : 0;
}

int berthfile_load(const char *machine, struct berthfile *ret)
{
        _cleanup_free_ char *text = NULL, *section = strdup("");
        struct berthfile f = {};
        unsigned line = 1;
        int r;

        if (!section || berthfile_path(machine, &f.path) < 0)
                return -ENOMEM;
        r = read_file_at(AT_FDCWD, f.path, &text, BERTHFILE_MAX);
        if (r == -ENOENT) {
                *ret = f;
                return 0;
        }
        for (char *p = r >= 0 ? text : NULL; p; line++) {
                char *nl = strchr(p, '\n');
                if (nl)
                        *nl = 0;
                r = parse_line(&f, line, p, &section);
                if (r < 0)
                        break;
                p = nl ? nl + 1 : NULL;
        }
        if (r < 0) {
                berthfile_done(&f);
                return r;
        }
        *ret = f;
        return 1;
}

void berthfile_done(struct berthfile *f)
{
        for (size_t i = 0; i < f->n_entries; i++) {
                free(f->entries[i].section);
                free(f->entries[i].key);
                free(f->entries[i].value);
        }
        free(f->entries);
        free(f->path);
        *f = (struct berthfile) {};
}

const struct berthfile_entry *berthfile_find(const struct berthfile *f, const char *section, const char *key)
{
        for (size_t i = f->n_entries; i > 0; i--) {
                const struct berthfile_entry *e = &f->entries[i - 1];
                if (e->key && streq(e->section, section) && streq(e->key, key))
                        return e;
        }
        return NULL;
}

int berthfile_get(const char *machine, const char *section, const char *key, char **ret)
{
        struct berthfile f = {};
        const struct berthfile_entry *e;
        int r = berthfile_load(machine, &f);

        if (r <= 0) {
                berthfile_done(&f);
                return r;
        }
        e = berthfile_find(&f, section, key);
        if (e && !(*ret = strdup(e->value)))
                r = -ENOMEM;
        else
                r = e ? 1 : 0;
        berthfile_done(&f);
        return r;
}
