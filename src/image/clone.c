/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* clone of a tree or a raw disk image: a copy (copy.h: reflinks where the
 * file system has them, else copy_file_range), made in the import's
 * hidden directory and moved into place, its settings file with it. A
 * layered image's clone is a new manifest naming the same layers
 * (store-ops.c), made here too when berth-import is asked. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "copy.h"
#include "import.h"
#include "layers.h"
#include "log.h"
#include "store.h"
#include "util.h"

static int copy_image(struct import_store *st, const struct image_info *im, struct progress *p)
{
        char final[MACHINE_NAME_MAX + 8];
        bool tree = im->type == IMAGE_DIRECTORY;
        _cleanup_close_ int in = open(im->path, (tree ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC);
        struct stat s;
        int r;

        if (in < 0 || fstat(in, &s) < 0)
                return log_error_errno(-errno, "image %s: %s", im->name, im->path);
        snprintf(final, sizeof(final), "%s%s", st->name, image_type_suffix(im->type));
        progress_start(p, "copying", tree ? tree_bytes(in) : (uint64_t) s.st_size);
        r = tree ? copy_tree(in, st->stage.fd, final, im->path, p, NULL)
                 : copy_file(in, st->stage.fd, final, im->path, p, NULL);
        progress_flush(p);
        if (r < 0)
                return r;
        r = staging_commit(&st->stage, final, final);
        if (r == -EEXIST || r == -ENOTEMPTY)
                return log_error_ret(-EEXIST, "image %s exists already", st->name);
        return r < 0 ? log_error_errno(r, "image %s: moving it into place", st->name) : 0;
}

int clone_image(struct import_store *st, const char *source, bool read_only, struct progress *p)
{
        struct image_info im;
        int r = image_get(source, &im);

        if (r == -ENOENT)
                return log_error_ret(r, "no image %s", source);
        if (r < 0)
                return log_error_errno(r, "image %s", source);
        if (im.type == IMAGE_LAYERED) {
                r = image_clone_layered(source, st->name, read_only);
                return r < 0 ? log_error_errno(r, "cloning %s as %s", source, st->name) : 0;
        }
        int settings = image_copy_settings(source, st->name);
        if (settings < 0)
                return log_error_errno(settings, "image %s: copying its settings file", st->name);
        r = copy_image(st, &im, p);
        if (r < 0) {
                if (settings > 0)
                        image_drop_settings(st->name);
                return r;
        }
        if (read_only && (r = image_mark_read_only(st->name, true)) < 0)
                return log_error_errno(r, "image %s is made, but cannot be marked read-only", st->name);
        return 0;
}
