/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* A raw disk image's root file system, found as systemd-dissect finds it:
 * the GPT partition of the Discoverable Partitions Specification's root
 * type for this architecture, else its /usr type, else the one Linux data
 * partition; its file system type probed with libblkid. */
struct dissected {
        uint64_t offset, size;  /* bytes */
        int partno;
        char fstype[32];        /* ext4, xfs, btrfs, squashfs, erofs */
        const char *why;        /* "root", "usr" or "linux-data" */
};

/* Logs one line naming the image and what is wrong, returns -errno. */
int dissect_raw(const char *path, int fd, struct dissected *ret);
