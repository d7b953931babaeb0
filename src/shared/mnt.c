/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "mnt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cleanup.h"
#include "tree.h"

static void fs_context_message(int fs_fd, struct mnt_error *err)
{
        char buf[512];
        ssize_t n;

        if (!err)
                return;
        /* The context queues "e <text>" / "w <text>" lines; keep the last error. */
        while ((n = read(fs_fd, buf, sizeof(buf) - 1)) > 0) {
                buf[n] = 0;
                if (buf[n - 1] == '\n')
                        buf[n - 1] = 0;
                if (n > 2 && buf[0] == 'e' && buf[1] == ' ')
                        snprintf(err->text, sizeof(err->text), "%s", buf + 2);
        }
}

int mnt_new(const char *fstype, const char *const *options, unsigned attrs, struct mnt_error *err)
{
        _cleanup_close_ int fs_fd = -EBADF;
        int fd;

        if (err)
                err->text[0] = 0;
        fs_fd = fsopen(fstype, FSOPEN_CLOEXEC);
        if (fs_fd < 0)
                return -errno;
        for (size_t i = 0; options && options[i]; i++) {
                _cleanup_free_ char *key = strdup(options[i]);
                char *eq;
                int r;

                if (!key)
                        return -ENOMEM;
                eq = strchr(key, '=');
                if (eq) {
                        *eq = 0;
                        r = fsconfig(fs_fd, FSCONFIG_SET_STRING, key, eq + 1, 0);
                } else
                        r = fsconfig(fs_fd, FSCONFIG_SET_FLAG, key, NULL, 0);
                if (r < 0) {
                        r = -errno;
                        fs_context_message(fs_fd, err);
                        return r;
                }
        }
        if (fsconfig(fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
                int r = -errno;
                fs_context_message(fs_fd, err);
                return r;
        }
        fd = fsmount(fs_fd, FSMOUNT_CLOEXEC, attrs);
        if (fd < 0)
                return -errno;
        return fd;
}

int mnt_clone(int dir_fd, const char *path, bool recursive)
{
        int fd = open_tree(dir_fd, path,
                           OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0) |
                                   (path[0] ? 0 : AT_EMPTY_PATH));

        return fd < 0 ? -errno : fd;
}

int mnt_set_read_only(int mnt_fd, bool recursive)
{
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

        if (mount_setattr(mnt_fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) < 0)
                return -errno;
        return 0;
}

int mnt_set_attrs(int mnt_fd, unsigned set, unsigned clear, unsigned long propagation, bool recursive)
{
        struct mount_attr attr = { .attr_set = set, .attr_clr = clear, .propagation = propagation };

        /* An atime mode replaces the one before: clear the field first. */
        if (set & MOUNT_ATTR__ATIME)
                attr.attr_clr |= MOUNT_ATTR__ATIME;
        if (!set && !clear && !propagation)
                return 0;
        if (mount_setattr(mnt_fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) < 0)
                return -errno;
        return 0;
}

int mnt_idmap(int mnt_fd, int userns_fd, bool recursive)
{
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) userns_fd };

        if (mount_setattr(mnt_fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) < 0)
                return -errno;
        return 0;
}

int mnt_attach(int mnt_fd, int target_fd)
{
        if (move_mount(mnt_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return -errno;
        return 0;
}

int mnt_attach_dir(int mnt_fd, int root_fd, const char *path)
{
        _cleanup_close_ int target = tree_mkdir_p(root_fd, path, 0755);

        if (target < 0)
                return target;
        return mnt_attach(mnt_fd, target);
}

int mnt_attach_file(int mnt_fd, int root_fd, const char *path)
{
        _cleanup_close_ int target = tree_create_file(root_fd, path, 0644);

        if (target < 0)
                return target;
        return mnt_attach(mnt_fd, target);
}

int mnt_clone_mapped(const char *path, int userns_fd, bool read_only)
{
        _cleanup_close_ int fd = mnt_clone(AT_FDCWD, path, true);
        struct mount_attr attr = {};

        if (fd < 0)
                return fd;
        if (userns_fd >= 0) {
                attr.attr_set |= MOUNT_ATTR_IDMAP;
                attr.userns_fd = (uint64_t) userns_fd;
        }
        if (read_only)
                attr.attr_set |= MOUNT_ATTR_RDONLY;
        if (attr.attr_set && mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
                return -errno;
        return take_fd(&fd);
}
