/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* A layered image, STATEDIR/images/NAME.layers: one line per layer, bottom
 * to top, each "sha256:HEX" (the digest of the layer as it was imported);
 * lines starting with '#' are comments. Each layer is the directory
 * STATEDIR/layers/sha256/HEX, shared by every image that names it. The
 * image's config (command, environment, working directory, user) is its
 * settings file NAME.berth beside it. */

#define LAYERS_SUFFIX ".layers"
#define RAW_SUFFIX ".raw"       /* a raw GPT disk image, NAME.raw */
#define LAYER_DIGEST_MAX 71     /* "sha256:" and 64 hex digits */
#define LAYERS_MAX 500          /* overlayfs's limit of lower layers */

struct layer_list {
        char (*digest)[LAYER_DIGEST_MAX + 1];
        size_t n;
};

/* An image that is a file (NAME.raw, NAME.layers): the length of NAME in
 * file, the part that names the image; 0 for a file of neither kind. */
size_t image_file_stem(const char *file);

/* The store's image name: STATEDIR/images/NAME (a tree, *ret_file
 * false), else NAME.raw or NAME.layers (*ret_file true); -ENOENT with
 * *ret the tree's path that is not there. */
int image_store_find(const char *name, char **ret, bool *ret_file);

/* "sha256:" and 64 lower-case hex digits. */
int layer_digest_valid(const char *digest);
/* Reads a manifest: -ENOENT, -EBADMSG for a bad line (*ret_line says
 * which, from 1), -E2BIG past LAYERS_MAX, -ENODATA when it names none. */
int layers_read(const char *path, struct layer_list *ret, unsigned *ret_line);
void layer_list_done(struct layer_list *l);
/* STATEDIR/layers, and the directory of one layer relative to it
 * ("sha256/HEX"). */
int layers_dir(char *buf, size_t size);
int layer_rel_path(const char *digest, char *buf, size_t size);

struct mnt_error;
/* The layers (paths relative to root, top first) merged by a read-only
 * overlay that is never attached (userxattr: whiteouts and opaque
 * directories as berth writes them); one layer is itself, opened O_PATH.
 * The fd, or -errno with overlayfs's reason in err. */
int layers_mount_merged(const char *root, char *const *layers, struct mnt_error *err);
