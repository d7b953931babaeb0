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
