/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* export-tar: an image's tree as one tarball (libarchive, pax: owners,
 * modes, times, extended attributes, hard links, nodes), compressed as the
 * destination's name says (.gz, .xz, .zst, .bz2), plain otherwise. A
 * layered image is exported merged: its layers under a read-only overlay
 * that is never attached, so whiteouts are what they hide. Every name is
 * read relative to a directory fd. */
#include "export.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "acl.h"
#include "cleanup.h"
#include "copy.h"
#include "layers.h"
#include "log.h"
#include "mnt.h"
#include "store.h"
#include "util.h"

struct exporter {
        struct archive *a;
        struct archive_entry_linkresolver *links;
        const char *image;
        struct progress *p;
        char path[PATH_MAX];    /* "./" and the entry's path below the top */
};

static int archive_failed(struct exporter *e, const char *doing)
{
        return log_error_ret(-EIO, "exporting %s: %s %s: %s", e->image, doing, e->path, archive_error_string(e->a));
}

static int add_xattrs(struct exporter *e, int fd, struct archive_entry *entry)
{
        char self[64], names[65536], value[65536];

        snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
        ssize_t n = listxattr(self, names, sizeof(names));
        if (n < 0)
                return errno == ENOTSUP ? 0 : log_error_errno(-errno, "exporting %s: %s", e->image, e->path);
        for (char *name = names; name < names + n; name += strlen(name) + 1) {
                ssize_t v = getxattr(self, name, value, sizeof(value));
                if (v < 0)
                        return log_error_errno(-errno, "exporting %s: %s: attribute %s", e->image, e->path, name);
                int r = acl_xattr_to_entry(entry, name, value, (size_t) v);
                if (r < 0)
                        return log_error_ret(r, "exporting %s: %s: attribute %s is no ACL", e->image, e->path,
                                             name);
                if (r == 0)
                        archive_entry_xattr_add_entry(entry, name, value, (size_t) v);
        }
        return 0;
}

static int write_data(struct exporter *e, int fd)
{
        static char buf[131072];
        ssize_t n;

        while ((n = read(fd, buf, sizeof(buf))) > 0) {
                if (archive_write_data(e->a, buf, (size_t) n) != n)
                        return archive_failed(e, "writing");
                e->p->bytes += (uint64_t) n;
                progress_tick(e->p);
        }
        return n < 0 ? log_error_errno(-errno, "exporting %s: reading %s", e->image, e->path) : 0;
}

/* One entry, name in dir (NULL: dir itself, the top). */
static int write_entry(struct exporter *e, int dir, const char *name, const struct stat *st)
{
        char target[PATH_MAX];
        int r = 0;
        bool reg = S_ISREG(st->st_mode);
        _cleanup_close_ int fd = name ? openat(dir, name, (reg ? O_RDONLY : O_PATH) | O_NOFOLLOW | O_CLOEXEC)
                                      : fcntl(dir, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return log_error_errno(-errno, "exporting %s: %s", e->image, e->path);
        struct archive_entry *entry = archive_entry_new(), *sparse = NULL;
        if (!entry)
                return log_oom();
        archive_entry_copy_pathname(entry, e->path);
        archive_entry_copy_stat(entry, st);
        if (S_ISLNK(st->st_mode)) {
                ssize_t n = readlinkat(dir, name, target, sizeof(target) - 1);
                if (n < 0)
                        r = log_error_errno(-errno, "exporting %s: %s", e->image, e->path);
                else
                        target[n] = 0, archive_entry_copy_symlink(entry, target);
        } else
                r = add_xattrs(e, fd, entry);
        /* The second name of a hard link becomes a link entry. */
        if (r >= 0)
                archive_entry_linkify(e->links, &entry, &sparse);
        if (r >= 0 && entry && archive_write_header(e->a, entry) != ARCHIVE_OK)
                r = archive_failed(e, "writing the header of");
        if (r >= 0 && entry && reg && archive_entry_size(entry) > 0)
                r = write_data(e, fd);
        archive_entry_free(entry);
        e->p->files++;
        return r;
}

static int write_dir(struct exporter *e, int dir)
{
        _cleanup_close_ int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        size_t len = strlen(e->path);
        struct dirent *de;
        struct stat st;
        int r = 0;

        if (!d)
                return log_error_errno(-errno, "exporting %s: %s", e->image, e->path);
        fd = -EBADF;
        while (r >= 0 && (de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                snprintf(e->path + len, sizeof(e->path) - len, "/%s", de->d_name);
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        r = log_error_errno(-errno, "exporting %s: %s", e->image, e->path);
                else
                        r = write_entry(e, dirfd(d), de->d_name, &st);
                if (r >= 0 && S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub = openat(dirfd(d), de->d_name,
                                                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        r = sub < 0 ? log_error_errno(-errno, "exporting %s: %s", e->image, e->path)
                                    : write_dir(e, sub);
                }
                e->path[len] = 0;
        }
        closedir(d);
        return r;
}

/* The image's tree: a directory, or a layered image's layers merged. */
static int open_tree(const struct image_info *im)
{
        struct layer_list l = {};
        struct mnt_error err;
        char root[4096];
        unsigned line;
        _cleanup_(strv_freep) char **rel = NULL;

        if (im->type == IMAGE_DIRECTORY) {
                int fd = open(im->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                return fd >= 0 ? fd : log_error_errno(-errno, "image %s: %s", im->name, im->path);
        }
        if (im->type != IMAGE_LAYERED)
                return log_error_ret(-EOPNOTSUPP, "image %s is a raw disk image: export-tar takes a tree or a "
                                     "layered image (the raw file is the image itself: copy it)", im->name);
        int r = layers_read(im->path, &l, &line);
        if (r < 0)
                return log_error_errno(r, "image %s: reading %s", im->name, im->path);
        for (size_t i = l.n; r >= 0 && i > 0; i--) {   /* top first */
                char p[80];
                r = layer_rel_path(l.digest[i - 1], p, sizeof(p));
                if (r >= 0)
                        r = strv_push(&rel, p);
        }
        layer_list_done(&l);
        if (r >= 0)
                r = layers_dir(root, sizeof(root));
        if (r < 0)
                return log_error_errno(r, "image %s", im->name);
        int mnt = layers_mount_merged(root, rel, &err);
        if (mnt < 0)
                return log_error_errno(mnt, "image %s: merging its layers%s%s", im->name, err.text[0] ? ": " : "",
                                       err.text);
        int fd = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        r = fd < 0 ? -errno : 0;
        close(mnt);
        return fd >= 0 ? fd : log_error_errno(r, "image %s: opening its merged layers", im->name);
}

/* The compression the destination's name asks for. */
static int add_filter(struct archive *a, int out_fd)
{
        static const struct {
                const char *suffix;
                int (*add)(struct archive *);
        } filters[] = {
                { ".gz", archive_write_add_filter_gzip }, { ".tgz", archive_write_add_filter_gzip },
                { ".xz", archive_write_add_filter_xz },   { ".zst", archive_write_add_filter_zstd },
                { ".bz2", archive_write_add_filter_bzip2 },
        };
        char self[64], path[PATH_MAX];

        snprintf(self, sizeof(self), "/proc/self/fd/%d", out_fd);
        ssize_t n = readlink(self, path, sizeof(path) - 1);
        path[n > 0 ? n : 0] = 0;
        for (size_t i = 0; i < ELEMENTSOF(filters); i++)
                if (endswith(path, filters[i].suffix))
                        return filters[i].add(a);
        return archive_write_add_filter_none(a);
}

int export_tar(const char *name, const char *dest, struct progress *p)
{
        struct image_info im;
        struct stat st;
        int r = image_get(name, &im);

        if (r < 0)
                return log_error_ret(r, "no image %s", name);
        _cleanup_close_ int out = streq(dest, "-") ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)
                                                   : open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (out < 0)
                return log_error_errno(-errno, "%s", streq(dest, "-") ? "the file given" : dest);
        _cleanup_close_ int tree = open_tree(&im);
        if (tree < 0)
                return tree;
        if (fstat(tree, &st) < 0)
                return log_error_errno(-errno, "image %s", name);
        struct exporter e = { .a = archive_write_new(), .links = archive_entry_linkresolver_new(), .image = name,
                              .p = p, .path = "." };
        if (!e.a || !e.links)
                return log_oom();
        archive_entry_linkresolver_set_strategy(e.links, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
        if (archive_write_set_format_pax_restricted(e.a) != ARCHIVE_OK || add_filter(e.a, out) != ARCHIVE_OK ||
            archive_write_open_fd(e.a, out) != ARCHIVE_OK)
                r = archive_failed(&e, "starting");
        progress_start(p, "packing", tree_bytes(tree));
        if (r >= 0)
                r = write_entry(&e, tree, NULL, &st);
        if (r >= 0)
                r = write_dir(&e, tree);
        if (r >= 0 && archive_write_close(e.a) != ARCHIVE_OK)
                r = archive_failed(&e, "finishing");
        progress_flush(p);
        archive_entry_linkresolver_free(e.links);
        archive_write_free(e.a);
        if (r < 0 && !streq(dest, "-"))
                (void) unlink(dest);    /* no half tarball */
        return r;
}
