/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dissect.h"

#include <blkid.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "config.h"
#include "log.h"

#define TYPE_LINUX_DATA "0fc63daf-8483-4772-8e79-3d69d8477de4"

static const struct arch_types {
        const char *family;
        const char *root, *usr;
} arch_types[] = {
        { "x86_64", "4f68bce3-e8cd-4db1-96e7-fbcaf984b709", "8484680c-9521-48c6-9c11-b0720656f69e" },
        { "x86", "44479540-f297-41b2-9af7-d131d5f0458a", "75250d76-8cc6-458e-bd66-bd47cc81a812" },
        { "aarch64", "b921b045-1df0-41c3-af44-4c6f280d3fae", "b0e01050-ee5f-4390-949a-9101b17104e9" },
        { "arm", "69dad710-2ce4-4e3c-b16c-21a1d49abed3", "7d0359a3-02b3-4f0a-865c-654403e70625" },
        { "riscv64", "72ec70a6-cf74-40e6-bd49-4bda08e8f224", "beaec34b-8442-439b-a40b-984381ed097d" },
};

/* The file systems berth mounts as a machine's root. */
static const char *const root_fs[] = { "ext4", "ext3", "ext2", "xfs", "btrfs", "squashfs", "erofs" };

static const struct arch_types *this_arch(void)
{
        for (size_t i = 0; i < sizeof(arch_types) / sizeof(arch_types[0]); i++)
                if (strcmp(arch_types[i].family, BERTH_CPU_FAMILY) == 0)
                        return &arch_types[i];
        return NULL;
}

static int probe_fs(const char *path, int fd, struct dissected *d)
{
        blkid_probe pr = blkid_new_probe();
        const char *type = NULL;
        int r = -ENOMEM;

        if (!pr)
                return log_oom();
        if (blkid_probe_set_device(pr, fd, (blkid_loff_t) d->offset, (blkid_loff_t) d->size) < 0) {
                r = log_error_ret(-EIO, "image %s: cannot read partition %d", path, d->partno);
                goto done;
        }
        blkid_probe_enable_superblocks(pr, 1);
        blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
        if (blkid_do_safeprobe(pr) != 0 || blkid_probe_lookup_value(pr, "TYPE", &type, NULL) < 0 || !type) {
                r = log_error_ret(-EMEDIUMTYPE, "image %s: partition %d (%s) has no file system berth knows",
                                  path, d->partno, d->why);
                goto done;
        }
        r = -EMEDIUMTYPE;
        for (size_t i = 0; i < sizeof(root_fs) / sizeof(root_fs[0]); i++)
                if (strcmp(type, root_fs[i]) == 0)
                        r = 0;
        if (r < 0)
                log_error("image %s: partition %d (%s) has a %s file system, not one of ext4, xfs, btrfs, squashfs "
                          "or erofs", path, d->partno, d->why, type);
        else
                snprintf(d->fstype, sizeof(d->fstype), "%s", type);
done:
        blkid_free_probe(pr);
        return r;
}

int dissect_raw(const char *path, int fd, struct dissected *ret)
{
        const struct arch_types *arch = this_arch();
        struct dissected d = {};
        struct stat st;
        blkid_probe pr;
        int r, n, best = 0;     /* 3: root, 2: usr, 1: the one Linux data partition */
        unsigned linux_data = 0;

        if (fstat(fd, &st) < 0)
                return log_error_errno(-errno, "image %s", path);
        if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
                return log_error_ret(-EINVAL, "image %s is not a file", path);
        pr = blkid_new_probe();
        if (!pr)
                return log_oom();
        r = -EINVAL;
        if (blkid_probe_set_device(pr, fd, 0, 0) < 0) {
                r = log_error_ret(-EIO, "image %s: cannot read it", path);
                goto done;
        }
        blkid_probe_enable_partitions(pr, 1);
        blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
        blkid_partlist parts = blkid_do_fullprobe(pr) >= 0 ? blkid_probe_get_partitions(pr) : NULL;
        blkid_parttable table = parts ? blkid_partlist_get_table(parts) : NULL;
        if (!table || strcmp(blkid_parttable_get_type(table) ?: "", "gpt") != 0) {
                r = log_error_ret(-EMEDIUMTYPE, "image %s has no GPT partition table", path);
                goto done;
        }
        n = blkid_partlist_numof_partitions(parts);
        for (int i = 0; i < n; i++) {
                blkid_partition p = blkid_partlist_get_partition(parts, i);
                const char *type = blkid_partition_get_type_string(p);
                int rank = 0;
                if (!type)
                        continue;
                if (arch && strcasecmp(type, arch->root) == 0)
                        rank = 3;
                else if (arch && strcasecmp(type, arch->usr) == 0)
                        rank = 2;
                else if (strcasecmp(type, TYPE_LINUX_DATA) == 0) {
                        linux_data++;
                        rank = 1;
                }
                if (rank > best) {
                        best = rank;
                        d.offset = (uint64_t) blkid_partition_get_start(p) * 512;
                        d.size = (uint64_t) blkid_partition_get_size(p) * 512;
                        d.partno = blkid_partition_get_partno(p);
                        d.why = rank == 3 ? "root" : rank == 2 ? "usr" : "linux-data";
                }
        }
        if (best == 0 || (best == 1 && linux_data > 1)) {
                r = log_error_ret(-ENXIO, "image %s has no root partition for %s (GPT type %s)%s", path,
                                  BERTH_CPU_FAMILY, arch ? arch->root : "unknown",
                                  best ? ", and more than one Linux data partition" : "");
                goto done;
        }
        if (d.offset + d.size > (uint64_t) st.st_size && S_ISREG(st.st_mode)) {
                r = log_error_ret(-EIO, "image %s is truncated: partition %d ends at byte %llu, the file at %llu",
                                  path, d.partno, (unsigned long long) (d.offset + d.size),
                                  (unsigned long long) st.st_size);
                goto done;
        }
        r = probe_fs(path, fd, &d);
        if (r >= 0)
                *ret = d;
done:
        blkid_free_probe(pr);
        return r;
}
