/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "progress.h"

/* An OCI image layout directory (oci-layout, index.json, blobs/) or a
 * `docker save` directory (manifest.json), already unpacked, read as the
 * OCI image spec says: index.json → (an index for several platforms →)
 * the manifest for this architecture → config and layers. Every blob's
 * sha256 is checked against the digest it is named by (a `docker save`
 * layer against the config's diff_ids). */
struct oci_image {
        char **layers;          /* each layer's blob path below the layout, bottom to top */
        char **digests;         /* its digest, "sha256:HEX", the name it is stored by */
        char **env;             /* NAME=VALUE */
        char **argv;            /* Entrypoint and Cmd */
        char *workdir, *user;
};

/* Logs one line naming what is wrong and returns -errno: -ENOENT for a
 * directory that is neither, -ENOMSG for no manifest for this
 * architecture, -EBADMSG for bad JSON or a digest that does not match. */
int oci_read(int layout_fd, const char *what, struct oci_image *ret, struct progress *progress);
void oci_image_done(struct oci_image *im);
/* "amd64", "arm64", ...: the GOARCH name of the machine berth runs on. */
const char *oci_arch(void);
