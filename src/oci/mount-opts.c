/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.json's mount options, sorted into what each step of a mount
 * with the file-descriptor API takes (runc and crun accept the same
 * names: mount(8)'s, plus "rbind", "idmap" and "tmpcopyup"). */
#include "mount-opts.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "cleanup.h"
#include "util.h"

static const struct {
        const char *name;
        unsigned set, clr;
} attr_options[] = {
        { "ro", MOUNT_ATTR_RDONLY, 0 },          { "rw", 0, MOUNT_ATTR_RDONLY },
        { "nosuid", MOUNT_ATTR_NOSUID, 0 },      { "suid", 0, MOUNT_ATTR_NOSUID },
        { "nodev", MOUNT_ATTR_NODEV, 0 },        { "dev", 0, MOUNT_ATTR_NODEV },
        { "noexec", MOUNT_ATTR_NOEXEC, 0 },      { "exec", 0, MOUNT_ATTR_NOEXEC },
        { "nodiratime", MOUNT_ATTR_NODIRATIME, 0 }, { "diratime", 0, MOUNT_ATTR_NODIRATIME },
        { "noatime", MOUNT_ATTR_NOATIME, 0 },    { "relatime", MOUNT_ATTR_RELATIME, 0 },
        { "strictatime", MOUNT_ATTR_STRICTATIME, 0 }, { "norelatime", MOUNT_ATTR_STRICTATIME, 0 },
        { "atime", MOUNT_ATTR_STRICTATIME, 0 },
        { "nosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0 }, { "symfollow", 0, MOUNT_ATTR_NOSYMFOLLOW },
};

static const struct {
        const char *name;
        unsigned long flag;
        bool recursive;
} propagation_options[] = {
        { "private", MS_PRIVATE, false },       { "rprivate", MS_PRIVATE, true },
        { "shared", MS_SHARED, false },         { "rshared", MS_SHARED, true },
        { "slave", MS_SLAVE, false },           { "rslave", MS_SLAVE, true },
        { "unbindable", MS_UNBINDABLE, false }, { "runbindable", MS_UNBINDABLE, true },
};

/* mount(8)'s that only say what mount(8) itself does (fstab's), none of
 * the kernel's business. */
static const char *const fstab_only[] = { "defaults", "auto", "noauto", "user", "nouser", "users", "_netdev",
                                          "nofail", "async" };

long oci_propagation_parse(const char *s, bool *ret_recursive)
{
        *ret_recursive = false;
        if (!s || !*s)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(propagation_options); i++)
                if (streq(s, propagation_options[i].name)) {
                        *ret_recursive = propagation_options[i].recursive;
                        return (long) propagation_options[i].flag;
                }
        return -EINVAL;
}

static bool in_list(const char *const *list, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++)
                if (streq(list[i], s))
                        return true;
        return false;
}

static int one(const char *o, struct oci_mount_opts *ret)
{
        for (size_t i = 0; i < ELEMENTSOF(attr_options); i++)
                if (streq(o, attr_options[i].name)) {
                        ret->attr_set = (ret->attr_set & ~attr_options[i].clr) | attr_options[i].set;
                        ret->attr_clr = (ret->attr_clr & ~attr_options[i].set) | attr_options[i].clr;
                        return 0;
                }
        bool rec;
        long p = oci_propagation_parse(o, &rec);
        if (p > 0) {
                ret->propagation = (unsigned long) p;
                ret->propagation_recursive = rec;
                return 0;
        }
        if (streq(o, "bind") || streq(o, "rbind")) {
                ret->bind = true;
                ret->recursive = ret->recursive || streq(o, "rbind");
                return 0;
        }
        if (streq(o, "idmap") || streq(o, "ridmap")) {
                ret->idmap = true;
                return 0;
        }
        if (streq(o, "tmpcopyup")) {
                ret->tmpcopyup = true;
                return 0;
        }
        if (in_list(fstab_only, ELEMENTSOF(fstab_only), o))
                return 0;
        /* sync, dirsync, mand, remount: flags of mount(2) that the new API
         * has no attribute for. */
        if (streq(o, "sync") || streq(o, "dirsync") || streq(o, "mand") || streq(o, "nomand") ||
            streq(o, "remount"))
                return -EOPNOTSUPP;
        return strv_push(&ret->data, o) < 0 ? -ENOMEM : 0;
}

int oci_mount_opts_parse(const struct oci_mount *m, struct oci_mount_opts *ret, char *why, size_t why_size)
{
        *ret = (struct oci_mount_opts) {};
        ret->bind = m->type && streq(m->type, "bind");
        for (char **o = m->options; o && *o; o++) {
                int r = one(*o, ret);
                if (r == -EOPNOTSUPP) {
                        snprintf(why, why_size, "mount %s: option %s is not supported by berth-oci", m->destination,
                                 *o);
                        oci_mount_opts_done(ret);
                        return r;
                }
                if (r < 0) {
                        oci_mount_opts_done(ret);
                        return r;
                }
        }
        if (ret->tmpcopyup && (ret->bind || !m->type || !streq(m->type, "tmpfs"))) {
                snprintf(why, why_size, "mount %s: tmpcopyup is for a tmpfs", m->destination);
                oci_mount_opts_done(ret);
                return -EINVAL;
        }
        if (ret->bind && (!m->source || !*m->source)) {
                snprintf(why, why_size, "mount %s: a bind mount needs a source", m->destination);
                oci_mount_opts_done(ret);
                return -EINVAL;
        }
        return 0;
}

void oci_mount_opts_done(struct oci_mount_opts *o)
{
        strv_free(o->data);
        o->data = NULL;
}
