/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "progress.h"
#include "staging.h"

/* The store an import writes into: STATEDIR/images and STATEDIR/layers,
 * swept of what killed imports left, the name checked to be free. */
struct import_store {
        int images_fd, layers_fd;
        const char *name;
        struct staging stage;   /* the image's hidden directory */
};

/* Logs one line: -EINVAL for a bad name, -EEXIST for one that is taken. */
int import_store_open(struct import_store *st, const char *name);
void import_store_done(struct import_store *st);

int import_tar(struct import_store *st, const char *source, struct progress *p);
int import_oci(struct import_store *st, const char *source, struct progress *p);
/* A tree (a path, or "-": the directory on standard input) copied. */
int import_fs(struct import_store *st, const char *source, struct progress *p);
/* A raw GPT disk image (a path or "-") copied to NAME.raw. */
int import_raw(struct import_store *st, const char *source, struct progress *p);
/* The image source of the store as st's NAME: a copy of a tree or disk
 * image, a new manifest of a layered one; read_only marks it so. */
int clone_image(struct import_store *st, const char *source, bool read_only, struct progress *p);
