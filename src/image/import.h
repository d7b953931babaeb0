/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

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
