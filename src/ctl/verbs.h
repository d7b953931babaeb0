/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <limits.h>
#include <stdio.h>

#include "ctl.h"

#define VERB_ANY UINT_MAX

/* The options that belong to some verbs only; the rest are global. */
enum {
        OPT_JSON = 1 << 0,      /* --json */
        OPT_LEGEND = 1 << 1,    /* --no-legend */
        OPT_PROPERTY = 1 << 2,  /* -p, --value */
        OPT_WAIT = 1 << 3,      /* --wait, --timeout */
        OPT_KILL = 1 << 4,      /* --kill-whom, --signal */
        OPT_ALL = 1 << 5,       /* --all */
        OPT_FULL = 1 << 6,      /* --full */
        OPT_UID = 1 << 7,       /* --uid */
        OPT_SETENV = 1 << 8,    /* --setenv */
        OPT_EFFECTIVE = 1 << 9, /* --effective */
};

/* One verb: its arguments (all of them machine names), the options it
 * takes, the help line; --help is built from this and nothing else. */
struct verb {
        const char *name;
        const char *args;               /* as shown in --help */
        unsigned min_args, max_args;
        unsigned options;               /* OPT_* */
        const char *help;
        int (*run)(struct ctl *c, char **names, unsigned n);
        unsigned n_free;                /* leading arguments that are no names (a file, an ID) */
};

extern const struct verb verbs[];

/* The verb called name; NULL (no verb given) is "list". */
const struct verb *verb_find(const char *name);
/* The option that flag stands for, for "--wait applies to start only". */
const char *verb_option_name(unsigned flag);
/* The verbs that take the options in flag, as "start" or "list, status and show". */
void verb_list_for_option(unsigned flag, char *buf, size_t size);
void verbs_help(FILE *f);
void verb_help(FILE *f, const struct verb *v);

int verb_list(struct ctl *c, char **names, unsigned n);
int verb_list_images(struct ctl *c, char **names, unsigned n);
int verb_import_tar(struct ctl *c, char **args, unsigned n);
int verb_import_oci(struct ctl *c, char **args, unsigned n);
int verb_list_transfers(struct ctl *c, char **args, unsigned n);
int verb_cancel_transfer(struct ctl *c, char **args, unsigned n);
int verb_status(struct ctl *c, char **names, unsigned n);
int verb_show(struct ctl *c, char **names, unsigned n);
int verb_start(struct ctl *c, char **names, unsigned n);
int verb_poweroff(struct ctl *c, char **names, unsigned n);
int verb_reboot(struct ctl *c, char **names, unsigned n);
int verb_terminate(struct ctl *c, char **names, unsigned n);
int verb_kill(struct ctl *c, char **names, unsigned n);
int verb_shell(struct ctl *c, char **names, unsigned n);
int verb_login(struct ctl *c, char **names, unsigned n);
