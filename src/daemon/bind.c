/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A host directory or file mounted into a running machine, and taken out
 * again, with the new mount API and no propagation through a directory of
 * the machine's: the source is cloned on the host (open_tree), idmapped
 * into the machine's user namespace when it has one, made read-only if
 * asked; then a child of berthd joins the machine's mount namespace and
 * attaches it (move_mount) on the target, resolved in the machine's root.
 * The machine's mounts are shared inside it, so its services' own mount
 * namespaces see the new mount too. berthd's own namespaces never change. */
#include "bind.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "mnt.h"
#include "privs.h"
#include "tree.h"
#include "util.h"

/* In the child: the work, its failure as one line on report_fd. */
static int in_machine(const struct machine *m, const struct bind_request *b, int report_fd)
{
        char path[64];
        struct stat st;
        int r;

        snprintf(path, sizeof(path), "/proc/%d/root", (int) m->leader);
        _cleanup_close_ int root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int) m->leader);
        _cleanup_close_ int mntns = open(path, O_RDONLY | O_CLOEXEC);
        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) m->leader);
        _cleanup_close_ int userns = m->uid_range ? open(path, O_RDONLY | O_CLOEXEC) : -EBADF;
        if (root < 0 || mntns < 0 || (m->uid_range && userns < 0))
                return dprintf(report_fd, "cannot reach the machine's namespaces: %m"), -errno;
        if (b->unbind) {
                if (setns(mntns, CLONE_NEWNS) < 0)
                        return dprintf(report_fd, "joining the machine's mount namespace: %m"), -errno;
                _cleanup_close_ int target = tree_open(root, b->target + 1, O_PATH | O_NOFOLLOW);
                if (target < 0)
                        return dprintf(report_fd, "%s: %s", b->target, strerror(-target)), target;
                /* Not by /proc/self/fd: /proc is the machine's now, where
                 * this process has no PID. */
                if (fchdir(target) < 0 || umount2(".", MNT_DETACH) < 0)
                        return dprintf(report_fd, "%s: %s", b->target,
                                       errno == EINVAL ? "nothing is mounted there" : strerror(errno)), -errno;
                return 0;
        }
        if (stat(b->source, &st) < 0)
                return dprintf(report_fd, "%s: %m", b->source), -errno;
        _cleanup_close_ int mnt = mnt_clone_mapped(b->source, userns, b->read_only);
        if (mnt < 0)
                return dprintf(report_fd, "cloning %s%s: %s", b->source, userns >= 0 ? " (idmapped)" : "",
                               strerror(-mnt)), mnt;
        if (setns(mntns, CLONE_NEWNS) < 0)
                return dprintf(report_fd, "joining the machine's mount namespace: %m"), -errno;
        /* A target made with --mkdir is the machine's root's: the host's
         * root is no ID of its user namespace. */
        if (m->uid_range && (r = privs_fs_ids(m->uid_shift, m->uid_shift)) < 0)
                return dprintf(report_fd, "acting as the machine's root: %s", strerror(-r)), r;
        bool dir = S_ISDIR(st.st_mode);
        _cleanup_close_ int target = !b->mkdir ? tree_open(root, b->target + 1, O_PATH | (dir ? O_DIRECTORY : 0))
                                     : dir   ? tree_mkdir_p(root, b->target + 1, 0755)
                                             : tree_create_file(root, b->target + 1, 0644);
        if (target < 0)
                return dprintf(report_fd, "%s in the machine: %s%s", b->target, strerror(-target),
                               target == -ENOENT && !b->mkdir ? " (--mkdir makes it)" : ""), target;
        if ((r = mnt_attach(mnt, target)) < 0)
                return dprintf(report_fd, "mounting on %s: %s", b->target, strerror(-r)), r;
        return 0;
}

int machine_bind(const struct machine *m, const struct bind_request *b, char *err, size_t err_size)
{
        int report[2], status;

        if (b->target[0] != '/' || (!b->unbind && b->source[0] != '/'))
                return snprintf(err, err_size, "paths must be absolute"), -EINVAL;
        if (pipe2(report, O_CLOEXEC) < 0)
                return snprintf(err, err_size, "%m"), -errno;
        pid_t pid = fork();
        if (pid < 0) {
                close(report[0]), close(report[1]);
                return snprintf(err, err_size, "%m"), -errno;
        }
        if (pid == 0) {
                close(report[0]);
                _exit(in_machine(m, b, report[1]) < 0 ? 1 : 0);
        }
        close(report[1]);
        ssize_t n = read(report[0], err, err_size - 1);
        close(report[0]);
        err[n > 0 ? n : 0] = 0;
        /* A mount is quick: the child is waited for here. */
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (!err[0])
                snprintf(err, err_size, "the helper failed");
        return -EIO;
}
