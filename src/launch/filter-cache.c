/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "filter-cache.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "filter-file.h"
#include "paths.h"
#include "util.h"

#define KEY_MAX 8192

/* FNV-1a: a file name only; the key in the file is what is compared. */
static void cache_path(const char *key, const char *prefix, char *buf, size_t size)
{
        uint64_t h = 0xcbf29ce484222325ULL;

        for (const unsigned char *p = (const unsigned char *) key; *p; p++)
                h = (h ^ *p) * 0x100000001b3ULL;
        snprintf(buf, size, "%s/filter-cache/%s%016" PRIx64, berth_runtime_dir(), prefix, h);
}

int filter_cache_get(const char *key, struct sock_filter **ret, size_t *ret_len)
{
        const size_t max = KEY_MAX + 1 + MACHINE_FILTER_INSNS_MAX * sizeof(struct sock_filter);
        size_t klen = strlen(key) + 1, n;
        _cleanup_free_ char *buf = NULL;
        char path[4200];
        int r;

        if (klen > KEY_MAX)
                return -ENOENT;
        cache_path(key, "", path, sizeof(path));
        r = read_file_at(AT_FDCWD, path, &buf, max);
        if (r < 0)
                return -ENOENT;
        n = (size_t) r;
        if (n <= klen || memcmp(buf, key, klen) != 0 || (n - klen) % sizeof(struct sock_filter))
                return -ENOENT;
        *ret = malloc(n - klen);
        if (!*ret)
                return -ENOMEM;
        memcpy(*ret, buf + klen, n - klen);
        *ret_len = (n - klen) / sizeof(struct sock_filter);
        return 0;
}

void filter_cache_put(const char *key, const struct sock_filter *insns, size_t len)
{
        char path[4200], tmp[4200], dir[4200];
        size_t klen = strlen(key) + 1;

        if (klen > KEY_MAX)
                return;
        snprintf(dir, sizeof(dir), "%s/filter-cache", berth_runtime_dir());
        if (mkdir_p(dir, 0755) < 0)
                return;
        cache_path(key, "", path, sizeof(path));
        /* Of this launcher's own: another one may write the same key now. */
        cache_path(key, ".#", tmp, sizeof(tmp));
        snprintf(tmp + strlen(tmp), sizeof(tmp) - strlen(tmp), ".%d", (int) getpid());
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return;
        if (write_full(fd, key, klen) < 0 || write_full(fd, insns, len * sizeof(*insns)) < 0 ||
            rename(tmp, path) < 0)
                (void) unlink(tmp);
}
