/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "mnt.h"
#include "option-parse.h"
#include "tree.h"
#include "util.h"

/* systemd's rule for a credential's name: a file name, not . or .. */
static bool id_valid(const char *id, size_t n)
{
        return n > 0 && n <= 255 && memchr(id, '/', n) == NULL && !(n == 1 && id[0] == '.') &&
               !(n == 2 && id[0] == '.' && id[1] == '.');
}

/* ID:REST, the ID checked; *ret_rest points into a->value. */
static int split(const struct assignment *a, char **ret_id, const char **ret_rest)
{
        const char *colon = strchr(a->value, ':');
        size_t n = colon ? (size_t) (colon - a->value) : 0;

        if (!colon || !id_valid(a->value, n))
                return assignment_invalid(a, "expected ID:%s, the ID a file name (not . or .., no '/')",
                                          a->opt->arg && strstr(a->opt->arg, "PATH") ? "PATH" : "VALUE");
        *ret_id = strndup(a->value, n);
        *ret_rest = colon + 1;
        return *ret_id ? 0 : -ENOMEM;
}

/* Each ID once: the later assignment wins, as in nspawn. */
static int add(struct settings *s, char *id, char *data, size_t size)
{
        for (size_t i = 0; i < s->n_credentials; i++)
                if (streq(s->credentials[i].id, id)) {
                        explicit_bzero(s->credentials[i].data, s->credentials[i].size);
                        free(s->credentials[i].data);
                        free(id);
                        s->credentials[i].data = data;
                        s->credentials[i].size = size;
                        return 0;
                }
        struct credential *grown = realloc(s->credentials, sizeof(*grown) * (s->n_credentials + 1));
        if (!grown) {
                free(id), free(data);
                return -ENOMEM;
        }
        s->credentials = grown;
        s->credentials[s->n_credentials++] = (struct credential) { id, data, size };
        return 0;
}

int opt_set_credential(struct settings *s, const struct assignment *a)
{
        const char *value;
        char *id, *data;
        int r = split(a, &id, &value);

        if (r < 0)
                return r;
        if (strlen(value) > CREDENTIAL_SIZE_MAX) {
                free(id);
                return assignment_invalid(a, "a credential is at most %d bytes", CREDENTIAL_SIZE_MAX);
        }
        if (!(data = strdup(value))) {
                free(id);
                return -ENOMEM;
        }
        return add(s, id, data, strlen(data));
}

int opt_load_credential(struct settings *s, const struct assignment *a)
{
        const char *path, *dir = getenv("CREDENTIALS_DIRECTORY");
        char *id, *data = NULL;
        int r = split(a, &id, &path);

        if (r < 0)
                return r;
        if (path[0] != '/' && (!dir || dir[0] != '/')) {
                free(id);
                return assignment_invalid(a, "PATH is absolute, or a credential berth itself was given "
                                          "($CREDENTIALS_DIRECTORY is not set)");
        }
        _cleanup_close_ int dfd = path[0] == '/' ? AT_FDCWD : open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        r = dfd == -1 ? -errno : read_file_at(dfd, path, &data, CREDENTIAL_SIZE_MAX + 1);
        if (r >= 0 && (size_t) r > CREDENTIAL_SIZE_MAX)
                r = -EFBIG;
        if (r < 0) {
                free(id), free(data);
                return assignment_invalid(a, "cannot read %s%s%s: %s", path[0] == '/' ? "" : dir,
                                          path[0] == '/' ? "" : "/", path, strerror(-r));
        }
        return add(s, id, data, (size_t) r);
}

int credentials_mount(int root_fd, const struct settings *s)
{
        static const char *const opts[] = { "mode=0700", NULL };
        struct mnt_error err;
        int r;

        if (s->n_credentials == 0)
                return 0;
        /* ramfs, not tmpfs: a secret is never written to swap (nor can
         * tmpfs's noswap be asked for inside a user namespace). */
        _cleanup_close_ int mnt = mnt_new("ramfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                                          &err);
        if (mnt < 0)
                return mnt;
        _cleanup_close_ int dir = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return -errno;
        for (size_t i = 0; i < s->n_credentials; i++) {
                const struct credential *c = &s->credentials[i];
                _cleanup_close_ int fd = openat(dir, c->id, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                                0400);
                if (fd < 0)
                        return -errno;
                if ((r = write_full(fd, c->data, c->size)) < 0)
                        return r;
        }
        if (fchmod(dir, 0500) < 0)
                return -errno;
        if ((r = mnt_set_read_only(mnt, false)) < 0)
                return r;
        return mnt_attach_dir(mnt, root_fd, CREDENTIALS_PATH + 1);
}
