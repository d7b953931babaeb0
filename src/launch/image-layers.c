/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "image-layers.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "layers.h"
#include "log.h"
#include "mnt.h"
#include "util.h"

static int read_manifest(const char *path, struct layer_list *ret)
{
        unsigned line;
        int r = layers_read(path, ret, &line);

        switch (r) {
        case 0:
                return 0;
        case -EBADMSG:
                return log_error_ret(r, "image %s: line %u is not a layer (sha256: and 64 hex digits)", path, line);
        case -ENODATA:
                return log_error_ret(r, "image %s names no layer", path);
        case -E2BIG:
                return log_error_ret(r, "image %s has more than %d layers, overlayfs's limit", path, LAYERS_MAX);
        default:
                return log_error_errno(r, "reading image %s", path);
        }
}

/* Each layer's directory below root, top first, checked to be one. */
static int collect(const char *image, const char *root, const struct layer_list *list, char ***ret)
{
        _cleanup_close_ int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        char rel[128];
        struct stat st;

        if (root_fd < 0 && errno != ENOENT)
                return log_error_errno(-errno, "image %s: opening the layers in %s", image, root);
        for (size_t i = list->n; i-- > 0;) {
                if (layer_rel_path(list->digest[i], rel, sizeof(rel)) < 0)
                        return log_error_ret(-EINVAL, "image %s: bad layer %s", image, list->digest[i]);
                if (root_fd < 0 || fstatat(root_fd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
                        return log_error_ret(-ENOENT, "image %s: its layer %s is missing from %s", image,
                                             list->digest[i], root);
                if (strv_push(ret, rel) < 0)
                        return log_oom();
        }
        return 0;
}

int image_layers_merged(const struct settings *s)
{
        struct mnt_error err;
        int fd = layers_mount_merged(s->layers_root, s->layers, &err);

        if (fd < 0)
                return log_error_errno(fd, "image %s: merging its %zu layers%s%s%s", s->image,
                                       strv_length(s->layers), err.text[0] ? " (overlayfs: " : "", err.text,
                                       err.text[0] ? ")" : "");
        return fd;
}

int image_layers_attach(struct settings *s)
{
        struct layer_list list = {};
        _cleanup_(strv_freep) char **layers = NULL;
        _cleanup_free_ char *root = NULL;
        char buf[4096];
        int r;

        r = layers_dir(buf, sizeof(buf));
        if (r < 0)
                return log_error_errno(r, "image %s: the directory of layers", s->image);
        if (!(root = strdup(buf)))
                return log_oom();
        r = read_manifest(s->image, &list);
        if (r < 0)
                return r;
        r = collect(s->image, root, &list, &layers);
        layer_list_done(&list);
        if (r < 0)
                return r;
        free(s->directory);
        s->directory = strdup(s->image);
        if (!s->directory)
                return log_oom();
        s->layers_root = take_ptr(root);
        s->layers = take_ptr(layers);
        return 0;
}
