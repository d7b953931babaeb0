/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* A machine's settings file, CONFIGDIR/NAME.berth (/etc/berth, or
 * BERTH_CONFIG_DIR): INI, "[Section]" and "Key=Value" lines, '#' and ';'
 * comments, blanks around the '=' ignored. */

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
};

/* Where the file of machine is, malloc'd. */
int berthfile_path(const char *machine, char **ret);
/* The file of machine into *ret, read once: 1 when it was read, 0 when
 * there is none (*ret then holds only its path), -errno. */
int berthfile_load(const char *machine, struct berthfile *ret);
void berthfile_done(struct berthfile *f);
/* The entry of Key in Section, the last one given; NULL when not there. */
const struct berthfile_entry *berthfile_find(const struct berthfile *f, const char *section, const char *key);

/* What berth reads of the file so far: [Exec] KillSignal=, PoweroffSignal=,
 * RebootSignal= (the launcher) and [Exec] Image= (berthd). The rest is
 * read by nobody yet, and the launcher warns about it. */
bool berthfile_key_read(const char *section, const char *key);

/* The value of Key in Section (the last one given), malloc'd into *ret:
 * 1 found, 0 not there (or no file), -errno. */
int berthfile_get(const char *machine, const char *section, const char *key, char **ret);
