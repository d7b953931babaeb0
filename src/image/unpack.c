/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "acl.h"
#include "cleanup.h"
#include "log.h"
#include "util.h"

#define WHITEOUT_PREFIX ".wh."
#define OPAQUE_MARKER ".wh..wh..opq"

struct unpacker {
        const struct unpack_opts *o;
        int root;
        /* Directories' times, set once nothing more is made in them. */
        struct dir_time {
                char *path;
                struct timespec mtime;
        } *dirs;
        size_t n_dirs;
};

static int open_beneath(int root, const char *path, int flags)
{
        struct open_how how = {
                .flags = (uint64_t) (flags | O_CLOEXEC),
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
        };
        int fd = (int) syscall(SYS_openat2, root, *path ? path : ".", &how, sizeof(how));
        return fd < 0 ? -errno : fd;
}

/* The archive's name of an entry as a path below the root: "./" and
 * trailing slashes dropped; "" is the root itself. -EXDEV: absolute or
 * with "..". */
static int normalize(const char *name, char *buf, size_t size)
{
        if (name[0] == '/')
                return -EXDEV;
        while (name[0] == '.' && name[1] == '/')
                for (name += 2; *name == '/'; name++)
                        ;
        if (streq(name, "."))
                name = "";
        if (strlen(name) >= size)
                return -ENAMETOOLONG;
        strcpy(buf, name);
        for (size_t n = strlen(buf); n > 0 && buf[n - 1] == '/'; n--)
                buf[n - 1] = 0;
        for (const char *p = buf; *p;) {
                size_t k = strcspn(p, "/");
                if ((k == 2 && p[0] == '.' && p[1] == '.') || k == 0)
                        return k == 0 ? -EBADMSG : -EXDEV;
                p += k;
                if (*p == '/')
                        p++;
        }
        return 0;
}

/* Each directory of path, made where missing, one component at a time
 * from the root; an O_PATH fd of the last. */
static int make_parents(int root, char *path)
{
        int fd = open_beneath(root, "", O_PATH | O_DIRECTORY);

        for (char *c = path, *next; fd >= 0 && c; c = next) {
                next = strchr(c, '/');
                if (next)
                        *next = 0;
                int sub = mkdirat(fd, c, 0755) < 0 && errno != EEXIST ? -errno
                                                                      : open_beneath(fd, c, O_PATH | O_DIRECTORY);
                close(fd);
                fd = sub;
                if (next)
                        *next++ = '/';
        }
        return fd;
}

/* The directory an entry goes into, made where missing (0755; the
 * archive's own entry for it, when it comes, sets its mode); *ret_name
 * points at the entry's last component in path. */
static int open_parent(struct unpacker *u, char *path, const char **ret_name)
{
        char *slash = strrchr(path, '/');

        *ret_name = slash ? slash + 1 : path;
        if (!slash)
                return open_beneath(u->root, "", O_PATH | O_DIRECTORY);
        *slash = 0;
        int fd = open_beneath(u->root, path, O_PATH | O_DIRECTORY);
        if (fd == -ENOENT)
                fd = make_parents(u->root, path);
        *slash = '/';
        return fd;
}

/* Whatever is at name goes first (a later entry wins, as with tar), but a
 * directory stays for a directory. */
static int make_room(int dir, const char *name, bool for_dir)
{
        struct stat st;

        if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (S_ISDIR(st.st_mode))
                return for_dir ? 1 : rm_rf_at(dir, name);
        return unlinkat(dir, name, 0) < 0 ? -errno : 0;
}

static int write_data(struct archive *a, int fd, struct progress *p, int64_t size)
{
        const void *buf;
        size_t len;
        la_int64_t off;
        int r;

        while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
                for (size_t done = 0; done < len;) {
                        ssize_t k = pwrite(fd, (const char *) buf + done, len - done, off + (off_t) done);
                        if (k < 0)
                                return -errno;
                        done += (size_t) k;
                }
                if (p) {
                        p->bytes = p->base + (uint64_t) archive_filter_bytes(a, -1);
                        progress_tick(p);
                }
        }
        if (r != ARCHIVE_EOF)
                return -ENODATA;
        /* Sparse files end in a hole. */
        return ftruncate(fd, size) < 0 ? -errno : 0;
}

static int set_xattrs(struct archive_entry *e, int dir, const char *name)
{
        const char *key;
        const void *value;
        size_t size;
        char path[64];

        if (archive_entry_xattr_reset(e) == 0)
                return 0;
        _cleanup_close_ int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        while (archive_entry_xattr_next(e, &key, &value, &size) == ARCHIVE_OK)
                if (lsetxattr(path, key, value, size, 0) < 0 && errno != ENOTSUP)
                        return -errno;
        return 0;
}

/* An entry's ACLs (SCHILY.acl.*, or ACL attributes libarchive read as
 * ACLs) as the kernel's attributes; symbolic links have none. */
static int set_acls(struct archive_entry *e, int dir, const char *name)
{
        char path[64];

        if (archive_entry_filetype(e) == AE_IFLNK ||
            archive_entry_acl_count(e, ARCHIVE_ENTRY_ACL_TYPE_ACCESS | ARCHIVE_ENTRY_ACL_TYPE_DEFAULT) == 0)
                return 0;
        _cleanup_close_ int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        return acl_entry_apply(e, path);
}

/* Owner, then mode (chown clears set-ID bits), then xattrs and times. */
static int set_meta(struct unpacker *u, struct archive_entry *e, int dir, const char *name, const char *path)
{
        mode_t type = archive_entry_filetype(e);

        if (fchownat(dir, name, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (type != AE_IFLNK && fchmodat(dir, name, archive_entry_perm(e), 0) < 0)
                return -errno;
        int r = set_xattrs(e, dir, name);
        if (r >= 0)
                r = set_acls(e, dir, name);
        if (r < 0)
                return r;
        struct timespec t[2] = {
                { archive_entry_atime(e), archive_entry_atime_nsec(e) },
                { archive_entry_mtime(e), archive_entry_mtime_nsec(e) },
        };
        if (!archive_entry_atime_is_set(e))
                t[0] = t[1];
        if (type == AE_IFDIR) {
                struct dir_time *grown = realloc(u->dirs, sizeof(*u->dirs) * (u->n_dirs + 1));
                if (!grown)
                        return -ENOMEM;
                u->dirs = grown;
                if (!(grown[u->n_dirs].path = strdup(path)))
                        return -ENOMEM;
                grown[u->n_dirs++].mtime = t[1];
                return 0;
        }
        return utimensat(dir, name, t, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int make_hardlink(struct unpacker *u, struct archive_entry *e, int dir, const char *name)
{
        char target[4096];
        const char *tname;
        int r = normalize(archive_entry_hardlink(e), target, sizeof(target));

        if (r < 0)
                return r;
        _cleanup_close_ int tdir = open_parent(u, target, &tname);
        if (tdir < 0)
                return tdir;
        if ((r = make_room(dir, name, false)) < 0)
                return r;
        return linkat(tdir, tname, dir, name, 0) < 0 ? -errno : 0;
}

static int make_entry(struct unpacker *u, struct archive *a, struct archive_entry *e, int dir, const char *name,
                      const char *path)
{
        mode_t type = archive_entry_filetype(e);
        int r;

        if (archive_entry_hardlink(e))
                return make_hardlink(u, e, dir, name);
        if (!*name) /* the root itself */
                return type == AE_IFDIR ? set_meta(u, e, dir, ".", path) : -EBADMSG;
        r = make_room(dir, name, type == AE_IFDIR);
        if (r < 0)
                return r;
        switch (type) {
        case AE_IFDIR:
                if (r == 0 && mkdirat(dir, name, 0700) < 0)
                        return -errno;
                break;
        case AE_IFREG: {
                _cleanup_close_ int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd < 0)
                        return -errno;
                r = write_data(a, fd, u->o->progress, archive_entry_size(e));
                if (r < 0)
                        return r;
                break;
        }
        case AE_IFLNK:
                if (symlinkat(archive_entry_symlink(e) ?: "", dir, name) < 0)
                        return -errno;
                break;
        case AE_IFCHR:
        case AE_IFBLK:
        case AE_IFIFO:
                if (mknodat(dir, name, type | 0600, archive_entry_rdev(e)) < 0)
                        return -errno;
                break;
        default:
                return -EBADMSG;
        }
        return set_meta(u, e, dir, name, path);
}

/* An OCI whiteout: 1 when the entry was one. */
static int whiteout(int dir, const char *name)
{
        if (!startswith(name, WHITEOUT_PREFIX))
                return 0;
        if (streq(name, OPAQUE_MARKER)) {
                _cleanup_close_ int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                return fsetxattr(fd, "user.overlay.opaque", "y", 1, 0) < 0 ? -errno : 1;
        }
        const char *hidden = name + strlen(WHITEOUT_PREFIX);
        if (!*hidden || streq(hidden, ".") || streq(hidden, ".."))
                return -EBADMSG;
        int r = make_room(dir, hidden, false);
        if (r < 0)
                return r;
        return mknodat(dir, hidden, S_IFCHR | 0600, makedev(0, 0)) < 0 ? -errno : 1;
}

static int entry_failed(const struct unpacker *u, const char *entry, int r)
{
        if (r == -EXDEV || r == -ELOOP)
                return log_error_ret(-EXDEV, "%s: entry %s escapes the image (an absolute path, \"..\" or "
                                     "a symbolic link on its way): refused",
                                     u->o->what, entry);
        if (r == -EBADMSG)
                return log_error_ret(r, "%s: entry %s is not one berth can unpack", u->o->what, entry);
        if (r == -ENODATA)
                return log_error_ret(-EBADMSG, "%s: the archive is truncated or corrupt inside entry %s",
                                     u->o->what, entry);
        return log_error_errno(r, "%s: unpacking %s", u->o->what, entry);
}

static int unpack_entries(struct unpacker *u, struct archive *a)
{
        struct archive_entry *e;
        char path[4096];
        bool any = false;
        int r;

        while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
                const char *raw = archive_entry_pathname(e) ?: "", *name;
                int k = normalize(raw, path, sizeof(path));
                if (k < 0)
                        return entry_failed(u, raw, k);
                _cleanup_close_ int dir = open_parent(u, path, &name);
                if (dir < 0)
                        return entry_failed(u, raw, dir);
                k = u->o->whiteouts ? whiteout(dir, name) : 0;
                if (k == 0)
                        k = make_entry(u, a, e, dir, name, path);
                if (k < 0)
                        return entry_failed(u, raw, k);
                any = true;
                if (u->o->progress) {
                        u->o->progress->files++;
                        progress_tick(u->o->progress);
                }
        }
        if (r != ARCHIVE_EOF && !any)
                return log_error_ret(-EBADMSG, "%s is no tarball berth reads (%s)", u->o->what,
                                     archive_error_string(a) ?: "no tar header");
        if (r != ARCHIVE_EOF)
                return log_error_ret(-EBADMSG, "%s: %s", u->o->what,
                                     archive_error_string(a) ?: "the archive is truncated or corrupt");
        return 0;
}

/* Deepest first: a directory's time is its own once its entries are in. */
static int set_dir_times(struct unpacker *u)
{
        for (size_t i = u->n_dirs; i-- > 0;) {
                _cleanup_close_ int fd = open_beneath(u->root, u->dirs[i].path, O_RDONLY | O_DIRECTORY);
                struct timespec t[2] = { u->dirs[i].mtime, u->dirs[i].mtime };
                if (fd < 0 || futimens(fd, t) < 0)
                        return log_error_errno(fd < 0 ? fd : -errno, "%s: setting the time of %s", u->o->what,
                                               u->dirs[i].path[0] ? u->dirs[i].path : "/");
        }
        return 0;
}

int unpack_tar(int in_fd, int dir_fd, const struct unpack_opts *o)
{
        struct unpacker u = { .o = o, .root = dir_fd };
        struct archive *a = archive_read_new();
        int r;

        if (!a)
                return log_oom();
        if (o->progress)
                o->progress->base = o->progress->bytes;
        archive_read_support_filter_all(a);
        archive_read_support_format_tar(a);
        archive_read_support_format_gnutar(a);
        if (archive_read_open_fd(a, in_fd, 1 << 16) != ARCHIVE_OK)
                r = log_error_ret(-EBADMSG, "%s is no tarball berth reads (%s)", o->what,
                                  archive_error_string(a) ?: "it cannot be read");
        else
                r = unpack_entries(&u, a);
        if (r >= 0)
                r = set_dir_times(&u);
        for (size_t i = 0; i < u.n_dirs; i++)
                free(u.dirs[i].path);
        free(u.dirs);
        archive_read_free(a);
        return r;
}
