/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "uidrange.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "paths.h"
#include "util.h"

#define N_SLOTS ((UID_PICK_MAX - UID_PICK_MIN) / UID_RANGE_SIZE + 1)

/* Third field of each line of a passwd/group file: the ID. */
static int file_has_id_in(const char *path, uid_t lo, uint64_t hi)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char line[4096];

        if (!f)
                return errno == ENOENT ? 0 : -errno;
        while (fgets(line, sizeof(line), f)) {
                char *p = line;
                unsigned id;

                for (int field = 0; field < 2 && p; field++) {
                        p = strchr(p, ':');
                        if (p)
                                p++;
                }
                if (!p)
                        continue;
                p[strcspn(p, ":\n")] = 0;
                if (parse_uint(p, &id) < 0)
                        continue;
                if (id >= lo && (uint64_t) id < hi)
                        return 1;
        }
        return 0;
}

int uid_range_used_by_host(uid_t base, uint32_t size, const char *passwd, const char *group)
{
        uint64_t end = (uint64_t) base + size;
        int r = file_has_id_in(passwd, base, end);

        if (r != 0)
                return r;
        return file_has_id_in(group, base, end);
}

bool uid_range_mapped(uid_t base, uint32_t size, const char *uid_map)
{
        _cleanup_fclose_ FILE *f = fopen(uid_map, "re");
        unsigned long inside, outside, count;
        uint64_t end = (uint64_t) base + size;

        if (!f)
                return false;
        while (fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3)
                if (base >= inside && end <= (uint64_t) inside + count)
                        return true;
        return false;
}

static int lock_path(uid_t base, char *buf, size_t size, bool make_dir)
{
        char dir[4096];

        snprintf(dir, sizeof(dir), "%s/uids", berth_runtime_dir());
        if (make_dir) {
                int r = mkdir_p(dir, 0755);
                if (r < 0)
                        return r;
        }
        if ((size_t) snprintf(buf, size, "%s/%u", dir, (unsigned) base) >= size)
                return -ENAMETOOLONG;
        return 0;
}

int uid_range_claim(uid_t base, uint32_t size, const char *machine, struct uid_range *ret)
{
        char path[4096];
        int r;

        if (size == 0 || (uint64_t) base + size > UINT32_MAX)
                return -ERANGE;
        r = uid_range_used_by_host(base, size, "/etc/passwd", "/etc/group");
        if (r < 0)
                return r;
        if (r > 0)
                return -EEXIST;
        r = lock_path(base, path, sizeof(path), true);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = -EBADF;
        r = lock_file_take(path, &fd);
        if (r < 0)
                return r;
        char text[128];
        snprintf(text, sizeof(text), "%s %u\n", machine, (unsigned) size);
        if (ftruncate(fd, 0) < 0 || write_full(fd, text, strlen(text)) < 0)
                return -errno;
        *ret = (struct uid_range) { .base = base, .size = size, .lock_fd = take_fd(&fd) };
        return 0;
}

uid_t uid_range_hash_base(const char *machine)
{
        uint32_t h = 2166136261u;

        for (const char *p = machine; *p; p++)
                h = (h ^ (uint8_t) *p) * 16777619u;
        return UID_PICK_MIN + (h % N_SLOTS) * UID_RANGE_SIZE;
}

static bool pickable(uid_t base)
{
        return base >= UID_PICK_MIN && base <= UID_PICK_MAX && base % UID_RANGE_SIZE == 0 &&
               uid_range_mapped(base, UID_RANGE_SIZE, "/proc/self/uid_map") &&
               uid_range_mapped(base, UID_RANGE_SIZE, "/proc/self/gid_map");
}

/* Remove the claims of launchers that died without releasing them. */
static void sweep_stale(void)
{
        char dir[4096];
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;

        snprintf(dir, sizeof(dir), "%s/uids", berth_runtime_dir());
        d = opendir(dir);
        while (d && (de = readdir(d))) {
                int fd;

                if (de->d_name[0] < '0' || de->d_name[0] > '9')
                        continue;
                fd = openat(dirfd(d), de->d_name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
                if (fd < 0)
                        continue;
                if (flock(fd, LOCK_EX | LOCK_NB) >= 0)
                        (void) unlinkat(dirfd(d), de->d_name, 0);
                close(fd);
        }
}

int uid_range_pick(const char *machine, uid_t preferred, struct uid_range *ret)
{
        uid_t start = uid_range_hash_base(machine);
        int r;

        sweep_stale();

        if (preferred != 0 && pickable(preferred)) {
                r = uid_range_claim(preferred, UID_RANGE_SIZE, machine, ret);
                if (r >= 0 || (r != -EBUSY && r != -EEXIST))
                        return r;
        }
        for (uint32_t i = 0; i < N_SLOTS; i++) {
                uid_t base = UID_PICK_MIN + ((start - UID_PICK_MIN) / UID_RANGE_SIZE + i) % N_SLOTS * UID_RANGE_SIZE;

                if (!pickable(base))
                        continue;
                r = uid_range_claim(base, UID_RANGE_SIZE, machine, ret);
                if (r >= 0)
                        return r;
                if (r != -EBUSY && r != -EEXIST)
                        return r;
        }
        return -EUSERS;
}

void uid_range_release(struct uid_range *r)
{
        char path[4096];

        if (r->lock_fd < 0)
                return;
        if (lock_path(r->base, path, sizeof(path), false) >= 0)
                (void) unlink(path);
        r->lock_fd = safe_close(r->lock_fd);
}
