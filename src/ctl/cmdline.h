/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "ctl.h"
#include "verbs.h"

struct cmdline {
        bool help, version;
        unsigned given;         /* OPT_* of the verb-specific options used */
        char **args;            /* the verb and its names (into argv; the array is malloc'd) */
        unsigned n_args;
        int *cut;               /* per word of argv: -1, or how much of it is left in the
                                 * command line run on -H's host (0: none; -H's and -E's words) */
};

/* The options of argv into c and cl, the other words into cl->args; for
 * shell, what follows its NAME into c->command. Logs a usage error and
 * returns -EINVAL. */
int cmdline_parse(int argc, char **argv, struct ctl *c, struct cmdline *cl);
/* Everything that is wrong with the command line for verb v and its
 * names, before any bus call; logs it. */
int cmdline_check(const struct verb *v, const struct cmdline *cl, char **names, unsigned n);
