/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "settings.h"

/* Every launcher option, once: its command-line names, its settings-file
 * key, how its value is parsed, and its --help line. The command-line
 * parser, the settings-file reader, --help and --show-settings are all
 * built from this table (options.c); a new option is one entry. */

enum option_flags {
        /* About this run of berth, not the machine: no settings-file key. */
        OPT_RUN = 1 << 0,
        /* Read from /etc/berth and the command line, but from a file next
         * to the image only with --settings=trusted: it reaches host paths
         * or widens what the machine may do (see berth(5)). */
        OPT_PRIVILEGED = 1 << 1,
        /* Every assignment counts (--bind, --setenv, ...); the others keep
         * the last one. */
        OPT_LIST = 1 << 2,
        /* A boolean whose value may be left out on the command line
         * (--no-new-privileges means =yes); with it, only as --opt=VALUE. */
        OPT_OPTIONAL_VALUE = 1 << 3,
        /* What follows the first ':' of its value is a secret: not shown
         * by --show-settings (--set-credential). */
        OPT_SECRET = 1 << 4,
};

/* Where a value came from, from the lowest precedence up (--settings=
 * override puts the files above the command line). */
enum setting_source {
        SOURCE_DEFAULT,
        SOURCE_IMAGE,           /* IMAGE.berth, next to the tree */
        SOURCE_ETC,             /* /etc/berth/NAME.berth */
        SOURCE_COMMAND_LINE,
};

struct option_def;

/* One value of an option, as given. */
struct assignment {
        const struct option_def *opt;   /* the option it sets (an alias's target) */
        const struct option_def *as;    /* as it was spelled (-U, --machine, ...) */
        const char *value;              /* NULL for a flag on the command line */
        enum setting_source source;
        const char *path;               /* the file, for a file's */
        unsigned line;
};

struct option_def {
        const char *name;       /* the long name; NULL for Parameters= */
        int short_name;         /* 0: none */
        const char *arg;        /* the value's name in --help; NULL: a flag */
        const char *section, *key;      /* the settings file's; NULL with OPT_RUN */
        unsigned flags;
        const char *alias;      /* the long name of the option this one sets */
        const char *alias_value;        /* ... with this value (-U: pick) */
        /* Parse a's value into s (an alias's own parser, if it has one,
         * instead of its target's); logs the problem (assignment_invalid)
         * and returns -errno, 0 on success. A flag gets NULL from the
         * command line and a boolean's text from a file. */
        int (*parse)(struct settings *s, const struct assignment *a);
        size_t offset;          /* the field of struct settings, for the generic parsers */
        const char *help;       /* --help text, lines split by '\n' */
        const char *default_text;       /* --show-settings' value when nothing gave one */
};

extern const struct option_def option_table[];
extern const size_t option_table_size;

/* The option of a long name, a short one, or a settings-file key; NULL
 * when there is none. */
const struct option_def *option_by_name(const char *name);
const struct option_def *option_by_short(int c);
const struct option_def *option_by_key(const char *section, const char *key);
/* An alias's target, or the option itself. */
const struct option_def *option_target(const struct option_def *o);
size_t option_index(const struct option_def *o);

/* a's value into s with its option's parser (or that of the alias it
 * was given as): as option_def.parse. */
int assignment_parse(struct settings *s, const struct assignment *a);
/* "--name=VALUE" or "FILE:LINE: Key=VALUE" and a reason, logged; -EINVAL. */
int assignment_invalid(const struct assignment *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* How a was given, for a message: "--bind=VALUE", "-E VALUE" or
 * "FILE:LINE: Bind=VALUE", malloc'd. */
char *assignment_describe(const struct assignment *a);

/* Add a copy of a to s->applied. */
int settings_note(struct settings *s, const struct assignment *a);

/* Print --help. */
void options_help(void);
