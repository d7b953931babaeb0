/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* While the machine runs: one poll loop over signals, PID 1's pidfd, the
 * sync socket, the notify socket, the console and the stop timer. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgutil.h"
#include "control.h"
#include "cleanup.h"
#include "init-control.h"
#include "launcher.h"
#include "log.h"
#include "network.h"
#include "state.h"
#include "tree.h"
#include "util.h"

/* The machine is up: in a while, the launcher joins supervisor/ of the
 * machine's cgroup. Not at once: a process's first migration between
 * cgroups waits for an RCU grace period (~10 ms here), and a machine that
 * ends sooner than that (a quick command) would wait for it too. */
static void machine_is_up(struct launcher *l)
{
        struct itimerspec its = { .it_value.tv_nsec = 100 * 1000 * 1000 };

        /* A stop asked for while it came up is under way: still closing. */
        launcher_write_state(l, l->stop_requests > 0 ? "closing" : "running");
        (void) timerfd_settime(l->settle_fd, 0, &its, NULL);
}

static void join_supervisor(struct launcher *l)
{
        uint64_t n;
        int r;

        (void) !read(l->settle_fd, &n, sizeof(n));
        r = cgroup_account_late(&l->cg);
        if (r < 0)
                log_warning_errno(r, "machine %s: moving its processes into the v1 cgroups that count them, "
                                  "continuing", l->name);
        r = cgroup_enter_supervisor(&l->cg);
        if (r < 0)
                log_warning_errno(r, "machine %s: moving the launcher into %s/supervisor, continuing", l->name,
                                  l->cg.path);
}

static const char *init_kind_to_string(enum init_kind k)
{
        static const char *const names[] = {
                [INIT_STUB] = "stub",
                [INIT_SYSTEMD] = "systemd",
                [INIT_BUSYBOX] = "busybox",
                [INIT_SYSVINIT] = "sysvinit",
                [INIT_OPENRC] = "openrc",
                [INIT_RUNIT] = "runit",
                [INIT_OTHER] = "other",
        };
        return (unsigned) k < ELEMENTSOF(names) ? names[k] : "other";
}

void launcher_write_state(struct launcher *l, const char *state)
{
        char ports[PORTS_MAX * 20] = "", resolv[40], tz[40];

        for (unsigned i = 0, n = 0; i < l->s->net.n_ports && n < sizeof(ports); i++) {
                const struct port_forward *f = &l->s->net.ports[i];
                int k = snprintf(ports + n, sizeof(ports) - n, "%s%s %u %u", n ? " " : "",
                                 f->protocol == IPPROTO_UDP ? "udp" : "tcp", f->host_port, f->machine_port);
                if (k > 0)
                        n += (unsigned) k;
        }
        etc_resolv_text(&l->m.etc, resolv, sizeof(resolv));
        etc_timezone_text(&l->m.etc, tz, sizeof(tz));
        struct machine_state st = {
                .name = l->name,
                .state = state,
                .uuid = l->m.uuid,
                .root = l->s->directory,
                .upper = l->m.upper,
                .cgroup = l->cg.path,
                /* Named from the start, also for a command's machine, which
                 * joins it 0.1 s in: until then it counts nothing. */
                .cgroup_memory = l->cg.v1[CG_V1_MEMORY] ?: l->cg.v1_later[CG_V1_MEMORY],
                .cgroup_blkio = l->cg.v1[CG_V1_BLKIO] ?: l->cg.v1_later[CG_V1_BLKIO],
                .init = l->m.init,
                .leader = l->leader,
                .supervisor = getpid(),
                .ephemeral = l->s->ephemeral,
                .uid_shift = l->m.userns ? (unsigned) l->m.uid_base : 0,
                .uid_range = l->m.userns ? l->m.uid_size : 0,
                .init_kind = init_kind_to_string(l->m.init_kind),
                .registered = l->s->register_mode != REGISTER_NO,
                .stop = l->stop,
                .host_ifname = l->host_ifindex ? l->net.host_ifname : "",
                .host_ifindex = l->host_ifindex,
                .ports = ports,
                .resolv_conf = resolv,
                .timezone = tz,
        };
        int r = machine_state_write(&st);

        if (r < 0)
                log_warning_errno(r, "machine %s: writing its state file, continuing", l->name);
}

double seconds_since(const struct timespec *t)
{
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return (double) (now.tv_sec - t->tv_sec) + (double) (now.tv_nsec - t->tv_nsec) / 1e9;
}

void launcher_send_signal(struct launcher *l, int sig)
{
        if (syscall(SYS_pidfd_send_signal, l->pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
                log_warning_errno(-errno, "machine %s: sending signal %d to PID 1", l->name, sig);
}

/* What PID 1 is sent to end the machine: for SIGTERM/SIGINT/SIGHUP to
 * berth (halt), for SIGUSR2 (poweroff, as berthd asks) and SIGUSR1 (reboot).
 * 0: no signal of its own; the launcher kills PID 1 and boots again. */
static int stop_signal(const struct launcher *l, int received)
{
        bool reboot = received == SIGUSR1, poweroff = received == SIGUSR2;
        int set = reboot ? l->s->reboot_signal : poweroff ? l->s->poweroff_signal : l->s->kill_signal;

        /* Given on the command line or in the machine's settings file. */
        if (set > 0)
                return set;

        switch (l->m.init_kind) {
        case INIT_STUB:
                /* The stub passes a signal on to the command; a reboot of a
                 * command's machine is a fresh start of it. */
                return reboot ? 0 : poweroff ? SIGTERM : received;
        case INIT_SYSTEMD:
                /* ctrl-alt-del (reboot), poweroff, or halt: PID 1 exits. */
                return reboot ? SIGINT : poweroff ? SIGRTMIN + 4 : SIGRTMIN + 3;
        case INIT_BUSYBOX:
                return reboot ? SIGTERM : SIGUSR2;
        case INIT_SYSVINIT:
        case INIT_OPENRC:
        case INIT_RUNIT:
                return SIGTERM;         /* a stand-in: request_stop() asks through init-control.c */
        default:
                return reboot ? 0 : SIGTERM;
        }
}

/* sysvinit and OpenRC on it take no signal for a poweroff: they are
 * asked on /run/initctl, as telinit does; runit ignores SIGTERM and is
 * asked with its stopit file, as runit-init does. Unless a signal was set
 * for the init. */
static bool uses_init_control(const struct launcher *l, int received)
{
        int set = received == SIGUSR1 ? l->s->reboot_signal : received == SIGUSR2 ? l->s->poweroff_signal
                                                                                : l->s->kill_signal;
        enum init_kind k = l->m.init_kind;

        return (k == INIT_SYSVINIT || k == INIT_OPENRC || k == INIT_RUNIT) && set <= 0;
}

/* How: for the log and the state file's STOP=. */
static const char *init_control_text(const struct launcher *l, bool reboot)
{
        if (l->m.init_kind == INIT_RUNIT)
                return reboot ? "runit's stopit and reboot files" : "runit's stopit file";
        return reboot ? "runlevel 6" : "runlevel 0";
}

/* 0: told; -EAGAIN: PID 1 cannot take it yet (runit out of stage 2). */
static int init_control(struct launcher *l, char what)
{
        if (l->m.init_kind == INIT_RUNIT)
                return runit_ask(l->leader, l->pidfd, what == '6');
        return sysvinit_ask_runlevel(l->leader, what);
}

/* Whether PID 1 sleeps in sigtimedwait() for sig (the stub, tini): that
 * unblocks the signals it waits for while it waits, so its SigBlk does
 * not show them. The set is read from its memory, at the call's first
 * argument. */
static bool waits_for(const struct launcher *l, int sig)
{
        _cleanup_free_ char *call = NULL;
        unsigned long long nr, set_addr;
        uint64_t set = 0;
        char path[64];

        snprintf(path, sizeof(path), "/proc/%d/syscall", (int) l->leader);
        if (read_file_at(AT_FDCWD, path, &call, 512) < 0 || sscanf(call, "%llu %llx", &nr, &set_addr) != 2 ||
            nr != SYS_rt_sigtimedwait)
                return false;
        struct iovec local = { .iov_base = &set, .iov_len = sizeof(set) };
        struct iovec remote = { .iov_base = (void *) (uintptr_t) set_addr, .iov_len = sizeof(set) };
        if (process_vm_readv(l->leader, &local, 1, &remote, 1, 0) != (ssize_t) sizeof(set))
                return true;    /* it waits for signals: this one, most likely */
        return (set >> (sig - 1)) & 1;
}

/* Whether PID 1 would get sig now. The kernel drops a signal sent to the
 * init of a PID namespace that neither catches nor blocks it: systemd or
 * the stub right after exec, before they set up their signal handling. */
static bool pid1_takes(const struct launcher *l, int sig)
{
        _cleanup_free_ char *status = NULL;
        unsigned long long mask = 0, m;
        char path[64];

        if (sig < 1 || sig > 64)
                return false;
        snprintf(path, sizeof(path), "/proc/%d/status", (int) l->leader);
        if (read_file_at(AT_FDCWD, path, &status, 8192) < 0)
                return false;
        for (char *line = strtok(status, "\n"); line; line = strtok(NULL, "\n"))
                if ((sscanf(line, "SigBlk: %llx", &m) == 1 || sscanf(line, "SigCgt: %llx", &m) == 1))
                        mask |= m;
        return ((mask >> (sig - 1)) & 1) || waits_for(l, sig);
}

/* Tell PID 1 what is held for it, if it can take it now. */
static bool deliver_held(struct launcher *l)
{
        if (!l->held_signal && !l->held_control)
                return true;
        if (!l->exec_done)
                return false;
        int r = l->held_control ? init_control(l, l->held_control) : 0;
        if (r == -EAGAIN)
                return false;   /* runit in stage 1 or 3: until the stop timeout */
        if (r < 0) {
                /* No FIFO or stopit file 2s after it was asked: an init
                 * that only looks like one. SIGTERM, as for any other
                 * init; SIGPWR for runit, which Debian's powers off on. */
                if (!l->held_since.tv_sec || seconds_since(&l->held_since) < 2)
                        return false;
                l->held_signal = l->m.init_kind == INIT_RUNIT ? SIGPWR : SIGTERM;
                log_debug("machine %s: could not ask its init (%s) after 2s, sending signal %d", l->name,
                          strerror(-r), l->held_signal);
                l->held_control = 0;
        }
        if (l->held_signal) {
                if (!pid1_takes(l, l->held_signal))
                        return false;
                launcher_send_signal(l, l->held_signal);
        }
        if (l->held_since.tv_sec)
                log_debug("machine %s: PID 1 took the request after %.1f ms", l->name,
                          seconds_since(&l->held_since) * 1e3);
        l->held_signal = 0;
        l->held_control = 0;
        l->held_since = (struct timespec) {};
        struct itimerspec off = {};
        (void) timerfd_settime(l->retry_fd, 0, &off, NULL);
        return true;
}

/* A signal or an init_control() request for PID 1: sent now, or held and
 * tried again every 10 ms (and at READY=1) until PID 1 can take it. */
static void tell_pid1(struct launcher *l, int sig, char control)
{
        l->held_signal = sig;
        l->held_control = control;
        l->held_since = (struct timespec) {};
        if (deliver_held(l))
                return;
        clock_gettime(CLOCK_MONOTONIC, &l->held_since);
        struct itimerspec its = { .it_value.tv_nsec = 10 * 1000 * 1000, .it_interval.tv_nsec = 10 * 1000 * 1000 };
        (void) timerfd_settime(l->retry_fd, 0, &its, NULL);
}

static void retry_held(struct launcher *l)
{
        uint64_t n;

        (void) !read(l->retry_fd, &n, sizeof(n));
        (void) deliver_held(l);
}

static void request_reboot(struct launcher *l)
{
        int sig = stop_signal(l, SIGUSR1);

        /* A stop asked for before wins: this machine is going away. */
        if (l->stop_requests > 0) {
                log_info("machine %s is stopping: not rebooting it", l->name);
                return;
        }
        l->reboot_requested = true;
        if (uses_init_control(l, SIGUSR1)) {
                log_info("machine %s: asking PID 1 to reboot (%s)", l->name, init_control_text(l, true));
                tell_pid1(l, 0, '6');
        } else if (sig == 0) {
                log_info("machine %s: rebooting it", l->name);
                launcher_send_signal(l, SIGKILL);
        } else {
                log_info("machine %s: asking PID 1 to reboot", l->name);
                tell_pid1(l, sig, 0);
        }
}

static void request_stop(struct launcher *l, int received)
{
        int sig = stop_signal(l, received);
        bool initctl = uses_init_control(l, received);

        /* A frozen machine (berthctl freeze) cannot stop: thaw it. */
        if (l->cg.path)
                (void) cg_freeze(l->cg.path, false, 0);

        if (received == SIGUSR1) {
                request_reboot(l);
                return;
        }
        /* A stop after a reboot request: the machine does not come back. */
        l->reboot_requested = false;
        l->stop_requests++;
        if (l->stop_requests > 1 || (sig == 0 && !initctl)) {
                log_info("machine %s: killing it", l->name);
                snprintf(l->stop, sizeof(l->stop), "killed with SIGKILL at once");
                launcher_write_state(l, "closing");
                launcher_send_signal(l, SIGKILL);
                return;
        }
        if (initctl) {
                log_info("machine %s: asking PID 1 to power off (%s; %us before it is killed)", l->name,
                         init_control_text(l, false), l->s->stop_timeout_sec);
                snprintf(l->stop, sizeof(l->stop), "asked PID 1 to power off with %s; SIGKILL after %us",
                         init_control_text(l, false), l->s->stop_timeout_sec);
        } else {
                if (l->m.init_kind != INIT_STUB)
                        log_info("machine %s: asking PID 1 to power off (%us before it is killed)", l->name,
                                 l->s->stop_timeout_sec);
                snprintf(l->stop, sizeof(l->stop), "asked PID 1 to end with signal %d; SIGKILL after %us", sig,
                         l->s->stop_timeout_sec);
        }
        launcher_write_state(l, "closing");
        tell_pid1(l, initctl ? 0 : sig, initctl ? '0' : 0);
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

bool launcher_stop_came(struct launcher *l)
{
        struct pollfd p = { .fd = l->signal_fd, .events = POLLIN };
        struct signalfd_siginfo si;
        bool stop = false;

        while (poll(&p, 1, 0) > 0 && read(l->signal_fd, &si, sizeof(si)) == sizeof(si)) {
                if (si.ssi_signo == SIGWINCH)
                        console_update_winsize(&l->console);
                else if (si.ssi_signo != SIGUSR1)
                        stop = true;
        }
        return stop;
}

void launcher_handle_sync(struct launcher *l)
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
                        /* Who PID 1 is, for a supervisor that looks inside
                         * (boot-test); service managers ignore the field. */
                        char leader_msg[64];
                        snprintf(leader_msg, sizeof(leader_msg), "BERTH_LEADER=%d", (int) l->leader);
                        (void) notify_upstream(leader_msg);
                        network_started(l);
                        /* Only systemd says READY=1; for anything else running
                         * starts with exec. --notify-ready=no: berth's own
                         * READY=1 does not wait for systemd's. */
                        if (l->m.init_kind != INIT_SYSTEMD) {
                                machine_is_up(l);
                                (void) notify_upstream("READY=1\nSTATUS=machine is running");
                        } else if (l->s->ready_at_exec)
                                (void) notify_upstream("READY=1\nSTATUS=machine is starting");
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
        /* Ready: its signal handling is set up, whatever waits can go. */
        (void) deliver_held(l);
        machine_is_up(l);
        (void) notify_upstream(l->s->ready_at_exec ? "STATUS=machine is running"
                                                   : "READY=1\nSTATUS=machine is running");
}

enum {
        POLL_SIGNAL,
        POLL_PID,
        POLL_SYNC,
        POLL_NOTIFY,
        POLL_MASTER,
        POLL_STDIN,
        POLL_TIMER,
        POLL_SETTLE,
        POLL_RETRY,
        POLL_CONTROL,
        _POLL_MAX,
};

int launcher_supervise(struct launcher *l, siginfo_t *ret)
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
                        [POLL_SETTLE] = { .fd = l->settle_fd, .events = POLLIN },
                        [POLL_RETRY] = { .fd = l->retry_fd, .events = POLLIN },
                        [POLL_CONTROL] = { .fd = l->control_fd, .events = POLLIN },
                };

                if (poll(p, _POLL_MAX, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (p[POLL_SYNC].revents)
                        launcher_handle_sync(l);
                if (p[POLL_SIGNAL].revents & POLLIN)
                        handle_signal(l);
                if (p[POLL_NOTIFY].revents & POLLIN)
                        handle_notify(l);
                if (p[POLL_MASTER].revents & POLLIN)
                        console_forward_output(&l->console);
                if (p[POLL_STDIN].revents & (POLLIN | POLLHUP) && console_forward_input(&l->console)) {
                        log_info("machine %s: ^] pressed three times, killing it", l->name);
                        launcher_send_signal(l, SIGKILL);
                }
                if (p[POLL_TIMER].revents & POLLIN) {
                        uint64_t n;
                        (void) !read(l->timer_fd, &n, sizeof(n));
                        log_warning("machine %s did not power off within %us, killing it", l->name,
                                    l->s->stop_timeout_sec);
                        snprintf(l->stop, sizeof(l->stop), "did not end within %us: killed with SIGKILL",
                                 l->s->stop_timeout_sec);
                        launcher_write_state(l, "closing");
                        launcher_send_signal(l, SIGKILL);
                }
                if (p[POLL_SETTLE].revents & POLLIN)
                        join_supervisor(l);
                if (p[POLL_RETRY].revents & POLLIN)
                        retry_held(l);
                if (p[POLL_CONTROL].revents & POLLIN)
                        control_handle(l);
                if (p[POLL_PID].revents & POLLIN) {
                        if (waitid(P_PIDFD, (id_t) l->pidfd, ret, WEXITED) < 0)
                                return -errno;
                        return 0;
                }
        }
}
