/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* import-fs: a tree copied into the store as the directory image NAME;
 * import-raw: a raw GPT disk image copied in as NAME.raw. Both copy with
 * copy.h (reflinks where the file system has them) into the import's
 * hidden directory first. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "copy.h"
#include "import.h"
#include "layers.h"
#include "log.h"
#include "name.h"
#include "paths.h"
#include "util.h"

/* FILE, or standard input for "-" (berthd hands the file as it). */
static int open_source(const char *source, int flags)
{
        if (streq(source, "-"))
                return fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
        return open(source, flags | O_CLOEXEC | O_NOCTTY);
}

static int commit(struct import_store *st, const char *what, const char *final)
{
        int r = staging_commit(&st->stage, what, final);
        if (r == -EEXIST || r == -ENOTEMPTY)
                return log_error_ret(-EEXIST, "image %s: %s/images/%s exists already", st->name, berth_state_dir(),
                                     final);
        return r < 0 ? log_error_errno(r, "image %s: moving it into place", st->name) : 0;
}

int import_fs(struct import_store *st, const char *source, struct progress *p)
{
        const char *what = streq(source, "-") ? "the directory given" : source;
        _cleanup_close_ int in = open_source(source, O_RDONLY | O_DIRECTORY);
        int r;

        if (in < 0)
                return log_error_errno(-errno, "%s", what);
        progress_start(p, "copying", tree_bytes(in));
        r = copy_tree(in, st->stage.fd, "root", what, p, NULL);
        progress_flush(p);
        return r < 0 ? r : commit(st, "root", st->name);
}

/* The GPT header's signature at LBA 1 (512 or 4096-byte sectors), and the
 * file as long as the header says the disk is (its backup header's LBA). */
static int check_gpt(int fd, const char *what, off_t size)
{
        static const unsigned sectors[] = { 512, 4096 };
        unsigned char hdr[92];

        for (size_t i = 0; i < ELEMENTSOF(sectors); i++) {
                if (pread(fd, hdr, sizeof(hdr), sectors[i]) != (ssize_t) sizeof(hdr) || memcmp(hdr, "EFI PART", 8))
                        continue;
                uint64_t backup = 0;
                for (int b = 7; b >= 0; b--)
                        backup = backup << 8 | hdr[32 + b];
                if (backup >= (uint64_t) size / sectors[i])
                        return log_error_ret(-EBADMSG, "%s is truncated: its partition table says the disk has %llu "
                                             "bytes, the file %llu", what,
                                             (unsigned long long) ((backup + 1) * sectors[i]),
                                             (unsigned long long) size);
                return 0;
        }
        return log_error_ret(-EBADMSG, "%s has no GPT partition table: not a raw disk image berth can boot", what);
}

int import_raw(struct import_store *st, const char *source, struct progress *p)
{
        const char *what = streq(source, "-") ? "the file given" : source;
        _cleanup_close_ int in = open_source(source, O_RDONLY);
        char final[MACHINE_NAME_MAX + 8];
        struct stat s;
        int r;

        if (in < 0 || fstat(in, &s) < 0)
                return log_error_errno(-errno, "%s", what);
        if (!S_ISREG(s.st_mode))
                return log_error_ret(-EINVAL, "%s is not a file: import-raw copies a raw disk image file", what);
        if ((r = check_gpt(in, what, s.st_size)) < 0)
                return r;
        snprintf(final, sizeof(final), "%s" RAW_SUFFIX, st->name);
        progress_start(p, "copying", (uint64_t) s.st_size);
        r = copy_file(in, st->stage.fd, final, what, p, NULL);
        progress_flush(p);
        return r < 0 ? r : commit(st, final, final);
}
