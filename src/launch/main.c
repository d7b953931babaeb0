/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launch.h"
#include "launcher.h"
#include "image-layers.h"
#include "image-raw.h"
#include "layers.h"
#include "util.h"
#include "log.h"
#include "programs.h"
#include "settings.h"

/* "berth boot-test ..." and "berth oci ...": programs of their own (they
 * link json-c, boot-test libxml2 too, which the launcher never loads),
 * told where this launcher is. */
static int exec_helper(const char *program, char **argv)
{
        char *helper = NULL, self[4096], name[64];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        int r;

        if (n > 0) {
                self[n] = 0;
                (void) setenv("BERTH_LAUNCHER", self, 1);
        }
        r = program_find(program, &helper);
        if (r < 0) {
                log_error_errno(r, "%s is neither next to berth nor installed", program);
                return EXIT_FAILURE;
        }
        snprintf(name, sizeof(name), "berth %s", program + strlen("berth-"));
        argv[0] = name;
        /* It sets up its own signal handling. */
        sigset_t mask;
        launcher_signal_mask(&mask);
        (void) sigprocmask(SIG_UNBLOCK, &mask, NULL);
        execv(helper, argv);
        log_error_errno(-errno, "executing %s", helper);
        free(helper);
        return EXIT_FAILURE;
}

/* Before main(), as early as a program can: a SIGTERM that comes while
 * berth is still starting must not kill it (and leave its lock behind),
 * but wait in the signalfd for the supervisor, which stops the machine. */
__attribute__((constructor(101))) static void block_signals(void)
{
        sigset_t mask;

        launcher_signal_mask(&mask);
        (void) sigprocmask(SIG_BLOCK, &mask, NULL);
}

int main(int argc, char **argv)
{
        struct settings s = {};
        int r;

        log_setup("berth");
        if (argc > 1 && strcmp(argv[1], "boot-test") == 0)
                return exec_helper("berth-boot-test", argv + 1);
        if (argc > 1 && strcmp(argv[1], "oci") == 0)
                return exec_helper("berth-oci", argv + 1);
        r = settings_parse_argv(&s, argc, argv);
        if (r > 0)
                r = settings_read_files(&s);
        if (r <= 0) {
                settings_done(&s);
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        }
        char *image_mount = NULL;
        if (s.image && (endswith(s.image, LAYERS_SUFFIX) ? image_layers_attach(&s)
                                                         : image_raw_attach(&s, &image_mount)) < 0) {
                settings_done(&s);
                return EXIT_FAILURE;
        }
        r = launch_run(&s);
        image_raw_detach(image_mount);
        settings_done(&s);
        return r;
}
