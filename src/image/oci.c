/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "oci.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cleanup.h"
#include "digest.h"
#include "layers.h"
#include "log.h"
#include "tree.h"
#include "util.h"

#define JSON_MAX (16u << 20)

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)

const char *oci_arch(void)
{
        static const struct {
                const char *uname, *oci;
        } map[] = {
                { "x86_64", "amd64" }, { "aarch64", "arm64" }, { "i686", "386" },   { "armv7l", "arm" },
                { "ppc64le", "ppc64le" }, { "s390x", "s390x" }, { "riscv64", "riscv64" },
        };
        static struct utsname u;
        if (uname(&u) < 0)
                return "unknown";
        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (streq(u.machine, map[i].uname))
                        return map[i].oci;
        return u.machine;
}

static const char *jstr(json_object *o, const char *key)
{
        json_object *v;
        return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
                       ? json_object_get_string(v)
                       : NULL;
}

static json_object *jget(json_object *o, const char *key, json_type type)
{
        json_object *v;
        return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, type) ? v : NULL;
}

/* A JSON file of the layout, parsed; NULL and -errno in *ret_r. */
static json_object *read_json(int layout_fd, const char *path, const char *what, int *ret_r)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = tree_open(layout_fd, path, O_RDONLY);
        char self[64];
        snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
        int r = fd < 0 ? fd : read_file_at(AT_FDCWD, self, &text, JSON_MAX);

        if (r < 0) {
                *ret_r = r == -ENOENT ? r : log_error_errno(r, "%s: reading %s", what, path);
                return NULL;
        }
        json_object *o = json_tokener_parse(text);
        if (!o)
                *ret_r = log_error_ret(-EBADMSG, "%s: %s is not JSON", what, path);
        return o;
}

/* blobs/sha256/HEX, its content checked against its name. */
static int check_blob(int layout_fd, const char *digest, const char *what, struct progress *p, char *path,
                      size_t size)
{
        char sum[72];

        if (!layer_digest_valid(digest))
                return log_error_ret(-EBADMSG, "%s: %s is not a sha256 digest", what, digest);
        snprintf(path, size, "blobs/sha256/%s", digest + 7);
        _cleanup_close_ int fd = tree_open(layout_fd, path, O_RDONLY);
        if (fd < 0)
                return log_error_errno(fd, "%s: blob %s", what, digest);
        int r = digest_fd(fd, sum, p);
        if (r < 0)
                return log_error_errno(r, "%s: reading blob %s", what, digest);
        if (!streq(sum, digest))
                return log_error_ret(-EBADMSG, "%s: blob %s does not match its digest (its content is %s)", what,
                                     digest, sum);
        return 0;
}

static json_object *read_blob_json(int layout_fd, const char *digest, const char *what, struct progress *p, int *r)
{
        char path[128];
        *r = check_blob(layout_fd, digest, what, p, path, sizeof(path));
        return *r < 0 ? NULL : read_json(layout_fd, path, what, r);
}

static bool is_index(const char *media)
{
        return media && (streq(media, "application/vnd.oci.image.index.v1+json") ||
                         streq(media, "application/vnd.docker.distribution.manifest.list.v2+json"));
}

/* The descriptor of index for this machine: no platform, or linux and
 * this architecture. */
static json_object *pick(json_object *index, const char *what, int *r)
{
        json_object *list = jget(index, "manifests", json_type_array);
        size_t n = list ? json_object_array_length(list) : 0;

        for (size_t i = 0; i < n; i++) {
                json_object *d = json_object_array_get_idx(list, i), *plat = jget(d, "platform", json_type_object);
                const char *arch = plat ? jstr(plat, "architecture") : NULL, *os = plat ? jstr(plat, "os") : NULL;
                if (!plat || ((!arch || streq(arch, oci_arch())) && (!os || streq(os, "linux"))))
                        return d;
        }
        *r = log_error_ret(-ENOMSG, "%s: no manifest for linux/%s (%zu in its index)", what, oci_arch(), n);
        return NULL;
}

static int strv_from_json(json_object *a, char ***l)
{
        size_t n = a ? json_object_array_length(a) : 0;
        for (size_t i = 0; i < n; i++) {
                json_object *v = json_object_array_get_idx(a, i);
                if (!json_object_is_type(v, json_type_string))
                        return -EBADMSG;
                if (strv_push(l, json_object_get_string(v)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* The image config's command, environment, directory and user. */
static int take_config(json_object *config, const char *what, struct oci_image *im)
{
        json_object *c = jget(config, "config", json_type_object) ?: jget(config, "container_config", json_type_object);
        if (!c)
                return 0;
        int r = strv_from_json(jget(c, "Env", json_type_array), &im->env);
        if (r >= 0)
                r = strv_from_json(jget(c, "Entrypoint", json_type_array), &im->argv);
        if (r >= 0)
                r = strv_from_json(jget(c, "Cmd", json_type_array), &im->argv);
        if (r < 0)
                return r == -ENOMEM ? log_oom() : log_error_ret(r, "%s: its config's Env, Entrypoint or Cmd "
                                                                   "holds something other than strings", what);
        const char *wd = jstr(c, "WorkingDir"), *user = jstr(c, "User");
        if ((wd && *wd && !(im->workdir = strdup(wd))) || (user && *user && !(im->user = strdup(user))))
                return log_oom();
        return 0;
}

static int read_oci(int layout_fd, json_object *index, const char *what, struct oci_image *im, struct progress *p)
{
        _cleanup_(json_object_putp) json_object *nested = NULL, *manifest = NULL, *config = NULL;
        json_object *d = index;
        int r = 0;

        /* An index may name another index (one per platform). */
        for (int depth = 0; depth < 4; depth++) {
                d = pick(d, what, &r);
                if (!d)
                        return r;
                const char *digest = jstr(d, "digest") ?: "";
                if (!is_index(jstr(d, "mediaType"))) {
                        if (!(manifest = read_blob_json(layout_fd, digest, what, p, &r)))
                                return r;
                        break;
                }
                /* digest is the old index's: read the next one first. */
                json_object *next = read_blob_json(layout_fd, digest, what, p, &r);
                if (!next)
                        return r;
                json_object_put(nested);
                d = nested = next;
        }
        if (!manifest)
                return log_error_ret(-EBADMSG, "%s: its indexes nest too deep", what);
        json_object *cd = jget(manifest, "config", json_type_object);
        json_object *layers = jget(manifest, "layers", json_type_array);
        if (!cd || !layers)
                return log_error_ret(-EBADMSG, "%s: its manifest has no config or no layers", what);
        if (!(config = read_blob_json(layout_fd, jstr(cd, "digest") ?: "", what, p, &r)))
                return r;
        for (size_t i = 0; i < json_object_array_length(layers); i++) {
                const char *digest = jstr(json_object_array_get_idx(layers, i), "digest");
                char path[128];
                if (!digest || !layer_digest_valid(digest))
                        return log_error_ret(-EBADMSG, "%s: layer %zu has no sha256 digest", what, i + 1);
                snprintf(path, sizeof(path), "blobs/sha256/%s", digest + 7);
                if (strv_push(&im->layers, path) < 0 || strv_push(&im->digests, digest) < 0)
                        return log_oom();
        }
        return take_config(config, what, im);
}

/* `docker save`: manifest.json names the config and the layer files; a
 * layer is stored by its own sha256, checked against the config's
 * diff_ids (the digests of the uncompressed layers). */
static int read_docker(int layout_fd, json_object *list, const char *what, struct oci_image *im, struct progress *p)
{
        json_object *m = json_object_is_type(list, json_type_array) && json_object_array_length(list) > 0
                                 ? json_object_array_get_idx(list, 0)
                                 : NULL;
        json_object *layers = m ? jget(m, "Layers", json_type_array) : NULL;
        const char *cpath = m ? jstr(m, "Config") : NULL;
        _cleanup_(json_object_putp) json_object *config = NULL;
        int r = 0;

        if (!layers || !cpath)
                return log_error_ret(-EBADMSG, "%s: manifest.json names no config or no layers", what);
        if (!(config = read_json(layout_fd, cpath, what, &r)))
                return r == -ENOENT ? log_error_ret(r, "%s: its config %s is missing", what, cpath) : r;
        json_object *rootfs = jget(config, "rootfs", json_type_object);
        json_object *diff_ids = rootfs ? jget(rootfs, "diff_ids", json_type_array) : NULL;
        size_t n = json_object_array_length(layers);
        if (!diff_ids || json_object_array_length(diff_ids) != n)
                return log_error_ret(-EBADMSG, "%s: its config's diff_ids do not list its %zu layers", what, n);
        for (size_t i = 0; i < n; i++) {
                json_object *v = json_object_array_get_idx(layers, i);
                const char *path = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
                const char *want = json_object_get_string(json_object_array_get_idx(diff_ids, i));
                char sum[72];
                _cleanup_close_ int fd = path ? tree_open(layout_fd, path, O_RDONLY) : -EINVAL;
                if (fd < 0)
                        return log_error_errno(fd, "%s: layer %zu (%s)", what, i + 1, path ?: "unnamed");
                if ((r = digest_fd(fd, sum, p)) < 0)
                        return log_error_errno(r, "%s: reading layer %s", what, path);
                if (!want || !streq(sum, want))
                        return log_error_ret(-EBADMSG, "%s: layer %s does not match its digest %s (its content "
                                             "is %s)", what, path, want ?: "(none)", sum);
                if (strv_push(&im->layers, path) < 0 || strv_push(&im->digests, sum) < 0)
                        return log_oom();
        }
        return take_config(config, what, im);
}

int oci_read(int layout_fd, const char *what, struct oci_image *ret, struct progress *progress)
{
        _cleanup_(json_object_putp) json_object *top = NULL;
        struct oci_image im = {};
        int r;

        if ((top = read_json(layout_fd, "index.json", what, &r)))
                r = read_oci(layout_fd, top, what, &im, progress);
        else if (r == -ENOENT && (top = read_json(layout_fd, "manifest.json", what, &r)))
                r = read_docker(layout_fd, top, what, &im, progress);
        else if (r == -ENOENT)
                r = log_error_ret(-ENOENT, "%s is no OCI image layout (no index.json) and no docker save "
                                  "archive (no manifest.json)", what);
        if (r >= 0 && strv_length(im.layers) > LAYERS_MAX)
                r = log_error_ret(-E2BIG, "%s has %zu layers, more than overlayfs's %d", what,
                                  strv_length(im.layers), LAYERS_MAX);
        if (r >= 0 && strv_length(im.layers) == 0)
                r = log_error_ret(-EBADMSG, "%s has no layers", what);
        if (r < 0) {
                oci_image_done(&im);
                return r;
        }
        *ret = im;
        return 0;
}

void oci_image_done(struct oci_image *im)
{
        strv_free(im->layers);
        strv_free(im->digests);
        strv_free(im->env);
        strv_free(im->argv);
        free(im->workdir);
        free(im->user);
        *im = (struct oci_image) {};
}
