/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "progress.h"

/* A tar archive (plain, gzip, xz, zstd, bzip2: libarchive finds which),
 * read from in_fd, unpacked below dir_fd: every entry made relative to
 * that directory (openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), so
 * that no absolute path, no ".." and no symbolic link of the archive's
 * own can lead out; each such entry is refused, naming it. Owners, modes,
 * times, extended attributes, hard links, device nodes and FIFOs are
 * kept. */
struct unpack_opts {
        const char *what;       /* for messages: "bookworm.tar.zst", "layer sha256:..." */
        /* An OCI layer: ".wh.NAME" becomes an overlayfs whiteout of NAME
         * (a character device 0:0), ".wh..wh..opq" marks its directory
         * opaque (user.overlay.opaque, as an overlay mounted in a user
         * namespace reads it). */
        bool whiteouts;
        struct progress *progress;      /* bytes read and entries made count here; may be NULL */
};

/* Logs one line and returns -errno; -EBADMSG for a corrupt or truncated
 * archive, -EXDEV for an entry that would escape. */
int unpack_tar(int in_fd, int dir_fd, const struct unpack_opts *o);
