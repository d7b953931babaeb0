/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cgroup-filesystem backend, where no systemd manages cgroups: the
 * machine's cgroup is a child of the launcher's own cgroup in the cgroup2
 * hierarchy, and, for the v1 controllers its limits need on a hybrid or
 * legacy host, in those hierarchies too. Only what berth made is ever
 * written or removed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "util.h"

static bool populated(int dir_fd)
{
        _cleanup_free_ char *s = NULL;

        if (read_file_at(dir_fd, "cgroup.events", &s, 4096) < 0)
                return false;
        return strstr(s, "populated 1") != NULL;
}

static int kill_all(int dir_fd)
{
        _cleanup_fclose_ FILE *f = NULL;
        int fd, pid;

        if (write_string_at(dir_fd, "cgroup.kill", "1") >= 0)
                return 0;
        /* Before 5.14 there is no cgroup.kill: signal each process listed. */
        fd = openat(dir_fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "r");
        if (!f) {
                close(fd);
                return -errno;
        }
        while (fscanf(f, "%d", &pid) == 1)
                (void) kill(pid, SIGKILL);
        return 0;
}

static int wait_empty(int dir_fd, int timeout_ms)
{
        _cleanup_close_ int ev = openat(dir_fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
        struct timespec start, now;

        clock_gettime(CLOCK_MONOTONIC, &start);
        while (populated(dir_fd)) {
                struct pollfd p = { .fd = ev, .events = POLLPRI };
                long elapsed;

                clock_gettime(CLOCK_MONOTONIC, &now);
                elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
                if (elapsed >= timeout_ms)
                        return -ETIMEDOUT;
                /* cgroup.events signals a change with POLLPRI. */
                (void) poll(&p, ev >= 0 ? 1 : 0, ev >= 0 ? (int) (timeout_ms - elapsed) : 10);
        }
        return 0;
}

/* Depth first: a cgroup can be removed once its children are. */
static int remove_tree(int parent_fd, const char *name)
{
        _cleanup_close_ int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;

        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        fd = -EBADF;    /* owned by d now */
        while ((de = readdir(d)))
                if (de->d_type == DT_DIR && !streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        (void) remove_tree(dirfd(d), de->d_name);
        for (int tries = 0;; tries++) {
                if (unlinkat(parent_fd, name, AT_REMOVEDIR) >= 0 || errno == ENOENT)
                        return 0;
                /* Processes that just died may still be counted for a moment. */
                if (errno != EBUSY || tries >= 100)
                        return -errno;
                usleep(10000);
        }
}

/* Open the cgroup at path and its parent; 0 with *ret_fd = -1 when absent. */
static int open_with_parent(const char *path, int *ret_parent, int *ret_fd, const char **ret_leaf)
{
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *parent = NULL;
        _cleanup_close_ int pfd = -EBADF;
        int fd;

        if (!slash || slash == path)
                return -EINVAL;
        parent = strndup(path, (size_t) (slash - path));
        if (!parent)
                return -ENOMEM;
        pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pfd < 0)
                return -errno;
        fd = openat(pfd, slash + 1, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 && errno != ENOENT)
                return -errno;
        *ret_parent = take_fd(&pfd);
        *ret_fd = fd;
        *ret_leaf = slash + 1;
        return 0;
}

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

static int mkdir_sub(int dir_fd, const char *name)
{
        if (mkdirat(dir_fd, name, 0755) < 0 && errno != EEXIST)
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

static int v2_create(struct machine_cgroup *cg, const char *machine)
{
        _cleanup_free_ char *mp = NULL, *own = NULL, *path = NULL;
        _cleanup_close_ int pfd = -EBADF, fd = -EBADF;
        const char *leaf_name;
        struct stat st;
        int r;

        r = cgroup2_mount_point(&mp);
        if (r < 0)
                return r;
        r = cgroup2_own_path(&own);
        if (r < 0)
                return r;
        path = cgroup_join(mp, own, machine);
        if (!path)
                return -ENOMEM;
        r = open_with_parent(path, &pfd, &fd, &leaf_name);
        if (r < 0)
                return r;
        if (fd >= 0) {
                /* Left by a launcher killed with SIGKILL: its machine dies with
                 * it, give that a moment. Still populated means another
                 * launcher (another runtime directory) runs this name: leave
                 * it alone. */
                if (populated(fd) && wait_empty(fd, 1000) < 0)
                        return -EBUSY;
                r = remove_tree(pfd, leaf_name);
                if (r < 0)
                        return r;
                fd = safe_close(fd);
        }
        if (mkdirat(pfd, leaf_name, 0755) < 0)
                return -errno;
        if (fstatat(pfd, leaf_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        free(cg->path);
        cg->path = take_ptr(path);
        cg->id = st.st_ino;
        /* supervisor/ comes when the launcher moves there. */
        return cgroup_fs_delegate_payload(cg);
}

int cgroup_fs_delegate_payload(struct machine_cgroup *cg)
{
        _cleanup_close_ int fd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r;

        if (fd < 0)
                return -errno;
        delegate_controllers(fd);
        r = mkdir_sub(fd, "payload");
        if (r < 0)
                return r;
        /* The machine's cgroup namespace is rooted at payload/: under a user
         * namespace its root gets it, as systemd's Delegate=yes does. */
        if (cg->owner != 0)
                return delegate_to(fd, "payload", cg->owner);
        return 0;
}

int cgroup_fs_remove_payload(struct machine_cgroup *cg)
{
        _cleanup_close_ int fd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int sub = -EBADF;
        int r;

        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        sub = openat(fd, "payload", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (sub < 0)
                return errno == ENOENT ? 0 : -errno;
        if (populated(sub)) {
                (void) kill_all(sub);
                r = wait_empty(sub, 5000);
                if (r < 0)
                        return r;
        }
        return remove_tree(fd, "payload");
}

/* v1 has no cgroup.events: a cgroup is empty when its and its children's
 * cgroup.procs are. */
static bool v1_populated(int fd)
{
        _cleanup_free_ char *a = NULL, *b = NULL;
        _cleanup_close_ int sub = openat(fd, "payload", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

        if (read_file_at(fd, "cgroup.procs", &a, 4096) > 0)
                return true;
        return sub >= 0 && read_file_at(sub, "cgroup.procs", &b, 4096) > 0;
}

static int v1_remove(int pfd, const char *leaf, int fd, bool stale)
{
        _cleanup_close_ int sub = openat(fd, "payload", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

        for (int i = 0; v1_populated(fd); i++) {
                /* A stale one still in use belongs to another launcher. */
                if (stale && i >= 100)
                        return -EBUSY;
                if (!stale) {
                        if (sub >= 0)
                                (void) kill_all(sub);
                        (void) kill_all(fd);
                }
                if (i >= 500)
                        return -ETIMEDOUT;
                usleep(10000);
        }
        return remove_tree(pfd, leaf);
}

/* The machine's cgroup in a v1 hierarchy: berth-NAME/payload below the
 * launcher's own cgroup there. */
int cgroup_fs_join_v1(struct machine_cgroup *cg, enum cgroup_v1 c, const char *machine)
{
        _cleanup_free_ char *mp = NULL, *own = NULL, *path = NULL;
        _cleanup_close_ int pfd = -EBADF, fd = -EBADF;
        const char *leaf_name;
        int r;

        r = cgroup_v1_mount_point(c, &mp);
        if (r < 0)
                return r;
        r = cgroup_v1_own_path(c, &own);
        if (r < 0)
                return r;
        path = cgroup_join(mp, own, machine);
        if (!path)
                return -ENOMEM;
        r = open_with_parent(path, &pfd, &fd, &leaf_name);
        if (r < 0)
                return r;
        if (fd >= 0) {
                r = v1_remove(pfd, leaf_name, fd, true);
                if (r < 0)
                        return r;
                fd = safe_close(fd);
        }
        if (mkdirat(pfd, leaf_name, 0755) < 0)
                return -errno;
        cg->v1[c] = take_ptr(path);
        fd = openat(pfd, leaf_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        return mkdir_sub(fd, "payload");
}

/* A launcher killed with SIGKILL may have left berth-NAME in any v1
 * hierarchy its limits used: remove those the limits of this start will
 * not join (cgroup_fs_join_v1 removes the others). */
static int v1_sweep(const char *machine)
{
        char *paths[_CG_V1_MAX];
        int r = cgroup_v1_paths(machine, paths);

        if (r < 0)
                return r;
        for (int c = 0; c < _CG_V1_MAX; c++) {
                _cleanup_free_ char *path = paths[c];
                _cleanup_close_ int pfd = -EBADF, fd = -EBADF;
                const char *leaf_name;

                if (r < 0 || !path || access(path, F_OK) < 0)
                        continue;
                if (open_with_parent(path, &pfd, &fd, &leaf_name) < 0 || fd < 0)
                        continue;
                r = v1_remove(pfd, leaf_name, fd, true);
        }
        return r;
}

static int fs_create(struct machine_cgroup *cg, const char *machine)
{
        int r = v2_create(cg, machine);

        if (r < 0)
                return r;
        r = v1_sweep(machine);
        if (r < 0)
                return r;
        r = cgroup_limits_apply(cg, machine, cgroup_fs_join_v1, cg->what, sizeof(cg->what));
        if (r < 0)
                return r;
        /* Memory is counted without a limit too: on a hybrid host, where
         * cgroup2 has no memory controller, by the v1 one. Only counting:
         * a host without it still runs the machine. */
        cg->machine = machine;
        if (cg->v1[CG_V1_MEMORY] || cgroup2_has_controller(cg->path, "memory"))
                return 0;
        _cleanup_free_ char *mp = NULL, *own = NULL;
        if (cgroup_v1_mount_point(CG_V1_MEMORY, &mp) < 0 || cgroup_v1_own_path(CG_V1_MEMORY, &own) < 0)
                return 0;
        if (cg->account_late) {
                /* Named now, so that the state file need not change later. */
                free(cg->v1_memory_later);
                cg->v1_memory_later = cgroup_join(mp, own, machine);
                cg->v1_memory_pending = cg->v1_memory_later != NULL;
        } else
                (void) cgroup_fs_join_v1(cg, CG_V1_MEMORY, machine);
        return 0;
}

static int fs_destroy(struct machine_cgroup *cg)
{
        _cleanup_close_ int pfd = -EBADF, fd = -EBADF;
        const char *leaf;
        struct stat st;
        int r;

        r = open_with_parent(cg->path, &pfd, &fd, &leaf);
        if (r < 0)
                return r;
        /* Gone, or no longer the cgroup this launcher made: not ours. */
        if (fd < 0 || fstat(fd, &st) < 0 || st.st_ino != cg->id) {
                cgroup_done(cg);
                return 0;
        }
        if (populated(fd)) {
                (void) kill_all(fd);
                r = wait_empty(fd, 5000);
                if (r < 0)
                        return r;
        }
        r = remove_tree(pfd, leaf);
        if (r < 0)
                return r;
        for (int i = 0; i < _CG_V1_MAX; i++) {
                _cleanup_close_ int vp = -EBADF, vfd = -EBADF;
                const char *vleaf;

                if (!cg->v1[i] || open_with_parent(cg->v1[i], &vp, &vfd, &vleaf) < 0 || vfd < 0)
                        continue;
                r = v1_remove(vp, vleaf, vfd, false);
                if (r < 0)
                        return r;
        }
        cgroup_done(cg);
        return 0;
}

const struct cgroup_ops cgroup_fs_ops = {
        .name = "cgroupfs",
        .create = fs_create,
        .destroy = fs_destroy,
};
