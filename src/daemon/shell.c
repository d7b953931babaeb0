/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Into a running machine: berthd forks a helper that joins the machine's
 * cgroup and namespaces (user first, mount last, as nsenter does) and forks
 * again: that child, inside its PID namespace, opens a PTY on the machine's
 * own devpts and starts the program as the user the machine's /etc/passwd
 * names, in a session of its own, and stays as the program's parent. The
 * helper, outside the PID namespace, stays as the parent of that child:
 * it reaps it and only then writes the program's exit status to the pipe
 * berthd hands to the client, so that once the client has the status
 * nothing of the session is left in the machine (its PID 1 would have to
 * reap an orphan, and systemd-shutdown waits for it). berthd reaps the
 * helper from its event loop. */
#include "shell.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "signals.h"
#include "enter.h"
#include "manager.h"
#include "util.h"

struct report {
        int error;              /* negative errno, 0: started */
        char text[256];
        char pty[64];
};


/* What the machine's /etc/passwd says of user: parsed by hand, not through
 * NSS (that would load the machine's libraries into berthd's helper). */
struct user_entry {
        uid_t uid;
        gid_t gid;
        char home[512];
        char shell[256];
};

static int find_user(const char *user, struct user_entry *ret)
{
        _cleanup_fclose_ FILE *f = fopen("/etc/passwd", "re");
        char line[2048];

        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                char *fields[7] = {}, *p = line;
                unsigned uid, gid;
                int n = 0;

                line[strcspn(line, "\n")] = 0;
                while (n < 7 && p) {
                        fields[n++] = p;
                        p = strchr(p, ':');
                        if (p)
                                *p++ = 0;
                }
                if (n < 7 || !streq(fields[0], user) || parse_uint(fields[2], &uid) < 0 ||
                    parse_uint(fields[3], &gid) < 0)
                        continue;
                ret->uid = uid;
                ret->gid = gid;
                snprintf(ret->home, sizeof(ret->home), "%s", *fields[5] ? fields[5] : "/");
                snprintf(ret->shell, sizeof(ret->shell), "%s", *fields[6] ? fields[6] : "/bin/sh");
                return 0;
        }
        return -ESRCH;
}

static int supplementary_groups(const char *user, gid_t primary, gid_t *groups, int max)
{
        _cleanup_fclose_ FILE *f = fopen("/etc/group", "re");
        char line[4096];
        int n = 0;

        groups[n++] = primary;
        while (f && fgets(line, sizeof(line), f) && n < max) {
                char *name = line, *pw = strchr(line, ':'), *gidp, *members;
                unsigned gid;

                if (!pw || !(gidp = strchr(pw + 1, ':')) || !(members = strchr(gidp + 1, ':')))
                        continue;
                *gidp++ = 0;
                *members++ = 0;
                members[strcspn(members, "\n")] = 0;
                (void) name;
                if (parse_uint(gidp, &gid) < 0)
                        continue;
                for (char *m = strtok(members, ","); m; m = strtok(NULL, ","))
                        if (streq(m, user) && gid != primary)
                                groups[n++] = gid;
        }
        return n;
}

__attribute__((format(printf, 3, 4))) _Noreturn static void fail(int report_fd, int error, const char *fmt, ...)
{
        struct report r = { .error = error < 0 ? error : -error };
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(r.text, sizeof(r.text), fmt, ap);
        va_end(ap);
        if (report_fd >= 0)
                (void) !write(report_fd, &r, sizeof(r));
        else
                dprintf(STDERR_FILENO, "berthd: %s: %s\n", r.text, strerror(-r.error));
        _exit(1);
}

static char **user_environment(const struct machine_process *p, const struct user_entry *u, const char *user)
{
        _cleanup_strv_ char **env = calloc(1, sizeof(char *));
        char buf[1024];

        if (!env)
                return NULL;
        snprintf(buf, sizeof(buf), "HOME=%s", u->home);
        if (strv_push(&env, buf) < 0)
                return NULL;
        snprintf(buf, sizeof(buf), "USER=%s", user);
        if (strv_push(&env, buf) < 0)
                return NULL;
        snprintf(buf, sizeof(buf), "LOGNAME=%s", user);
        if (strv_push(&env, buf) < 0)
                return NULL;
        snprintf(buf, sizeof(buf), "SHELL=%s", u->shell);
        if (strv_push(&env, buf) < 0 ||
            strv_push(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") < 0 ||
            strv_push(&env, "container=berth") < 0)
                return NULL;
        /* The caller's entries last, in place of ours of the same name. */
        for (char **e = p->env; e && *e; e++)
                if (strv_env_set(&env, *e) < 0)
                        return NULL;
        return take_ptr(env);
}

/* The program, in the machine, as the user: never returns. Started, as far
 * as berthd knows: a failure goes to the program's own stderr. */
_Noreturn static void exec_program(const struct machine_process *p, const struct user_entry *u, int tty)
{
        const char *user = p->user && *p->user ? p->user : "root";
        gid_t groups[64];
        char **env;
        int n;

        /* berthd ignores SIGPIPE (and what started berthd may have made it
         * ignore SIGINT and SIGQUIT): an ignored signal stays ignored across
         * execve, and the program must not inherit any of that. */
        signals_reset_all();
        if (setsid() < 0)
                fail(-1, -errno, "creating a session");
        if (tty >= 0) {
                if (ioctl(tty, TIOCSCTTY, 0) < 0)
                        fail(-1, -errno, "taking the terminal");
                dup2(tty, 0), dup2(tty, 1), dup2(tty, 2);
        } else
                dup2(p->stdio[0], 0), dup2(p->stdio[1], 1), dup2(p->stdio[2], 2);
        if (p->login) {
                static char *const login_argv[] = { "login", NULL };
                static char *const login_env[] = { "TERM=vt220", "container=berth", NULL };
                execve("/bin/login", login_argv, login_env);
                fail(-1, -errno, "executing /bin/login in the machine");
        }
        n = supplementary_groups(user, u->gid, groups, 64);
        if (setgroups((size_t) n, groups) < 0 || setresgid(u->gid, u->gid, u->gid) < 0 ||
            setresuid(u->uid, u->uid, u->uid) < 0)
                fail(-1, -errno, "becoming user %s", user);
        if (chdir(u->home) < 0)
                (void) chdir("/");
        env = user_environment(p, u, user);
        if (!env)
                fail(-1, -ENOMEM, "preparing the environment");
        execve(p->argv[0], p->argv, env);
        /* Started already, as far as the caller knows: say it on the
         * program's own stderr, as a shell would, and exit as one does. */
        dprintf(STDERR_FILENO, "berthd: executing %s in the machine: %s\n", p->argv[0], strerror(errno));
        _exit(errno == ENOENT ? 127 : 126);
}

/* Inside the machine's PID namespace: the PTY, the program; exits with the
 * program's status (128+N after signal N). */
_Noreturn static void inside(const struct machine_process *p, int sock)
{
        _cleanup_close_ int master = -EBADF, slave = -EBADF;
        struct report r = {};
        struct user_entry u = {};
        int unlock = 0, n, status;
        pid_t child;

        /* Before anything starts: an unknown user is the caller's error. */
        if (!p->login && !p->pty_only && find_user(p->user && *p->user ? p->user : "root", &u) < 0)
                fail(sock, -ESRCH, "no user %s in the machine's /etc/passwd", p->user && *p->user ? p->user : "root");
        if (!p->login && !p->pty_only && access(p->argv[0], X_OK) < 0)
                fail(sock, -errno, "%s in the machine cannot be executed", p->argv[0]);
        if (p->stdio[0] < 0) {
                master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
                if (master < 0)
                        fail(sock, -errno, "opening /dev/ptmx in the machine");
                if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
                        fail(sock, -errno, "preparing the terminal");
                slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
                if (slave < 0)
                        fail(sock, -errno, "opening the terminal");
                snprintf(r.pty, sizeof(r.pty), "/dev/pts/%d", n);
        }
        /* The PTY alone: nothing runs on it; the caller opens its slave. */
        child = p->pty_only ? 0 : fork();
        if (child < 0)
                fail(sock, -errno, "forking");
        if (child == 0 && !p->pty_only) {
                close(sock);
                exec_program(p, &u, slave);
        }
        /* Started: hand the master over, keep nothing of the terminal. */
        if (master >= 0) {
                union {
                        struct cmsghdr h;
                        char buf[CMSG_SPACE(sizeof(int))];
                } control = {};
                struct iovec iov = { .iov_base = &r, .iov_len = sizeof(r) };
                struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                                     .msg_controllen = sizeof(control) };
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &master, sizeof(int));
                (void) sendmsg(sock, &mh, MSG_NOSIGNAL);
        } else
                (void) !write(sock, &r, sizeof(r));
        close(sock);
        master = safe_close(master);
        slave = safe_close(slave);
        for (int i = 0; i < 3; i++)
                if (p->stdio[i] >= 0)
                        close(p->stdio[i]);
        if (p->pty_only)
                _exit(0);
        while (waitpid(child, &status, 0) < 0)
                if (errno != EINTR)
                        _exit(255);
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static int enter(const struct machine *m, int report_fd)
{
        struct machine_ns ns = MACHINE_NS_INIT;
        char what[300];
        int r;

        /* Open every namespace first: /proc/LEADER goes away after a setns. */
        r = machine_ns_open(m->leader, m->name, MACHINE_NS_ALL, &ns, what, sizeof(what));
        if (r >= 0)
                r = machine_ns_enter(&ns, m->cgroup, what, sizeof(what));
        if (r < 0)
                fail(report_fd, r, "%s", what);
        machine_ns_close(&ns);
        return 0;
}

/* The helper, forked from berthd: into the machine, the child inside, and
 * its status to exit_fd once it is reaped. Of berthd's descriptors it keeps
 * only its own (an inherited bus connection would outlive berthd). */
_Noreturn static void helper(struct machine *m, const struct machine_process *p, int sock, int exit_fd)
{
        int keep[] = { sock, exit_fd, p->stdio[0], p->stdio[1], p->stdio[2] };
        sigset_t none;
        pid_t inner;
        int status;

        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        (void) close_all_but(keep, ELEMENTSOF(keep));
        enter(m, sock);
        /* Into the PID namespace: the next child is inside. */
        inner = fork();
        if (inner < 0)
                fail(sock, -errno, "forking");
        if (inner == 0)
                inside(p, sock);
        close(sock);
        for (int i = 0; i < 3; i++)
                if (p->stdio[i] >= 0)
                        close(p->stdio[i]);
        while (waitpid(inner, &status, 0) < 0)
                if (errno != EINTR)
                        _exit(1);
        /* Nobody reads after a login or a start that failed: SIGPIPE is
         * ignored (as in berthd), the write just fails. */
        dprintf(exit_fd, "%d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        _exit(0);
}

static int on_helper_exit(sd_event_source *s, const siginfo_t *si, void *userdata)
{
        sd_event_source_unref(s);       /* the loop reaps it after this */
        return 0;
}

/* The helper's report: whether the program started, and the PTY master. */
static ssize_t receive_report(int sock, struct report *r, int *ret_master)
{
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } control;
        struct iovec iov = { .iov_base = r, .iov_len = sizeof(*r) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                             .msg_controllen = sizeof(control) };
        ssize_t k;

        do
                k = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        while (k < 0 && errno == EINTR);
        for (struct cmsghdr *c = k > 0 ? CMSG_FIRSTHDR(&mh) : NULL; c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                        memcpy(ret_master, CMSG_DATA(c), sizeof(int));
        return k;
}

int machine_spawn(struct machine *m, const struct machine_process *p, int *ret_master, char **ret_pty,
                  int *ret_exit, char *error, size_t error_size)
{
        int sock[2], exitp[2], master = -1, r;
        struct report rep = {};
        pid_t pid;
        ssize_t k;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) < 0)
                return -errno;
        if (pipe2(exitp, O_CLOEXEC) < 0) {
                close(sock[0]), close(sock[1]);
                return -errno;
        }
        pid = fork();
        if (pid < 0) {
                close(sock[0]), close(sock[1]), close(exitp[0]), close(exitp[1]);
                return -errno;
        }
        if (pid == 0)
                helper(m, p, sock[1], exitp[1]);
        close(sock[1]);
        close(exitp[1]);
        /* The helper lives as long as the program: reaped from the loop. */
        r = sd_event_add_child(m->manager->event, NULL, pid, WEXITED, on_helper_exit, NULL);
        if (r < 0) {
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                close(sock[0]), close(exitp[0]);
                snprintf(error, error_size, "watching the helper");
                return r;
        }
        k = receive_report(sock[0], &rep, &master);
        close(sock[0]);
        if (k != (ssize_t) sizeof(rep) || rep.error < 0) {
                safe_close(master);
                close(exitp[0]);
                snprintf(error, error_size, "%s", k == (ssize_t) sizeof(rep) ? rep.text : "the helper died");
                return k == (ssize_t) sizeof(rep) ? rep.error : -EIO;
        }
        if (p->stdio[0] < 0) {
                *ret_master = master;
                *ret_pty = strdup(rep.pty);
        }
        *ret_exit = exitp[0];
        return 0;
}

int machine_process_status(int exit_fd)
{
        char buf[32] = "";
        unsigned status;
        ssize_t k = read(exit_fd, buf, sizeof(buf) - 1);

        buf[k > 0 ? k : 0] = 0;
        buf[strcspn(buf, "\n")] = 0;
        if (k <= 0 || parse_uint(buf, &status) < 0)
                return 255;
        return (int) status;
}
