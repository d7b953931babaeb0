/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cleanup.h"
#include "mnt.h"
#include "util.h"

static int write_map(pid_t pid, const char *file, uid_t base, uint32_t size)
{
        char path[64], line[64];
        _cleanup_close_ int fd = -EBADF;

        snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, file);
        snprintf(line, sizeof(line), "0 %u %u\n", (unsigned) base, (unsigned) size);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* The whole map in one write(), as the kernel requires. */
        if (write(fd, line, strlen(line)) < 0)
                return -errno;
        return 0;
}

int userns_write_maps(pid_t pid, uid_t base, uint32_t size)
{
        int r = write_map(pid, "uid_map", base, size);

        /* Written by a process with CAP_SETGID in the parent namespace,
         * gid_map needs no "deny" in setgroups: the machine's systemd and
         * login need setgroups(). */
        if (r < 0)
                return r;
        return write_map(pid, "gid_map", base, size);
}

int userns_become_root(void)
{
        if (setresgid(0, 0, 0) < 0)
                return -errno;
        if (setgroups(0, NULL) < 0)
                return -errno;
        if (setresuid(0, 0, 0) < 0)
                return -errno;
        return 0;
}

int userns_chown_dir(const char *path, uid_t base)
{
        if (chown(path, base, base) < 0)
                return -errno;
        return 0;
}
