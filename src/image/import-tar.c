/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "import.h"
#include "log.h"
#include "paths.h"
#include "unpack.h"
#include "util.h"

/* The one directory dir holds, in ret (1), or 0 when it holds more, or
 * something else; -ENODATA when it is empty. */
static int single_top(int dir, char *ret, size_t size)
{
        _cleanup_close_ int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;
        int n = 0, is_dir = 0;

        if (!d)
                return -errno;
        fd = -EBADF;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..") && n++ == 0) {
                        is_dir = de->d_type == DT_DIR;
                        snprintf(ret, size, "%s", de->d_name);
                }
        closedir(d);
        return n == 0 ? -ENODATA : n == 1 && is_dir;
}

int import_tar(struct import_store *st, const char *source, struct progress *p)
{
        const char *what = streq(source, "-") ? "standard input" : source;
        _cleanup_close_ int in = streq(source, "-") ? fcntl(0, F_DUPFD_CLOEXEC, 3)
                                                    : open(source, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        char top[300], from[310];
        struct stat s;
        int r;

        if (in < 0)
                return log_error_errno(-errno, "%s", what);
        if (fstat(in, &s) < 0)
                return log_error_errno(-errno, "%s", what);
        if (S_ISDIR(s.st_mode))
                return log_error_ret(-EISDIR, "%s is a directory, not a tarball: berthctl import-fs takes a tree",
                                     what);
        if (mkdirat(st->stage.fd, "root", 0755) < 0)
                return log_error_errno(-errno, "image %s: making its directory", st->name);
        _cleanup_close_ int root = openat(st->stage.fd, "root", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (root < 0)
                return log_error_errno(-errno, "image %s: opening its directory", st->name);
        progress_start(p, "unpacking", S_ISREG(s.st_mode) ? (uint64_t) s.st_size : 0);
        r = unpack_tar(in, root, &(struct unpack_opts) { .what = what, .progress = p });
        progress_flush(p);
        if (r < 0)
                return r;
        r = single_top(root, top, sizeof(top));
        if (r == -ENODATA)
                return log_error_ret(r, "%s: the archive has no entries", what);
        if (r < 0)
                return log_error_errno(r, "image %s: reading its directory", st->name);
        /* A tarball of one directory (tar -C /srv -c tree) is that tree. */
        snprintf(from, sizeof(from), r == 1 ? "root/%s" : "root", top);
        r = staging_commit(&st->stage, from, st->name);
        if (r == -EEXIST || r == -ENOTEMPTY)
                return log_error_ret(-EEXIST, "image %s: %s/images/%s exists already", st->name, berth_state_dir(),
                                     st->name);
        return r < 0 ? log_error_errno(r, "image %s: moving it into place", st->name) : 0;
}
