/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-stub: the stub init as a program of its own, so that PID 1 of a
 * command's machine has the machine's environment and nothing of the
 * launcher's memory. Linked statically: it is exec'd after pivot_root, from
 * an fd, where the tree's own libraries (if any) are all there is.
 *
 *   berth-stub --sync-fd=N [--tty] -- COMMAND [ARGS...]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "machine.h"

extern char **environ;

int main(int argc, char **argv)
{
        struct stub_opts o = {};
        int sync_fd = -1, i;

        for (i = 1; i < argc; i++) {
                if (strncmp(argv[i], "--sync-fd=", 10) == 0)
                        sync_fd = atoi(argv[i] + 10);
                else if (strcmp(argv[i], "--tty") == 0)
                        o.controlling_tty = true;
                else if (strncmp(argv[i], "--user=", 7) == 0)
                        o.user = argv[i] + 7;
                else if (strncmp(argv[i], "--chdir=", 8) == 0)
                        o.chdir = argv[i] + 8;
                else if (strcmp(argv[i], "--") == 0) {
                        i++;
                        break;
                } else
                        break;
        }
        if (sync_fd < 3 || i >= argc || getpid() != 1) {
                fprintf(stderr, "berth-stub: PID 1 of a berth machine; not to be run by hand\n");
                return 1;
        }
        /* The command's copy must close when it execs: that is how the
         * launcher learns it started. */
        if (fcntl(sync_fd, F_SETFD, FD_CLOEXEC) < 0)
                return 1;
        stub_run(argv + i, environ, sync_fd, &o);
}
