/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "enter.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgutil.h"
#include "cleanup.h"
#include "filter-file.h"
#include "privs.h"
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

/* CapBnd:, NoNewPrivs: and Seccomp: of /proc/PID/status. */
static int read_privs(pid_t pid, struct machine_ns *ns)
{
        _cleanup_free_ char *text = NULL;
        const char *bnd, *nnp, *mode;
        char path[64];
        int r;

        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        r = read_file_at(AT_FDCWD, path, &text, 1 << 16);
        if (r < 0)
                return r;
        bnd = strstr(text, "\nCapBnd:\t");
        nnp = strstr(text, "\nNoNewPrivs:\t");
        mode = strstr(text, "\nSeccomp:\t");
        if (!bnd || !nnp || !mode)
                return -EBADMSG;
        ns->cap_bnd = strtoull(bnd + 9, NULL, 16);
        ns->no_new_privs = nnp[13] == '1';
        ns->seccomp_mode = mode[10] - '0';
        ns->privs = true;
        return 0;
}

/* A filter on PID 1 that is not the machine's own (berth run under another
 * one's) is on whoever enters too: it is the caller's as well. */
static int read_filter(const char *name, struct machine_ns *ns, char *error, size_t error_size)
{
        int r;

        if (ns->seccomp_mode != SECCOMP_MODE_FILTER)
                return 0;
        r = machine_filter_read(name, &ns->filter, &ns->filter_len);
        if (r < 0)
                snprintf(error, error_size, "reading the system-call filter of machine %s", name);
        return r;
}

/* PID 1's cgroups in v1 hierarchies that are berth-NAME/payload. */
static int read_v1_cgroups(pid_t leader, const char *name, struct machine_ns *ns)
{
        char path[64], line[4096], tail[300];
        _cleanup_fclose_ FILE *f = NULL;

        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) leader);
        snprintf(tail, sizeof(tail), "/berth-%s/payload", name);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL, *procs = NULL;
                _cleanup_free_ char *mp = NULL, *first = NULL;

                if (!b || b == a + 1)
                        continue;       /* cgroup2's "0::" line */
                *b = 0;
                b[1 + strcspn(b + 1, "\n")] = 0;
                if (!endswith(b + 1, tail))
                        continue;
                /* "cpu,cpuacct": the hierarchy of its first controller. */
                first = strndup(a + 1, strcspn(a + 1, ","));
                if (!first || cgroup_v1_mount_point(first, &mp) < 0)
                        continue;
                if (asprintf(&procs, "%s%s/cgroup.procs", mp, b + 1) < 0 || strv_push(&ns->v1_procs, procs) < 0) {
                        free(procs);
                        return -ENOMEM;
                }
                free(procs);
        }
        return 0;
}

int machine_ns_open(pid_t leader, const char *name, unsigned mask, struct machine_ns *ns, char *error,
                    size_t error_size)
{
        char path[64];
        int r;

        ns->v1_procs = NULL;
        if ((mask & (1u << MACHINE_NS_CGROUP)) && (r = read_v1_cgroups(leader, name, ns)) < 0) {
                snprintf(error, error_size, "reading /proc/%d/cgroup", (int) leader);
                strv_free(ns->v1_procs);
                ns->v1_procs = NULL;
                return r;
        }

        for (size_t i = 0; i < _MACHINE_NS_MAX; i++) {
                ns->fd[i] = -1;
                if (!(mask & (1u << i)))
                        continue;
                snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int) leader, namespaces[i].name);
                ns->fd[i] = open(path, O_RDONLY | O_CLOEXEC);
                if (ns->fd[i] < 0) {
                        r = -errno;
                        snprintf(error, error_size, "opening %s", path);
                        machine_ns_close(ns);
                        return r;
                }
        }
        ns->privs = false;
        ns->filter = NULL;
        ns->filter_len = 0;
        if (mask & (1u << MACHINE_NS_PID)) {
                r = read_privs(leader, ns);
                if (r < 0)
                        snprintf(error, error_size, "reading /proc/%d/status", (int) leader);
                else
                        r = read_filter(name, ns, error, error_size);
                if (r < 0) {
                        machine_ns_close(ns);
                        return r;
                }
        }
        return 0;
}

/* Nothing of the caller's session keyring, no system call, capability or
 * privilege PID 1 does not have: what enters is no more than the
 * machine's own. The filter goes on while this process still has
 * CAP_SYS_ADMIN in the machine's user namespace, as PID 1's did. */
static int take_privs(const struct machine_ns *ns, char *error, size_t error_size)
{
        struct sock_fprog prog = { .len = (unsigned short) ns->filter_len, .filter = ns->filter };
        int r = privs_new_session_keyring();

        if (r < 0) {
                snprintf(error, error_size, "creating a session keyring in the machine");
                return r;
        }
        if (ns->filter && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
                snprintf(error, error_size, "installing the machine's system-call filter");
                return -errno;
        }
        r = privs_drop_caps(ns->cap_bnd);
        if (r < 0) {
                snprintf(error, error_size, "dropping the capabilities the machine does not have");
                return r;
        }
        if (ns->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
                snprintf(error, error_size, "setting no_new_privs as the machine has it");
                return -errno;
        }
        return 0;
}

void machine_ns_close(struct machine_ns *ns)
{
        for (size_t i = 0; i < _MACHINE_NS_MAX; i++)
                ns->fd[i] = safe_close(ns->fd[i]);
        free(ns->filter);
        ns->filter = NULL;
        ns->filter_len = 0;
        strv_free(ns->v1_procs);
        ns->v1_procs = NULL;
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
        for (char **p = ns->v1_procs; p && *p; p++) {
                _cleanup_close_ int procs = open(*p, O_WRONLY | O_CLOEXEC);
                if (procs < 0 || write(procs, "0", 1) < 0) {
                        snprintf(error, error_size, "joining the machine's v1 cgroup %s", *p);
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
        /* As the machine's root, so that the keyring is its. */
        return ns->privs ? take_privs(ns, error, error_size) : 0;
}
