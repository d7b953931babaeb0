/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A program in a running machine, with no bus, ssh or agent inside: a
 * forked helper joins the machine's cgroup and namespaces, forks again to be
 * inside its PID namespace, and executes the program from the machine's own
 * tree; its output comes back on a pipe. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "boottest.h"
#include "cleanup.h"
#include "util.h"

#define OUTPUT_MAX (32u << 20)

static char *const inside_env[] = {
        (char *) "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        (char *) "LC_ALL=C",
        (char *) "TERM=dumb",
        (char *) "SYSTEMD_COLORS=0",
        (char *) "SYSTEMD_PAGER=",
        (char *) "SYSTEMD_LESS=",
        NULL,
};

_Noreturn static void fail(int out_fd, int r, const char *what)
{
        dprintf(out_fd, "berth: %s: %s\n", what, strerror(-r));
        _exit(125);
}

/* A stopped machine: its mount namespace, held open, still has its files,
 * but its /proc went with its PID namespace. The helper (still the host's
 * root) enters the mount namespace and makes a private copy of it with a
 * new PID namespace; the child mounts that one's /proc, where it sees only
 * itself, and then becomes the machine's root in the machine's user
 * namespace before it runs anything of the machine's. */
static void stopped_machine_prepare(struct machine_ns *ns, int out_fd)
{
        struct machine_ns mnt = MACHINE_NS_INIT;
        char what[300];
        int r;

        mnt.fd[MACHINE_NS_MNT] = ns->fd[MACHINE_NS_MNT];
        r = machine_ns_enter(&mnt, NULL, what, sizeof(what));
        if (r < 0)
                fail(out_fd, r, what);
        if (unshare(CLONE_NEWNS | CLONE_NEWPID) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                fail(out_fd, -errno, "making a private copy of the stopped machine's mounts");
}

static void stopped_machine_enter(struct machine_ns *ns, int out_fd)
{
        struct machine_ns user;
        char what[300];
        int r;

        if ((umount2("/proc", MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) ||
            mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                fail(out_fd, -errno, "mounting /proc for the stopped machine");
        /* With what PID 1 had: its filter, capabilities, no_new_privs. */
        user = *ns;
        for (size_t i = 0; i < _MACHINE_NS_MAX; i++)
                if (i != MACHINE_NS_USER)
                        user.fd[i] = -1;
        r = machine_ns_enter(&user, NULL, what, sizeof(what));
        if (r < 0)
                fail(out_fd, r, what);
}

_Noreturn static void helper(struct machine_ns *ns, const char *cgroup, char *const argv[], unsigned flags,
                             int out_fd)
{
        char what[300];
        int status, devnull, r;
        pid_t child;

        /* Nothing of the machine's may look into this process. */
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (flags & INSIDE_STOPPED)
                stopped_machine_prepare(ns, out_fd);
        else if ((r = machine_ns_enter(ns, cgroup, what, sizeof(what))) < 0)
                fail(out_fd, r, what);
        child = fork();
        if (child < 0)
                _exit(125);
        if (child == 0) {
                /* Gone with the helper, when the caller gives up on it. */
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
                if (flags & INSIDE_STOPPED)
                        stopped_machine_enter(ns, out_fd);
                devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
                    dup2(flags & INSIDE_MERGE_STDERR ? out_fd : devnull, STDERR_FILENO) < 0)
                        _exit(125);
                (void) setsid();
                execvpe(argv[0], argv, inside_env);
                _exit(errno == ENOENT ? 127 : 126);
        }
        close(out_fd);
        while (waitpid(child, &status, 0) < 0)
                if (errno != EINTR)
                        _exit(125);
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

int inside_start(struct machine_ns *ns, const char *cgroup, char *const argv[], unsigned flags,
                 struct inside_process *ret)
{
        int pipefd[2];
        pid_t pid;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                int r = -errno;
                close(pipefd[0]), close(pipefd[1]);
                return r;
        }
        if (pid == 0) {
                sigset_t none;
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                close(pipefd[0]);
                helper(ns, cgroup, argv, flags, pipefd[1]);
        }
        close(pipefd[1]);
        *ret = (struct inside_process) { .pid = pid, .fd = pipefd[0] };
        return 0;
}

int inside_wait(struct inside_process *p, uint64_t deadline, char **ret_out)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;
        bool timed_out = false;
        int status;

        for (;;) {
                uint64_t now = now_usec(CLOCK_MONOTONIC);
                struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
                if (now >= deadline) {
                        timed_out = true;
                        break;
                }
                int k = poll(&pfd, 1, (int) ((deadline - now) / 1000) + 1);
                if (k < 0 && errno != EINTR)
                        break;
                if (k <= 0)
                        continue;
                if (cap - len < 65536) {
                        if (cap >= OUTPUT_MAX)
                                break;
                        cap = cap ? cap * 2 : 65536;
                        char *n = realloc(buf, cap + 1);
                        if (!n)
                                break;
                        buf = n;
                }
                ssize_t n = read(p->fd, buf + len, cap - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t) n;
        }
        p->fd = safe_close(p->fd);
        if (timed_out)
                (void) kill(p->pid, SIGKILL);
        while (waitpid(p->pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (!buf && !(buf = malloc(1)))
                return -ENOMEM;
        buf[len] = 0;
        if (ret_out)
                *ret_out = take_ptr(buf);
        if (timed_out)
                return -ETIME;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int inside_run(struct machine_ns *ns, const char *cgroup, char *const argv[], unsigned flags, int timeout_ms,
               char **ret_out)
{
        struct inside_process p;
        int r = inside_start(ns, cgroup, argv, flags, &p);

        if (r < 0)
                return r;
        return inside_wait(&p, now_usec(CLOCK_MONOTONIC) + (uint64_t) timeout_ms * 1000, ret_out);
}

int inside_hostname(struct machine_ns *ns, char *ret, size_t size)
{
        struct machine_ns uts = MACHINE_NS_INIT;
        char what[300];
        struct utsname u;
        int pipefd[2], status;
        ssize_t n;
        pid_t pid;

        if (ns->fd[MACHINE_NS_UTS] < 0)
                return -EBADF;
        uts.fd[MACHINE_NS_UTS] = ns->fd[MACHINE_NS_UTS];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                close(pipefd[0]), close(pipefd[1]);
                return -ENOMEM;
        }
        if (pid == 0) {
                close(pipefd[0]);
                if (machine_ns_enter(&uts, NULL, what, sizeof(what)) < 0 || uname(&u) < 0)
                        _exit(1);
                (void) !write(pipefd[1], u.nodename, strlen(u.nodename));
                _exit(0);
        }
        close(pipefd[1]);
        n = read_full(pipefd[0], ret, size - 1);
        close(pipefd[0]);
        (void) waitpid(pid, &status, 0);
        if (n <= 0)
                return -EIO;
        ret[n] = 0;
        return 0;
}
