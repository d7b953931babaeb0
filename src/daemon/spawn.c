/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

pid_t helper_fork_exec(const char *path, char *const argv[], int in_fd, int out_fd, int err_fd)
{
        pid_t pid = fork();

        if (pid != 0)
                return pid < 0 ? -errno : pid;
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        (void) setsid();
        dup2(in_fd >= 0 ? in_fd : null, STDIN_FILENO);
        dup2(out_fd >= 0 ? out_fd : null, STDOUT_FILENO);
        dup2(err_fd >= 0 ? err_fd : null, STDERR_FILENO);
        (void) syscall(SYS_close_range, 3, ~0U, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execv(path, argv);
        _exit(127);
}
