/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "name.h"

/* The image store, STATEDIR/images: what is in it and what each image is.
 * Each kind of image is one entry of a table of operations (store.c):
 * a directory tree NAME, a raw GPT disk image NAME.raw, a layered image
 * NAME.layers (its manifest, layers.h). */

enum image_type {
        IMAGE_DIRECTORY,
        IMAGE_RAW,
        IMAGE_LAYERED,
};

#define IMAGE_USAGE_UNKNOWN UINT64_MAX

struct image_info {
        char name[MACHINE_NAME_MAX + 1];
        enum image_type type;
        bool read_only;         /* a directory marked immutable (chattr +i), a file without write bits */
        uint64_t usage;         /* bytes on disk; IMAGE_USAGE_UNKNOWN for a tree (not walked) */
        uint64_t crtime, mtime; /* µs since the epoch; crtime 0 where the file system has none */
        char path[4200];
};

const char *image_type_to_string(enum image_type t);
/* Every image, sorted by name; *ret is freed with free(). */
int image_list(struct image_info **ret, size_t *ret_n);
/* The image NAME: -ENOENT when there is none, -EINVAL for a bad name. */
int image_get(const char *name, struct image_info *ret);

/* "" for a directory, ".raw", ".layers": what the kind's entry ends with. */
const char *image_type_suffix(enum image_type t);
/* STATEDIR/images; -ENAMETOOLONG. */
int image_store_dir(char *buf, size_t size);

/* What berthd does to the images of the store (store-ops.c). Each returns
 * -ENOENT for no such image, -EINVAL for a bad name, -EEXIST when the new
 * name is taken, -EROFS when the image is marked read-only. An image's
 * settings file NAME.berth beside it and its machine's writable layer
 * STATEDIR/machines/NAME go with it on a rename and a remove. */
int image_rename(const char *name, const char *new_name);
/* A layered image's layers stay: layers_gc() removes those no image names. */
int image_remove(const char *name);
/* The immutable flag on a tree (as machined sets it), the write bits of a
 * file image. */
int image_mark_read_only(const char *name, bool read_only);
/* A layered image's clone, O(1): a new manifest naming the same layers,
 * its settings file copied; -EOPNOTSUPP for the other kinds, which are
 * copied (berth-import clone). */
int image_clone_layered(const char *name, const char *new_name, bool read_only);
/* NAME.berth copied to NEW.berth (before a clone is committed, so that it
 * never runs without them): 1 when copied, 0 when there is none; and
 * removed again when the clone failed. */
int image_copy_settings(const char *name, const char *new_name);
void image_drop_settings(const char *name);
/* Removes every layer in STATEDIR/layers that no manifest in the store
 * and none of the manifests keep (NULL-terminated paths, those of running
 * machines started from outside the store) names. Returns how many went,
 * or -errno when the names in use could not all be read (then none goes). */
int layers_gc(char *const *keep);
