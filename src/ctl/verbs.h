/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>

#include "ctl.h"

#define VERB_ANY UINT_MAX

/* The options that belong to some verbs only; the rest are global. */
enum {
        OPT_JSON = 1 << 0,      /* --json */
        OPT_LEGEND = 1 << 1,    /* --no-legend */
        OPT_PROPERTY = 1 << 2,  /* -p, --value */
        OPT_WAIT = 1 << 3,      /* --wait */
        OPT_KILL = 1 << 4,      /* --kill-whom, --signal */
        OPT_ALL = 1 << 5,       /* --all */
        OPT_FULL = 1 << 6,      /* --full */
        OPT_UID = 1 << 7,       /* --uid */
        OPT_SETENV = 1 << 8,    /* --setenv */
        OPT_EFFECTIVE = 1 << 9, /* --effective */
        OPT_READ_ONLY = 1 << 10, /* --read-only */
        OPT_TIMEOUT = 1 << 11,  /* --timeout */
        OPT_STATE = 1 << 12,    /* --state */
        OPT_FORCE = 1 << 13,    /* --force */
        OPT_MKDIR = 1 << 14,    /* --mkdir */
        OPT_LOGS = 1 << 15,     /* -f, -n, -u */
        OPT_NOW = 1 << 16,      /* --now */
        OPT_RUNTIME = 1 << 17,  /* --runtime */
        OPT_TOP = 1 << 18,      /* --order, --delay, --iterations, --batch */
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
        unsigned n_names;               /* how many names come after those; 0: all the rest */
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

/* Calls method (which answers a transfer's id and path, id 0 for work
 * done at once) and follows the transfer to its end: done printed then
 * (not with -q), what names the work in errors ("import of web"). */
int ctl_run_transfer(struct ctl *c, const char *what, const char *done, const char *method, const char *types, ...);

/* show's KEY=VALUE lines of props (-p, --all applied), or with --json
 * props added to all, printed by ctl_json_print_all() as one document. */
int ctl_show_one(struct ctl *c, json_object *props, json_object *all);
int ctl_json_print_all(struct ctl *c, json_object *all, const char *verb);

int verb_list(struct ctl *c, char **names, unsigned n);
int verb_list_images(struct ctl *c, char **names, unsigned n);
int verb_import_tar(struct ctl *c, char **args, unsigned n);
int verb_import_fs(struct ctl *c, char **args, unsigned n);
int verb_import_raw(struct ctl *c, char **args, unsigned n);
int verb_export_tar(struct ctl *c, char **args, unsigned n);
int verb_import_oci(struct ctl *c, char **args, unsigned n);
int verb_image_status(struct ctl *c, char **names, unsigned n);
int verb_show_image(struct ctl *c, char **names, unsigned n);
int verb_clone(struct ctl *c, char **names, unsigned n);
int verb_rename(struct ctl *c, char **names, unsigned n);
int verb_read_only(struct ctl *c, char **names, unsigned n);
int verb_remove(struct ctl *c, char **names, unsigned n);
int verb_list_transfers(struct ctl *c, char **args, unsigned n);
int verb_cancel_transfer(struct ctl *c, char **args, unsigned n);
int verb_status(struct ctl *c, char **names, unsigned n);
int verb_show(struct ctl *c, char **names, unsigned n);
int verb_start(struct ctl *c, char **names, unsigned n);
int verb_wait(struct ctl *c, char **names, unsigned n);
int verb_enable(struct ctl *c, char **names, unsigned n);
int verb_disable(struct ctl *c, char **names, unsigned n);
int verb_poweroff(struct ctl *c, char **names, unsigned n);
int verb_reboot(struct ctl *c, char **names, unsigned n);
int verb_terminate(struct ctl *c, char **names, unsigned n);
int verb_freeze(struct ctl *c, char **names, unsigned n);
int verb_set_property(struct ctl *c, char **args, unsigned n);
int verb_top(struct ctl *c, char **names, unsigned n);
int verb_thaw(struct ctl *c, char **names, unsigned n);
int verb_kill(struct ctl *c, char **names, unsigned n);
int verb_shell(struct ctl *c, char **names, unsigned n);
int verb_copy_to(struct ctl *c, char **args, unsigned n);
int verb_copy_from(struct ctl *c, char **args, unsigned n);
int verb_bind(struct ctl *c, char **args, unsigned n);
int verb_unbind(struct ctl *c, char **args, unsigned n);
int verb_login(struct ctl *c, char **names, unsigned n);
int verb_logs(struct ctl *c, char **names, unsigned n);
