/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "layers.h"
#include "paths.h"
#include "util.h"

struct image_kind {
        enum image_type type;
        const char *suffix;     /* of the entry's name: "" or ".raw" */
        bool (*is)(const struct stat *st);
        bool (*read_only)(int dir_fd, const char *entry, const struct stat *st);
        uint64_t (*usage)(const struct stat *st);
};

static bool is_dir(const struct stat *st)
{
        return S_ISDIR(st->st_mode);
}

static bool is_file(const struct stat *st)
{
        return S_ISREG(st->st_mode);
}

/* As machined marks a tree read-only: the immutable flag on its top. */
static bool dir_read_only(int dir_fd, const char *entry, const struct stat *st)
{
        _cleanup_close_ int fd = openat(dir_fd, entry, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int flags = 0;

        return fd >= 0 && ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & FS_IMMUTABLE_FL);
}

static bool file_read_only(int dir_fd, const char *entry, const struct stat *st)
{
        return (st->st_mode & 0222) == 0;
}

static uint64_t tree_usage(const struct stat *st)
{
        return IMAGE_USAGE_UNKNOWN;
}

static uint64_t file_usage(const struct stat *st)
{
        return (uint64_t) st->st_blocks * 512;
}

/* By type: image_type_suffix() indexes it. */
static const struct image_kind kinds[] = {
        [IMAGE_DIRECTORY] = { IMAGE_DIRECTORY, "", is_dir, dir_read_only, tree_usage },
        [IMAGE_RAW] = { IMAGE_RAW, RAW_SUFFIX, is_file, file_read_only, file_usage },
        [IMAGE_LAYERED] = { IMAGE_LAYERED, LAYERS_SUFFIX, is_file, file_read_only, tree_usage },
};

const char *image_type_to_string(enum image_type t)
{
        static const char *const names[] = {
                [IMAGE_DIRECTORY] = "directory",
                [IMAGE_RAW] = "raw",
                [IMAGE_LAYERED] = "layered",
        };
        return names[t];
}

const char *image_type_suffix(enum image_type t)
{
        return kinds[t].suffix;
}

int image_store_dir(char *buf, size_t size)
{
        int n = snprintf(buf, size, "%s/images", berth_state_dir());
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

/* The entry as an image of a kind: 0, or -ENOENT when it is none. */
static int inspect(int dir_fd, const char *dir, const char *entry, struct image_info *ret)
{
        struct statx sx;
        struct stat st;
        size_t n = strlen(entry);

        if (entry[0] == '.' || fstatat(dir_fd, entry, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -ENOENT;
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                const struct image_kind *k = &kinds[i];
                size_t s = strlen(k->suffix);
                if (!k->is(&st) || n <= s || strcmp(entry + n - s, k->suffix) != 0 || n - s > MACHINE_NAME_MAX)
                        continue;
                struct image_info im = { .type = k->type };
                snprintf(im.name, sizeof(im.name), "%.*s", (int) (n - s), entry);
                if (!machine_name_valid(im.name))
                        continue;
                im.read_only = k->read_only(dir_fd, entry, &st);
                im.usage = k->usage(&st);
                im.mtime = (uint64_t) st.st_mtim.tv_sec * 1000000 + (uint64_t) st.st_mtim.tv_nsec / 1000;
                if (statx(dir_fd, entry, AT_SYMLINK_NOFOLLOW, STATX_BTIME, &sx) == 0 && (sx.stx_mask & STATX_BTIME))
                        im.crtime = (uint64_t) sx.stx_btime.tv_sec * 1000000 + sx.stx_btime.tv_nsec / 1000;
                snprintf(im.path, sizeof(im.path), "%s/%s", dir, entry);
                *ret = im;
                return 0;
        }
        return -ENOENT;
}

static int by_name(const void *a, const void *b)
{
        return strcmp(((const struct image_info *) a)->name, ((const struct image_info *) b)->name);
}

int image_list(struct image_info **ret, size_t *ret_n)
{
        char dir[4096];
        _cleanup_free_ struct image_info *list = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        int r = image_store_dir(dir, sizeof(dir));

        if (r < 0)
                return r;
        _cleanup_(closedirp) DIR *d = opendir(dir);
        if (!d && errno != ENOENT)
                return -errno;
        while (d && (de = readdir(d))) {
                struct image_info im;
                if (inspect(dirfd(d), dir, de->d_name, &im) < 0)
                        continue;
                /* A name is one image: a tree before a raw file of it. */
                bool dup = false;
                for (size_t i = 0; i < n; i++)
                        dup = dup || streq(list[i].name, im.name);
                if (dup)
                        continue;
                if (n == cap) {
                        struct image_info *grown = realloc(list, sizeof(*list) * (cap = cap ? 2 * cap : 16));
                        if (!grown)
                                return -ENOMEM;
                        list = grown;
                }
                list[n++] = im;
        }
        if (n)
                qsort(list, n, sizeof(*list), by_name);
        *ret = take_ptr(list);
        *ret_n = n;
        return 0;
}

int image_get(const char *name, struct image_info *ret)
{
        char dir[4096], entry[MACHINE_NAME_MAX + 8];
        int r = image_store_dir(dir, sizeof(dir));

        if (r < 0)
                return r;
        if (!machine_name_valid(name))
                return -EINVAL;
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                snprintf(entry, sizeof(entry), "%s%s", name, kinds[i].suffix);
                if (inspect(fd, dir, entry, ret) == 0 && ret->type == kinds[i].type)
                        return 0;
        }
        return -ENOENT;
}
