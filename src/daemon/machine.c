/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "machine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "manager.h"
#include "state.h"
#include "cgutil.h"
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
                .init = strdup(st.init),
                .init_kind = strdup(st.init_kind),
                .stop = strdup(st.stop),
                .leader = st.leader,
                .supervisor = st.supervisor,
                .uid_shift = st.uid_shift,
                .supervisor_fd = -1,
        };
        if (!m->name || !m->state || !m->uuid || !m->root || !m->upper || !m->cgroup || !m->cgroup_memory || !m->init ||
            !m->init_kind || !m->stop) {
                machine_free(m);
                return -ENOMEM;
        }
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
        bool changed = !streq(m->state, fresh->state) || !streq(m->stop, fresh->stop);

        swap_str(&m->state, &fresh->state);
        swap_str(&m->stop, &fresh->stop);
        swap_str(&m->cgroup, &fresh->cgroup);
        swap_str(&m->cgroup_memory, &fresh->cgroup_memory);
        swap_str(&m->init, &fresh->init);
        swap_str(&m->init_kind, &fresh->init_kind);
        swap_str(&m->uuid, &fresh->uuid);
        m->leader = fresh->leader;
        m->uid_shift = fresh->uid_shift;
        return changed;
}

struct machine *machine_free(struct machine *m)
{
        if (!m)
                return NULL;
        sd_event_source_disable_unref(m->exit_source);
        safe_close(m->supervisor_fd);
        free(m->name);
        free(m->path);
        free(m->state);
        free(m->uuid);
        free(m->root);
        free(m->upper);
        free(m->cgroup);
        free(m->cgroup_memory);
        free(m->init);
        free(m->init_kind);
        free(m->stop);
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

int machine_poweroff(struct machine *m)
{
        return m->supervisor > 0 ? signal_pid(m->supervisor, SIGUSR2) : -ESRCH;
}

int machine_reboot(struct machine *m)
{
        return m->supervisor > 0 ? signal_pid(m->supervisor, SIGUSR1) : -ESRCH;
}

int machine_terminate(struct machine *m)
{
        /* PID 1 gone, the kernel kills the rest of the PID namespace; the
         * launcher then takes everything down. */
        return machine_kill(m, KILL_LEADER, SIGKILL);
}
