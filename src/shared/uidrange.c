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

static bool field_id_in(char *line, int field, uid_t lo, uint64_t hi)
{
        char *p = line;
        unsigned id;
        size_t n;

        for (int i = 0; i < field && p; i++) {
                p = strchr(p, ':');
                if (p)
                        p++;
        }
        if (!p)
                return false;
        n = strcspn(p, ":\n");
        char saved = p[n];
        p[n] = 0;
        bool in = parse_uint(p, &id) >= 0 && id >= lo && (uint64_t) id < hi;
        p[n] = saved;
        return in;
}

/* The IDs of a passwd (UID, GID) or group (GID) file: the third and, in
 * passwd, fourth field of each line. */
static int file_has_id_in(const char *path, int n_fields, uid_t lo, uint64_t hi)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *line = NULL;
        size_t cap = 0;
        int r = 0;

        if (!f)
                return errno == ENOENT ? 0 : -errno;
        while (getline(&line, &cap, f) > 0)
                if (field_id_in(line, 2, lo, hi) || (n_fields > 1 && field_id_in(line, 3, lo, hi))) {
                        r = 1;
                        break;
                }
        free(line);
        return r;
}

int uid_range_used_by_host(uid_t base, uint32_t size, const char *passwd, const char *group)
{
        uint64_t end = (uint64_t) base + size;
        int r = file_has_id_in(passwd, 2, base, end);

        if (r != 0)
                return r;
        return file_has_id_in(group, 1, base, end);
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

/* A claim file: "NAME SIZE", with " PID START" once a process holds it
 * instead of a lock (uid_range_hand_to). */
struct claim {
        char name[256];
        unsigned size;
        int pid;
        unsigned long long start;
};

static void read_claim(int fd, struct claim *c)
{
        char buf[512];
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

        *c = (struct claim) { .size = UID_RANGE_SIZE };
        if (n <= 0)
                return;
        buf[n] = 0;
        if (sscanf(buf, "%255s %u %d %llu", c->name, &c->size, &c->pid, &c->start) < 2 || c->size == 0)
                c->size = UID_RANGE_SIZE;
}

/* Unlocked, but handed to a process that still runs: still claimed. */
static bool held_by_process(const struct claim *c)
{
        unsigned long long start;
        char state;

        return c->pid > 0 && proc_stat_fields(c->pid, &state, &start) >= 0 && start == c->start && state != 'Z';
}

/* Under the directory's lock: remove the claims of launchers that died
 * without releasing them, and see whether a live one overlaps. */
static int scan_claims(int dir_fd, uid_t base, uint32_t size)
{
        int dfd = dup(dir_fd);
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;

        if (dfd < 0)
                return -errno;
        d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return -errno;
        }
        while ((de = readdir(d))) {
                _cleanup_close_ int fd = -EBADF;
                struct stat a, b;
                unsigned other;

                if (parse_uint(de->d_name, &other) < 0)
                        continue;
                fd = openat(dir_fd, de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                if (fd < 0)
                        continue;
                struct claim c;
                read_claim(fd, &c);
                if (flock(fd, LOCK_EX | LOCK_NB) < 0 || held_by_process(&c)) {
                        uint64_t end = (uint64_t) other + c.size;
                        if (other < (uint64_t) base + size && base < end)
                                return -EBUSY;
                        continue;
                }
                /* Unlocked and held by nothing: its launcher (or container)
                 * is gone. Unlink only the file we locked, not a newer one
                 * of the same name. */
                if (fstat(fd, &a) >= 0 && fstatat(dir_fd, de->d_name, &b, AT_SYMLINK_NOFOLLOW) >= 0 &&
                    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
                        (void) unlinkat(dir_fd, de->d_name, 0);
        }
        return 0;
}

int uid_range_claim(uid_t base, uint32_t size, const char *machine, struct uid_range *ret)
{
        _cleanup_close_ int dir_fd = -EBADF, fd = -EBADF;
        char path[4096], text[128];
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
        *strrchr(path, '/') = 0;
        dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return -errno;
        /* Checking for overlaps and claiming is one step for all launchers:
         * ranges of different bases may overlap. The lock (on the directory
         * itself) is held for a directory scan, never while anything slow
         * happens. */
        if (flock(dir_fd, LOCK_EX) < 0)
                return -errno;
        r = scan_claims(dir_fd, base, size);
        if (r < 0)
                return r;
        snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%u", (unsigned) base);
        r = lock_file_take(path, &fd);
        if (r < 0)
                return r;
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

int uid_range_pick(const char *machine, uid_t preferred, struct uid_range *ret)
{
        uid_t start = uid_range_hash_base(machine);
        int r;

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

int uid_range_hand_to(struct uid_range *r, pid_t pid, const char *machine)
{
        unsigned long long start;
        char text[384], state;
        int k;

        if (r->lock_fd < 0)
                return -EBADF;
        k = proc_stat_fields(pid, &state, &start);
        if (k < 0)
                return k;
        snprintf(text, sizeof(text), "%s %u %d %llu\n", machine, (unsigned) r->size, (int) pid, start);
        if (ftruncate(r->lock_fd, 0) < 0 || pwrite(r->lock_fd, text, strlen(text), 0) < 0)
                return -errno;
        r->lock_fd = safe_close(r->lock_fd);
        return 0;
}

int uid_range_drop(uid_t base, const char *machine)
{
        _cleanup_close_ int fd = -EBADF;
        char path[4096];
        struct claim c;
        int r = lock_path(base, path, sizeof(path), false);

        if (r < 0)
                return r;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        read_claim(fd, &c);
        /* Another's since (the process ended and the range was picked
         * again): not ours to remove. */
        if (!streq(c.name, machine) || flock(fd, LOCK_EX | LOCK_NB) < 0)
                return 0;
        return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
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
