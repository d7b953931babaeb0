/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-oci exec: another process in a running container. A first child
 * joins the container's cgroups (born in its cgroup2 one) and, through a
 * pidfd of its PID 1, all its namespaces at once; its own child is then
 * in the container's PID namespace: the process. It takes the spec's
 * process (or --process FILE, or the command line over the spec's), its
 * terminal, user, capabilities, the container's system-call filter, and
 * execs; its exit status is exec's, or with --detach it is the caller's
 * (a subreaper's) to reap. */
#include "oci-exec.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "cleanup.h"
#include "log.h"
#include "oci-console.h"
#include "oci-process.h"
#include "oci-proc.h"
#include "oci-state.h"
#include "signals.h"
#include "spec.h"
#include "sync.h"
#include "util.h"

struct exec {
        const struct oci_exec_opts *o;
        struct oci_state st;
        struct oci_spec spec;           /* the bundle's: the base of the process */
        struct oci_process proc;        /* what runs */
        struct seccomp_program filter;
        uint64_t bounding;
        int pidfd;                      /* the container's PID 1 */
        int console_fd;
        int sync_fd;
};

/* The spec's process with the command line's changes, as runc takes it. */
static int make_process(struct exec *e)
{
        const struct oci_exec_opts *o = e->o;
        char why[512];
        int r;

        if (o->process_file) {
                _cleanup_free_ char *text = NULL;
                r = read_file_at(AT_FDCWD, o->process_file, &text, 1 << 20);
                if (r < 0)
                        return log_error_errno(r, "--process %s", o->process_file);
                r = oci_process_parse_text(text, &e->proc, why, sizeof(why));
                return r < 0 ? log_error_ret(r, "--process %s: %s", o->process_file, why) : 0;
        }
        if (!o->args || !o->args[0])
                return log_error_ret(-EINVAL, "exec: a command, or --process FILE, is needed");
        e->proc = e->spec.process;
        e->spec.process = (struct oci_process) {};
        strv_free(e->proc.args);
        e->proc.args = strv_copy(o->args);
        for (char **v = o->env; v && *v; v++)
                if (strv_push(&e->proc.env, *v) < 0)
                        return log_oom();
        if (o->cwd) {
                free(e->proc.cwd);
                e->proc.cwd = strdup(o->cwd);
        }
        if (o->user && sscanf(o->user, "%u:%u", &e->proc.uid, &e->proc.gid) < 1)
                return log_error_ret(-EINVAL, "--user %s: UID[:GID]", o->user);
        e->proc.terminal = o->tty;
        e->proc.no_new_privileges = e->proc.no_new_privileges || o->no_new_privs;
        for (char **c = o->caps; c && *c; c++) {
                int cap = capability_from_name(*c);
                if (cap < 0)
                        return log_error_ret(-EINVAL, "--cap %s: no such capability", *c);
                for (int s = 0; s < _OCI_CAP_SET_MAX; s++)
                        if (s != OCI_CAP_AMBIENT || e->proc.caps_given[s])
                                e->proc.caps[s] |= UINT64_C(1) << cap;
        }
        return e->proc.args && (!o->cwd || e->proc.cwd) ? 0 : log_oom();
}

static int load_filter(struct exec *e)
{
        _cleanup_free_ char *path = NULL, *bpf = NULL;
        int r;

        if (asprintf(&path, "%s/%s/seccomp.bpf", e->o->root, e->o->id) < 0)
                return log_oom();
        r = read_file_at(AT_FDCWD, path, &bpf, 1 << 20);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "reading %s", path);
        e->filter = (struct seccomp_program) { .insns = (struct sock_filter *) take_ptr(bpf),
                                               .len = (size_t) r / sizeof(struct sock_filter), .owned = true };
        return 0;
}

/* A PTY of the container's devpts (its /dev/pts/ptmx, or /dev/ptmx). */
static int open_pty(int *ret_master)
{
        int unlock = 0;
        _cleanup_close_ int m = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);

        if (m < 0)
                m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (m < 0 || ioctl(m, TIOCSPTLCK, &unlock) < 0)
                return -errno;
        int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
        if (s < 0)
                return -errno;
        *ret_master = take_fd(&m);
        return s;
}

/* In the container: the process itself. */
_Noreturn static void run_process(struct exec *e, int sync_fd)
{
        const struct oci_process *p = &e->proc;
        struct sync_msg m;
        char what[512];
        int fds[SYNC_MAX_FDS], tty = -EBADF, r;
        size_t n;

        if (p->terminal) {
                int master;
                tty = open_pty(&master);
                if (tty < 0)
                        SYNC_FAIL(sync_fd, tty, "opening a terminal in the container");
                struct winsize ws = { .ws_row = (unsigned short) p->console_height,
                                      .ws_col = (unsigned short) p->console_width };
                if ((ws.ws_row || ws.ws_col) && ioctl(master, TIOCSWINSZ, &ws) < 0)
                        SYNC_FAIL(sync_fd, -errno, "setting consoleSize");
                if (sync_send(sync_fd, SYNC_CONSOLE_FDS, &master, 1) < 0)
                        _exit(1);
                close(master);
        }
        /* Its rlimits come from the host's side, which may raise them. */
        if (sync_recv(sync_fd, &m, fds, &n) <= 0 || m.type != SYNC_GO)
                _exit(1);
        if (chdir(p->cwd ?: "/") < 0)
                SYNC_FAIL(sync_fd, -errno, "process.cwd %s", p->cwd ?: "/");
        _cleanup_free_ char *program = oci_process_find(p);
        if (!program)
                SYNC_FAIL(sync_fd, 0, "exec: \"%s\": executable file not found in $PATH", p->args[0]);
        r = oci_process_enter(p, tty, e->bounding, &e->filter, e->st.seccomp_flags, what, sizeof(what));
        if (r < 0)
                SYNC_FAIL(sync_fd, r, "%s", what);
        oci_process_keep_fds(e->o->preserve_fds);
        if ((r = oci_process_filter_last(p, &e->filter, e->st.seccomp_flags)) < 0)
                SYNC_FAIL(sync_fd, r, "installing linux.seccomp");
        execve(program, p->args, p->env);
        SYNC_FAIL(sync_fd, -errno, "executing %s", program);
}

/* The namespaces of PID 1 that are not ours already. */
static unsigned ns_flags(pid_t pid)
{
        static const struct {
                const char *name;
                unsigned flag;
        } all[] = {
                { "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS }, { "pid", CLONE_NEWPID }, { "ipc", CLONE_NEWIPC },
                { "uts", CLONE_NEWUTS },   { "net", CLONE_NEWNET }, { "cgroup", CLONE_NEWCGROUP },
        };
        unsigned flags = 0;

        for (size_t i = 0; i < ELEMENTSOF(all); i++) {
                char a[64], b[64];
                struct stat sa, sb;
                snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int) pid, all[i].name);
                snprintf(b, sizeof(b), "/proc/self/ns/%s", all[i].name);
                if (stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino != sb.st_ino)
                        flags |= all[i].flag;
        }
        return flags;
}

/* The first child: into the container's v1 cgroups and namespaces, then
 * the process as its child; its PID goes back, and this one ends. */
_Noreturn static void enter(struct exec *e, int sync_fd)
{
        unsigned flags = ns_flags(e->st.pid);

        signals_reset_all();
        for (char **l = e->st.cgroup_v1; l && *l; l++) {
                _cleanup_free_ char *procs = strjoin(strchr(*l, '=') + 1, "/payload/cgroup.procs", NULL);
                if (!procs || write_file_at(AT_FDCWD, procs, "0", 0644) < 0)
                        SYNC_FAIL(sync_fd, -errno, "joining the container's cgroup %s", strchr(*l, '=') + 1);
        }
        if (setns(e->pidfd, (int) flags) < 0)
                SYNC_FAIL(sync_fd, -errno, "entering the container's namespaces");
        if ((flags & CLONE_NEWUSER) && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
                SYNC_FAIL(sync_fd, -errno, "becoming the container's root");
        pid_t pid = fork();
        if (pid < 0)
                SYNC_FAIL(sync_fd, -errno, "starting the process in the container");
        if (pid == 0)
                run_process(e, sync_fd);
        struct sync_msg m = { .type = SYNC_READY };
        snprintf(m.text, sizeof(m.text), "%d", (int) pid);
        _exit(send(sync_fd, &m, sizeof(m), MSG_NOSIGNAL) < 0 ? 1 : 0);
}

static int set_limits(struct exec *e, pid_t pid)
{
        for (size_t i = 0; i < e->proc.n_rlimits; i++) {
                struct rlimit64 rl = { e->proc.rlimits[i].soft, e->proc.rlimits[i].hard };
                if (prlimit64(pid, e->proc.rlimits[i].resource, &rl, NULL) < 0)
                        return log_error_errno(-errno, "process.rlimits[%zu]", i);
        }
        return 0;
}

/* The host's side, until the process execs (its end of the socket
 * closes) or says why it cannot. */
static int follow(struct exec *e, pid_t *ret_pid)
{
        pid_t pid = 0;

        for (;;) {
                struct sync_msg m;
                int r = oci_sync_next(e->sync_fd, e->console_fd, e->o->console_socket, &m);

                if (r == 0)
                        break;
                if (r < 0) {
                        *ret_pid = pid;
                        if (pid > 0)
                                (void) kill(pid, SIGKILL);
                        return r;
                }
                if (m.type != SYNC_READY)
                        continue;
                pid = atoi(m.text);
                r = set_limits(e, pid);
                if (r >= 0 && e->o->pid_file) {
                        char text[16];
                        snprintf(text, sizeof(text), "%d", (int) pid);
                        r = write_file_atomic(e->o->pid_file, text, 0644);
                        if (r < 0)
                                log_error_errno(r, "writing --pid-file %s", e->o->pid_file);
                }
                if (r >= 0)
                        r = sync_send(e->sync_fd, SYNC_GO, NULL, 0);
                if (r < 0) {
                        *ret_pid = pid;
                        (void) kill(pid, SIGKILL);
                        return r;
                }
        }
        if (pid <= 0)
                return log_error_ret(-ECHILD, "container %s: exec's process ended before it ran", e->o->id);
        *ret_pid = pid;
        return 0;
}

static int start(struct exec *e, pid_t *ret_pid)
{
        _cleanup_free_ char *payload = e->st.cgroup ? strjoin(e->st.cgroup, "/payload", NULL) : NULL;
        _cleanup_close_ int cgroup_fd = payload ? open(payload, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -EBADF;
        struct clone_args ca = { .exit_signal = SIGCHLD };
        int sp[2], status;

        if (payload && cgroup_fd < 0)
                return log_error_errno(-errno, "opening the container's cgroup %s", payload);
        if (cgroup_fd >= 0) {
                ca.flags |= CLONE_INTO_CGROUP;
                ca.cgroup = (uint64_t) cgroup_fd;
        }
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
                return log_error_errno(-errno, "creating the sync socket");
        pid_t a = (pid_t) syscall(SYS_clone3, &ca, sizeof(ca));
        if (a < 0) {
                close(sp[0]);
                close(sp[1]);
                return log_error_errno(-errno, "joining the container's cgroup");
        }
        if (a == 0) {
                close(sp[0]);
                enter(e, sp[1]);
        }
        close(sp[1]);
        e->sync_fd = sp[0];
        int r = follow(e, ret_pid);
        (void) waitpid(a, &status, 0);
        return r;
}

/* Until the process ends, with the signals berth-oci gets passed on. */
static int wait_process(pid_t pid)
{
        sigset_t mask;
        int status;

        sigemptyset(&mask);
        for (int s = 1; s < NSIG; s++)
                if (s != SIGKILL && s != SIGSTOP && s != SIGSEGV && s != SIGBUS && s != SIGILL && s != SIGFPE)
                        sigaddset(&mask, s);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        for (;;) {
                siginfo_t si;
                pid_t w = waitpid(pid, &status, WNOHANG);
                if (w == pid)
                        break;
                if (sigwaitinfo(&mask, &si) < 0)
                        continue;
                if (si.si_signo != SIGCHLD)
                        (void) kill(pid, si.si_signo);
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int oci_exec(const struct oci_exec_opts *o)
{
        struct exec e = { .o = o, .pidfd = -EBADF, .console_fd = -EBADF, .sync_fd = -EBADF };
        char why[512];
        pid_t pid = 0;
        int local = -EBADF, master = -EBADF, r;

        r = oci_state_load(o->root, o->id, &e.st);
        if (r == -ENOENT)
                return log_error_ret(r, "container does not exist");
        if (r < 0)
                return log_error_errno(r, "reading the state of container %s", o->id);
        e.st.status = oci_status_now(o->root, &e.st);
        if (e.st.status == OCI_STOPPED)
                r = log_error_ret(-EINVAL, "cannot exec in a stopped container");
        else if (e.st.status == OCI_PAUSED && !o->ignore_paused)
                r = log_error_ret(-EINVAL, "cannot exec in a paused container (use --ignore-paused to override)");
        else if ((r = oci_spec_load(e.st.bundle, &e.spec, why, sizeof(why))) < 0)
                r = log_error_ret(r, "%s", why);
        if (r >= 0)
                r = make_process(&e);
        if (r >= 0)
                r = !o->console_socket && !o->detach && e.proc.terminal ? oci_console_pair(&local, &e.console_fd)
                                                                        : oci_console_connect(e.proc.terminal,
                                                                                              o->console_socket,
                                                                                              &e.console_fd);
        if (r >= 0)
                r = load_filter(&e);
        if (r >= 0) {
                /* The container's bounding set: PID 1's, read from its status. */
                e.bounding = oci_proc_cap_bounding(e.st.pid);
                e.pidfd = (int) syscall(SYS_pidfd_open, e.st.pid, 0);
                if (e.pidfd < 0 || !oci_proc_alive(&e.st))
                        r = log_error_ret(-ESRCH, "cannot exec in a stopped container");
        }
        if (r >= 0 && !o->detach && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
                r = log_error_errno(-errno, "becoming the process's subreaper");
        if (r >= 0)
                r = start(&e, &pid);
        /* exec -t without --console-socket: exec's own terminal, relayed. */
        if (r >= 0 && local >= 0) {
                e.console_fd = safe_close(e.console_fd);
                if (oci_console_take(local, &master) >= 0 && master >= 0)
                        (void) oci_console_relay(master, pid);
        }
        safe_close(local);
        if (r >= 0 && !o->detach)
                r = wait_process(pid);
        /* A process that failed is ours to reap when we are its subreaper:
         * left a zombie in the container's PID namespace, it would keep
         * PID 1 from ending. */
        else if (r < 0 && pid > 0 && !o->detach)
                (void) waitpid(pid, NULL, 0);
        safe_close(e.pidfd);
        safe_close(e.console_fd);
        safe_close(e.sync_fd);
        seccomp_program_done(&e.filter);
        oci_process_done(&e.proc);
        oci_spec_done(&e.spec);
        oci_state_done(&e.st);
        return r;
}
