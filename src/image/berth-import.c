/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-import: puts images into the store, for berthd (which runs it for
 * its Import* calls and shows its progress as a Transfer).
 *
 *   berth-import [--progress-fd=N] tar FILE|- NAME
 *   berth-import [--progress-fd=N] oci DIR|FILE NAME
 *   berth-import [--progress-fd=N] fs DIR|- NAME
 *   berth-import [--progress-fd=N] raw FILE|- NAME
 *   berth-import [--progress-fd=N] clone|clone-ro IMAGE NAME
 *   berth-import [--progress-fd=N] export-tar IMAGE FILE|-
 *
 * tar: a tarball (any compression libarchive reads) becomes the directory
 * image NAME; a single top-level directory in it is the tree. oci: an OCI
 * image layout or a docker/podman save archive becomes the layered image
 * NAME: its layers in STATEDIR/layers, each once, and NAME.layers naming
 * them, NAME.berth holding the image's command, environment, directory and
 * user. fs: a tree copied as the directory image NAME; raw: a GPT disk
 * image copied as NAME.raw; clone: the store's IMAGE copied as NAME
 * (clone-ro: marked read-only); export-tar: the image's tree as a tarball
 * (for "-" written to the descriptor on standard input, as berthd hands
 * it). Everything is written below a hidden directory first and renamed
 * into place when complete (staging.h). One line on stderr when it fails. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "export.h"
#include "import.h"
#include "log.h"
#include "name.h"
#include "paths.h"
#include "util.h"

static int usage(void)
{
        log_error("usage: berth-import [--progress-fd=N] tar FILE|- NAME | oci DIR|FILE NAME | fs DIR|- NAME | "
                  "raw FILE|- NAME | clone|clone-ro IMAGE NAME | export-tar IMAGE FILE|-");
        return 2;
}

int main(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "progress-fd", required_argument, NULL, 'p' },
                {},
        };
        struct progress progress = { .fd = -1 };
        unsigned fd;
        int c;

        log_setup("berth-import");
        while ((c = getopt_long(argc, argv, "", longopts, NULL)) >= 0) {
                if (c != 'p' || parse_uint(optarg, &fd) < 0)
                        return usage();
                progress.fd = (int) fd;
        }
        if (argc - optind != 3)
                return usage();
        const char *verb = argv[optind], *source = argv[optind + 1], *name = argv[optind + 2];
        if (streq(verb, "export-tar"))
                return export_tar(source, name, &progress) < 0 ? 1 : 0;
        struct import_store st;
        int r = import_store_open(&st, name);
        if (r >= 0) {
                if (streq(verb, "tar"))
                        r = import_tar(&st, source, &progress);
                else if (streq(verb, "oci"))
                        r = import_oci(&st, source, &progress);
                else if (streq(verb, "fs"))
                        r = import_fs(&st, source, &progress);
                else if (streq(verb, "raw"))
                        r = import_raw(&st, source, &progress);
                else if (streq(verb, "clone") || streq(verb, "clone-ro"))
                        r = clone_image(&st, source, streq(verb, "clone-ro"), &progress);
                else
                        r = usage();
        }
        import_store_done(&st);
        return r < 0 ? 1 : r;
}
