/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "filter-file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "paths.h"
#include "util.h"

static int filter_path(const char *name, const char *prefix, char *buf, size_t size)
{
        int n = snprintf(buf, size, "%s/filters/%s%s", berth_runtime_dir(), prefix, name);

        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

int machine_filter_write(const char *name, const void *insns, size_t n_insns)
{
        char path[4096], tmp[4096], dir[4096];
        ssize_t k;
        int r;

        if (n_insns == 0 || n_insns > MACHINE_FILTER_INSNS_MAX)
                return -E2BIG;
        r = filter_path(name, "", path, sizeof(path));
        if (r >= 0)
                r = filter_path(name, ".#", tmp, sizeof(tmp));
        if (r < 0)
                return r;
        snprintf(dir, sizeof(dir), "%s/filters", berth_runtime_dir());
        r = mkdir_p(dir, 0755);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        k = write_full(fd, insns, n_insns * MACHINE_FILTER_INSN_SIZE);
        if (k >= 0 && rename(tmp, path) < 0)
                k = -errno;
        if (k < 0) {
                (void) unlink(tmp);
                return (int) k;
        }
        return 0;
}

int machine_filter_read(const char *name, void **ret_insns, size_t *ret_n_insns)
{
        const size_t max = MACHINE_FILTER_INSNS_MAX * MACHINE_FILTER_INSN_SIZE;
        _cleanup_free_ char *buf = NULL;
        char path[4096];
        int r;

        r = filter_path(name, "", path, sizeof(path));
        if (r < 0)
                return r;
        /* One byte more than a program can have: a longer file is no program. */
        r = read_file_at(AT_FDCWD, path, &buf, max + 1);
        if (r < 0)
                return r;
        if (r == 0 || (size_t) r > max || r % MACHINE_FILTER_INSN_SIZE)
                return -EBADMSG;
        *ret_n_insns = (size_t) r / MACHINE_FILTER_INSN_SIZE;
        *ret_insns = take_ptr(buf);
        return 0;
}

int machine_filter_remove(const char *name)
{
        char path[4096];
        int r = filter_path(name, "", path, sizeof(path));

        if (r < 0)
                return r;
        if (unlink(path) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}
