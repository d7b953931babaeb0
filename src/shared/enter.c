/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "enter.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

static const struct {
        const char *name;
        int flag;
} namespaces[_MACHINE_NS_MAX] = {
        [MACHINE_NS_USER] = { "user", CLONE_NEWUSER },
        [MACHINE_NS_CGROUP] = { "cgroup", CLONE_NEWCGROUP },
        [MACHINE_NS_IPC] = { "ipc", CLONE_NEWIPC },
        [MACHINE_NS_UTS] = { "uts", CLONE_NEWUTS },
        [MACHINE_NS_NET] = { "net", CLONE_NEWNET },
        [MACHINE_NS_PID] = { "pid", CLONE_NEWPID },
        [MACHINE_NS_MNT] = { "mnt", CLONE_NEWNS },
};

int machine_ns_open(pid_t leader, unsigned mask, struct machine_ns *ns, char *error, size_t error_size)
{
        char path[64];

        for (size_t i = 0; i < _MACHINE_NS_MAX; i++) {
                ns->fd[i] = -1;
                if (!(mask & (1u << i)))
                        continue;
                snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int) leader, namespaces[i].name);
                ns->fd[i] = open(path, O_RDONLY | O_CLOEXEC);
                if (ns->fd[i] < 0) {
                        int r = -errno;
                        snprintf(error, error_size, "opening %s", path);
                        machine_ns_close(ns);
                        return r;
                }
        }
        return 0;
}

void machine_ns_close(struct machine_ns *ns)
{
        for (size_t i = 0; i < _MACHINE_NS_MAX; i++)
                ns->fd[i] = safe_close(ns->fd[i]);
}

int machine_ns_enter(struct machine_ns *ns, const char *cgroup_dir, char *error, size_t error_size)
{
        bool own_user = false;

        /* The machine's cgroup first: payload/, where its PID 1 is. */
        if (cgroup_dir && cgroup_dir[0]) {
                char path[4200];
                snprintf(path, sizeof(path), "%s/payload/cgroup.procs", cgroup_dir);
                _cleanup_close_ int procs = open(path, O_WRONLY | O_CLOEXEC);
                if (procs < 0 || write(procs, "0", 1) < 0) {
                        snprintf(error, error_size, "joining the machine's cgroup %s", cgroup_dir);
                        return -errno;
                }
        }
        for (size_t i = 0; i < _MACHINE_NS_MAX; i++) {
                if (ns->fd[i] < 0)
                        continue;
                if (setns(ns->fd[i], namespaces[i].flag) < 0) {
                        /* Without a user namespace of its own, the machine's is ours. */
                        if (errno == EINVAL && i == MACHINE_NS_USER)
                                continue;
                        snprintf(error, error_size, "entering the machine's %s namespace", namespaces[i].name);
                        return -errno;
                }
                if (i == MACHINE_NS_USER)
                        own_user = true;
        }
        if (own_user && (setresgid(0, 0, 0) < 0 || setgroups(0, NULL) < 0 || setresuid(0, 0, 0) < 0)) {
                snprintf(error, error_size, "becoming the machine's root");
                return -errno;
        }
        return 0;
}
