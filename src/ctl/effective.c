/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* show --effective: the settings a start of the machine would use, as the
 * launcher merges them (berth --show-settings), with the options berthd
 * starts it with. No bus: berthd need not run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "effective.h"
#include "log.h"
#include "programs.h"

static int show_one(const char *launcher, const char *name)
{
        _cleanup_free_ char *machine = NULL;
        int status;
        pid_t pid;

        if (asprintf(&machine, "--machine=%s", name) < 0)
                return log_oom();
        fflush(stdout);
        pid = fork();
        if (pid < 0)
                return log_error_errno(-errno, "forking for %s", launcher);
        if (pid == 0) {
                execl(launcher, "berth", "--show-settings", machine, BERTHD_START_OPTIONS, (char *) NULL);
                log_error_errno(-errno, "executing %s", launcher);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0)
                return log_error_errno(-errno, "waiting for %s", launcher);
        /* The launcher said why on stderr. */
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EINVAL;
}

int show_effective(char **names, unsigned n)
{
        _cleanup_free_ char *launcher = NULL;
        int ret = 0, r;

        r = program_find("berth", &launcher);
        if (r < 0)
                return log_error_errno(r, "show --effective: finding the launcher berth");
        for (unsigned i = 0; i < n; i++) {
                if (i > 0)
                        putchar('\n');
                r = show_one(launcher, names[i]);
                if (r < 0)
                        ret = r;
        }
        return ret;
}
