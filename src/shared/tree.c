/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tree.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"

static int tree_open_mode(int root_fd, const char *path, int flags, mode_t mode)
{
        struct open_how how = {
                .flags = (uint64_t) flags | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };

        if (flags & O_CREAT)
                how.mode = mode;
        while (*path == '/')
                path++;
        if (!*path)
                path = ".";
        for (int tries = 0;; tries++) {
                int fd = (int) syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
                if (fd >= 0)
                        return fd;
                /* A rename elsewhere in the tree raced the walk: try again. */
                if (errno == EAGAIN && tries < 32)
                        continue;
                return -errno;
        }
}

int tree_open(int root_fd, const char *path, int flags)
{
        return tree_open_mode(root_fd, path, flags, 0644);
}

int tree_mkdir_p(int root_fd, const char *path, mode_t mode)
{
        _cleanup_free_ char *p = strdup(path);
        _cleanup_close_ int cur = -EBADF;
        char *s, *comp;

        if (!p)
                return -ENOMEM;
        cur = tree_open(root_fd, "/", O_PATH | O_DIRECTORY);
        if (cur < 0)
                return cur;
        s = p;
        while (*s == '/')
                s++;
        while (*s) {
                char *slash = strchr(s, '/');
                int fd;

                comp = s;
                if (slash)
                        *slash = 0;
                if (strcmp(comp, "..") == 0 || strcmp(comp, ".") == 0)
                        return -EINVAL;
                if (mkdirat(cur, comp, mode) < 0 && errno != EEXIST)
                        return -errno;
                /* Re-resolve the whole prefix from the root: comp may be a
                 * symlink, which must be followed inside the tree only. */
                fd = tree_open(root_fd, p, O_PATH | O_DIRECTORY);
                if (fd < 0)
                        return fd;
                closep(&cur);
                cur = fd;
                if (!slash)
                        break;
                *slash = '/';
                s = slash + 1;
                while (*s == '/')
                        s++;
        }
        return take_fd(&cur);
}

int tree_create_file(int root_fd, const char *path, mode_t mode)
{
        _cleanup_free_ char *dir = strdup(path);
        char *slash;
        int fd;

        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = 0;
                int dfd = tree_mkdir_p(root_fd, dir, 0755);
                if (dfd < 0)
                        return dfd;
                close(dfd);
        }
        fd = tree_open(root_fd, path, O_PATH);
        if (fd != -ENOENT)
                return fd;
        fd = tree_open_mode(root_fd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY, mode);
        if (fd < 0 && fd != -EEXIST)
                return fd;
        safe_close(fd);
        return tree_open(root_fd, path, O_PATH);
}

int tree_dangling_link(int root_fd, const char *path, char *ret_link, size_t link_size, char *ret_target,
                       size_t target_size)
{
        _cleanup_free_ char *p = strdup(path);
        char *s;

        if (!p)
                return -ENOMEM;
        for (s = p;; *s = '/') {
                while (*s == '/')
                        s++;
                if (!*s)
                        return 0;
                s = s + strcspn(s, "/");
                char end = *s;
                *s = 0;
                _cleanup_close_ int link = tree_open(root_fd, p, O_PATH | O_NOFOLLOW);
                _cleanup_close_ int target = -EBADF;
                struct stat st;
                if (link < 0)
                        return 0;       /* missing, not led astray */
                if (fstat(link, &st) < 0)
                        return -errno;
                if (S_ISLNK(st.st_mode) && (target = tree_open(root_fd, p, O_PATH)) == -ENOENT) {
                        ssize_t n = readlinkat(link, "", ret_target, target_size - 1);
                        if (n < 0)
                                return -errno;
                        ret_target[n] = 0;
                        snprintf(ret_link, link_size, "%s", p);
                        return 1;
                }
                if (!end)
                        return 0;
        }
}
