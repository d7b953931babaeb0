/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The machine's settings files under the command line (berth(5)):
 * /etc/berth/NAME.berth, then IMAGE.berth next to the tree, each read
 * once; for each option the values of the source of highest precedence
 * count (command line > /etc > image > default, or with --settings=override
 * /etc > image > command line). */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "berthfile.h"
#include "cleanup.h"
#include "config.h"
#include "layers.h"
#include "log.h"
#include "name.h"
#include "options.h"
#include "paths.h"
#include "settings-file.h"
#include "settings.h"
#include "util.h"

/* systemd.nspawn(5)'s keys berth does not have (yet), so that a copied
 * .nspawn file says what of it does not count. */
static const char *const nspawn_keys[] = {
        "Exec/User", "Exec/WorkingDirectory", "Exec/PivotRoot", "Exec/AmbientCapability", "Exec/Personality",
        "Exec/LimitCPU", "Exec/LimitFSIZE", "Exec/LimitDATA", "Exec/LimitSTACK", "Exec/LimitCORE",
        "Exec/LimitRSS", "Exec/LimitNOFILE", "Exec/LimitAS", "Exec/LimitNPROC", "Exec/LimitMEMLOCK",
        "Exec/LimitLOCKS", "Exec/LimitSIGPENDING", "Exec/LimitMSGQUEUE", "Exec/LimitNICE", "Exec/LimitRTPRIO",
        "Exec/LimitRTTIME", "Exec/OOMScoreAdjust", "Exec/CPUAffinity",
        "Exec/LinkJournal", "Exec/SuppressSync", "Exec/SetCredential", "Exec/LoadCredential",
        "Files/ReadOnly", "Files/Volatile", "Files/BindUser", "Files/Inaccessible", "Files/Overlay",
        "Files/OverlayReadOnly", "Files/PrivateUsersChown",
};

static bool nspawn_has(const char *section, const char *key)
{
        size_t n = strlen(section);

        for (size_t i = 0; i < ELEMENTSOF(nspawn_keys); i++)
                if (strncmp(nspawn_keys[i], section, n) == 0 && nspawn_keys[i][n] == '/' &&
                    streq(nspawn_keys[i] + n + 1, key))
                        return true;
        return false;
}

int settings_rank(enum setting_source source, enum settings_mode mode)
{
        if (source == SOURCE_COMMAND_LINE && mode == SETTINGS_OVERRIDE)
                return 1;       /* above the defaults only */
        if (mode == SETTINGS_OVERRIDE && source != SOURCE_DEFAULT)
                return source + 1;
        return source;
}

struct file_values {
        struct berthfile files[2];      /* /etc's, the image's */
        struct assignment *list;
        size_t n;
};

static void file_values_done(struct file_values *v)
{
        berthfile_done(&v->files[0]);
        berthfile_done(&v->files[1]);
        free(v->list);
}

static int add_value(struct file_values *v, const struct assignment *a)
{
        struct assignment *n = realloc(v->list, sizeof(*n) * (v->n + 1));

        if (!n)
                return log_oom();
        v->list = n;
        v->list[v->n++] = *a;
        return 0;
}

/* Whether berth takes e from f; says why not in one line. */
static bool entry_counts(const struct settings *s, const struct berthfile *f, const struct berthfile_entry *e,
                         enum setting_source source, const struct option_def **ret)
{
        const struct option_def *o;

        if (!e->key) {
                log_warning("%s:%u: '%s' is neither a [Section] nor a Key=Value line: ignored, continuing", f->path,
                            e->line, e->value);
                return false;
        }
        if (!e->section[0]) {
                log_warning("%s:%u: %s= is outside any [Section]: ignored, continuing", f->path, e->line, e->key);
                return false;
        }
        o = option_by_key(e->section, e->key);
        if (!o) {
                log_warning("%s:%u: [%s] %s= is %s: ignored, continuing", f->path, e->line, e->section, e->key,
                            nspawn_has(e->section, e->key) ? "a systemd.nspawn setting berth does not have"
                                                           : "not a setting berth knows");
                return false;
        }
        if (source == SOURCE_IMAGE && streq(o->key, "Image")) {
                log_warning("%s:%u: [%s] Image= names the tree, which this file is next to: ignored, continuing",
                            f->path, e->line, e->section);
                return false;
        }
        if (source == SOURCE_IMAGE && (o->flags & OPT_PRIVILEGED) && s->settings_mode != SETTINGS_TRUSTED) {
                log_warning("%s:%u: [%s] %s= counts in a file next to the image only with --settings=trusted "
                            "(see berth(5)): ignored, continuing", f->path, e->line, e->section, e->key);
                return false;
        }
        *ret = o;
        return true;
}

static int collect(const struct settings *s, struct file_values *v, enum setting_source source)
{
        const struct berthfile *f = &v->files[source == SOURCE_ETC ? 0 : 1];

        if (f->too_long)
                return log_invalid("%s:%u: the line is longer than %d characters, the most a settings file's line "
                                   "may have", f->path, f->too_long, BERTHFILE_LINE_MAX);
        for (size_t i = 0; i < f->n_entries; i++) {
                const struct berthfile_entry *e = &f->entries[i];
                const struct option_def *o;
                if (!entry_counts(s, f, e, source, &o))
                        continue;
                int r = add_value(v, &(struct assignment) { .opt = o, .as = o, .value = e->value,
                                                            .source = source, .path = f->path, .line = e->line });
                if (r < 0)
                        return r;
        }
        return 0;
}

static int load(struct file_values *v, enum setting_source source, const char *path)
{
        struct berthfile *f = &v->files[source == SOURCE_ETC ? 0 : 1];
        int r = berthfile_load_path(path, f);

        if (r < 0)
                return log_error_errno(r, "reading the settings file %s", path);
        return 0;
}

static int max_int(int a, int b)
{
        return a > b ? a : b;
}

/* The rank of the source whose assignments of o win among CLI's (in s->applied) and v's. */
static int winning_rank(const struct settings *s, const struct file_values *v, const struct option_def *o)
{
        int best = -1;

        for (size_t i = 0; i < s->n_applied; i++)
                if (s->applied[i].opt == o)
                        best = max_int(best, settings_rank(s->applied[i].source, s->settings_mode));
        for (size_t i = 0; i < v->n; i++)
                if (v->list[i].opt == o)
                        best = max_int(best, settings_rank(v->list[i].source, s->settings_mode));
        return best;
}

/* The tree, to find the file next to it: the winner of -D and /etc's
 * Image=, else the image of the machine's name. */
static int find_tree(struct settings *s, const struct file_values *v, const char *name)
{
        const struct option_def *o = option_by_key("Exec", "Image");
        int best = winning_rank(s, v, o);

        for (size_t i = 0; i < v->n; i++)
                if (v->list[i].opt == o && settings_rank(v->list[i].source, s->settings_mode) == best) {
                        int r = assignment_parse(s, &v->list[i]);
                        if (r < 0)
                                return r;
                }
        if (s->directory || s->image)
                return 0;
        char *found;
        bool file;
        int r = image_store_find(name, &found, &file);
        if (r == -ENOMEM)
                return log_oom();
        /* A tree, else a raw disk image or a layered image of the name. */
        if (file)
                s->image = found;
        else
                s->directory = found;
        if (r == 0)
                return 0;
        return log_invalid("no tree given, and there is no image %s: use -D TREE (see berth --help)",
                           s->directory);
}

/* TREE.berth beside TREE; NAME.berth beside NAME.raw and NAME.layers. */
static int image_file(const char *tree, char **ret)
{
        _cleanup_free_ char *a = strdup(tree), *b = strdup(tree);
        char *base;

        if (!a || !b)
                return log_oom();
        base = basename(b);
        if (!*base || streq(base, "/") || streq(base, ".") || streq(base, ".."))
                return 0;
        if (image_file_stem(base) > 0)
                base[image_file_stem(base)] = 0;
        return asprintf(ret, "%s/%s.berth", dirname(a), base) < 0 ? log_oom() : 1;
}

/* Every value of the files parsed once on its own, so that a bad one is
 * an error even where the command line wins over it. */
static int check_values(const struct file_values *v)
{
        struct settings scratch = {};
        int r = 0;

        for (size_t i = 0; i < v->n && r >= 0; i++)
                r = assignment_parse(&scratch, &v->list[i]);
        settings_done(&scratch);
        return r < 0 ? r : 0;
}

/* The settings made again from the winners alone, in their order. */
static int rebuild(struct settings *s, const struct file_values *v)
{
        struct settings n = {
                .quiet = s->quiet,
                .settings_mode = s->settings_mode,
                .show_settings = s->show_settings,
                .stop_timeout_sec = BERTH_STOP_TIMEOUT_SEC,
        };
        size_t total = s->n_applied + v->n;
        int r = 0;

        snprintf(n.name, sizeof(n.name), "%s", s->name);
        for (size_t i = 0; i < total && r >= 0; i++) {
                const struct assignment *a = i < v->n ? &v->list[i] : &s->applied[i - v->n];
                if (settings_rank(a->source, s->settings_mode) != winning_rank(s, v, a->opt))
                        continue;
                r = assignment_parse(&n, a);
                if (r >= 0)
                        r = settings_note(&n, a);
        }
        if (r >= 0 && !n.argv && !(n.argv = calloc(1, sizeof(char *))))
                r = log_oom();
        /* The image the name found in the store (find_tree) is no
         * assignment: it stays unless one names another. */
        if (!n.directory && !n.image) {
                n.directory = take_ptr(s->directory);
                n.image = take_ptr(s->image);
        }
        if (r < 0) {
                settings_done(&n);
                return r;
        }
        settings_done(s);
        *s = n;
        return 0;
}

int settings_read_files(struct settings *s)
{
        _cleanup_(file_values_done) struct file_values v = {};
        _cleanup_free_ char *etc = NULL, *beside = NULL;
        char name[MACHINE_NAME_MAX + 1];
        int r;

        /* The name the file is found by: with --ephemeral, the tree's,
         * without the random suffix, so that every run of it counts. */
        if (s->name[0])
                snprintf(name, sizeof(name), "%s", s->name);
        else if (machine_name_from_path(s->directory, name, sizeof(name)) < 0)
                return log_invalid("cannot make a machine name of %s: give one with --name", s->directory);
        if (s->settings_mode != SETTINGS_NO) {
                if (berthfile_path(name, &etc) < 0)
                        return log_oom();
                r = load(&v, SOURCE_ETC, etc);
                if (r >= 0)
                        r = collect(s, &v, SOURCE_ETC);
                if (r < 0)
                        return r;
        }
        r = find_tree(s, &v, name);
        if (r < 0)
                return r;
        if (s->settings_mode != SETTINGS_NO && image_file(s->directory ? s->directory : s->image, &beside) > 0) {
                r = load(&v, SOURCE_IMAGE, beside);
                if (r >= 0)
                        r = collect(s, &v, SOURCE_IMAGE);
                if (r < 0)
                        return r;
        }
        if (v.n > 0) {
                r = check_values(&v);
                if (r >= 0)
                        r = rebuild(s, &v);
                if (r >= 0)
                        r = settings_check(s);
                if (r < 0)
                        return r;
        }
        if (s->show_settings) {
                settings_show(s, name, etc, beside);
                return 0;
        }
        return 1;
}
