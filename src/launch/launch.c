/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The launcher: checks what the user asked for, prepares what the machine
 * needs on the host (lock, writable layer, cgroup), starts the machine's
 * first process in new namespaces, and supervises it: relays its console,
 * listens to its notify socket, turns signals into poweroff requests,
 * restarts it on reboot, and takes everything down at the end. */
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "console.h"
#include "log.h"
#include "machine.h"
#include "notify.h"
#include "paths.h"
#include "state.h"
#include "sync.h"
#include "tree.h"
#include "util.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

struct launcher {
        const struct settings *s;
        struct machine m;
        char name[MACHINE_NAME_MAX + 1];
        int lock_fd;
        bool made_machine_dir;  /* this run created the writable layer's directory */
        char *machine_dir;
        struct machine_cgroup cg;
        struct console console;
        int signal_fd;
        bool ever_started;

        /* One boot of the machine. */
        pid_t leader;
        int pidfd;
        int sync_fd;
        int notify_fd;
        int timer_fd;
        bool exec_done;
        unsigned stop_requests;
        struct notify_state notify;
        struct sync_msg error;
        bool failed;
        struct timespec boot_start;
};

static const char *const init_candidates[] = {
        "/usr/lib/systemd/systemd",
        "/lib/systemd/systemd",
        "/sbin/init",
};

static int find_init(int tree_fd, char **ret_path, enum init_kind *ret_kind)
{
        for (size_t i = 0; i < ELEMENTSOF(init_candidates); i++) {
                _cleanup_close_ int fd = tree_open(tree_fd, init_candidates[i], O_PATH);
                char link[64], target[4096];
                struct stat st;
                ssize_t n;

                if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
                        continue;
                /* What the candidate resolves to inside the tree tells the kind. */
                snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
                n = readlink(link, target, sizeof(target) - 1);
                target[n > 0 ? n : 0] = 0;
                const char *base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
                *ret_kind = streq(base, "systemd") ? INIT_SYSTEMD : streq(base, "busybox") ? INIT_BUSYBOX : INIT_OTHER;
                *ret_path = strdup(init_candidates[i]);
                return *ret_path ? 0 : -ENOMEM;
        }
        return -ENOENT;
}

static int default_shell(int tree_fd, char ***ret)
{
        static const char *const shells[] = { "/bin/bash", "/bin/sh" };

        for (size_t i = 0; i < ELEMENTSOF(shells); i++) {
                _cleanup_close_ int fd = tree_open(tree_fd, shells[i], O_PATH);
                if (fd < 0)
                        continue;
                *ret = calloc(1, sizeof(char *));
                if (!*ret || strv_push(ret, shells[i]) < 0)
                        return -ENOMEM;
                return 0;
        }
        return -ENOENT;
}

/* Everything that can be checked without changing anything on the host. */
static int check_input(struct launcher *l)
{
        const struct settings *s = l->s;
        _cleanup_close_ int tree = -EBADF;
        uint8_t uuid[16];
        int r;

        tree = open(s->directory, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (tree < 0) {
                if (errno == ENOENT)
                        return log_error_errno(-ENOENT, "tree %s does not exist", s->directory);
                if (errno == ENOTDIR)
                        return log_error_errno(-ENOTDIR, "tree %s is not a directory", s->directory);
                return log_error_errno(-errno, "cannot open tree %s", s->directory);
        }

        if (s->name[0])
                snprintf(l->name, sizeof(l->name), "%s", s->name);
        else if (machine_name_from_path(s->directory, l->name, sizeof(l->name)) < 0)
                return log_error_errno(-EINVAL, "cannot make a machine name of %s: give one with --name",
                                       s->directory);
        if (s->ephemeral && !s->name[0]) {
                /* Several ephemeral machines of one tree may run at once. */
                uint8_t rnd[16];
                char hex[33];
                r = uuid_random(rnd);
                if (r < 0)
                        return log_error_errno(r, "getting random bytes");
                uuid_to_id128(rnd, hex);
                l->name[MACHINE_NAME_MAX - 9] = 0;
                snprintf(l->name + strlen(l->name), 10, "-%.8s", hex);
        }
        l->m.name = l->name;
        l->m.hostname = s->hostname ? s->hostname : l->name;

        if (s->uuid_set)
                memcpy(uuid, s->uuid, 16);
        else if ((r = uuid_random(uuid)) < 0)
                return log_error_errno(r, "getting random bytes");
        uuid_to_string(uuid, l->m.uuid);
        uuid_to_id128(uuid, l->m.id128);

        if (s->boot) {
                r = find_init(tree, &l->m.init, &l->m.init_kind);
                if (r == -ENOENT)
                        return log_error_errno(-ENOENT,
                                               "tree %s has no init to boot (looked for %s, %s, %s); "
                                               "without --boot it runs a command",
                                               s->directory, init_candidates[0], init_candidates[1],
                                               init_candidates[2]);
                if (r < 0)
                        return log_error_errno(r, "looking for an init in %s", s->directory);
                l->m.argv = s->argv;
        } else if (strv_length(s->argv) > 0) {
                l->m.init_kind = INIT_STUB;
                l->m.argv = s->argv;
        } else {
                l->m.init_kind = INIT_STUB;
                r = default_shell(tree, &l->m.own_argv);
                if (r == -ENOENT)
                        return log_error_errno(r, "tree %s has no /bin/sh: give a command after --", s->directory);
                if (r < 0)
                        return log_error_errno(r, "preparing the default shell");
                l->m.argv = l->m.own_argv;
        }
        l->m.console = console_pick_mode(s->console, s->boot);
        if (s->upper) {
                struct stat st;
                if (stat(s->upper, &st) >= 0 && !S_ISDIR(st.st_mode))
                        return log_error_errno(-ENOTDIR, "--upper %s is not a directory", s->upper);
        }
        return 0;
}

static int lock_name(struct launcher *l)
{
        int r = machine_lock(l->name, &l->lock_fd);

        if (r == -EBUSY) {
                _cleanup_free_ char *pid = NULL;
                (void) machine_state_get(l->name, "SUPERVISOR", &pid);
                return log_error_errno(-EBUSY, "machine %s is already running%s%s%s; give this one another --name",
                                       l->name, pid ? " (launcher PID " : "", pid ? pid : "", pid ? ")" : "");
        }
        if (r < 0)
                return log_error_errno(r, "locking machine %s in %s", l->name, berth_runtime_dir());
        return 0;
}

/* The writable layer: the machine's own directory, or --upper DIR with a
 * work directory next to it (overlayfs wants both on one file system). */
static int prepare_layer(struct launcher *l)
{
        const struct settings *s = l->s;
        struct stat st;
        int r;

        if (s->ephemeral)
                return 0;
        if (s->upper) {
                _cleanup_free_ char *copy = strdup(s->upper), *copy2 = strdup(s->upper);
                if (!copy || !copy2)
                        return log_oom();
                l->m.upper = strdup(s->upper);
                if (asprintf(&l->m.work, "%s/.#%s.berth-work", dirname(copy), basename(copy2)) < 0)
                        return log_oom();
                l->made_machine_dir = stat(s->upper, &st) < 0;
                l->machine_dir = strdup(s->upper);
        } else {
                if (asprintf(&l->machine_dir, "%s/machines/%s", berth_state_dir(), l->name) < 0)
                        return log_oom();
                l->made_machine_dir = stat(l->machine_dir, &st) < 0;
                l->m.upper = strjoin(l->machine_dir, "/upper", NULL);
                l->m.work = strjoin(l->machine_dir, "/work", NULL);
        }
        if (!l->m.upper || !l->m.work || !l->machine_dir)
                return log_oom();
        r = mkdir_p(l->m.upper, 0755);
        if (r < 0)
                return log_error_errno(r, "machine %s: creating its writable layer %s", l->name, l->m.upper);
        r = mkdir_p(l->m.work, 0700);
        if (r < 0)
                return log_error_errno(r, "machine %s: creating %s", l->name, l->m.work);
        return 0;
}

static int prepare_host(struct launcher *l)
{
        int r;

        if (asprintf(&l->m.staging, "%s/root", berth_runtime_dir()) < 0)
                return log_oom();
        r = mkdir_p(l->m.staging, 0755);
        if (r < 0)
                return log_error_errno(r, "creating %s", l->m.staging);
        r = prepare_layer(l);
        if (r < 0)
                return r;
        r = cgroup_init(&l->cg);
        if (r == -EOPNOTSUPP)
                log_warning("no cgroup2 hierarchy is mounted: machine %s gets no cgroup of its own, continuing",
                            l->name);
        else if (r < 0)
                return log_error_errno(r, "machine %s: looking for the cgroup hierarchy", l->name);
        else {
                r = cgroup_create(&l->cg, l->name);
                if (r < 0)
                        return log_error_errno(r, "machine %s: creating its cgroup", l->name);
                l->m.cgroup = true;
        }
        return 0;
}

static void write_state(struct launcher *l, const char *state)
{
        struct machine_state st = {
                .name = l->name,
                .state = state,
                .uuid = l->m.uuid,
                .root = l->s->directory,
                .upper = l->m.upper,
                .cgroup = l->cg.path,
                .init = l->m.init,
                .leader = l->leader,
                .supervisor = getpid(),
                .ephemeral = l->s->ephemeral,
        };
        int r = machine_state_write(&st);

        if (r < 0)
                log_warning_errno(r, "machine %s: writing its state file, continuing", l->name);
}

static double seconds_since(const struct timespec *t)
{
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return (double) (now.tv_sec - t->tv_sec) + (double) (now.tv_nsec - t->tv_nsec) / 1e9;
}

static void send_signal(struct launcher *l, int sig)
{
        if (syscall(SYS_pidfd_send_signal, l->pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
                log_warning_errno(-errno, "machine %s: sending signal %d to PID 1", l->name, sig);
}

static int poweroff_signal(const struct launcher *l, int received)
{
        switch (l->m.init_kind) {
        case INIT_STUB:
                return received;        /* the stub passes it on to the command */
        case INIT_SYSTEMD:
                return SIGRTMIN + 3;    /* halt: PID 1 exits, the machine ends */
        case INIT_BUSYBOX:
                return SIGUSR2;         /* busybox init: poweroff */
        default:
                return SIGTERM;
        }
}

static void request_stop(struct launcher *l, int received)
{
        l->stop_requests++;
        if (l->stop_requests > 1 || !l->exec_done) {
                log_info("machine %s: killing it", l->name);
                send_signal(l, SIGKILL);
                return;
        }
        if (l->m.init_kind != INIT_STUB)
                log_info("machine %s: asking PID 1 to power off (%us before it is killed)", l->name,
                         l->s->stop_timeout_sec);
        write_state(l, "closing");
        send_signal(l, poweroff_signal(l, received));
        struct itimerspec its = { .it_value.tv_sec = l->s->stop_timeout_sec };
        (void) timerfd_settime(l->timer_fd, 0, &its, NULL);
}

static void handle_signal(struct launcher *l)
{
        struct signalfd_siginfo si;

        if (read(l->signal_fd, &si, sizeof(si)) != sizeof(si))
                return;
        if (si.ssi_signo == SIGWINCH)
                console_update_winsize(&l->console);
        else
                request_stop(l, (int) si.ssi_signo);
}

static void handle_sync(struct launcher *l)
{
        struct sync_msg msg;
        int fds[SYNC_MAX_FDS];
        size_t n;
        int r = sync_recv(l->sync_fd, &msg, fds, &n);

        if (r <= 0) {
                /* End of file: PID 1 (or the command) exec'd, or the child died. */
                l->sync_fd = safe_close(l->sync_fd);
                l->exec_done = !l->failed;
                if (l->exec_done) {
                        l->ever_started = true;
                        log_debug("machine %s: started in %.1f ms", l->name, seconds_since(&l->boot_start) * 1e3);
                        if (l->m.init_kind == INIT_STUB)
                                write_state(l, "running");
                }
                return;
        }
        if (msg.type == SYNC_ERROR) {
                l->error = msg;
                l->failed = true;
        } else if (msg.type == SYNC_NOTIFY_FD && n == 1)
                l->notify_fd = fds[0];
        else if (msg.type == SYNC_CONSOLE_FDS && n == 2)
                console_attach(&l->console, fds[0], fds[1]);
        else
                for (size_t i = 0; i < n; i++)
                        close(fds[i]);
}

static void handle_notify(struct launcher *l)
{
        if (!notify_receive(l->notify_fd, &l->notify))
                return;
        log_info("machine %s is up (READY=1 after %.2fs)", l->name, seconds_since(&l->boot_start));
        write_state(l, "running");
        (void) notify_upstream("READY=1\nSTATUS=machine is running");
}

enum {
        POLL_SIGNAL,
        POLL_PID,
        POLL_SYNC,
        POLL_NOTIFY,
        POLL_MASTER,
        POLL_STDIN,
        POLL_TIMER,
        _POLL_MAX,
};

/* Supervise one boot until PID 1 is gone; returns its wait status. */
static int supervise(struct launcher *l, siginfo_t *ret)
{
        for (;;) {
                struct pollfd p[_POLL_MAX] = {
                        [POLL_SIGNAL] = { .fd = l->signal_fd, .events = POLLIN },
                        [POLL_PID] = { .fd = l->pidfd, .events = POLLIN },
                        [POLL_SYNC] = { .fd = l->sync_fd, .events = POLLIN },
                        [POLL_NOTIFY] = { .fd = l->notify_fd, .events = POLLIN },
                        [POLL_MASTER] = { .fd = l->console.master, .events = POLLIN },
                        [POLL_STDIN] = { .fd = l->console.stdin_open ? STDIN_FILENO : -1, .events = POLLIN },
                        [POLL_TIMER] = { .fd = l->timer_fd, .events = POLLIN },
                };

                if (poll(p, _POLL_MAX, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (p[POLL_SYNC].revents)
                        handle_sync(l);
                if (p[POLL_SIGNAL].revents & POLLIN)
                        handle_signal(l);
                if (p[POLL_NOTIFY].revents & POLLIN)
                        handle_notify(l);
                if (p[POLL_MASTER].revents & POLLIN)
                        console_forward_output(&l->console);
                if (p[POLL_STDIN].revents & (POLLIN | POLLHUP) && console_forward_input(&l->console)) {
                        log_info("machine %s: ^] pressed three times, killing it", l->name);
                        send_signal(l, SIGKILL);
                }
                if (p[POLL_TIMER].revents & POLLIN) {
                        uint64_t n;
                        (void) !read(l->timer_fd, &n, sizeof(n));
                        log_warning("machine %s did not power off within %us, killing it", l->name,
                                    l->s->stop_timeout_sec);
                        send_signal(l, SIGKILL);
                }
                if (p[POLL_PID].revents & POLLIN) {
                        if (waitid(P_PIDFD, (id_t) l->pidfd, ret, WEXITED) < 0)
                                return -errno;
                        return 0;
                }
        }
}

static pid_t clone_machine(struct launcher *l, int cgroup_fd, int *ret_pidfd)
{
        struct clone_args ca = {
                .flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | CLONE_PIDFD,
                .pidfd = (uint64_t) (uintptr_t) ret_pidfd,
                .exit_signal = SIGCHLD,
        };

        if (cgroup_fd >= 0) {
                ca.flags |= CLONE_INTO_CGROUP;
                ca.cgroup = (uint64_t) cgroup_fd;
        }
        /* clone3 without a stack: fork semantics, in new namespaces. The
         * cgroup namespace comes later, from inside the machine's cgroup. */
        return (pid_t) syscall(SYS_clone3, &ca, sizeof(ca));
}

static int start_child(struct launcher *l)
{
        _cleanup_close_ int cgroup_fd = cgroup_open_fd(&l->cg);
        int sp[2], pidfd = -1;
        bool born_in_cgroup = cgroup_fd >= 0;
        pid_t pid;
        int r;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
                return log_error_errno(-errno, "machine %s: creating the sync socket", l->name);
        clock_gettime(CLOCK_MONOTONIC, &l->boot_start);
        pid = clone_machine(l, cgroup_fd, &pidfd);
        if (pid < 0 && born_in_cgroup && (errno == EINVAL || errno == E2BIG || errno == EOPNOTSUPP)) {
                /* Before 5.7: no CLONE_INTO_CGROUP, move PID 1 afterwards. */
                born_in_cgroup = false;
                pid = clone_machine(l, -1, &pidfd);
        }
        if (pid < 0) {
                r = -errno;
                close(sp[0]);
                close(sp[1]);
                return log_error_errno(r, "machine %s: creating its namespaces", l->name);
        }
        if (pid == 0) {
                close(sp[0]);
                child_run(&l->m, sp[1]);
        }
        close(sp[1]);
        l->leader = pid;
        l->pidfd = pidfd;
        l->sync_fd = sp[0];

        if (!born_in_cgroup) {
                r = cgroup_attach(&l->cg, pid);
                if (r < 0) {
                        send_signal(l, SIGKILL);
                        return log_error_errno(r, "machine %s: moving PID 1 into %s", l->name, l->cg.path);
                }
        }
        /* Here the user-namespace ID maps will be written, before GO. */
        r = sync_send(l->sync_fd, SYNC_GO, NULL, 0);
        if (r < 0) {
                send_signal(l, SIGKILL);
                return log_error_errno(r, "machine %s: starting its first process", l->name);
        }
        write_state(l, "opening");
        return 0;
}

static void end_boot(struct launcher *l)
{
        siginfo_t si;

        /* Whatever is left was said before PID 1 died. */
        while (l->sync_fd >= 0)
                handle_sync(l);
        console_drain(&l->console);
        console_detach(&l->console);
        if (l->pidfd >= 0 && waitid(P_PIDFD, (id_t) l->pidfd, &si, WEXITED | WNOHANG) < 0)
                (void) 0;
        l->pidfd = safe_close(l->pidfd);
        l->notify_fd = safe_close(l->notify_fd);
        l->sync_fd = safe_close(l->sync_fd);
        l->notify = (struct notify_state) {};
        l->exec_done = false;
        l->stop_requests = 0;
        struct itimerspec off = {};
        (void) timerfd_settime(l->timer_fd, 0, &off, NULL);
}

#define EXIT_REBOOT (-1)

/* Map how PID 1 ended to berth's exit status, or EXIT_REBOOT. */
static int boot_result(struct launcher *l, const siginfo_t *si)
{
        bool booted = l->m.init_kind != INIT_STUB;

        if (l->failed) {
                log_error("machine %s: %s: %s", l->name, l->error.text, strerror(-l->error.error));
                return si->si_code == CLD_EXITED && si->si_status != 0 ? si->si_status : 1;
        }
        if (si->si_code == CLD_EXITED) {
                if (booted)
                        log_info("machine %s: PID 1 exited with status %d", l->name, si->si_status);
                return si->si_status;
        }
        /* reboot(2) in a PID namespace kills its PID 1 with SIGHUP to
         * restart, SIGINT to power off or halt. */
        if (booted && si->si_status == SIGHUP)
                return EXIT_REBOOT;
        if (booted && si->si_status == SIGINT) {
                log_info("machine %s powered off", l->name);
                return 0;
        }
        if (booted || l->stop_requests > 0)
                log_info("machine %s: PID 1 was killed by signal %d", l->name, si->si_status);
        return 128 + si->si_status;
}

static int boot_once(struct launcher *l)
{
        siginfo_t si = {};
        int r;

        r = start_child(l);
        if (r < 0) {
                if (l->pidfd >= 0)
                        (void) waitid(P_PIDFD, (id_t) l->pidfd, &si, WEXITED);
                end_boot(l);
                return 1;
        }
        r = supervise(l, &si);
        end_boot(l);
        if (r < 0)
                return log_error_errno(r, "machine %s: waiting for PID 1", l->name), 1;
        return boot_result(l, &si);
}

static int setup_signals(struct launcher *l)
{
        sigset_t mask;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGWINCH);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        (void) signal(SIGPIPE, SIG_IGN);
        l->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC);
        if (l->signal_fd < 0)
                return -errno;
        l->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
        return l->timer_fd < 0 ? -errno : 0;
}

static void teardown(struct launcher *l)
{
        int r;

        console_restore(&l->console);
        r = cgroup_destroy(&l->cg);
        if (r < 0)
                log_warning_errno(r, "machine %s: removing its cgroup %s", l->name, l->cg.path);
        cgroup_done(&l->cg);
        (void) machine_state_remove(l->name);
        if (l->s->upper && l->m.work)
                (void) rm_rf_at(AT_FDCWD, l->m.work);
        /* A machine that never ran leaves no directory behind. */
        if (!l->ever_started && l->made_machine_dir && l->machine_dir)
                (void) rm_rf_at(AT_FDCWD, l->machine_dir);
        machine_unlock(l->name, l->lock_fd);
        safe_close(l->signal_fd);
        safe_close(l->timer_fd);
        free(l->m.init);
        free(l->m.upper);
        free(l->m.work);
        free(l->m.staging);
        free(l->machine_dir);
        strv_free(l->m.own_argv);
}

int launch_run(const struct settings *s)
{
        struct launcher l = {
                .s = s,
                .m.settings = s,
                .lock_fd = -1,
                .console = CONSOLE_INIT,
                .signal_fd = -1,
                .timer_fd = -1,
                .pidfd = -1,
                .sync_fd = -1,
                .notify_fd = -1,
        };
        int status;

        if (geteuid() != 0) {
                log_error("berth must run as root: it creates namespaces, mounts and cgroups (try sudo)");
                return 1;
        }
        if (check_input(&l) < 0 || lock_name(&l) < 0) {
                free(l.m.init);
                strv_free(l.m.own_argv);
                return 1;
        }
        l.console.mode = l.m.console;
        if (prepare_host(&l) < 0 || setup_signals(&l) < 0) {
                teardown(&l);
                return 1;
        }
        if (l.m.console == CONSOLE_INTERACTIVE) {
                log_info("machine %s on %s: press ^] three times within 1s to kill it", l.name, s->directory);
                (void) console_enter_raw(&l.console);
        }
        for (;;) {
                status = boot_once(&l);
                if (status != EXIT_REBOOT)
                        break;
                log_info("machine %s is rebooting", l.name);
                int r = cgroup_destroy(&l.cg);
                if (r >= 0 && l.m.cgroup)
                        r = cgroup_create(&l.cg, l.name);
                if (r < 0) {
                        log_error_errno(r, "machine %s: renewing its cgroup for the reboot", l.name);
                        status = 1;
                        break;
                }
        }
        teardown(&l);
        return status;
}
