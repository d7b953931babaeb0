/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "digest.h"
#include "import.h"
#include "layers.h"
#include "log.h"
#include "oci.h"
#include "tree.h"
#include "unpack.h"
#include "util.h"

/* An archive (oci-archive, docker-archive) is unpacked as it is first. */
static int open_layout(struct import_store *st, const char *source, struct progress *p)
{
        _cleanup_close_ int fd = open(source, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        struct stat s;

        if (fd < 0 || fstat(fd, &s) < 0)
                return log_error_errno(-errno, "%s", source);
        if (S_ISDIR(s.st_mode))
                return take_fd(&fd);
        if (mkdirat(st->stage.fd, "archive", 0700) < 0)
                return log_error_errno(-errno, "image %s: making its directory", st->name);
        int dir = openat(st->stage.fd, "archive", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir < 0)
                return log_error_errno(-errno, "image %s: opening its directory", st->name);
        progress_start(p, "reading", S_ISREG(s.st_mode) ? (uint64_t) s.st_size : 0);
        int r = unpack_tar(fd, dir, &(struct unpack_opts) { .what = source, .progress = p });
        if (r < 0) {
                close(dir);
                return r;
        }
        return dir;
}

static uint64_t size_at(int dir, const char *path)
{
        struct stat s;
        return fstatat(dir, path, &s, 0) == 0 ? (uint64_t) s.st_size : 0;
}

/* One layer into STATEDIR/layers/sha256/HEX, unless it is there: made
 * in a hidden directory of its own, checked against its digest (an OCI
 * blob; a docker save layer was checked by oci_read), then renamed. */
static int import_layer(struct import_store *st, int layout, const char *path, const char *digest, bool check,
                        struct progress *p)
{
        char rel[128], what[128], sum[72];
        struct stat s;
        int r;

        (void) layer_rel_path(digest, rel, sizeof(rel));
        if (fstatat(st->layers_fd, rel, &s, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(s.st_mode)) {
                log_debug("layer %s is in the store already", digest);
                p->bytes += size_at(layout, path);
                return 0;
        }
        _cleanup_close_ int in = tree_open(layout, path, O_RDONLY);
        if (in < 0)
                return log_error_errno(in, "image %s: layer %s (%s)", st->name, digest, path);
        _cleanup_(staging_done) struct staging stage = { .parent_fd = -EBADF, .fd = -EBADF };
        if ((r = staging_begin(&stage, st->layers_fd, digest + 7)) < 0)
                return log_error_errno(r, "image %s: making the directory of layer %s", st->name, digest);
        snprintf(what, sizeof(what), "layer %s", digest);
        /* Checked before a byte of it is unpacked. */
        if (check && (r = digest_fd(in, sum, NULL)) < 0)
                return log_error_errno(r, "image %s: reading layer %s", st->name, digest);
        if (check && !streq(sum, digest))
                return log_error_ret(-EBADMSG, "layer %s does not match its digest (its content is %s)", digest,
                                     sum);
        if (check && lseek(in, 0, SEEK_SET) < 0)
                return log_error_errno(-errno, "image %s: reading layer %s", st->name, digest);
        r = unpack_tar(in, stage.fd, &(struct unpack_opts) { .what = what, .whiteouts = true, .progress = p });
        if (r < 0)
                return r;
        r = staging_commit(&stage, "", rel);
        if (r == -EEXIST || r == -ENOTEMPTY)
                return 0; /* another import stored it meanwhile */
        return r < 0 ? log_error_errno(r, "layer %s: moving it into place", digest) : 0;
}

/* A word of Parameters=, quoted as the settings file reads it. */
static int push_quoted(FILE *f, const char *word)
{
        if (strpbrk(word, "\n\r"))
                return -EINVAL;
        fputc('"', f);
        for (const char *c = word; *c; c++) {
                if (*c == '"' || *c == '\\')
                        fputc('\\', f);
                fputc(*c, f);
        }
        fputs("\" ", f);
        return 0;
}

/* NAME.berth: what `docker run` takes from the image's config. */
static int write_settings(struct import_store *st, const char *source, const struct oci_image *im)
{
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        int r = 0;

        if (!f)
                return log_oom();
        fprintf(f, "# The config of the OCI image %s, as berth settings (berth(5)).\n[Exec]\n", source);
        if (im->argv) {
                fputs("Parameters=", f);
                for (char **a = im->argv; *a && r >= 0; a++)
                        r = push_quoted(f, *a);
                fputc('\n', f);
        }
        for (char **e = im->env; e && *e && r >= 0; e++)
                r = strpbrk(*e, "\n\r") ? -EINVAL : (fprintf(f, "Environment=%s\n", *e), 0);
        if (im->workdir && r >= 0)
                r = strpbrk(im->workdir, "\n\r") ? -EINVAL : (fprintf(f, "WorkingDirectory=%s\n", im->workdir), 0);
        if (im->user && r >= 0)
                r = strpbrk(im->user, "\n\r") ? -EINVAL : (fprintf(f, "User=%s\n", im->user), 0);
        if (fclose(f) != 0)
                return log_oom();
        if (r < 0)
                return log_error_ret(r, "%s: its config holds a line break in a command word, variable, "
                                     "directory or user", source);
        r = write_file_at(st->stage.fd, "settings", text, 0644);
        return r < 0 ? log_error_errno(r, "image %s: writing its settings", st->name) : 0;
}

static int write_manifest(struct import_store *st, const char *source, const struct oci_image *im)
{
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        if (!f)
                return log_oom();
        fprintf(f, "# The layers of the OCI image %s, bottom to top.\n", source);
        for (char **d = im->digests; *d; d++)
                fprintf(f, "%s\n", *d);
        if (fclose(f) != 0)
                return log_oom();
        int r = write_file_at(st->stage.fd, "manifest", text, 0644);
        return r < 0 ? log_error_errno(r, "image %s: writing its manifest", st->name) : 0;
}

/* NAME.berth first (a settings file of the name that is there stays),
 * then NAME.layers: the image is there when that is. */
static int commit(struct import_store *st)
{
        char file[300];

        snprintf(file, sizeof(file), "%s.berth", st->name);
        int r = staging_commit(&st->stage, "settings", file);
        if (r == -EEXIST)
                log_warning("image %s: %s exists already and is kept; the image's config is not in it", st->name,
                            file);
        else if (r < 0)
                return log_error_errno(r, "image %s: moving its settings into place", st->name);
        bool made_settings = r == 0;
        snprintf(file, sizeof(file), "%s" LAYERS_SUFFIX, st->name);
        r = staging_commit(&st->stage, "manifest", file);
        if (r >= 0)
                return 0;
        if (made_settings) {
                char settings[300];
                snprintf(settings, sizeof(settings), "%s.berth", st->name);
                (void) unlinkat(st->images_fd, settings, 0);
        }
        if (r == -EEXIST)
                return log_error_ret(r, "image %s: %s exists already", st->name, file);
        return log_error_errno(r, "image %s: moving its manifest into place", st->name);
}

int import_oci(struct import_store *st, const char *source, struct progress *p)
{
        struct oci_image im = {};
        int r;

        _cleanup_close_ int layout = open_layout(st, source, p);
        if (layout < 0)
                return layout;
        progress_start(p, "verifying", 0);
        r = oci_read(layout, source, &im, p);
        if (r < 0)
                return r;
        bool docker = faccessat(layout, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) < 0;
        uint64_t total = 0;
        for (char **l = im.layers; *l; l++)
                total += size_at(layout, *l);
        progress_start(p, "unpacking", total);
        for (size_t i = 0; im.layers[i] && r >= 0; i++) {
                r = import_layer(st, layout, im.layers[i], im.digests[i], !docker, p);
                progress_flush(p);
        }
        if (r >= 0)
                r = write_settings(st, source, &im);
        if (r >= 0)
                r = write_manifest(st, source, &im);
        if (r >= 0)
                r = commit(st);
        oci_image_done(&im);
        return r;
}
