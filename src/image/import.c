/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "name.h"
#include "paths.h"
#include "store.h"
#include "util.h"

static int open_dir(const char *path)
{
        int r = mkdir_p(path, 0755);
        if (r < 0)
                return log_error_errno(r, "creating %s", path);
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd >= 0 ? fd : log_error_errno(-errno, "opening %s", path);
}

int import_store_open(struct import_store *st, const char *name)
{
        struct image_info im;
        char path[4200];

        *st = (struct import_store) { .images_fd = -EBADF, .layers_fd = -EBADF, .name = name,
                                      .stage = { .parent_fd = -EBADF, .fd = -EBADF } };
        if (!machine_name_valid(name))
                return log_error_ret(-EINVAL, "%s is not a valid image name (1 to 64 letters, digits, '-', '_' "
                                     "and '.', not starting with '.' or '-')", name);
        snprintf(path, sizeof(path), "%s/images", berth_state_dir());
        if ((st->images_fd = open_dir(path)) < 0)
                return st->images_fd;
        snprintf(path, sizeof(path), "%s/layers/sha256", berth_state_dir());
        int sha = open_dir(path);
        if (sha < 0)
                return sha;
        close(sha);
        snprintf(path, sizeof(path), "%s/layers", berth_state_dir());
        if ((st->layers_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
                return log_error_errno(-errno, "opening %s", path);
        staging_sweep(st->images_fd, 0);
        staging_sweep(st->layers_fd, 0);
        if (image_get(name, &im) == 0)
                return log_error_ret(-EEXIST, "image %s exists already (%s)", name, im.path);
        int r = staging_begin(&st->stage, st->images_fd, name);
        return r < 0 ? log_error_errno(r, "image %s: making its directory in %s/images", name, berth_state_dir())
                     : 0;
}

void import_store_done(struct import_store *st)
{
        staging_done(&st->stage);
        st->images_fd = safe_close(st->images_fd);
        st->layers_fd = safe_close(st->layers_fd);
}
