/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "machine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "manager.h"
#include "paths.h"
#include "cgutil.h"
#include "util.h"

static char *field(const char *text, const char *key)
{
        size_t kl = strlen(key);

        for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                if (strncmp(l, key, kl) == 0 && l[kl] == '=')
                        return strndup(l + kl + 1, strcspn(l + kl + 1, "\n"));
        return strdup("");
}

static pid_t field_pid(const char *text, const char *key)
{
        _cleanup_free_ char *v = field(text, key);
        unsigned p;

        return v && parse_uint(v, &p) >= 0 ? (pid_t) p : 0;
}

/* The launcher flock()s locks/NAME while it runs: if we can take the lock,
 * nobody holds it and the state file is a dead launcher's. */
static bool launcher_alive(const char *name)
{
        char path[4096];
        _cleanup_close_ int fd = -EBADF;

        snprintf(path, sizeof(path), "%s/locks/%s", berth_runtime_dir(), name);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return false;
        if (flock(fd, LOCK_SH | LOCK_NB) < 0)
                return errno == EWOULDBLOCK;
        return false;
}

int machine_load(struct manager *mgr, const char *name, struct machine **ret)
{
        _cleanup_free_ char *text = NULL, *reg = NULL;
        char path[4096];
        struct machine *m;
        int r;

        snprintf(path, sizeof(path), "%s/machines/%s", berth_runtime_dir(), name);
        r = read_file_at(AT_FDCWD, path, &text, 64 * 1024);
        if (r < 0)
                return r;
        reg = field(text, "REGISTER");
        if (reg && streq(reg, "no"))
                return -ENOENT;
        if (!launcher_alive(name))
                return -ESTALE;
        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        *m = (struct machine) {
                .manager = mgr,
                .name = strdup(name),
                .state = field(text, "STATE"),
                .uuid = field(text, "UUID"),
                .root = field(text, "ROOT"),
                .upper = field(text, "UPPER"),
                .cgroup = field(text, "CGROUP"),
                .cgroup_memory = field(text, "CGROUP_MEMORY"),
                .init = field(text, "INIT"),
                .init_kind = field(text, "INIT_KIND"),
                .stop = field(text, "STOP"),
                .leader = field_pid(text, "LEADER"),
                .supervisor = field_pid(text, "SUPERVISOR"),
                .uid_shift = (unsigned) field_pid(text, "UID_SHIFT"),
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
