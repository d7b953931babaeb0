/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "digest.h"

#include <errno.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cleanup.h"

int digest_fd(int fd, char ret[72], struct progress *progress)
{
        enum { CHUNK = 1 << 20 };
        _cleanup_free_ uint8_t *buf = malloc(CHUNK);
        uint8_t sum[SHA256_DIGEST_SIZE];
        struct sha256_ctx ctx;
        ssize_t n;

        if (!buf)
                return -ENOMEM;
        sha256_init(&ctx);
        while ((n = read(fd, buf, CHUNK)) > 0) {
                sha256_update(&ctx, (size_t) n, buf);
                if (progress) {
                        progress->bytes += (uint64_t) n;
                        progress_tick(progress);
                }
        }
        if (n < 0)
                return -errno;
        sha256_digest(&ctx, sizeof(sum), sum);
        char *p = ret + sprintf(ret, "sha256:");
        for (size_t i = 0; i < sizeof(sum); i++)
                p += sprintf(p, "%02x", sum[i]);
        return 0;
}
