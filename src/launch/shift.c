/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --private-users-ownership=chown: for a tree on a file system that cannot
 * be idmapped, the machine gets a copy of the tree of its own, every owner
 * shifted into its UID range. Slow, done once per machine and range (a
 * marker says the copy is complete; an interrupted copy is made again),
 * and never on the shared base. File capabilities and ACLs are not copied. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "launcher.h"
#include "log.h"
#include "paths.h"
#include "util.h"

struct shift {
        uid_t base;
        uint32_t size;
        unsigned long files;
};

static uid_t shifted(const struct shift *sh, uid_t id)
{
        /* IDs the range cannot express become its nobody. */
        return sh->base + (id < sh->size ? id : 65534 % sh->size);
}

static int copy_data(int src, int dst)
{
        if (ioctl(dst, FICLONE, src) >= 0)
                return 0;       /* a reflink: no data copied at all */
        for (;;) {
                ssize_t n = copy_file_range(src, NULL, dst, NULL, 1 << 30, 0);
                if (n < 0) {
                        if (errno != EXDEV && errno != ENOSYS && errno != EOPNOTSUPP)
                                return -errno;
                        break;
                }
                if (n == 0)
                        return 0;
        }
        /* Fallback: read and write. */
        char buf[65536];
        ssize_t n;
        while ((n = read(src, buf, sizeof(buf))) > 0) {
                int r = write_full(dst, buf, (size_t) n);
                if (r < 0)
                        return r;
        }
        return n < 0 ? -errno : 0;
}

static int copy_tree(struct shift *sh, int src_dir, int dst_dir);

static int set_owner_mode_times(const struct shift *sh, int fd, const struct stat *st)
{
        const struct timespec times[2] = { st->st_atim, st->st_mtim };

        /* chown before chmod: chown clears setuid bits. */
        if (fchown(fd, shifted(sh, st->st_uid), shifted(sh, st->st_gid)) < 0 || fchmod(fd, st->st_mode & 07777) < 0 ||
            futimens(fd, times) < 0)
                return -errno;
        return 0;
}

static int copy_entry(struct shift *sh, int src_dir, int dst_dir, const char *name, const struct stat *st)
{
        const struct timespec times[2] = { st->st_atim, st->st_mtim };
        mode_t mode = st->st_mode & 07777;
        int r = 0;

        sh->files++;
        if (S_ISDIR(st->st_mode)) {
                _cleanup_close_ int s = -EBADF, d = -EBADF;
                if (mkdirat(dst_dir, name, 0700) < 0)
                        return -errno;
                s = openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                d = openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (s < 0 || d < 0)
                        return -errno;
                r = copy_tree(sh, s, d);
                if (r < 0)
                        return r;
                return set_owner_mode_times(sh, d, st);
        }
        if (S_ISREG(st->st_mode)) {
                _cleanup_close_ int s = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
                _cleanup_close_ int d = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                               0600);
                if (s < 0 || d < 0)
                        return -errno;
                r = copy_data(s, d);
                if (r < 0)
                        return r;
                return set_owner_mode_times(sh, d, st);
        }
        if (S_ISLNK(st->st_mode)) {
                char target[4096];
                ssize_t n = readlinkat(src_dir, name, target, sizeof(target) - 1);
                if (n < 0)
                        return -errno;
                target[n] = 0;
                if (symlinkat(target, dst_dir, name) < 0)
                        return -errno;
        } else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) || S_ISFIFO(st->st_mode)) {
                if (mknodat(dst_dir, name, st->st_mode, st->st_rdev) < 0)
                        return -errno;
        } else
                return 0;       /* sockets are not copied */
        if (fchownat(dst_dir, name, shifted(sh, st->st_uid), shifted(sh, st->st_gid), AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (!S_ISLNK(st->st_mode) && fchmodat(dst_dir, name, mode, 0) < 0)
                return -errno;
        if (utimensat(dst_dir, name, times, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        return r;
}

static int copy_tree(struct shift *sh, int src_dir, int dst_dir)
{
        int fd = dup(src_dir);
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;

        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        rewinddir(d);
        while ((de = readdir(d))) {
                struct stat st;
                int r;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(src_dir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
                r = copy_entry(sh, src_dir, dst_dir, de->d_name, &st);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Where the copy lives: in the machine's directory, or beside --upper. */
static int lower_path(struct launcher *l, char **ret)
{
        if (l->machine_dir && !l->s->upper)
                return asprintf(ret, "%s/lower", l->machine_dir) < 0 ? -ENOMEM : 0;
        if (l->s->upper)
                return asprintf(ret, "%s.berth-lower", l->m.work) < 0 ? -ENOMEM : 0;
        /* --ephemeral: beside the machines, removed at exit. */
        return asprintf(ret, "%s/machines/.#%s.berth-lower", berth_state_dir(), l->name) < 0 ? -ENOMEM : 0;
}

int shift_prepare(struct launcher *l)
{
        _cleanup_free_ char *lower = NULL, *marker = NULL, *want = NULL, *have = NULL;
        _cleanup_close_ int src = -EBADF, dst = -EBADF;
        struct shift sh = { .base = l->range.base, .size = l->range.size };
        struct stat st;
        int r;

        if (lower_path(l, &lower) < 0 || asprintf(&marker, "%s.shifted", lower) < 0 ||
            asprintf(&want, "%u %u %s\n", (unsigned) sh.base, (unsigned) sh.size, l->s->directory) < 0)
                return log_oom();
        if (read_file_at(AT_FDCWD, marker, &have, 8192) >= 0 && streq(have, want)) {
                l->m.lower = take_ptr(lower);
                return 0;       /* made before, for this range and tree */
        }
        log_info("machine %s: copying %s with owners shifted to UID %u (--private-users-ownership=chown; "
                 "slow, once per machine)", l->name, l->s->directory, (unsigned) sh.base);
        (void) unlink(marker);
        r = rm_rf_at(AT_FDCWD, lower);
        if (r < 0)
                return log_error_errno(r, "machine %s: removing the old copy %s", l->name, lower);
        src = open(l->s->directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (src < 0 || fstat(src, &st) < 0)
                return log_error_errno(-errno, "machine %s: opening %s", l->name, l->s->directory);
        _cleanup_free_ char *parent = strndup(lower, (size_t) (strrchr(lower, '/') - lower));
        if (!parent)
                return log_oom();
        r = mkdir_p(parent, 0755);
        if (r < 0)
                return log_error_errno(r, "machine %s: creating %s", l->name, parent);
        if (mkdir(lower, 0700) < 0)
                return log_error_errno(-errno, "machine %s: creating %s", l->name, lower);
        dst = open(lower, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dst < 0)
                return log_error_errno(-errno, "machine %s: opening %s", l->name, lower);
        r = copy_tree(&sh, src, dst);
        if (r >= 0 && (fchown(dst, shifted(&sh, st.st_uid), shifted(&sh, st.st_gid)) < 0 ||
                       fchmod(dst, st.st_mode & 07777) < 0))
                r = -errno;
        if (r >= 0)
                r = write_file_at(AT_FDCWD, marker, want, 0644);
        if (r < 0) {
                (void) rm_rf_at(AT_FDCWD, lower);
                return log_error_errno(r, "machine %s: copying %s to %s", l->name, l->s->directory, lower);
        }
        log_info("machine %s: copied %lu entries", l->name, sh.files);
        l->m.lower = take_ptr(lower);
        return 0;
}

void shift_cleanup(struct launcher *l)
{
        _cleanup_free_ char *marker = NULL;

        /* Only an ephemeral machine's copy goes; a named machine keeps its own. */
        if (!l->s->ephemeral || !l->m.lower || l->s->ownership != OWNERSHIP_CHOWN || !l->m.userns)
                return;
        if (asprintf(&marker, "%s.shifted", l->m.lower) >= 0)
                (void) unlink(marker);
        (void) rm_rf_at(AT_FDCWD, l->m.lower);
}
