/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "berthfile.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "util.h"

#define BERTHFILE_MAX (256 * 1024)

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

/* The file is parsed by libinih (Debian's, built with the library's
 * defaults): sections, Key=Value, comments, a ';' after a blank ending a
 * value. The library reads lines through us: we count them (its own
 * count is a build option Debian leaves off), strip their leading blanks
 * (so that an indented line is a line of its own, as in systemd's parser,
 * not the library's continuation of the line before) and refuse a line
 * too long for its buffer rather than let it be cut in two. A line the
 * library neither handed to on_value nor took as a section or comment is
 * kept as an entry without a key. */
struct reader {
        struct berthfile *f;
        const char *next;       /* the rest of the text; NULL at its end */
        unsigned line;          /* the line last handed out */
        unsigned handled;       /* the last line on_value took */
        unsigned too_long;      /* the line that did not fit, or 0 */
        char *text;             /* the line last handed out, when it is not blank, comment or section */
        char *section;          /* the section it is in */
        int error;
};

static int keep_unhandled(struct reader *r)
{
        _cleanup_free_ char *text = r->text;

        r->text = NULL;
        if (!text || r->handled == r->line)
                return 0;
        return add_entry(r->f, r->line, r->section, NULL, strip(text));
}

/* A "[Section]" line's name into r->section: 1, else 0. */
static int take_section(struct reader *r, const char *p, size_t n)
{
        const char *end = memchr(p, ']', n);
        char *name;

        if (*p != '[' || !end || end == p + 1)
                return 0;
        name = strndup(p + 1, (size_t) (end - p - 1));
        if (!name)
                return -ENOMEM;
        free(r->section);
        r->section = name;
        return 1;
}

static char *read_line(char *buf, int size, void *stream)
{
        struct reader *r = stream;
        const char *p, *nl;
        size_t n;
        int k;

        if (r->error || (r->error = keep_unhandled(r)) < 0 || !r->next)
                return NULL;
        p = r->next;
        if (r->line == 0 && startswith(p, "\xef\xbb\xbf"))
                p += 3;
        p += strspn(p, " \t");
        nl = strchr(p, '\n');
        n = nl ? (size_t) (nl - p) : strlen(p);
        r->line++;
        r->next = nl ? nl + 1 : NULL;
        if (!nl && n == 0)
                return NULL;
        if (n + 2 > (size_t) size) {
                r->too_long = r->line;
                return NULL;
        }
        memcpy(buf, p, n);
        buf[n] = '\n';
        buf[n + 1] = 0;
        k = take_section(r, p, n);
        if (k < 0)
                r->error = k;
        else if (k == 0 && n > 0 && !strchr("#;\r", *p) && !(r->text = strndup(p, n)))
                r->error = -ENOMEM;
        return r->error ? NULL : buf;
}

static int on_value(void *user, const char *section, const char *key, const char *value)
{
        struct reader *r = user;
        int e;

        if (!*key)                      /* "=value": kept as a line without a key */
                return 1;
        r->handled = r->line;
        e = add_entry(r->f, r->line, section, key, value);
        if (e < 0)
                r->error = e;
        return e >= 0;
}

int berthfile_parse(const char *path, const char *text, struct berthfile *ret)
{
        struct berthfile f = { .path = strdup(path) };
        struct reader r = { .f = &f, .next = text, .section = strdup("") };

        if (!f.path || !r.section) {
                free(r.section);
                berthfile_done(&f);
                return -ENOMEM;
        }
        (void) ini_parse_stream(read_line, &r, on_value, &r);
        if (!r.error)
                r.error = keep_unhandled(&r);
        free(r.text);
        free(r.section);
        if (r.error < 0) {
                berthfile_done(&f);
                return r.error;
        }
        f.too_long = r.too_long;
        *ret = f;
        return 0;
}

int berthfile_path(const char *machine, char **ret)
{
        const char *dir = getenv("BERTH_CONFIG_DIR");

        return asprintf(ret, "%s/%s.berth", dir && dir[0] == '/' ? dir : "/etc/berth", machine) < 0 ? -ENOMEM : 0;
}

int berthfile_load_path(const char *path, struct berthfile *ret)
{
        _cleanup_free_ char *text = NULL;
        int r = read_file_at(AT_FDCWD, path, &text, BERTHFILE_MAX);

        if (r == -ENOENT) {
                *ret = (struct berthfile) { .path = strdup(path) };
                return ret->path ? 0 : -ENOMEM;
        }
        if (r < 0)
                return r;
        r = berthfile_parse(path, text, ret);
        return r < 0 ? r : 1;
}

int berthfile_load(const char *machine, struct berthfile *ret)
{
        _cleanup_free_ char *path = NULL;

        if (berthfile_path(machine, &path) < 0)
                return -ENOMEM;
        return berthfile_load_path(path, ret);
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
