/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lxcfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "mnt.h"
#include "util.h"

#define FUSE_SUPER_MAGIC 0x65735546

/* What LXC binds of lxcfs: the files whose numbers are the cgroup's. */
static const char *const lxcfs_files[] = {
        "proc/cpuinfo", "proc/meminfo", "proc/stat", "proc/uptime", "proc/loadavg",
        "proc/diskstats", "proc/swaps", "sys/devices/system/cpu/online",
};

/* Whether path is a mount of lxcfs: a FUSE file system whose mount table
 * line says fuse.lxcfs, with its proc/meminfo. */
static bool lxcfs_mounted(const char *path)
{
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *real = NULL;
        char line[4096], meminfo[4200];
        struct statfs sf;

        /* Every start asks (auto): one statfs where lxcfs does not run. */
        if (statfs(path, &sf) < 0 || sf.f_type != FUSE_SUPER_MAGIC || !(real = realpath(path, NULL)))
                return false;
        snprintf(meminfo, sizeof(meminfo), "%s/proc/meminfo", real);
        if (access(meminfo, R_OK) < 0)
                return false;
        f = fopen("/proc/self/mountinfo", "re");
        while (f && fgets(line, sizeof(line), f)) {
                char mp[4096], type[64];
                const char *sep = strstr(line, " - ");

                if (sep && sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && sscanf(sep + 3, "%63s", type) == 1 &&
                    streq(mp, real) && streq(type, "fuse.lxcfs"))
                        return true;
        }
        return false;
}

int lxcfs_find(const struct settings *s, const char *machine, char **ret)
{
        const char *path = s->lxcfs_path ?: LXCFS_DEFAULT_PATH;

        *ret = NULL;
        if (s->lxcfs == LXCFS_NO)
                return 0;
        if (!lxcfs_mounted(path)) {
                if (s->lxcfs == LXCFS_AUTO)
                        return 0;
                return log_error_ret(-ENOENT, "machine %s: --lxcfs=%s, but no lxcfs file system is mounted on %s: "
                                     "install and start Debian's lxcfs package (systemctl start lxcfs)%s",
                                     machine, s->lxcfs_path ?: "yes", path,
                                     s->lxcfs_path ? ", or name its mount point" : "");
        }
        *ret = strdup(path);
        return *ret ? 0 : log_oom();
}

/* The clone goes on a staging directory in the machine's /run first: a
 * file of a detached mount cannot be cloned (EINVAL), one of a mount in
 * the caller's namespace can. The staging mount goes again after. */
#define LXCFS_STAGING "run/.berth-lxcfs"

int lxcfs_attach(int src, int root_fd, char *what, size_t size)
{
        _cleanup_close_ int staging = -EBADF;
        char path[64];
        int r;

        snprintf(what, size, "mounting lxcfs on /%s", LXCFS_STAGING);
        r = mnt_attach_dir(src, root_fd, LXCFS_STAGING);
        if (r < 0)
                return r;
        staging = openat(root_fd, LXCFS_STAGING, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (staging < 0)
                return -errno;
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(lxcfs_files); i++) {
                _cleanup_close_ int file = mnt_clone(staging, lxcfs_files[i], false);

                snprintf(what, size, "binding lxcfs's %s on /%s", lxcfs_files[i], lxcfs_files[i]);
                r = file < 0 ? file : mnt_attach_file(file, root_fd, lxcfs_files[i]);
        }
        snprintf(path, sizeof(path), "/proc/self/fd/%d", staging);
        if (umount2(path, MNT_DETACH) < 0 && r >= 0) {
                snprintf(what, size, "unmounting lxcfs from /%s", LXCFS_STAGING);
                r = -errno;
        }
        staging = safe_close(staging);
        (void) unlinkat(root_fd, LXCFS_STAGING, AT_REMOVEDIR);
        return r;
}
