/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "layers.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "mnt.h"
#include "paths.h"
#include "util.h"

int layer_digest_valid(const char *digest)
{
        if (!startswith(digest, "sha256:") || strlen(digest) != LAYER_DIGEST_MAX)
                return 0;
        for (const char *p = digest + 7; *p; p++)
                if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                        return 0;
        return 1;
}

size_t image_file_stem(const char *file)
{
        static const char *const suffixes[] = { RAW_SUFFIX, LAYERS_SUFFIX };
        size_t n = strlen(file);

        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
                if (endswith(file, suffixes[i]) && n > strlen(suffixes[i]))
                        return n - strlen(suffixes[i]);
        return 0;
}

int image_store_find(const char *name, char **ret, bool *ret_file)
{
        static const char *const suffixes[] = { RAW_SUFFIX, LAYERS_SUFFIX };
        struct stat st;
        char *tree;

        if (asprintf(&tree, "%s/images/%s", berth_state_dir(), name) < 0)
                return -ENOMEM;
        *ret = tree;
        *ret_file = false;
        if (stat(tree, &st) == 0)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                char *file = strjoin(tree, suffixes[i], NULL);
                if (!file)
                        return -ENOMEM;
                if (stat(file, &st) == 0 && S_ISREG(st.st_mode)) {
                        free(tree);
                        *ret = file;
                        *ret_file = true;
                        return 0;
                }
                free(file);
        }
        return -ENOENT;
}

void layer_list_done(struct layer_list *l)
{
        free(l->digest);
        *l = (struct layer_list) {};
}

int layers_read(const char *path, struct layer_list *ret, unsigned *ret_line)
{
        _cleanup_(fclosep) FILE *f = fopen(path, "re");
        struct layer_list l = {};
        char line[256];
        unsigned no = 0;

        *ret_line = 0;
        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                size_t n = strlen(line);
                no++;
                if (n && line[n - 1] == '\n')
                        line[--n] = 0;
                if (n == 0 || line[0] == '#')
                        continue;
                if (!layer_digest_valid(line)) {
                        layer_list_done(&l);
                        *ret_line = no;
                        return -EBADMSG;
                }
                if (l.n == LAYERS_MAX) {
                        layer_list_done(&l);
                        return -E2BIG;
                }
                void *grown = realloc(l.digest, sizeof(*l.digest) * (l.n + 1));
                if (!grown) {
                        layer_list_done(&l);
                        return -ENOMEM;
                }
                l.digest = grown;
                memcpy(l.digest[l.n++], line, LAYER_DIGEST_MAX + 1);
        }
        if (ferror(f)) {
                layer_list_done(&l);
                return -EIO;
        }
        if (l.n == 0)
                return -ENODATA;
        *ret = l;
        return 0;
}

int layers_dir(char *buf, size_t size)
{
        int n = snprintf(buf, size, "%s/layers", berth_state_dir());
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

int layer_rel_path(const char *digest, char *buf, size_t size)
{
        if (!layer_digest_valid(digest))
                return -EINVAL;
        int n = snprintf(buf, size, "sha256/%s", digest + 7);
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

int layers_mount_merged(const char *root, char *const *layers, struct mnt_error *err)
{
        _cleanup_(strv_freep) char **opts = NULL;
        size_t n = strv_length(layers);
        char path[4300];

        err->text[0] = 0;
        if (n == 1) {
                snprintf(path, sizeof(path), "%s/%s", root, layers[0]);
                int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                return fd >= 0 ? fd : -errno;
        }
        for (size_t i = 0; i < n; i++) {
                snprintf(path, sizeof(path), "lowerdir+=%s/%s", root, layers[i]);
                if (strv_push(&opts, path) < 0)
                        return -ENOMEM;
        }
        /* Whiteouts and opaque directories as a user namespace's overlay
         * reads them: user.overlay.* (the machine's overlay is one). */
        if (strv_push(&opts, "userxattr") < 0)
                return -ENOMEM;
        return mnt_new("overlay", (const char *const *) opts, MOUNT_ATTR_RDONLY, err);
}
