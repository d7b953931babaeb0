/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* A machine's settings file, CONFIGDIR/NAME.berth (/etc/berth, or
 * BERTH_CONFIG_DIR), or the one next to its image: INI, "[Section]" and
 * "Key=Value" lines, '#' and ';' comments, blanks around the '=' ignored,
 * read with libinih (berthfile.c says how). */

struct berthfile_entry {
        unsigned line;          /* 1 for the first line of the file */
        char *section;          /* "" before the first [Section] */
        char *key;              /* NULL: the line is neither [Section] nor Key=Value */
        char *value;            /* the value, or with key NULL the line's text */
};

struct berthfile {
        char *path;
        struct berthfile_entry *entries;        /* in the order of the file */
        size_t n_entries;
        unsigned too_long;      /* a line longer than BERTHFILE_LINE_MAX, where reading stopped; or 0 */
};

/* The longest line the library takes (its buffer, less '\n' and NUL). */
#define BERTHFILE_LINE_MAX 198

/* Where the file of machine is, malloc'd. */
int berthfile_path(const char *machine, char **ret);
/* The file of machine into *ret, read once: 1 when it was read, 0 when
 * there is none (*ret then holds only its path), -errno. */
int berthfile_load(const char *machine, struct berthfile *ret);
/* The same for the file at path. */
int berthfile_load_path(const char *path, struct berthfile *ret);
/* text, as the file at path: 0 or -ENOMEM. */
int berthfile_parse(const char *path, const char *text, struct berthfile *ret);
void berthfile_done(struct berthfile *f);
/* The entry of Key in Section, the last one given; NULL when not there. */
const struct berthfile_entry *berthfile_find(const struct berthfile *f, const char *section, const char *key);

/* The value of Key in Section (the last one given), malloc'd into *ret:
 * 1 found, 0 not there (or no file), -errno. */
int berthfile_get(const char *machine, const char *section, const char *key, char **ret);

/* set-property: the limits changes assigns into the [Resources] section
 * of machine's file (made if need be): its lines for those keys (for an
 * I/O cap, of that device) replaced, a lift leaving none; every other
 * line as it was. */
struct cgroup_limits;
int berthfile_set_limits(const char *machine, const struct cgroup_limits *changes);
