/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "machine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "osrelease.h"
#include "state.h"
#include "berthfile.h"
#include "cgutil.h"
#include "control-socket.h"
#include "resources.h"
#include "util.h"

int machine_load(struct manager *mgr, const char *name, struct machine **ret)
{
        _cleanup_(machine_state_done) struct machine_state st = {};
        struct machine *m;
        int r;

        r = machine_state_read(name, &st);
        if (r < 0)
                return r;
        if (!st.registered)
                return -ENOENT;
        if (!st.launcher_alive)
                return -ESTALE;
        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        *m = (struct machine) {
                .manager = mgr,
                .name = strdup(name),
                .state = strdup(st.state),
                .uuid = strdup(st.uuid),
                .root = strdup(st.root),
                .upper = strdup(st.upper),
                .cgroup = strdup(st.cgroup),
                .cgroup_memory = strdup(st.cgroup_memory),
                .cgroup_blkio = strdup(st.cgroup_blkio ?: ""),
                .host_ifname = strdup(st.host_ifname),
                .host_ifindex = st.host_ifindex,
                .ports = strdup(st.ports),
                .resolv_conf = strdup(st.resolv_conf),
                .timezone = strdup(st.timezone),
                .init = strdup(st.init),
                .init_kind = strdup(st.init_kind),
                .stop = strdup(st.stop),
                .leader = st.leader,
                .supervisor = st.supervisor,
                .uid_shift = st.uid_shift,
                .uid_range = st.uid_range,
                .supervisor_fd = -1,
        };
        if (!m->name || !m->state || !m->uuid || !m->root || !m->upper || !m->cgroup || !m->cgroup_memory || !m->cgroup_blkio || !m->init ||
            !m->init_kind || !m->stop || !m->host_ifname || !m->ports ||
            !m->resolv_conf || !m->timezone) {
                machine_free(m);
                return -ENOMEM;
        }
        m->frozen = m->cgroup[0] && cg_frozen(m->cgroup) == 1;
        *ret = m;
        return 0;
}

static void swap_str(char **a, char **b)
{
        char *t = *a;
        *a = *b;
        *b = t;
}

bool machine_update(struct machine *m, const struct machine *fresh_const)
{
        struct machine *fresh = (struct machine *) fresh_const;
        bool changed = !streq(m->state, fresh->state) || !streq(m->stop, fresh->stop) || m->frozen != fresh->frozen;

        swap_str(&m->state, &fresh->state);
        swap_str(&m->stop, &fresh->stop);
        swap_str(&m->cgroup, &fresh->cgroup);
        swap_str(&m->cgroup_memory, &fresh->cgroup_memory);
        swap_str(&m->cgroup_blkio, &fresh->cgroup_blkio);
        swap_str(&m->init, &fresh->init);
        swap_str(&m->init_kind, &fresh->init_kind);
        swap_str(&m->uuid, &fresh->uuid);
        swap_str(&m->host_ifname, &fresh->host_ifname);
        swap_str(&m->ports, &fresh->ports);
        swap_str(&m->resolv_conf, &fresh->resolv_conf);
        swap_str(&m->timezone, &fresh->timezone);
        m->host_ifindex = fresh->host_ifindex;
        m->frozen = fresh->frozen;
        m->leader = fresh->leader;
        m->uid_shift = fresh->uid_shift;
        m->uid_range = fresh->uid_range;
        return changed;
}

struct machine *machine_free(struct machine *m)
{
        if (!m)
                return NULL;
        sd_event_source_disable_unref(m->exit_source);
        safe_close(m->supervisor_fd);
        free(m->name);
        free(m->state);
        free(m->uuid);
        free(m->root);
        free(m->upper);
        free(m->cgroup);
        free(m->cgroup_memory);
        free(m->cgroup_blkio);
        free(m->host_ifname);
        free(m->ports);
        free(m->resolv_conf);
        free(m->timezone);
        free(m->init);
        free(m->init_kind);
        free(m->stop);
        strv_free(m->binds);
        free(m);
        return NULL;
}

static int signal_pid(pid_t pid, int sig)
{
        int fd = (int) syscall(SYS_pidfd_open, pid, 0);
        int r = 0;

        if (fd < 0)
                return -errno;
        if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0)
                r = -errno;
        close(fd);
        return r;
}

static void signal_procs(int dir_fd, void *userdata)
{
        _cleanup_free_ char *procs = NULL;
        int sig = *(int *) userdata;

        if (read_file_at(dir_fd, "cgroup.procs", &procs, 1 << 20) < 0)
                return;
        for (char *p = strtok(procs, "\n"); p; p = strtok(NULL, "\n")) {
                unsigned pid;
                if (parse_uint(p, &pid) >= 0)
                        (void) kill((pid_t) pid, sig);
        }
}

int machine_kill(struct machine *m, enum kill_whom who, int sig)
{
        char path[4200];
        _cleanup_close_ int fd = -EBADF;

        if (who == KILL_LEADER || !m->cgroup[0])
                return m->leader > 0 ? signal_pid(m->leader, sig) : -ESRCH;
        snprintf(path, sizeof(path), "%s/payload", m->cgroup);
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* Every process in every cgroup of the machine. */
        return cg_walk(fd, signal_procs, &sig);
}

int machine_freeze(struct machine *m, bool freeze)
{
        int r;

        if (!m->cgroup[0])
                return -EOPNOTSUPP;
        if (freeze && streq(m->state, "closing"))
                return -ESHUTDOWN;
        r = cg_freeze(m->cgroup, freeze, 5000);
        if (r < 0 && r != -ETIMEDOUT)
                return r;
        m->frozen = cg_frozen(m->cgroup) == 1;
        return r;
}

int machine_set_properties(struct machine *m, char *const *assignments, bool runtime, char *why, size_t size)
{
        struct cgroup_limits changes = {};
        char request[MACHINE_CONTROL_MESSAGE_MAX], reply[1024], why_buf[256];
        size_t len = (size_t) snprintf(request, sizeof(request), "set-property\n");
        int r;

        why[0] = 0;
        for (char *const *a = assignments; a && *a; a++) {
                const char *eq = strchr(*a, '='), *w;
                char name[64];

                if (!eq || (size_t) (eq - *a) >= sizeof(name)) {
                        snprintf(why, size, "%s: expected NAME=VALUE, as MemoryMax=1G", *a);
                        return -EINVAL;
                }
                memcpy(name, *a, (size_t) (eq - *a));
                name[eq - *a] = 0;
                if (limits_assign(&changes, name, eq + 1, why_buf, sizeof(why_buf), &w) < 0) {
                        snprintf(why, size, "%s: %s", *a, w);
                        return -EINVAL;
                }
                len += (size_t) snprintf(request + len, sizeof(request) - len, "%s\n", *a);
                if (len >= sizeof(request))
                        return -E2BIG;
        }
        if (!changes.set) {
                snprintf(why, size, "no property given");
                return -EINVAL;
        }
        r = machine_control_request(m->name, request, reply, sizeof(reply), 10000);
        if (r < 0) {
                snprintf(why, size, "its launcher does not answer on its control socket: %s", strerror(-r));
                return r;
        }
        if (!streq(reply, "ok")) {
                snprintf(why, size, "%s", startswith(reply, "error: ") ? reply + 7 : reply);
                return -EIO;
        }
        if (runtime)
                return 0;
        r = berthfile_set_limits(m->name, &changes);
        if (r < 0)
                snprintf(why, size, "applied, but not written to its settings file: %s", strerror(-r));
        return r;
}

const char *machine_state_name(const struct machine *m)
{
        return m->frozen ? "frozen" : m->state;
}

/* A frozen init cannot act on a stop: thawed first (the launcher thaws
 * it too, for a stop that does not come through berthd). */
static int signal_launcher(struct machine *m, int sig)
{
        if (m->supervisor <= 0)
                return -ESRCH;
        if (m->frozen)
                (void) machine_freeze(m, false);
        return signal_pid(m->supervisor, sig);
}

int machine_poweroff(struct machine *m)
{
        return signal_launcher(m, SIGUSR2);
}

int machine_reboot(struct machine *m)
{
        return signal_launcher(m, SIGUSR1);
}

int machine_terminate(struct machine *m)
{
        /* PID 1 gone, the kernel kills the rest of the PID namespace; the
         * launcher then takes everything down. */
        return machine_kill(m, KILL_LEADER, SIGKILL);
}

/* The memory the machine uses, or its limit (-1: no limit, or not
 * counted): cgroup2's, else the v1 memory controller's that the launcher
 * named (hybrid hosts). */
static int64_t machine_memory(const struct machine *m, bool limit)
{
        int64_t v;

        if (m->cgroup[0] && (v = cg_read_number(m->cgroup, limit ? "memory.max" : "memory.current", NULL)) >= 0) {
                /* memory.max says "max" without a limit (strtoll: 0). */
                if (limit && v == 0)
                        return -1;
                return v;
        }
        if (!m->cgroup_memory[0])
                return -1;
        v = cg_read_number(m->cgroup_memory, limit ? "memory.limit_in_bytes" : "memory.usage_in_bytes", NULL);
        /* v1 says "no limit" with the largest page count it has. */
        if (limit && v >= INT64_C(1) << 62)
                return -1;
        return v;
}

/* The interface counters of the veth's host side, seen from the machine:
 * what the host side sent, the machine received. */
static int64_t machine_net_bytes(const struct machine *m, bool received)
{
        _cleanup_free_ char *text = NULL;
        char path[128];

        if (!m->host_ifname[0] || strchr(m->host_ifname, '/'))
                return -1;
        snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", m->host_ifname,
                 received ? "tx_bytes" : "rx_bytes");
        if (read_file_at(AT_FDCWD, path, &text, 32) < 0)
                return -1;
        return strtoll(text, NULL, 10);
}

int64_t machine_counter(const struct machine *m, enum machine_counter c)
{
        int64_t v;

        switch (c) {
        case MACHINE_MEMORY_CURRENT:
                return machine_memory(m, false);
        case MACHINE_MEMORY_MAX:
                return machine_memory(m, true);
        case MACHINE_CPU_USAGE_NSEC:
                if (!m->cgroup[0])
                        return -1;
                v = cg_read_number(m->cgroup, "cpu.stat", "usage_usec");
                return v < 0 ? -1 : v * 1000;
        case MACHINE_TASKS_CURRENT: {
                if (!m->cgroup[0])
                        return -1;
                _cleanup_close_ int fd = open(m->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                return fd < 0 ? -1 : cg_count_threads(fd);
        }
        case MACHINE_NET_RX:
        case MACHINE_NET_TX:
                return machine_net_bytes(m, c == MACHINE_NET_RX);
        case MACHINE_MEMORY_PEAK:
                if (m->cgroup[0] && (v = cg_read_number(m->cgroup, "memory.peak", NULL)) >= 0)
                        return v;
                return m->cgroup_memory[0] ? cg_read_number(m->cgroup_memory, "memory.max_usage_in_bytes", NULL)
                                           : -1;
        case MACHINE_OOM_KILLS: {
                char payload[4200];
                if (m->cgroup[0] && (v = cg_read_number(m->cgroup, "memory.events", "oom_kill")) >= 0)
                        return v;
                if (!m->cgroup_memory[0])
                        return -1;
                /* v1 counts OOM kills where they happened: in payload/. */
                snprintf(payload, sizeof(payload), "%s/payload", m->cgroup_memory);
                return cg_read_number(payload, "memory.oom_control", "oom_kill");
        }
        case MACHINE_IO_READ:
        case MACHINE_IO_WRITE:
                return cg_io_bytes(m->cgroup, m->cgroup_blkio, c == MACHINE_IO_WRITE);
        }
        return -1;
}

/* Resolved inside the root of the machine's PID 1, so that the machine's
 * symlinks cannot point berthd at the host's files. */
int machine_os_release(const struct machine *m, char **ret)
{
        _cleanup_close_ int root = -EBADF;
        char path[64];

        snprintf(path, sizeof(path), "/proc/%d/root", (int) m->leader);
        root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return -errno;
        return os_release_read(root, ret);
}

/* Runs in a child of berthd that entered the machine's network namespace:
 * one struct machine_address per address to fd. */
static int write_addresses(int fd)
{
        struct ifaddrs *ifa = NULL;

        if (getifaddrs(&ifa) < 0)
                return -errno;
        for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
                struct machine_address a = { .family = i->ifa_addr ? i->ifa_addr->sa_family : 0 };

                if (a.family == AF_INET)
                        memcpy(a.bytes, &((struct sockaddr_in *) i->ifa_addr)->sin_addr, 4);
                else if (a.family == AF_INET6)
                        memcpy(a.bytes, &((struct sockaddr_in6 *) i->ifa_addr)->sin6_addr, 16);
                else
                        continue;
                if (write(fd, &a, sizeof(a)) != (ssize_t) sizeof(a))
                        return -EIO;
        }
        freeifaddrs(ifa);
        return 0;
}

/* As the machine's own network namespace has them: a child enters it,
 * so that berthd stays in its own, and lists them with getifaddrs(). */
int machine_addresses(const struct machine *m, struct machine_address **ret, size_t *ret_n)
{
        enum { MAX_ADDRESSES = 512 };
        _cleanup_close_ int ns = -EBADF, rd = -EBADF;
        _cleanup_free_ struct machine_address *l = NULL;
        char path[64];
        int p[2];
        ssize_t n;
        pid_t child;

        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) m->leader);
        ns = open(path, O_RDONLY | O_CLOEXEC);
        if (ns < 0)
                return -errno;
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        rd = p[0];
        child = fork();
        if (child < 0) {
                close(p[1]);
                return -errno;
        }
        if (child == 0)
                _exit(setns(ns, CLONE_NEWNET) < 0 || write_addresses(p[1]) < 0 ? 1 : 0);
        close(p[1]);
        l = calloc(MAX_ADDRESSES, sizeof(*l));
        n = l ? read_full(rd, l, MAX_ADDRESSES * sizeof(*l)) : -ENOMEM;
        rd = safe_close(rd);    /* a child with more to say stops there */
        (void) waitpid(child, NULL, 0);
        if (n < 0)
                return (int) n;
        *ret_n = (size_t) n / sizeof(*l);
        *ret = take_ptr(l);
        return 0;
}
