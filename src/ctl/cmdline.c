/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthctl's command line: its options into struct ctl, and what is wrong
 * with it refused before anything touches the bus. */
#include "cmdline.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "name.h"
#include "signals.h"
#include "util.h"

enum {
        ARG_VERSION = 0x100,
        ARG_NO_LEGEND,
        ARG_JSON,
        ARG_VALUE,
        ARG_WAIT,
        ARG_TIMEOUT,
        ARG_KILL_WHOM,
        ARG_NO_PAGER,
        ARG_UID,
        ARG_EFFECTIVE,
        ARG_READ_ONLY,
        ARG_STATE,
        ARG_FORCE,
        ARG_MKDIR,
        ARG_NOW,
        ARG_RUNTIME,
        ARG_ORDER,
        ARG_ITERATIONS,
};

static const struct option long_options[] = {
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, ARG_VERSION },
        { "host", required_argument, NULL, 'H' },
        { "machine", required_argument, NULL, 'M' },
        { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
        { "json", optional_argument, NULL, ARG_JSON },
        { "property", required_argument, NULL, 'p' },
        { "value", no_argument, NULL, ARG_VALUE },
        { "wait", no_argument, NULL, ARG_WAIT },
        { "timeout", required_argument, NULL, ARG_TIMEOUT },
        { "kill-whom", required_argument, NULL, ARG_KILL_WHOM },
        { "signal", required_argument, NULL, 's' },
        { "quiet", no_argument, NULL, 'q' },
        { "all", no_argument, NULL, 'a' },
        { "full", no_argument, NULL, 'l' },
        { "uid", required_argument, NULL, ARG_UID },
        { "setenv", required_argument, NULL, 'E' },
        { "no-pager", no_argument, NULL, ARG_NO_PAGER },
        { "effective", no_argument, NULL, ARG_EFFECTIVE },
        { "read-only", no_argument, NULL, ARG_READ_ONLY },
        { "state", required_argument, NULL, ARG_STATE },
        { "force", no_argument, NULL, ARG_FORCE },
        { "mkdir", no_argument, NULL, ARG_MKDIR },
        { "follow", no_argument, NULL, 'f' },
        { "now", no_argument, NULL, ARG_NOW },
        { "runtime", no_argument, NULL, ARG_RUNTIME },
        { "order", required_argument, NULL, ARG_ORDER },
        { "delay", required_argument, NULL, 'd' },
        { "iterations", required_argument, NULL, ARG_ITERATIONS },
        { "batch", no_argument, NULL, 'b' },
        { "lines", required_argument, NULL, 'n' },
        { "unit", required_argument, NULL, 'u' },
        {}
};

/* -p State,Leader -p Id: each name once, in order. */
static int add_properties(struct ctl *c, const char *arg)
{
        _cleanup_free_ char *copy = strdup(arg);
        char *save = NULL;

        if (!copy)
                return log_oom();
        for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save))
                if (strv_push(&c->properties, p) < 0)
                        return log_oom();
        return 0;
}

static int parse_value_option(struct ctl *c, int opt, const char *arg)
{
        int r;

        switch (opt) {
        case ARG_JSON:
                r = arg ? json_mode_from_string(arg) : JSON_SHORT;
                if (r < 0)
                        return log_invalid("--json=%s: expected short, pretty or off", arg);
                c->json = r;
                return 0;
        case ARG_TIMEOUT:
                if (parse_sec(arg, &c->timeout_sec) < 0)
                        return log_invalid("--timeout=%s: expected a number of seconds", arg);
                return 0;
        case ARG_KILL_WHOM:
                if (kill_whom_from_string(arg) < 0)
                        return log_invalid("--kill-whom=%s: expected leader or all", arg);
                c->kill_whom = arg;
                return 0;
        case ARG_STATE:
                if (!streq(arg, "opening") && !streq(arg, "running") && !streq(arg, "closing") && !streq(arg, "gone"))
                        return log_invalid("--state=%s: expected opening, running, closing or gone", arg);
                c->state = arg;
                return 0;
        case 'n': {
                unsigned v;
                if (parse_uint(arg, &v) < 0 && !streq(arg, "all"))
                        return log_invalid("--lines=%s: expected a number of lines or all", arg);
                c->lines = arg;
                return 0;
        }
        case ARG_ORDER:
                if (!streq(arg, "cpu") && !streq(arg, "memory") && !streq(arg, "tasks") && !streq(arg, "io") &&
                    !streq(arg, "name"))
                        return log_invalid("--order=%s: expected cpu, memory, tasks, io or name", arg);
                c->order = arg;
                return 0;
        case 'd': {
                char *end;
                double d = strtod(arg, &end);
                if (!*arg || *end || !(d >= 0.1 && d <= 3600))
                        return log_invalid("--delay=%s: expected seconds, 0.1 to 3600", arg);
                c->delay_usec = (uint64_t) (d * 1e6);
                return 0;
        }
        case ARG_ITERATIONS:
                if (parse_uint(arg, &c->iterations) < 0 || c->iterations == 0)
                        return log_invalid("--iterations=%s: expected a positive number", arg);
                return 0;
        case 'u':
                if (!*arg || strchr(arg, '\n'))
                        return log_invalid("--unit=%s: expected a unit name", arg);
                c->unit = arg;
                return 0;
        case ARG_UID:
                if (!*arg)
                        return log_invalid("--uid=: expected a user name");
                c->uid = arg;
                return 0;
        case 'E': {
                _cleanup_free_ char *a = NULL;

                r = env_assignment_from(arg, &a);
                if (r == -EINVAL)
                        return log_invalid("--setenv=%s: expected NAME=VALUE, or a NAME to pass on from berthctl's "
                                           "environment (letters, digits and '_', not starting with a digit)", arg);
                if (r >= 0)
                        r = strv_env_set(&c->setenv, a);
                return r < 0 ? log_oom() : 0;
        }
        case 's':
                r = signal_from_string(arg);
                if (r < 0)
                        return log_invalid("--signal=%s: not a signal name (SIGTERM, TERM, RTMIN+4) or number", arg);
                c->signal = r;
                return 0;
        }
        return -EINVAL;
}

static unsigned option_flag(int opt)
{
        switch (opt) {
        case ARG_JSON: return OPT_JSON;
        case ARG_NO_LEGEND: return OPT_LEGEND;
        case 'p': case ARG_VALUE: return OPT_PROPERTY;
        case ARG_WAIT: return OPT_WAIT;
        case ARG_TIMEOUT: return OPT_TIMEOUT;
        case ARG_STATE: return OPT_STATE;
        case ARG_FORCE: return OPT_FORCE;
        case ARG_MKDIR: return OPT_MKDIR;
        case 'f': case 'n': case 'u': return OPT_LOGS;
        case ARG_NOW: return OPT_NOW;
        case ARG_RUNTIME: return OPT_RUNTIME;
        case ARG_ORDER: case 'd': case ARG_ITERATIONS: case 'b': return OPT_TOP;
        case ARG_KILL_WHOM: case 's': return OPT_KILL;
        case 'a': return OPT_ALL;
        case 'l': return OPT_FULL;
        case ARG_UID: return OPT_UID;
        case 'E': return OPT_SETENV;
        case ARG_EFFECTIVE: return OPT_EFFECTIVE;
        case ARG_READ_ONLY: return OPT_READ_ONLY;
        }
        return 0;
}

static int parse_option(int opt, char **argv, struct ctl *c, struct cmdline *cl)
{
        cl->given |= option_flag(opt);
        switch (opt) {
        case 'h': cl->help = true; return 0;
        case ARG_VERSION: cl->version = true; return 0;
        case 'H': c->host = optarg; c->remote = true; return 0;
        case 'M':
                if (!machine_name_valid(optarg))
                        return log_invalid("-M %s: invalid machine name: %s", optarg, machine_name_problem(optarg));
                c->machine = optarg;
                c->remote = true;
                return 0;
        case ARG_NO_LEGEND: c->no_legend = true; return 0;
        case ARG_VALUE: c->value = true; return 0;
        case ARG_WAIT: c->wait = true; return 0;
        case 'q': c->quiet = true; return 0;
        case 'a': c->all = true; return 0;
        case 'l': c->full = true; return 0;
        case ARG_EFFECTIVE: c->effective = true; return 0;
        case ARG_READ_ONLY: c->read_only = true; return 0;
        case ARG_FORCE: c->force = true; return 0;
        case ARG_MKDIR: c->mkdir = true; return 0;
        case 'f': c->follow = true; return 0;
        case ARG_NOW: c->now = true; return 0;
        case ARG_RUNTIME: c->runtime = true; return 0;
        case 'b': c->batch = true; return 0;
        case ARG_NO_PAGER: return 0;    /* berthctl never pages */
        case 'p':
                return add_properties(c, optarg);
        case ':':
                return log_invalid("option '%s' needs a value (see %s --help)", argv[optind - 1],
                                   program_invocation_short_name);
        case '?':
                if (optopt > 0 && optopt < 0x100 && !startswith(argv[optind - 1], "--"))
                        return log_invalid("unknown option '-%c' (see %s --help)", optopt,
                                           program_invocation_short_name);
                return log_invalid("unknown option '%s' (see %s --help)", argv[optind - 1],
                                   program_invocation_short_name);
        default:
                return parse_value_option(c, opt, optarg);
        }
}

/* The words of an option are left out of the command line run on -H's
 * host: -H's own, and -E's (berthctl there gets --setenv=NAME=VALUE from
 * this one's environment instead). The option word i and the next one
 * when the value is apart; of a cluster such as -qH only what comes before
 * the letter is kept. */
static void cut_option(struct cmdline *cl, char **argv, int i, int next, char letter)
{
        const char *h = startswith(argv[i], "--") ? NULL : strchr(argv[i] + 1, letter);

        cl->cut[i] = h ? (int) (h - argv[i]) : 0;
        if (cl->cut[i] == 1)
                cl->cut[i] = 0;
        if (next == i + 2)
                cl->cut[i + 1] = 0;
}

/* Options may come before, between and after the verb and names, until
 * shell's NAME: what follows it is the command's, options included.
 * Words are taken one at a time ("+": getopt stops at each non-option),
 * so that an option's value, even "shell", is never taken for the verb. */
int cmdline_parse(int argc, char **argv, struct ctl *c, struct cmdline *cl)
{
        bool options_end = false;
        int r;

        cl->args = calloc((size_t) argc + 1, sizeof(char *));
        cl->cut = calloc((size_t) argc + 1, sizeof(int));
        if (!cl->args || !cl->cut)
                return log_oom();
        for (int i = 0; i < argc; i++)
                cl->cut[i] = -1;
        opterr = 0;
        optind = 0;             /* glibc: start afresh */
        for (;;) {
                int i = optind > 0 ? optind : 1;

                if (i >= argc)
                        break;
                if (options_end || argv[i][0] != '-' || streq(argv[i], "-")) {
                        cl->args[cl->n_args++] = argv[i];
                        optind = i + 1;
                        if (cl->n_args == 2 && streq(cl->args[0], "shell")) {
                                c->command = argv + optind;
                                c->n_command = (unsigned) (argc - optind);
                                break;
                        }
                        continue;
                }
                int opt = getopt_long(argc, argv, "+:abd:E:fhH:lM:n:p:qs:u:", long_options, NULL);
                if (opt < 0) {          /* "--" */
                        options_end = true;
                        continue;
                }
                r = parse_option(opt, argv, c, cl);
                if (r < 0)
                        return r;
                if (opt == 'H' || opt == 'E')
                        cut_option(cl, argv, i, optind, (char) opt);
        }
        if (c->host && c->machine)
                return log_invalid("-H and -M cannot be given together: berthd in a machine on another host is "
                                   "not reachable from here");
        return 0;
}

int cmdline_check(const struct verb *v, const struct cmdline *cl, char **names, unsigned n)
{
        unsigned stray = cl->given & ~v->options;
        char verbs_buf[128];

        if (stray) {
                unsigned flag = stray & -stray;

                verb_list_for_option(flag, verbs_buf, sizeof(verbs_buf));
                return log_invalid("%s does not apply to %s, only to %s", verb_option_name(flag), v->name,
                                   verbs_buf);
        }
        if (n < v->min_args && (v->n_free || v->min_args > 1))
                return log_invalid("%s needs %s (see %s %s --help)", v->name, v->args, program_invocation_short_name,
                                   v->name);
        if (n < v->min_args)
                return log_invalid("%s needs a machine name (see %s %s --help)", v->name,
                                   program_invocation_short_name, v->name);
        if (n > v->max_args && v->max_args > 0)
                return log_invalid("%s takes %s (see %s %s --help)", v->name, v->args, program_invocation_short_name,
                                   v->name);
        if (n > v->max_args)
                return log_invalid("%s takes no arguments (see %s %s --help)", v->name,
                                   program_invocation_short_name, v->name);
        if ((cl->given & OPT_EFFECTIVE) && n == 0)
                return log_invalid("show --effective needs a machine name: the settings are a machine's");
        if ((cl->given & OPT_EFFECTIVE) && (cl->given & (OPT_JSON | OPT_PROPERTY | OPT_ALL)))
                return log_invalid("show --effective prints settings-file lines: it takes no --json, -p, --value "
                                   "or --all");
        unsigned last = v->n_names && v->n_free + v->n_names < n ? v->n_free + v->n_names : n;
        for (unsigned i = v->n_free < n ? v->n_free : n; i < last; i++)
                if (!machine_name_valid(names[i]))
                        return log_invalid("invalid machine name '%s': %s", names[i],
                                           machine_name_problem(names[i]));
        return 0;
}
