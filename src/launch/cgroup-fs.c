/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cgroup-filesystem backend, where no systemd manages cgroups: the
 * machine's cgroup is a child of the launcher's own cgroup in the cgroup2
 * hierarchy, and, for the v1 controllers its limits need on a hybrid or
 * legacy host, in those hierarchies too. Only what berth made is ever
 * written or removed. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cleanup.h"
#include "util.h"

static int v2_create(struct machine_cgroup *cg, const char *machine)
{
        _cleanup_free_ char *own = NULL, *path = NULL;
        _cleanup_close_ int pfd = -EBADF, fd = -EBADF;
        const char *leaf_name;
        struct stat st;
        int r;

        r = cgroup2_own_path(&own);
        if (r < 0)
                return r;
        path = cgroup_machine_path(cg->mount, own, cg->at, machine);
        if (!path)
                return -ENOMEM;
        if (cg->at && (r = cgroup_make_parents(path)) < 0)
                return r;
        r = cgroup_dir_open_with_parent(path, &pfd, &fd, &leaf_name);
        if (r < 0)
                return r;
        if (fd >= 0) {
                /* Left by a launcher killed with SIGKILL: its machine dies with
                 * it, give that a moment. Still populated means another
                 * launcher (another runtime directory) runs this name: leave
                 * it alone. */
                if (cgroup_dir_populated(fd) && cgroup_dir_wait_empty(fd, 1000) < 0)
                        return -EBUSY;
                r = cgroup_dir_remove(pfd, leaf_name);
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
        return cgroup_payload_delegate(cg);
}

/* Counting in v1 c where cgroup2 has no such controller: at once, or
 * (account_late) named now as where (taken) for the state file, and joined
 * once the machine has run a while. */
static void account_v1(struct machine_cgroup *cg, enum cgroup_v1 c, const char *v2_controller, const char *machine,
                       char **where)
{
        if (cg->v1[c] || !*where || cgroup2_has_controller(cg->path, v2_controller))
                return;
        if (cg->account_late) {
                free(cg->v1_later[c]);
                cg->v1_later[c] = take_ptr(*where);
                cg->v1_pending |= 1u << c;
        } else
                (void) cgroup_v1_join(cg, c, machine);
}

static int fs_create(struct machine_cgroup *cg, const char *machine)
{
        char *paths[_CG_V1_MAX] = {};
        int r = v2_create(cg, machine);

        /* Where berth-NAME is in every v1 hierarchy, read once for the
         * sweep and the counting. */
        if (r >= 0)
                r = cgroup_v1_paths(cg->at, machine, paths);
        if (r >= 0)
                r = cgroup_v1_sweep_paths(paths);
        if (r >= 0)
                r = cgroup_limits_apply(cg, machine, cgroup_v1_join, cg->what, sizeof(cg->what));
        if (r < 0 && cg->what[0])
                cg->step = r == -EDOM ? CGROUP_STEP_VALUE : CGROUP_STEP_LIMIT;
        if (r >= 0) {
                /* Memory and I/O are counted without a limit too: on a
                 * hybrid host, where cgroup2 has no memory (io) controller,
                 * by the v1 one. Only counting: a host without it still
                 * runs the machine. */
                cg->machine = machine;
                account_v1(cg, CG_V1_MEMORY, "memory", machine, &paths[CG_V1_MEMORY]);
                account_v1(cg, CG_V1_BLKIO, "io", machine, &paths[CG_V1_BLKIO]);
        }
        for (int c = 0; c < _CG_V1_MAX; c++)
                free(paths[c]);
        return r;
}

static int fs_destroy(struct machine_cgroup *cg)
{
        _cleanup_close_ int pfd = -EBADF, fd = -EBADF;
        const char *leaf;
        struct stat st;
        int r;

        r = cgroup_dir_open_with_parent(cg->path, &pfd, &fd, &leaf);
        if (r < 0)
                return r;
        /* Gone, or no longer the cgroup this launcher made: not ours. */
        if (fd < 0 || fstat(fd, &st) < 0 || st.st_ino != cg->id)
                return 0;
        if (cgroup_dir_populated(fd)) {
                (void) cgroup_dir_kill(fd);
                r = cgroup_dir_wait_empty(fd, 5000);
                if (r < 0)
                        return r;
        }
        r = cgroup_dir_remove(pfd, leaf);
        if (r < 0)
                return r;
        return cgroup_v1_remove_joined(cg);
}

static int fs_set(struct machine_cgroup *cg, const struct cgroup_limits *changes, const char *machine)
{
        return cgroup_limits_write(cg, changes, true, machine, cgroup_v1_join, cg->what, sizeof(cg->what));
}

const struct cgroup_ops cgroup_fs_ops = {
        .name = "cgroupfs",
        .create = fs_create,
        .destroy = fs_destroy,
        .set = fs_set,
};
