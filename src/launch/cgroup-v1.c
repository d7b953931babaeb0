/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The machine's cgroups in v1 hierarchies, on hybrid and legacy hosts: for
 * the limits cgroup2 has no controller for, and to count memory. */
#include "cgroup-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

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

int cgroup_v1_remove(int pfd, const char *leaf, int fd, bool stale)
{
        _cleanup_close_ int sub = openat(fd, "payload", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

        for (int i = 0; v1_populated(fd); i++) {
                /* A stale one still in use belongs to another launcher. */
                if (stale && i >= 100)
                        return -EBUSY;
                if (!stale) {
                        if (sub >= 0)
                                (void) cgroup_dir_kill(sub);
                        (void) cgroup_dir_kill(fd);
                }
                if (i >= 500)
                        return -ETIMEDOUT;
                usleep(10000);
        }
        return cgroup_dir_remove(pfd, leaf);
}

int cgroup_v1_make(struct machine_cgroup *cg, enum cgroup_v1 c, const char *machine)
{
        _cleanup_free_ char *mp = NULL, *own = NULL, *path = NULL;
        _cleanup_close_ int pfd = -EBADF, fd = -EBADF;
        const char *leaf_name;
        int r;

        r = cgroup_v1_mount_point(cgroup_v1_name(c), &mp);
        if (r < 0)
                return r;
        r = cgroup_v1_own_path(c, &own);
        if (r < 0)
                return r;
        path = cgroup_machine_path(mp, own, cg->at, machine);
        if (!path)
                return -ENOMEM;
        if (cg->at && (r = cgroup_make_parents(path)) < 0)
                return r;
        r = cgroup_dir_open_with_parent(path, &pfd, &fd, &leaf_name);
        if (r < 0)
                return r;
        if (fd >= 0) {
                r = cgroup_v1_remove(pfd, leaf_name, fd, true);
                if (r < 0)
                        return r;
                fd = safe_close(fd);
        }
        if (mkdirat(pfd, leaf_name, 0755) < 0)
                return -errno;
        cg->v1[c] = take_ptr(path);
        fd = openat(pfd, leaf_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        return fd < 0 ? -errno : take_fd(&fd);
}

/* The machine's cgroup in a v1 hierarchy: berth-NAME/payload below the
 * launcher's own cgroup there; a machine that runs already moves in. */
int cgroup_v1_join(struct machine_cgroup *cg, enum cgroup_v1 c, const char *machine)
{
        _cleanup_close_ int fd = cgroup_v1_make(cg, c, machine);
        int r;

        if (fd < 0)
                return fd;
        /* Joined for a limit: the late join for counting is done too. */
        cg->v1_pending &= ~(1u << c);
        r = cgroup_dir_mkdir(fd, "payload");
        if (r < 0 || !cg->live)
                return r;
        return cgroup_v1_move_machine(cg, c);
}

int cgroup_v1_remove_joined(struct machine_cgroup *cg)
{
        for (int i = 0; i < _CG_V1_MAX; i++) {
                _cleanup_close_ int vp = -EBADF, vfd = -EBADF;
                const char *vleaf;
                int r;

                if (!cg->v1[i] || cgroup_dir_open_with_parent(cg->v1[i], &vp, &vfd, &vleaf) < 0 || vfd < 0)
                        continue;
                r = cgroup_v1_remove(vp, vleaf, vfd, false);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A launcher killed with SIGKILL may have left berth-NAME in any v1
 * hierarchy its limits used: remove those the limits of this start will
 * not join (cgroup_v1_join removes the others). */
int cgroup_v1_sweep_paths(char *const paths[_CG_V1_MAX])
{
        int r = 0;

        for (int c = 0; c < _CG_V1_MAX && r >= 0; c++) {
                _cleanup_close_ int pfd = -EBADF, fd = -EBADF;
                const char *leaf_name;

                if (!paths[c] || access(paths[c], F_OK) < 0)
                        continue;
                if (cgroup_dir_open_with_parent(paths[c], &pfd, &fd, &leaf_name) < 0 || fd < 0)
                        continue;
                r = cgroup_v1_remove(pfd, leaf_name, fd, true);
        }
        return r;
}

int cgroup_v1_sweep(const char *machine)
{
        char *paths[_CG_V1_MAX];
        int r = cgroup_v1_paths(NULL, machine, paths);

        if (r < 0)
                return r;
        r = cgroup_v1_sweep_paths(paths);
        for (int c = 0; c < _CG_V1_MAX; c++)
                free(paths[c]);
        return r;
}

/* Every process in dir (a cgroup2 directory) and below into v1's payload/. */
static void move_tree(int dir_fd, const char *v1_dir)
{
        _cleanup_free_ char *procs = NULL;
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        int fd;

        if (read_file_at(dir_fd, "cgroup.procs", &procs, 1 << 20) >= 0)
                for (char *p = strtok(procs, "\n"); p; p = strtok(NULL, "\n")) {
                        unsigned pid;
                        if (parse_uint(p, &pid) >= 0)
                                (void) cgroup_dir_write_pid(v1_dir, "payload", (pid_t) pid);  /* ESRCH: gone meanwhile */
                }
        fd = dup(dir_fd);
        if (fd < 0 || !(d = fdopendir(fd))) {
                safe_close(fd);
                return;
        }
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                _cleanup_close_ int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (sub >= 0)
                        move_tree(sub, v1_dir);
        }
}

int cgroup_v1_move_machine(struct machine_cgroup *cg, enum cgroup_v1 c)
{
        char path[4200];
        _cleanup_close_ int fd = -EBADF;

        if (!cg->path || !cg->v1[c])
                return 0;
        snprintf(path, sizeof(path), "%s/payload", cg->path);
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* Twice: what forked while the first pass ran is caught by the second. */
        move_tree(fd, cg->v1[c]);
        move_tree(fd, cg->v1[c]);
        return 0;
}

int cgroup_account_late(struct machine_cgroup *cg)
{
        bool live = cg->live;
        int ret = 0;

        if (!cg->path)
                return 0;
        for (int c = 0; c < _CG_V1_MAX; c++) {
                int r;

                if (!(cg->v1_pending & (1u << c)))
                        continue;
                cg->v1_pending &= ~(1u << c);
                cg->live = false;
                r = cgroup_v1_join(cg, c, cg->machine);
                cg->live = live;
                if (r >= 0)
                        r = cgroup_v1_move_machine(cg, c);
                if (r < 0 && ret >= 0)
                        ret = r;
        }
        return ret;
}
