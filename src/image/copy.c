/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "copy.h"

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "util.h"

struct link_seen {
        dev_t dev;
        ino_t ino;
        char *path;             /* of the first copy, relative to the copy's root */
};

struct copier {
        const struct id_shift *shift;
        int root_fd;            /* the copy's top directory */
        dev_t dev;              /* the source's file system */
        struct link_seen *links;
        size_t n_links;
        const char *what;
        struct progress *p;
        char path[PATH_MAX];    /* of the entry being copied, relative to the top */
};

uid_t id_shift_apply(const struct id_shift *s, uid_t id)
{
        if (!s)
                return id;
        return id >= s->from && id - s->from < s->size ? s->to + (id - s->from) : s->to + 65534;
}

/* The IDs of named entries of a POSIX ACL attribute, shifted in place
 * (a version word, then tag, permissions, id of 2+2+4 bytes each). */
static void shift_acl(const struct id_shift *s, const char *name, char *value, size_t size)
{
        if (!s || (!streq(name, "system.posix_acl_access") && !streq(name, "system.posix_acl_default")))
                return;
        for (size_t off = 4; off + 8 <= size; off += 8) {
                uint16_t tag;
                uint32_t id;
                memcpy(&tag, value + off, 2);
                memcpy(&id, value + off + 4, 4);
                if (le16toh(tag) == 0x02 || le16toh(tag) == 0x08) {     /* ACL_USER, ACL_GROUP */
                        id = htole32((uint32_t) id_shift_apply(s, le32toh(id)));
                        memcpy(value + off + 4, &id, 4);
                }
        }
}

/* /proc/self/fd/N of an O_PATH fd: the name the xattr calls take for any
 * kind of file (there are no *at forms of them before Linux 6.13). */
static void fd_path(int fd, char buf[64])
{
        snprintf(buf, 64, "/proc/self/fd/%d", fd);
}

static int copy_xattrs(int from, int to, const char *what, const struct id_shift *shift)
{
        char from_path[64], to_path[64], value[65536];
        _cleanup_free_ char *names = NULL;
        ssize_t n = 0;

        fd_path(from, from_path);
        fd_path(to, to_path);
        for (;;) {
                ssize_t size = listxattr(from_path, NULL, 0);
                if (size <= 0)
                        return size < 0 && errno != ENOTSUP ? log_error_errno(-errno, "%s: its attributes", what) : 0;
                free(names);
                names = malloc((size_t) size);
                if (!names)
                        return log_oom();
                n = listxattr(from_path, names, (size_t) size);
                if (n >= 0)
                        break;
                if (errno != ERANGE)
                        return log_error_errno(-errno, "%s: its attributes", what);
        }
        for (char *name = names; name < names + n; name += strlen(name) + 1) {
                ssize_t v = getxattr(from_path, name, value, sizeof(value));
                if (v < 0)
                        return log_error_errno(-errno, "%s: reading its attribute %s", what, name);
                shift_acl(shift, name, value, (size_t) v);
                if (setxattr(to_path, name, value, (size_t) v, 0) < 0)
                        return log_error_errno(-errno, "%s: cannot keep its attribute %s", what, name);
        }
        return 0;
}

/* Owner, then mode (chown drops set-ID bits and capabilities), then the
 * attributes, then the times. dir_fd/name: the copy; from: O_PATH of the
 * source (-1 for a symbolic link, whose attributes are not copied). */
static int copy_meta(int dir_fd, const char *name, int from, const struct stat *st, const char *what,
                     const struct id_shift *shift)
{
        struct timespec times[2] = { st->st_atim, st->st_mtim };
        bool link = S_ISLNK(st->st_mode);

        if (fchownat(dir_fd, name, id_shift_apply(shift, st->st_uid), (gid_t) id_shift_apply(shift, st->st_gid),
                     AT_SYMLINK_NOFOLLOW) < 0)
                return log_error_errno(-errno, "%s: setting its owner", what);
        if (!link && fchmodat(dir_fd, name, st->st_mode & 07777, 0) < 0)
                return log_error_errno(-errno, "%s: setting its mode", what);
        if (!link) {
                _cleanup_close_ int to = openat(dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                int r = to < 0 ? log_error_errno(-errno, "%s: opening the copy", what) : copy_xattrs(from, to, what, shift);
                if (r < 0)
                        return r;
        }
        if (utimensat(dir_fd, name, times, AT_SYMLINK_NOFOLLOW) < 0)
                return log_error_errno(-errno, "%s: setting its times", what);
        return 0;
}

static int copy_range(int from, int to, off_t start, off_t end, struct progress *p)
{
        static char buf[131072];
        off_t in = start, out = start;
        bool fallback = false;

        while (in < end) {
                ssize_t n = fallback ? -1 : copy_file_range(from, &in, to, &out, (size_t) (end - in), 0);
                if (n < 0 && !fallback && (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP ||
                                           errno == ENOSYS)) {
                        fallback = true;
                        continue;
                }
                if (fallback) {
                        size_t want = (size_t) (end - in) < sizeof(buf) ? (size_t) (end - in) : sizeof(buf);
                        n = pread(from, buf, want, in);
                        if (n > 0 && pwrite(to, buf, (size_t) n, out) != n)
                                return errno ? -errno : -EIO;
                        if (n > 0)
                                in += n, out += n;
                }
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;  /* the file shrank under us */
                if (p) {
                        p->bytes += (uint64_t) n;
                        progress_tick(p);
                }
        }
        return 0;
}

/* The data: shared with FICLONE where the file system can, else each
 * extent of data copied and the holes left holes. */
static int copy_data(int from, int to, off_t size, struct progress *p)
{
        off_t pos = 0;

        if (ioctl(to, FICLONE, from) == 0) {
                if (p) {
                        p->bytes += (uint64_t) size;
                        progress_tick(p);
                }
                return 0;
        }
        while (pos < size) {
                off_t data = lseek(from, pos, SEEK_DATA);
                if (data < 0 && errno == ENXIO)
                        break;          /* a hole to the end */
                if (data < 0)
                        data = pos;     /* no SEEK_DATA here: all data */
                off_t hole = lseek(from, data, SEEK_HOLE);
                if (hole < 0 || hole > size)
                        hole = size;
                int r = copy_range(from, to, data, hole, p);
                if (r < 0)
                        return r;
                pos = hole;
        }
        return ftruncate(to, size) < 0 ? -errno : 0;
}

int copy_file(int from_fd, int to_dir_fd, const char *to_name, const char *what, struct progress *p,
              const struct id_shift *shift)
{
        char self[64];
        struct stat st;

        if (fstat(from_fd, &st) < 0)
                return log_error_errno(-errno, "%s", what);
        _cleanup_close_ int to = openat(to_dir_fd, to_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                        0600);
        if (to < 0)
                return log_error_errno(-errno, "%s: creating its copy", what);
        int r = copy_data(from_fd, to, st.st_size, p);
        if (r < 0)
                return log_error_errno(r, "%s: copying its data", what);
        fd_path(from_fd, self);
        _cleanup_close_ int from_path = open(self, O_PATH | O_CLOEXEC);
        if (from_path < 0)
                return log_error_errno(-errno, "%s", what);
        return copy_meta(to_dir_fd, to_name, from_path, &st, what, shift);
}

static int remember_link(struct copier *c, const struct stat *st)
{
        void *grown = realloc(c->links, sizeof(*c->links) * (c->n_links + 1));
        if (!grown)
                return log_oom();
        c->links = grown;
        char *path = strdup(c->path);
        if (!path)
                return log_oom();
        c->links[c->n_links++] = (struct link_seen) { st->st_dev, st->st_ino, path };
        return 0;
}

static const char *seen_link(const struct copier *c, const struct stat *st)
{
        for (size_t i = 0; i < c->n_links; i++)
                if (c->links[i].dev == st->st_dev && c->links[i].ino == st->st_ino)
                        return c->links[i].path;
        return NULL;
}

static int copy_dir(struct copier *c, int from, int to);

/* One entry of from (the source directory) as name in to. */
static int copy_entry(struct copier *c, int from, int to, const char *name, const struct stat *st)
{
        char target[PATH_MAX];
        const char *first;
        int r = 0;

        if (!S_ISDIR(st->st_mode) && st->st_nlink > 1 && (first = seen_link(c, st)))
                return linkat(c->root_fd, first, to, name, 0) < 0
                               ? log_error_errno(-errno, "%s/%s: linking it", c->what, c->path)
                               : 0;
        _cleanup_close_ int src = openat(from, name, (S_ISREG(st->st_mode) || S_ISDIR(st->st_mode) ? O_RDONLY : O_PATH) |
                                                       O_NOFOLLOW | O_CLOEXEC);
        if (src < 0)
                return log_error_errno(-errno, "%s/%s", c->what, c->path);
        switch (st->st_mode & S_IFMT) {
        case S_IFDIR:
                if (mkdirat(to, name, 0700) < 0)
                        return log_error_errno(-errno, "%s/%s: making its copy", c->what, c->path);
                if (st->st_dev == c->dev) {     /* a mount point stays an empty directory */
                        _cleanup_close_ int dst = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        r = dst < 0 ? log_error_errno(-errno, "%s/%s", c->what, c->path) : copy_dir(c, src, dst);
                }
                break;
        case S_IFREG: {
                _cleanup_close_ int dst = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (dst < 0)
                        return log_error_errno(-errno, "%s/%s: making its copy", c->what, c->path);
                r = copy_data(src, dst, st->st_size, c->p);
                if (r < 0)
                        return log_error_errno(r, "%s/%s: copying its data", c->what, c->path);
                break;
        }
        case S_IFLNK: {
                ssize_t n = readlinkat(from, name, target, sizeof(target) - 1);
                if (n < 0)
                        return log_error_errno(-errno, "%s/%s: reading the link", c->what, c->path);
                target[n] = 0;
                if (symlinkat(target, to, name) < 0)
                        return log_error_errno(-errno, "%s/%s: making the link", c->what, c->path);
                break;
        }
        default:
                if (mknodat(to, name, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0)
                        return log_error_errno(-errno, "%s/%s: making the node", c->what, c->path);
        }
        if (r >= 0 && !S_ISDIR(st->st_mode) && st->st_nlink > 1)
                r = remember_link(c, st);
        if (r >= 0 && c->p) {
                c->p->files++;
                progress_tick(c->p);
        }
        if (r < 0)
                return r;
        char what[PATH_MAX + 300];
        snprintf(what, sizeof(what), "%s/%s", c->what, c->path);
        _cleanup_close_ int meta = S_ISLNK(st->st_mode) ? -EBADF : openat(from, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        return copy_meta(to, name, meta, st, what, c->shift);
}

static int copy_dir(struct copier *c, int from, int to)
{
        _cleanup_close_ int fd = fcntl(from, F_DUPFD_CLOEXEC, 3);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        size_t len = strlen(c->path);
        struct dirent *de;
        struct stat st;
        int r = 0;

        if (!d)
                return log_error_errno(-errno, "%s/%s: reading it", c->what, c->path);
        fd = -EBADF;
        rewinddir(d);
        while (r >= 0 && (errno = 0, de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (len + strlen(de->d_name) + 2 >= sizeof(c->path)) {
                        r = log_error_ret(-ENAMETOOLONG, "%s/%s/%s: the name is too long", c->what, c->path,
                                          de->d_name);
                        break;
                }
                snprintf(c->path + len, sizeof(c->path) - len, "%s%s", len ? "/" : "", de->d_name);
                if (fstatat(from, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        r = log_error_errno(-errno, "%s/%s", c->what, c->path);
                else
                        r = copy_entry(c, from, to, de->d_name, &st);
                c->path[len] = 0;
        }
        if (r >= 0 && errno)
                r = log_error_errno(-errno, "%s/%s: reading it", c->what, c->path);
        closedir(d);
        return r;
}

int copy_tree(int from_fd, int to_parent_fd, const char *to_name, const char *what, struct progress *p,
              const struct id_shift *shift)
{
        struct stat st;
        char self[64];
        int r;

        if (fstat(from_fd, &st) < 0)
                return log_error_errno(-errno, "%s", what);
        if (!S_ISDIR(st.st_mode))
                return log_error_ret(-ENOTDIR, "%s is not a directory", what);
        if (mkdirat(to_parent_fd, to_name, 0700) < 0)
                return log_error_errno(-errno, "%s: making the copy", what);
        struct copier c = { .shift = shift, .dev = st.st_dev, .what = what, .p = p };
        c.root_fd = openat(to_parent_fd, to_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (c.root_fd < 0)
                return log_error_errno(-errno, "%s: opening the copy", what);
        r = copy_dir(&c, from_fd, c.root_fd);
        fd_path(from_fd, self);
        _cleanup_close_ int meta = open(self, O_PATH | O_CLOEXEC);
        if (r >= 0)
                r = meta < 0 ? log_error_errno(-errno, "%s", what)
                             : copy_meta(to_parent_fd, to_name, meta, &st, what, shift);
        if (r >= 0 && syncfs(c.root_fd) < 0)
                r = log_error_errno(-errno, "%s: writing the copy out", what);
        for (size_t i = 0; i < c.n_links; i++)
                free(c.links[i].path);
        free(c.links);
        safe_close(c.root_fd);
        return r;
}

static uint64_t dir_bytes(int dir_fd, dev_t dev)
{
        _cleanup_close_ int fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;
        struct stat st;
        uint64_t sum = 0;

        if (!d)
                return 0;
        fd = -EBADF;
        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, "..") ||
                    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISREG(st.st_mode))
                        sum += (uint64_t) st.st_size;
                else if (S_ISDIR(st.st_mode) && st.st_dev == dev) {
                        _cleanup_close_ int sub = openat(dirfd(d), de->d_name,
                                                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub >= 0)
                                sum += dir_bytes(sub, dev);
                }
        }
        closedir(d);
        return sum;
}

uint64_t tree_bytes(int dir_fd)
{
        struct stat st;

        return fstat(dir_fd, &st) < 0 ? 0 : dir_bytes(dir_fd, st.st_dev);
}

int copy_entry_any(int from_dir_fd, const char *from_name, int to_dir_fd, const char *to_name, const char *what,
                   struct progress *p, const struct id_shift *shift)
{
        char target[PATH_MAX];
        struct stat st;

        if (fstatat(from_dir_fd, from_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return log_error_errno(-errno, "%s", what);
        if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
                bool dir = S_ISDIR(st.st_mode);
                _cleanup_close_ int fd = openat(from_dir_fd, from_name,
                                                O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (dir ? O_DIRECTORY : 0));
                if (fd < 0)
                        return log_error_errno(-errno, "%s", what);
                return dir ? copy_tree(fd, to_dir_fd, to_name, what, p, shift)
                           : copy_file(fd, to_dir_fd, to_name, what, p, shift);
        }
        if (S_ISLNK(st.st_mode)) {
                ssize_t n = readlinkat(from_dir_fd, from_name, target, sizeof(target) - 1);
                if (n < 0)
                        return log_error_errno(-errno, "%s: reading the link", what);
                target[n] = 0;
                if (symlinkat(target, to_dir_fd, to_name) < 0)
                        return log_error_errno(-errno, "%s: making the link", what);
                return copy_meta(to_dir_fd, to_name, -EBADF, &st, what, shift);
        }
        if (mknodat(to_dir_fd, to_name, (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0)
                return log_error_errno(-errno, "%s: making the node", what);
        _cleanup_close_ int meta = openat(from_dir_fd, from_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (meta < 0)
                return log_error_errno(-errno, "%s", what);
        return copy_meta(to_dir_fd, to_name, meta, &st, what, shift);
}
