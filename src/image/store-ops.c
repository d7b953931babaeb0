/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What berthd does to the images of the store in place: rename, remove,
 * mark read-only, clone a layered image, and collect the layers that no
 * image names any more. Copies of trees and disk images take long and are
 * berth-import's (clone.c). */
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
#include "log.h"
#include "paths.h"
#include "util.h"

#define SETTINGS_SUFFIX ".berth"

struct store {
        int images_fd;
        char entry[MACHINE_NAME_MAX + 8];       /* the image's entry in it */
        struct image_info im;
};

static void store_done(struct store *s)
{
        safe_close(s->images_fd);
}

/* The image name, writable unless any is true; the new name checked free. */
static int store_open(struct store *s, const char *name, const char *new_name, bool any)
{
        char dir[4096];
        struct image_info other;
        int r = image_get(name, &s->im);

        s->images_fd = -1;
        if (r < 0)
                return r;
        if (!any && s->im.read_only)
                return -EROFS;
        if (new_name) {
                if (!machine_name_valid(new_name))
                        return -EINVAL;
                if (image_get(new_name, &other) == 0)
                        return -EEXIST;
        }
        r = image_store_dir(dir, sizeof(dir));
        if (r < 0)
                return r;
        s->images_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->images_fd < 0)
                return -errno;
        snprintf(s->entry, sizeof(s->entry), "%s%s", name, image_type_suffix(s->im.type));
        return 0;
}

static int machines_dir_open(void)
{
        char dir[4096];

        snprintf(dir, sizeof(dir), "%s/machines", berth_state_dir());
        return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* NAME.berth to NEW.berth, and the machine's own directory: what is not
 * there is skipped; one that is taken under the new name stays. */
static int rename_companions(int images_fd, const char *name, const char *new_name)
{
        char from[MACHINE_NAME_MAX + 8], to[MACHINE_NAME_MAX + 8];
        _cleanup_close_ int machines_fd = machines_dir_open();

        snprintf(from, sizeof(from), "%s" SETTINGS_SUFFIX, name);
        snprintf(to, sizeof(to), "%s" SETTINGS_SUFFIX, new_name);
        if (renameat2(images_fd, from, images_fd, to, RENAME_NOREPLACE) < 0 && errno != ENOENT)
                return -errno;
        if (machines_fd >= 0 && renameat2(machines_fd, name, machines_fd, new_name, RENAME_NOREPLACE) < 0 &&
            errno != ENOENT)
                return -errno;
        return 0;
}

int image_rename(const char *name, const char *new_name)
{
        _cleanup_(store_done) struct store s;
        char to[MACHINE_NAME_MAX + 8];
        int r = store_open(&s, name, new_name, false);

        if (r < 0)
                return r;
        snprintf(to, sizeof(to), "%s%s", new_name, image_type_suffix(s.im.type));
        if (renameat2(s.images_fd, s.entry, s.images_fd, to, RENAME_NOREPLACE) < 0)
                return -errno;
        return rename_companions(s.images_fd, name, new_name);
}

int image_remove(const char *name)
{
        _cleanup_(store_done) struct store s;
        char settings[MACHINE_NAME_MAX + 8];
        int r = store_open(&s, name, NULL, false);

        if (r < 0)
                return r;
        /* The entry first: once it is gone the image is, whatever of its
         * companions a failure leaves (they are found by name again). */
        r = rm_rf_at(s.images_fd, s.entry);
        if (r < 0)
                return r;
        snprintf(settings, sizeof(settings), "%s" SETTINGS_SUFFIX, name);
        if (unlinkat(s.images_fd, settings, 0) < 0 && errno != ENOENT)
                return -errno;
        _cleanup_close_ int machines_fd = machines_dir_open();
        return machines_fd >= 0 ? rm_rf_at(machines_fd, name) : 0;
}

int image_mark_read_only(const char *name, bool read_only)
{
        _cleanup_(store_done) struct store s;
        struct stat st;
        int r = store_open(&s, name, NULL, true), flags;

        if (r < 0)
                return r;
        if (s.im.type != IMAGE_DIRECTORY) {
                if (fstatat(s.images_fd, s.entry, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
                mode_t mode = read_only ? st.st_mode & ~0222 : st.st_mode | 0200;
                return fchmodat(s.images_fd, s.entry, mode & 07777, 0) < 0 ? -errno : 0;
        }
        _cleanup_close_ int fd = openat(s.images_fd, s.entry, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
                return -errno;
        flags = read_only ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
        return ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0 ? -errno : 0;
}

/* from in dir_fd to a new file to, through a hidden file renamed into
 * place; -EEXIST when to is there. */
static int copy_small_file(int dir_fd, const char *from, const char *to, mode_t mode)
{
        _cleanup_free_ char *data = NULL;
        char tmp[MACHINE_NAME_MAX + 32];
        int r = read_file_at(dir_fd, from, &data, 1 << 20);

        if (r < 0)
                return r;
        snprintf(tmp, sizeof(tmp), ".import-%s-%d", to, (int) getpid()); /* swept as staging is */
        _cleanup_close_ int out = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0)
                return -errno;
        r = write_full(out, data, strlen(data));
        if (r >= 0 && (fchmod(out, mode) < 0 || fsync(out) < 0))
                r = -errno;
        if (r >= 0 && renameat2(dir_fd, tmp, dir_fd, to, RENAME_NOREPLACE) < 0)
                r = -errno;
        if (r < 0)
                (void) unlinkat(dir_fd, tmp, 0);
        return r < 0 ? r : 0;
}

int image_copy_settings(const char *name, const char *new_name)
{
        char from[MACHINE_NAME_MAX + 8], to[MACHINE_NAME_MAX + 8], dir[4096];
        int r = image_store_dir(dir, sizeof(dir));

        if (r < 0)
                return r;
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        snprintf(from, sizeof(from), "%s" SETTINGS_SUFFIX, name);
        snprintf(to, sizeof(to), "%s" SETTINGS_SUFFIX, new_name);
        r = copy_small_file(fd, from, to, 0644);
        return r == -ENOENT ? 0 : r < 0 ? r : 1;
}

void image_drop_settings(const char *name)
{
        char path[4300];

        snprintf(path, sizeof(path), "%s/images/%s" SETTINGS_SUFFIX, berth_state_dir(), name);
        (void) unlink(path);
}

int image_clone_layered(const char *name, const char *new_name, bool read_only)
{
        _cleanup_(store_done) struct store s;
        char to[MACHINE_NAME_MAX + 8];
        int r = store_open(&s, name, new_name, true);

        if (r < 0)
                return r;
        if (s.im.type != IMAGE_LAYERED)
                return -EOPNOTSUPP;
        /* The settings first, so that the image never runs without them. */
        int settings = image_copy_settings(name, new_name);
        if (settings < 0)
                return settings;
        snprintf(to, sizeof(to), "%s" LAYERS_SUFFIX, new_name);
        r = copy_small_file(s.images_fd, s.entry, to, read_only ? 0444 : 0644);
        if (r < 0 && settings > 0)
                image_drop_settings(new_name);
        return r;
}
