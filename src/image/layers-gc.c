/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The layers no image names any more, removed: a layer is kept while one
 * manifest of the store, or of a running machine started from elsewhere,
 * names it. A manifest that cannot be read keeps every layer. */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "layers.h"
#include "log.h"
#include "util.h"

struct in_use {
        char (*hex)[65];
        size_t n;
};

static int add_manifest(struct in_use *u, const char *path)
{
        struct layer_list l = {};
        unsigned line;
        int r = layers_read(path, &l, &line);

        if (r == -ENOENT)
                return 0;       /* the machine's manifest went with it */
        if (r < 0)
                return log_error_ret(r, "cannot read %s to keep its layers: %s", path, strerror(-r));
        void *grown = realloc(u->hex, sizeof(*u->hex) * (u->n + l.n));
        if (!grown) {
                layer_list_done(&l);
                return -ENOMEM;
        }
        u->hex = grown;
        for (size_t i = 0; i < l.n; i++)
                memcpy(u->hex[u->n++], l.digest[i] + 7, 65);
        layer_list_done(&l);
        return 0;
}

static bool used(const struct in_use *u, const char *hex)
{
        for (size_t i = 0; i < u->n; i++)
                if (streq(u->hex[i], hex))
                        return true;
        return false;
}

static int collect(struct in_use *u, char *const *keep)
{
        _cleanup_free_ struct image_info *list = NULL;
        size_t n = 0;
        int r = image_list(&list, &n);

        for (size_t i = 0; r >= 0 && i < n; i++)
                if (list[i].type == IMAGE_LAYERED)
                        r = add_manifest(u, list[i].path);
        for (size_t i = 0; r >= 0 && keep && keep[i]; i++)
                r = add_manifest(u, keep[i]);
        return r;
}

int layers_gc(char *const *keep)
{
        _cleanup_free_ char (*hex)[65] = NULL;
        struct in_use u = {};
        char dir[4096];
        struct dirent *de;
        int r = collect(&u, keep), removed = 0;

        hex = u.hex;
        if (r < 0)
                return r;
        r = layers_dir(dir, sizeof(dir));
        if (r < 0)
                return r;
        strncat(dir, "/sha256", sizeof(dir) - strlen(dir) - 1);
        _cleanup_(closedirp) DIR *d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        /* Hidden entries are layers still being unpacked (staging.h). */
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' && !used(&u, de->d_name)) {
                        r = rm_rf_at(dirfd(d), de->d_name);
                        if (r < 0)
                                return log_error_ret(r, "cannot remove the layer %s: %s", de->d_name, strerror(-r));
                        removed++;
                }
        return removed;
}
