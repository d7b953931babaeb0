/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

#include "launch.h"
#include "log.h"
#include "settings.h"

int main(int argc, char **argv)
{
        struct settings s = {};
        int r;

        log_setup("berth");
        r = settings_parse_argv(&s, argc, argv);
        if (r <= 0) {
                settings_done(&s);
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        }
        r = launch_run(&s);
        settings_done(&s);
        return r;
}
