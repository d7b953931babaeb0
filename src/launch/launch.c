/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The launcher's course: check and prepare (prepare.c), start the machine's
 * first process in new namespaces, supervise it (supervise.c), start it
 * again after a reboot, and take everything down at the end. */
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

#include "apifs.h"
#include "cleanup.h"
#include "control.h"
#include "filter-file.h"
#include "journal-link.h"
#include "launcher.h"
#include "log.h"
#include "machined.h"
#include "mnt.h"
#include "network.h"
#include "paths.h"
#include "state.h"
#include "userns.h"
#include "util.h"

static pid_t clone_machine(struct launcher *l, int cgroup_fd, int *ret_pidfd)
{
        bool own_net = !l->s->net.namespace_path;
        struct clone_args ca = {
                .flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | (own_net ? CLONE_NEWNET : 0) | CLONE_NEWPID |
                         CLONE_PIDFD | (l->m.userns ? CLONE_NEWUSER : 0),
                .pidfd = (uint64_t) (uintptr_t) ret_pidfd,
                .exit_signal = SIGCHLD,
        };

        if (cgroup_fd >= 0) {
                ca.flags |= CLONE_INTO_CGROUP;
                ca.cgroup = (uint64_t) cgroup_fd;
        }
        /* clone3 without a stack: fork semantics, in new namespaces. The
         * cgroup namespace comes later, from inside the machine's cgroup. */
        if (own_net)
                return (pid_t) syscall(SYS_clone3, &ca, sizeof(ca));
        /* --network-namespace-path: the child is born in it (joining it
         * from inside a new user namespace is not allowed). */
        _cleanup_close_ int host = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int join = open(l->s->net.namespace_path, O_RDONLY | O_CLOEXEC);
        if (host < 0 || join < 0 || syscall(SYS_setns, join, CLONE_NEWNET) < 0)
                return -1;
        /* Its sysfs, which the child inherits and attaches. */
        if (l->m.userns && l->m.sysfs_fd < 0)
                l->m.sysfs_fd = apifs_sysfs_new();
        pid_t pid = (pid_t) syscall(SYS_clone3, &ca, sizeof(ca));
        if (pid == 0)
                return 0;
        int saved = errno;
        if (syscall(SYS_setns, host, CLONE_NEWNET) < 0)
                abort();        /* the launcher cannot be left in the machine's network */
        errno = saved;
        return pid;
}

/* The mounts only the host can make, for the child to attach: the tree
 * idmapped into the machine's user namespace (when the child does not open
 * it itself), then each bind, made read-only and idmapped as asked, then
 * each device node. */
static int make_handed_mounts(struct launcher *l, int fds[SYNC_MAX_FDS], size_t *ret_n)
{
        _cleanup_close_ int userns_fd = -EBADF;
        size_t n = 0;
        int r;

        if (l->m.userns) {
                char path[64];
                snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) l->leader);
                userns_fd = open(path, O_RDONLY | O_CLOEXEC);
                if (userns_fd < 0)
                        return log_error_errno(-errno, "machine %s: opening its user namespace", l->name);
        }
        if (!l->m.lower) {
                /* A layered image's layers all at once: their directory. */
                const char *tree = l->s->layers ? l->s->layers_root : l->s->directory;
                r = mnt_clone_mapped(tree, userns_fd, false);
                if (r == -EINVAL || r == -EPERM || r == -EOPNOTSUPP) {
                        log_error("machine %s: %s is on a file system that cannot be idmapped into the machine's "
                                  "user namespace: use --private-users-ownership=chown (a shifted copy of the tree) "
                                  "or --private-users=no", l->name, tree);
                        return r;
                }
                if (r < 0)
                        return log_error_errno(r, "machine %s: idmapping %s", l->name, tree);
                fds[n++] = r;
        }
        if (l->m.ephemeral_fd >= 0) {
                /* A clone per boot: the launcher keeps the original, so the
                 * layer outlives a reboot. */
                r = mnt_clone(l->m.ephemeral_fd, "", false);
                if (r < 0) {
                        for (size_t k = 0; k < n; k++)
                                close(fds[k]);
                        return log_error_errno(r, "machine %s: cloning its tmpfs layer", l->name);
                }
                fds[n++] = r;
        }
        for (size_t i = 0; i < l->s->n_binds; i++) {
                const struct bind *b = &l->s->binds[i];

                r = mnt_clone_mapped(b->source, b->idmap ? userns_fd : -EBADF, b->read_only);
                if (r < 0) {
                        for (size_t k = 0; k < n; k++)
                                close(fds[k]);
                        return log_error_errno(r, "machine %s: binding %s%s", l->name, b->source,
                                               b->idmap && userns_fd >= 0 ? " (idmapped)" : "");
                }
                fds[n++] = r;
        }
        for (size_t i = 0; i < l->m.devices.n; i++) {
                r = devices_clone(&l->m.devices, i);
                if (r < 0) {
                        for (size_t k = 0; k < n; k++)
                                close(fds[k]);
                        return log_error_errno(r, "machine %s: binding %s", l->name, l->m.devices.list[i].path);
                }
                fds[n++] = r;
        }
        if (l->m.journal_source) {
                /* Idmapped: the machine's journald writes as the host's root. */
                r = mnt_clone_mapped(l->m.journal_source, userns_fd, false);
                if (r < 0) {
                        for (size_t k = 0; k < n; k++)
                                close(fds[k]);
                        return log_error_errno(r, "machine %s: binding its journal %s", l->name,
                                               l->m.journal_source);
                }
                fds[n++] = r;
        }
        if (l->m.lxcfs) {
                r = mnt_clone_mapped(l->m.lxcfs, -EBADF, true);
                if (r < 0) {
                        for (size_t k = 0; k < n; k++)
                                close(fds[k]);
                        return log_error_errno(r, "machine %s: binding lxcfs's %s", l->name, l->m.lxcfs);
                }
                fds[n++] = r;
        }
        *ret_n = n;
        return 0;
}

static int start_child(struct launcher *l)
{
        _cleanup_close_ int cgroup_fd = cgroup_payload_fd(&l->cg);
        int sp[2], pidfd = -1;
        bool born_in_cgroup = cgroup_fd >= 0;
        pid_t pid;
        int r;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
                return log_error_errno(-errno, "machine %s: creating the sync socket", l->name);
        l->notify.root_uid = l->m.userns ? l->m.uid_base : 0;
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

        /* v1 hierarchies (and cgroup2 before 5.7) need a migration. */
        r = cgroup_attach_payload(&l->cg, pid, born_in_cgroup);
        if (r < 0) {
                launcher_send_signal(l, SIGKILL);
                return log_error_errno(r, "machine %s: moving PID 1 into its cgroup", l->name);
        }
        if (l->m.userns) {
                /* Before GO: the child does nothing that depends on them
                 * until it gets there. */
                r = userns_write_maps(pid, l->m.uid_base, l->m.uid_size);
                if (r < 0) {
                        launcher_send_signal(l, SIGKILL);
                        return log_error_errno(r, "machine %s: writing its UID/GID maps", l->name);
                }
        }
        r = network_up(l);
        if (r < 0) {
                launcher_send_signal(l, SIGKILL);
                return r;
        }
        int fds[SYNC_MAX_FDS];
        size_t n_fds = 0;
        r = make_handed_mounts(l, fds, &n_fds);
        if (r < 0) {
                launcher_send_signal(l, SIGKILL);
                return r;
        }
        r = sync_send(l->sync_fd, SYNC_GO, fds, n_fds);
        for (size_t i = 0; i < n_fds; i++)
                close(fds[i]);
        /* The checks' merged layers end while the child goes on. */
        l->tree_fd = safe_close(l->tree_fd);
        if (r < 0) {
                launcher_send_signal(l, SIGKILL);
                return log_error_errno(r, "machine %s: starting its first process", l->name);
        }
        launcher_write_state(l, "opening");
        r = machined_register(l);
        if (r < 0) {
                launcher_send_signal(l, SIGKILL);
                return r;
        }
        return 0;
}

static void end_boot(struct launcher *l)
{
        siginfo_t si;

        /* Whatever is left was said before PID 1 died. */
        while (l->sync_fd >= 0)
                launcher_handle_sync(l);
        console_drain(&l->console);
        console_detach(&l->console);
        /* Reap PID 1 if the loop ended before it did. */
        if (l->pidfd >= 0)
                (void) waitid(P_PIDFD, (id_t) l->pidfd, &si, WEXITED | WNOHANG);
        l->pidfd = safe_close(l->pidfd);
        machined_unregister(l);
        /* The veth went with PID 1's namespace; the rules go now. */
        network_down(l);
        /* An EXIT_STATUS= sent just before PID 1 ended is still there. */
        notify_drain(l->notify_fd, &l->notify);
        l->notified_exit = l->notify.exit_status;
        l->notify_fd = safe_close(l->notify_fd);
        l->sync_fd = safe_close(l->sync_fd);
        l->notify = (struct notify_state) NOTIFY_STATE_INIT;
        l->exec_done = false;
        l->held_signal = 0;
        l->held_control = 0;
        struct itimerspec off = {};
        (void) timerfd_settime(l->timer_fd, 0, &off, NULL);
        (void) timerfd_settime(l->settle_fd, 0, &off, NULL);
        (void) timerfd_settime(l->retry_fd, 0, &off, NULL);
}

#define EXIT_REBOOT (-1)

/* Map how PID 1 ended to berth's exit status, or EXIT_REBOOT. */
static int boot_result(struct launcher *l, const siginfo_t *si)
{
        bool booted = l->m.init_kind != INIT_STUB;

        if (l->reboot_requested && !l->failed && l->stop_requests == 0) {
                l->reboot_requested = false;
                return EXIT_REBOOT;
        }
        if (l->failed) {
                /* Error 0: the child's text is a whole sentence. */
                if (l->error.error)
                        log_error("machine %s: %s: %s", l->name, l->error.text, strerror(-l->error.error));
                else
                        log_error("machine %s: %s", l->name, l->error.text);
                return si->si_code == CLD_EXITED && si->si_status != 0 ? si->si_status : 1;
        }
        /* systemd >= 254 says EXIT_STATUS=N for systemctl exit N and ends
         * as for a poweroff; a status PID 1 exits with itself wins. */
        bool killed = si->si_code != CLD_EXITED;
        bool rebooted = booted && killed && si->si_status == SIGHUP && l->stop_requests == 0;
        bool powered_off = booted && killed && (si->si_status == SIGINT || si->si_status == SIGHUP);
        if (l->notified_exit >= 0 && !rebooted && ((!killed && si->si_status == 0) || powered_off)) {
                log_info("machine %s: ended with EXIT_STATUS=%d", l->name, l->notified_exit);
                return l->notified_exit;
        }
        if (si->si_code == CLD_EXITED) {
                if (booted)
                        log_info("machine %s: PID 1 exited with status %d", l->name, si->si_status);
                return si->si_status;
        }
        /* reboot(2) in a PID namespace kills its PID 1 with SIGHUP to
         * restart, SIGINT to power off or halt. */
        if (booted && si->si_status == SIGHUP && l->stop_requests == 0)
                return EXIT_REBOOT;
        if (booted && (si->si_status == SIGINT || si->si_status == SIGHUP)) {
                log_info("machine %s powered off", l->name);
                return 0;
        }
        if (booted || l->stop_requests > 0)
                log_info("machine %s: PID 1 was killed by signal %d", l->name, si->si_status);
        return 128 + si->si_status;
}

/* What the machine's cgroup counted, said once the machine is gone. */
static void report_usage(struct launcher *l)
{
        struct cgroup_usage u;

        /* Only when there is something to say: reading the counters costs
         * more than a short command's whole teardown. */
        if (!l->m.cgroup || (!l->limits.memory_max && log_get_level() < LOG_LEVEL_DEBUG))
                return;
        if (cgroup_usage(&l->cg, &u) < 0)
                return;
        if (u.oom_kills > 0)
                log_warning("machine %s: the OOM killer killed %lld process%s at its memory limit of %llu bytes",
                            l->name, (long long) u.oom_kills, u.oom_kills == 1 ? "" : "es",
                            (unsigned long long) l->limits.memory_max);
        log_debug("machine %s: CPU %.3fs, memory peak %lld bytes", l->name,
                  u.cpu_usec < 0 ? -1.0 : (double) u.cpu_usec / 1e6, (long long) u.memory_peak);
}

static int boot_once(struct launcher *l)
{
        siginfo_t si = {};
        int r;

        /* A stop of the boot before is over: boot_result() has seen it. */
        l->stop_requests = 0;
        l->stop[0] = 0;
        r = start_child(l);
        if (r < 0) {
                /* The child was killed before GO: its end of the sync socket
                 * closes, and that is no exec. */
                l->failed = true;
                if (l->pidfd >= 0)
                        (void) waitid(P_PIDFD, (id_t) l->pidfd, &si, WEXITED);
                end_boot(l);
                return 1;
        }
        /* From here a v1 hierarchy joined (set-property) takes the
         * machine's processes along. */
        l->cg.live = true;
        r = launcher_supervise(l, &si);
        end_boot(l);
        report_usage(l);
        if (r < 0)
                return log_error_errno(r, "machine %s: waiting for PID 1", l->name), 1;
        return boot_result(l, &si);
}

void launcher_signal_mask(sigset_t *ret)
{
        sigemptyset(ret);
        sigaddset(ret, SIGTERM);
        sigaddset(ret, SIGINT);
        sigaddset(ret, SIGHUP);
        sigaddset(ret, SIGWINCH);
        sigaddset(ret, SIGUSR1);        /* reboot, as berthd asks */
        sigaddset(ret, SIGUSR2);        /* poweroff, as berthd asks */
}

static int setup_signals(struct launcher *l)
{
        sigset_t mask;

        /* Blocked since main() began: what came meanwhile is read now. */
        launcher_signal_mask(&mask);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        (void) signal(SIGPIPE, SIG_IGN);
        l->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC);
        if (l->signal_fd < 0)
                return -errno;
        l->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
        if (l->timer_fd < 0)
                return -errno;
        l->settle_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
        if (l->settle_fd < 0)
                return -errno;
        l->retry_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
        return l->retry_fd < 0 ? -errno : 0;
}

static void teardown(struct launcher *l)
{
        int r;

        console_restore(&l->console);
        r = cgroup_destroy(&l->cg);
        if (r < 0)
                log_warning_errno(r, "machine %s: removing its cgroup %s", l->name, l->cg.path);
        cgroup_done(&l->cg);
        free(l->devices);
        (void) machine_state_remove(l->name);
        (void) machine_filter_remove(l->name);
        journal_link_undo(l);
        if (l->s->upper && l->m.work)
                (void) rm_rf_at(AT_FDCWD, l->m.work);
        /* A machine that never ran leaves no directory behind. */
        if (!l->ever_started && l->made_machine_dir && l->machine_dir)
                (void) rm_rf_at(AT_FDCWD, l->machine_dir);
        safe_close(l->m.ephemeral_fd);
        safe_close(l->tree_fd);
        free(l->m.journal_source);
        free(l->m.lxcfs);
        devices_done(&l->m.devices);
        shift_cleanup(l);
        uid_range_release(&l->range);
        network_release(l);
        control_close(l);
        machine_unlock(l->name, l->lock_fd);
        safe_close(l->signal_fd);
        safe_close(l->timer_fd);
        safe_close(l->settle_fd);
        safe_close(l->retry_fd);
        free(l->m.init);
        free(l->m.stub);
        free(l->m.lower);
        free(l->m.upper);
        free(l->m.host0_network);
        safe_close(l->m.sysfs_fd);
        free(l->m.work);
        free(l->m.staging);
        seccomp_program_done(&l->m.filter);
        free(l->machine_dir);
        strv_free(l->m.own_argv);
}

int launch_run(const struct settings *s)
{
        struct launcher l = {
                .s = s,
                .m.settings = s,
                .m.ephemeral_fd = -1,
                .m.sysfs_fd = -1,
                .m.devices = MACHINE_DEVICES_INIT,
                .range = UID_RANGE_INIT,
                .net = NET_PLAN_INIT,
                .lock_fd = -1,
                .tree_fd = -1,
                .console = CONSOLE_INIT,
                .signal_fd = -1,
                .control_fd = -1,
                .timer_fd = -1,
                .settle_fd = -1,
                .retry_fd = -1,
                .pidfd = -1,
                .sync_fd = -1,
                .notify_fd = -1,
                .notify = NOTIFY_STATE_INIT,
                .notified_exit = -1,
        };
        int status, r;

        if (geteuid() != 0) {
                log_error("berth must run as root: it creates namespaces, mounts and cgroups (try sudo)");
                return 1;
        }
        if (launcher_check_input(&l) < 0 || launcher_lock_name(&l) < 0) {
                safe_close(l.tree_fd);
                free(l.m.init);
                free(l.m.stub);
                strv_free(l.m.own_argv);
                return 1;
        }
        l.console.mode = l.m.console;
        if (launcher_prepare_host(&l) < 0 || setup_signals(&l) < 0) {
                teardown(&l);
                return 1;
        }
        /* berthctl set-property reaches the machine's cgroup through it
         * (by way of berthd, which lists no --register=no machine);
         * without, the machine runs on and only that cannot be done. */
        if (l.cg.path && s->register_mode != REGISTER_NO && (r = control_open(&l)) < 0)
                log_warning("machine %s: no control socket (%s): set-property will not reach it", l.name,
                            strerror(-r));
        if (l.m.console == CONSOLE_INTERACTIVE) {
                log_info("machine %s on %s: press ^] three times within 1s to kill it", l.name, s->directory);
                (void) console_enter_raw(&l.console);
        }
        for (;;) {
                status = boot_once(&l);
                if (status != EXIT_REBOOT)
                        break;
                /* berthctl reboot; berthctl poweroff: the poweroff may come
                 * while PID 1 is gone. It is kept: no second boot. */
                if (launcher_stop_came(&l)) {
                        log_info("machine %s was asked to stop while it rebooted: not starting it again", l.name);
                        status = 0;
                        break;
                }
                log_info("machine %s is rebooting", l.name);
                r = l.m.cgroup ? cgroup_renew(&l.cg, l.name) : 0;
                if (r < 0) {
                        log_error_errno(r, "machine %s: renewing its cgroup for the reboot", l.name);
                        status = 1;
                        break;
                }
        }
        teardown(&l);
        return status;
}
