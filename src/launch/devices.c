/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The devices a machine gets and may use: the nodes made for it, and
 * what its device policy allows (cgroup-devices.c applies it). */
#include "devices.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "mnt.h"
#include "util.h"

#define RW (CGROUP_DEVICE_READ | CGROUP_DEVICE_WRITE)
#define RWM (RW | CGROUP_DEVICE_MKNOD)

/* As systemd-nspawn's scope has it: the nodes of the default /dev may be
 * made too (a service's PrivateDevices= makes its own /dev of them), the
 * terminals only opened. Not the host's console, 5:1: the machine's
 * /dev/console is a pseudo terminal of its own. */
static const struct cgroup_device base[] = {
        { 'c', 1, 3, RWM },                     /* null */
        { 'c', 1, 5, RWM },                     /* zero */
        { 'c', 1, 7, RWM },                     /* full */
        { 'c', 1, 8, RWM },                     /* random */
        { 'c', 1, 9, RWM },                     /* urandom */
        { 'c', 5, 0, RWM },                     /* tty */
        { 'c', 5, 2, RW },                      /* ptmx */
        { 'c', 136, CGROUP_DEVICE_ANY, RW },    /* pts/N, the console */
};

int devices_allow_list(const struct settings *s, const struct machine_devices *md, struct cgroup_device **ret,
                       size_t *ret_n)
{
        struct cgroup_device *d = calloc(ELEMENTSOF(base) + s->n_binds + md->n, sizeof(*d));
        size_t n = 0;

        if (!d)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(base); i++)
                d[n++] = base[i];
        /* A device node bound in is one the user meant the machine to use:
         * open it, not make more of it. */
        for (size_t i = 0; i < s->n_binds; i++) {
                struct stat st;

                if (stat(s->binds[i].source, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
                        continue;
                d[n++] = (struct cgroup_device) {
                        .type = S_ISBLK(st.st_mode) ? 'b' : 'c',
                        .major = major(st.st_rdev),
                        .minor = minor(st.st_rdev),
                        .access = s->binds[i].read_only ? CGROUP_DEVICE_READ : RW,
                };
        }
        for (size_t i = 0; i < md->n; i++)
                d[n++] = (struct cgroup_device) {
                        .type = S_ISBLK(md->list[i].mode) ? 'b' : 'c',
                        .major = major(md->list[i].rdev),
                        .minor = minor(md->list[i].rdev),
                        .access = md->list[i].access,
                };
        *ret = d;
        *ret_n = n;
        return 0;
}

/* With a user namespace, unless --device named them already. */
static const char *const userns_defaults[] = { "/dev/fuse", "/dev/net/tun" };

static int add(struct machine_devices *d, const struct device *dev)
{
        struct device *n = realloc(d->list, sizeof(*n) * (d->n + 1));

        if (!n)
                return -ENOMEM;
        d->list = n;
        n[d->n] = *dev;
        n[d->n].path = strdup(dev->path);
        if (!n[d->n].path)
                return -ENOMEM;
        d->n++;
        return 0;
}

static int add_default(struct machine_devices *d, const char *path)
{
        struct stat st;

        for (size_t i = 0; i < d->n; i++)
                if (streq(d->list[i].path, path))
                        return 0;
        /* Not on this host (no tun module): nothing to pass in. */
        if (stat(path, &st) < 0 || !S_ISCHR(st.st_mode))
                return 0;
        return add(d, &(struct device) {
                .path = (char *) path,
                .mode = st.st_mode & (S_IFMT | 0777),
                .rdev = st.st_rdev,
                .access = RWM,
        });
}

static int make_nodes(struct machine_devices *d, bool userns, uid_t root)
{
        static const char *const opts[] = { "mode=0755", "size=4k", "nr_inodes=64", NULL };
        _cleanup_close_ int fd = mnt_new("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, NULL);

        if (fd < 0)
                return fd;
        for (size_t i = 0; i < d->n; i++) {
                const struct device *dev = &d->list[i];
                char name[24];

                snprintf(name, sizeof(name), "%zu", i);
                /* The mode as the host has it, umask or not. */
                if (mknodat(fd, name, dev->mode, dev->rdev) < 0 || fchmodat(fd, name, dev->mode & 0777, 0) < 0)
                        return -errno;
                if (fchownat(fd, name, userns ? root : dev->uid, userns ? root : dev->gid, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
        }
        d->fd = take_fd(&fd);
        return 0;
}

int devices_prepare(const struct settings *s, bool userns, uid_t root, struct machine_devices *ret)
{
        _cleanup_(devices_done) struct machine_devices d = MACHINE_DEVICES_INIT;
        int r;

        for (size_t i = 0; i < s->n_devices; i++) {
                r = add(&d, &s->devices[i]);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; userns && i < ELEMENTSOF(userns_defaults); i++) {
                r = add_default(&d, userns_defaults[i]);
                if (r < 0)
                        return r;
        }
        if (d.n > 0) {
                r = make_nodes(&d, userns, root);
                if (r < 0)
                        return r;
        }
        *ret = d;
        d = (struct machine_devices) MACHINE_DEVICES_INIT;
        return 0;
}

int devices_clone(const struct machine_devices *d, size_t i)
{
        char name[24];

        snprintf(name, sizeof(name), "%zu", i);
        return mnt_clone(d->fd, name, false);
}

void devices_done(struct machine_devices *d)
{
        for (size_t i = 0; i < d->n; i++)
                free(d->list[i].path);
        free(d->list);
        safe_close(d->fd);
        *d = (struct machine_devices) MACHINE_DEVICES_INIT;
}
