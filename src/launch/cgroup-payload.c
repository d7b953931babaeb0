/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What both backends share: the machine's cgroup holds supervisor/, where
 * the launcher moves once the machine runs, and payload/, the machine's,
 * where its cgroup namespace is rooted and which its root may manage. */
#include "cgroup-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

/* What systemd's Delegate=yes hands over: the directory, and the files
 * through which its owner manages processes and children. */
static int delegate_to(int parent_fd, const char *leaf, uid_t owner)
{
        static const char *const files[] = {
                "cgroup.procs", "cgroup.threads", "cgroup.subtree_control",
                "memory.oom.group", "memory.reclaim", "cgroup.kill",
        };
        _cleanup_close_ int fd = openat(parent_fd, leaf, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

        if (fd < 0)
                return -errno;
        if (fchown(fd, owner, owner) < 0)
                return -errno;
        for (size_t i = 0; i < ELEMENTSOF(files); i++)
                if (fchownat(fd, files[i], owner, owner, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
                        return -errno;
        return 0;
}

/* Hand every controller the machine's cgroup has on to its children, so
 * that the machine's own manager can use them in payload/. */
static void delegate_controllers(int fd)
{
        _cleanup_free_ char *s = NULL;

        if (read_file_at(fd, "cgroup.controllers", &s, 4096) < 0)
                return;
        s[strcspn(s, "\n")] = 0;
        for (char *w = strtok(s, " "); w; w = strtok(NULL, " ")) {
                char add[64];
                snprintf(add, sizeof(add), "+%s", w);
                (void) write_string_at(fd, "cgroup.subtree_control", add);
        }
}

int cgroup_payload_delegate(struct machine_cgroup *cg)
{
        _cleanup_close_ int fd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r;

        if (fd < 0)
                return -errno;
        delegate_controllers(fd);
        r = cgroup_dir_mkdir(fd, "payload");
        if (r < 0)
                return r;
        /* The machine's cgroup namespace is rooted at payload/: under a user
         * namespace its root gets it, as systemd's Delegate=yes does. */
        if (cg->owner != 0)
                return delegate_to(fd, "payload", cg->owner);
        return 0;
}

int cgroup_payload_remove(struct machine_cgroup *cg)
{
        _cleanup_close_ int fd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int sub = -EBADF;
        int r;

        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        sub = openat(fd, "payload", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (sub < 0)
                return errno == ENOENT ? 0 : -errno;
        if (cgroup_dir_populated(sub)) {
                (void) cgroup_dir_kill(sub);
                r = cgroup_dir_wait_empty(sub, 5000);
                if (r < 0)
                        return r;
        }
        return cgroup_dir_remove(fd, "payload");
}

int cgroup_payload_fd(struct machine_cgroup *cg)
{
        char path[4200];
        int fd;

        if (!cg->ops || !cg->path)
                return -EOPNOTSUPP;
        snprintf(path, sizeof(path), "%s/payload", cg->path);
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int cgroup_attach_payload(struct machine_cgroup *cg, pid_t pid, bool born_in_v2)
{
        int r;

        if (!cg->ops || !cg->path)
                return 0;
        if (!born_in_v2) {
                r = cgroup_dir_write_pid(cg->path, "payload", pid);
                if (r < 0)
                        return r;
        }
        for (int i = 0; i < _CG_V1_MAX; i++) {
                if (!cg->v1[i])
                        continue;
                r = cgroup_dir_write_pid(cg->v1[i], "payload", pid);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cgroup_supervisor_join(struct machine_cgroup *cg)
{
        char sup[4200];
        int r;

        snprintf(sup, sizeof(sup), "%s/supervisor", cg->path);
        if (mkdir(sup, 0755) < 0 && errno != EEXIST)
                return -errno;
        r = cgroup_dir_write_pid(cg->path, "supervisor", 0);
        if (r < 0)
                return r;
        cg->in_supervisor = true;
        return 0;
}

int cgroup_enter_supervisor(struct machine_cgroup *cg)
{
        _cleanup_free_ char *own = NULL;
        int r;

        if (!cg->ops || !cg->path || cg->in_supervisor)
                return 0;
        r = cgroup2_own_path(&own);
        if (r < 0)
                return r;
        free(cg->home);
        cg->home = cgroup_join(cg->mount, own, NULL);
        if (!cg->home)
                return -ENOMEM;
        return cgroup_supervisor_join(cg);
}

int cgroup_leave_supervisor(struct machine_cgroup *cg)
{
        int r;

        /* No home: the launcher stays (systemd's scope goes with it). */
        if (!cg->in_supervisor || !cg->home)
                return 0;
        r = cgroup_dir_write_pid(cg->home, NULL, 0);
        if (r < 0)
                return r;
        cg->in_supervisor = false;
        return 0;
}
