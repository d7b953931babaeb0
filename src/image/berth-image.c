/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-image: what the launcher does with images that needs a library
 * it does not load itself (libblkid).
 *
 *   berth-image mount-raw FILE DIR
 *       mounts the root file system of the raw GPT disk image FILE
 *       read-only on DIR, through a loop device that goes with the mount.
 *
 * One line on stderr when it fails, which the launcher repeats. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cleanup.h"
#include "dissect.h"
#include "log.h"
#include "loop.h"

static int mount_raw(const char *path, const char *dir)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), loop = -EBADF;
        struct dissected d;
        char dev[32];
        int r;

        if (fd < 0)
                return log_error_errno(-errno, "image %s", path);
        if ((r = dissect_raw(path, fd, &d)) < 0)
                return r;
        loop = loop_attach(fd, d.offset, d.size, dev, sizeof(dev));
        if (loop < 0)
                return log_error_errno(loop, "image %s: attaching a loop device", path);
        if (mount(dev, dir, d.fstype, MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
                return log_error_errno(-errno, "image %s: mounting its %s partition %d (%s, %s)", path, d.why,
                                       d.partno, d.fstype, dev);
        /* The loop device is the mount's now: autoclear ends it with it. */
        return 0;
}

int main(int argc, char **argv)
{
        log_setup("");
        if (argc == 4 && strcmp(argv[1], "mount-raw") == 0)
                return mount_raw(argv[2], argv[3]) < 0 ? 1 : 0;
        log_error("usage: berth-image mount-raw FILE DIR");
        return 2;
}
