/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "spec.h"

/* A mount's options (config.md "mounts", mount(8)'s names) as what the
 * file-descriptor mount API takes: attributes set and cleared on the
 * mount, a propagation, whether it is a bind, and the rest as the file
 * system's own options for fsconfig. */
struct oci_mount_opts {
        bool bind;              /* "bind", "rbind", or type "bind" */
        bool recursive;         /* "rbind" */
        bool idmap;             /* "idmap", "ridmap": mapped into the container's user namespace */
        bool tmpcopyup;         /* a tmpfs that starts with what its mount point held */
        unsigned attr_set, attr_clr;    /* MOUNT_ATTR_* */
        unsigned long propagation;      /* MS_SHARED, MS_SLAVE, MS_PRIVATE, MS_UNBINDABLE; 0: none */
        bool propagation_recursive;
        char **data;            /* NULL-terminated, "key=value" or "flag"; owned */
};

/* On failure why names the option. */
int oci_mount_opts_parse(const struct oci_mount *m, struct oci_mount_opts *ret, char *why, size_t why_size);
void oci_mount_opts_done(struct oci_mount_opts *o);
/* rootfsPropagation's value as MS_* (0 for NULL); -EINVAL for none. */
long oci_propagation_parse(const char *s, bool *ret_recursive);
