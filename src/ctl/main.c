/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthctl: the machinectl of berth. Parses the command line, refuses bad
 * usage before touching the bus, connects, and runs one verb. */
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "cmdline.h"
#include "config.h"
#include "log.h"
#include "util.h"
#include "verbs.h"

#define EXIT_USAGE 2

int main(int argc, char **argv)
{
        struct ctl c = CTL_INIT;
        struct cmdline cl = {};
        const struct verb *v;
        unsigned n;
        int r;

        setlocale(LC_ALL, "");
        log_setup("berthctl");
        /* shell NAME COMMAND...: the command's own options are not ours. */
        for (int i = 1; i + 1 < argc; i++)
                if (streq(argv[i], "shell")) {
                        c.command = argv + i + 2;
                        c.n_command = (unsigned) (argc - i - 2);
                        argc = i + 2;
                        break;
                }
        if (cmdline_parse(argc, argv, &c, &cl) < 0)
                return EXIT_USAGE;
        if (cl.version) {
                printf("berthctl %s\n", BERTH_VERSION);
                return EXIT_SUCCESS;
        }
        v = verb_find(optind < argc ? argv[optind] : NULL);
        if (!v) {
                log_error("unknown verb '%s' (see %s --help)", argv[optind], program_invocation_short_name);
                return EXIT_USAGE;
        }
        if (cl.help) {
                if (optind < argc)
                        verb_help(stdout, v);
                else
                        verbs_help(stdout);
                return EXIT_SUCCESS;
        }
        n = optind < argc ? (unsigned) (argc - optind - 1) : 0;
        if (v->run == verb_shell && n == 1 && strchr(argv[optind + 1], '@')) {
                char *at = strchr(argv[optind + 1], '@');
                *at = 0;
                c.user = argv[optind + 1];
                argv[optind + 1] = at + 1;
        }
        if (cmdline_check(v, &cl, argv + optind + 1, n) < 0)
                return EXIT_USAGE;
        if (ctl_connect(&c) < 0)
                return EXIT_FAILURE;
        r = v->run(&c, argv + optind + 1, n);
        sd_bus_flush_close_unref(c.bus);
        strv_free(c.properties);
        if (r < 0)
                return EXIT_FAILURE;
        return c.exit_status;
}
