/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What create hands the container's process with GO: the root and each
 * bind of the spec, cloned by the host (which alone may clone its own
 * mounts and idmap them), their options set before they are attached. */
#include "oci-create-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "mnt.h"
#include "mount-opts.h"
#include "util.h"

static int clone_mount(struct create *c, const struct oci_mount *m, int userns_fd)
{
        _cleanup_free_ char *src = m->source[0] == '/' ? strdup(m->source) : strjoin(c->bundle, "/", m->source);
        _cleanup_close_ int fd = -EBADF;
        struct oci_mount_opts o;
        char why[256];
        int r;

        if (!src)
                return -ENOMEM;
        r = oci_mount_opts_parse(m, &o, why, sizeof(why));
        if (r < 0)
                return log_error_ret(r, "%s", why);
        fd = mnt_clone(AT_FDCWD, src, o.recursive);
        if (fd >= 0 && o.idmap && userns_fd >= 0)
                r = mnt_idmap(fd, userns_fd, o.recursive);
        /* System-container mode: what the engine binds in (its /etc/hosts,
         * the volumes) reads as the container's own, where the file
         * system can be idmapped; a plain bind where it cannot. */
        else if (fd >= 0 && c->idmap_root && userns_fd >= 0 && mnt_idmap(fd, userns_fd, o.recursive) < 0) {
                safe_close(fd);
                fd = mnt_clone(AT_FDCWD, src, o.recursive);
        }
        if (fd >= 0 && r >= 0)
                r = mnt_set_attrs(fd, o.attr_set, o.attr_clr, 0, o.recursive);
        oci_mount_opts_done(&o);
        if (fd < 0)
                return log_error_errno(fd, "mount %s: source %s", m->destination, src);
        if (r < 0)
                return log_error_errno(r, "mount %s: setting the options of %s", m->destination, src);
        return take_fd(&fd);
}

int oci_create_handed_mounts(struct create *c, int fds[SYNC_MAX_FDS], size_t *ret_n)
{
        _cleanup_close_ int userns_fd = -EBADF;
        size_t n = 0;
        int r;

        if (c->child.join_userns >= 0)
                userns_fd = fcntl(c->child.join_userns, F_DUPFD_CLOEXEC, 3);
        else if (c->child.userns) {
                char path[64];
                snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) c->pid);
                userns_fd = open(path, O_RDONLY | O_CLOEXEC);
                if (userns_fd < 0)
                        return log_error_errno(-errno, "opening the container's user namespace");
        }
        r = mnt_clone_mapped(c->spec.root_path, c->idmap_root ? userns_fd : -EBADF, false);
        if (r < 0)
                return log_error_errno(r, "root.path %s", c->spec.root_path);
        fds[n++] = r;
        for (size_t i = 0; i < c->spec.n_mounts; i++) {
                const struct oci_mount *m = &c->spec.mounts[i];
                struct oci_mount_opts o;
                char why[256];

                if (oci_mount_opts_parse(m, &o, why, sizeof(why)) < 0 || !o.bind) {
                        oci_mount_opts_done(&o);
                        continue;
                }
                oci_mount_opts_done(&o);
                if (n == SYNC_MAX_FDS) {
                        r = log_error_ret(-E2BIG, "more than %d bind mounts", SYNC_MAX_FDS - 1);
                        break;
                }
                r = clone_mount(c, m, userns_fd);
                if (r < 0)
                        break;
                fds[n++] = r;
        }
        if (r < 0) {
                for (size_t k = 0; k < n; k++)
                        close(fds[k]);
                return r;
        }
        *ret_n = n;
        return 0;
}
