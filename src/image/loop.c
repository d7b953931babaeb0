/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

int loop_attach(int fd, uint64_t offset, uint64_t size, char *dev, size_t dev_size)
{
        int control = open("/dev/loop-control", O_RDWR | O_CLOEXEC), r = -EBUSY;

        if (control < 0)
                return -errno;
        /* Another process may take the free one first: try again. */
        for (int attempt = 0; attempt < 64 && r == -EBUSY; attempt++) {
                int n = ioctl(control, LOOP_CTL_GET_FREE);
                if (n < 0) {
                        r = -errno;
                        break;
                }
                snprintf(dev, dev_size, "/dev/loop%d", n);
                int loop = open(dev, O_RDONLY | O_CLOEXEC);
                if (loop < 0) {
                        r = -errno;
                        break;
                }
                struct loop_config c = {
                        .fd = (uint32_t) fd,
                        .info = { .lo_offset = offset, .lo_sizelimit = size,
                                  .lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR | LO_FLAGS_DIRECT_IO },
                };
                r = ioctl(loop, LOOP_CONFIGURE, &c) < 0 ? -errno : 0;
                if (r == -EINVAL) {
                        /* No direct I/O on this backing file system. */
                        c.info.lo_flags &= ~(uint32_t) LO_FLAGS_DIRECT_IO;
                        r = ioctl(loop, LOOP_CONFIGURE, &c) < 0 ? -errno : 0;
                }
                if (r == 0) {
                        close(control);
                        return loop;
                }
                close(loop);
        }
        close(control);
        return r;
}
