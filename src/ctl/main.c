/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthctl: the machinectl of berth. Parses the command line, refuses bad
 * usage before touching the bus, connects, and runs one verb. */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "cmdline.h"
#include "config.h"
#include "log.h"
#include "remote.h"
#include "util.h"
#include "verbs.h"

#define EXIT_USAGE 2

int main(int argc, char **argv)
{
        struct ctl c = CTL_INIT;
        struct cmdline cl = {};
        const struct verb *v;
        char *user = NULL;
        char **names;
        unsigned n;
        int r;

        setlocale(LC_ALL, "");
        log_setup("berthctl");
        if (cmdline_parse(argc, argv, &c, &cl) < 0)
                return EXIT_USAGE;
        if (cl.version) {
                printf("berthctl %s\n", BERTH_VERSION);
                return EXIT_SUCCESS;
        }
        v = verb_find(cl.n_args > 0 ? cl.args[0] : NULL);
        if (!v) {
                log_error("unknown verb '%s' (see %s --help)", cl.args[0], program_invocation_short_name);
                return EXIT_USAGE;
        }
        if (cl.help) {
                if (cl.n_args > 0)
                        verb_help(stdout, v);
                else
                        verbs_help(stdout);
                return EXIT_SUCCESS;
        }
        names = cl.n_args > 0 ? cl.args + 1 : cl.args;
        n = cl.n_args > 0 ? cl.n_args - 1 : 0;
        if (v->run == verb_shell && n == 1 && strchr(names[0], '@')) {
                char *at = strchr(names[0], '@');
                /* A copy: argv stays as it was, for -H. */
                c.user = user = strndup(names[0], (size_t) (at - names[0]));
                if (!user) {
                        log_oom();
                        return EXIT_FAILURE;
                }
                names[0] = at + 1;
        }
        if (cmdline_check(v, &cl, names, n) < 0)
                return EXIT_USAGE;
        /* A terminal or our stdio cannot go over -H's bus connection:
         * berthctl runs on the host instead. */
        if (c.host && (v->run == verb_shell || v->run == verb_login || c.effective))
                return remote_exec(c.host, argc, argv, cl.cut, c.setenv) == -EINVAL ? EXIT_USAGE
                                                                                    : EXIT_FAILURE;
        if (c.machine && c.effective) {
                log_error("show --effective reads this host's settings files: it cannot go with -M");
                return EXIT_USAGE;
        }
        /* The settings are the launcher's to merge: no bus for them. */
        if (!c.effective && ctl_connect(&c) < 0)
                return EXIT_FAILURE;
        r = v->run(&c, names, n);
        sd_bus_flush_close_unref(c.bus);
        strv_free(c.properties);
        strv_free(c.setenv);
        free(cl.args);
        free(cl.cut);
        free(user);
        if (r < 0)
                return EXIT_FAILURE;
        return c.exit_status;
}
