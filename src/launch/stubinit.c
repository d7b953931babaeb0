/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PID 1 for a plain command: the command runs as PID 2, so that it is not
 * burdened with init's duties. The stub reaps whatever is reparented to it,
 * passes every signal it gets on to the command, and exits with the
 * command's status (128+N after a death by signal N); its exit ends the
 * machine, since the kernel then kills the rest of the PID namespace. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "machine.h"
#include "sync.h"

extern char **environ;

static int status_to_exit(int status)
{
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return 1;
}

static bool all_digits(const char *s)
{
        return *s && strspn(s, "0123456789") == strlen(s);
}

/* The command's user, from the machine's own /etc/passwd and /etc/group
 * (musl reads the files): its groups, GID and UID, and HOME, USER and
 * LOGNAME when it has an entry. */
static int become(const char *spec, int sync_fd)
{
        char user[257], *group;
        struct passwd *pw;
        gid_t gid = 0, groups[256];
        uid_t uid;

        snprintf(user, sizeof(user), "%s", spec);
        group = strchr(user, ':');
        if (group)
                *group++ = 0;
        pw = getpwnam(user);
        if (!pw && all_digits(user))
                pw = getpwuid((uid_t) strtoul(user, NULL, 10));
        if (!pw && !all_digits(user))
                return sync_send_error(sync_fd, 0, "user %s is not in the machine's /etc/passwd", user), -1;
        uid = pw ? pw->pw_uid : (uid_t) strtoul(user, NULL, 10);
        gid = pw ? pw->pw_gid : uid;
        if (group && *group) {
                struct group *gr = getgrnam(group);
                if (!gr && !all_digits(group))
                        return sync_send_error(sync_fd, 0, "group %s is not in the machine's /etc/group",
                                               group), -1;
                gid = gr ? gr->gr_gid : (gid_t) strtoul(group, NULL, 10);
        }
        int n = (int) (sizeof(groups) / sizeof(groups[0]));
        if (!pw || group || getgrouplist(pw->pw_name, gid, groups, &n) < 0) {
                groups[0] = gid;
                n = 1;
        }
        if (setgroups((size_t) n, groups) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
                return sync_send_error(sync_fd, -errno, "becoming user %s", spec), -1;
        if (pw && (setenv("HOME", pw->pw_dir, 1) < 0 || setenv("USER", pw->pw_name, 1) < 0 ||
                   setenv("LOGNAME", pw->pw_name, 1) < 0))
                return sync_send_error(sync_fd, -ENOMEM, "becoming user %s", spec), -1;
        return 0;
}

_Noreturn void stub_run(char **argv, char **envp, int sync_fd, const struct stub_opts *o)
{
        sigset_t mask;
        pid_t pid;

        /* Nothing of the launcher's (locks, the ephemeral layer's mount)
         * stays open in the machine's PID 1 but the sync socket. */
        if (sync_fd > 3)
                (void) syscall(SYS_close_range, 3, (unsigned) sync_fd - 1, 0);
        (void) syscall(SYS_close_range, (unsigned) sync_fd + 1, ~0U, 0);

        /* Every signal: whatever the launcher sends (SIGTERM, or the
         * --kill-signal it was given) is passed on; PID 1 would otherwise
         * ignore the ones it has no handler for. */
        sigfillset(&mask);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        pid = fork();
        if (pid < 0) {
                sync_send_error(sync_fd, -errno, "starting %s", argv[0]);
                _exit(1);
        }
        if (pid == 0) {
                sigprocmask(SIG_UNBLOCK, &mask, NULL);
                (void) setsid();
                if (o->controlling_tty)
                        (void) ioctl(STDIN_FILENO, TIOCSCTTY, 0);
                environ = envp;
                if (o->user && become(o->user, sync_fd) < 0)
                        _exit(126);
                if (o->chdir && chdir(o->chdir) < 0) {
                        sync_send_error(sync_fd, -errno, "changing to %s", o->chdir);
                        _exit(126);
                }
                execvp(argv[0], argv);
                int e = errno;
                sync_send_error(sync_fd, -e, "executing %s", argv[0]);
                _exit(e == ENOENT ? 127 : 126);
        }

        /* The command holds its own copy of the sync socket until it execs. */
        close(sync_fd);
        /* Nothing in the machine may ptrace or read the memory of a process
         * that runs the launcher's code. */
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

        for (;;) {
                siginfo_t si;
                int sig = sigwaitinfo(&mask, &si);

                if (sig < 0)
                        continue;
                if (sig != SIGCHLD) {
                        (void) kill(pid, sig);
                        continue;
                }
                for (;;) {
                        int status;
                        pid_t p = waitpid(-1, &status, WNOHANG);
                        if (p <= 0)
                                break;
                        if (p == pid)
                                _exit(status_to_exit(status));
                }
        }
}
