/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

struct archive_entry;

#define ACL_XATTR_ACCESS "system.posix_acl_access"
#define ACL_XATTR_DEFAULT "system.posix_acl_default"

/* An ACL attribute read from a file, added to the tar entry as its ACL
 * (written as SCHILY.acl.*, which GNU tar and bsdtar restore): 1 when name
 * is one, 0 when it is another attribute, -EBADMSG for a value that is no
 * ACL. */
int acl_xattr_to_entry(struct archive_entry *e, const char *name, const void *value, size_t size);
/* The tar entry's ACLs (access and default) set on path, a file made of
 * it; nothing for an entry without them. -errno. */
int acl_entry_apply(struct archive_entry *e, const char *path);
