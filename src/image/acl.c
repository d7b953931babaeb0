/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* POSIX ACLs between a tar entry (libarchive's ACL list, what GNU tar's
 * --acls and bsdtar write as SCHILY.acl.*) and the kernel's attributes
 * system.posix_acl_access and system.posix_acl_default (a version word,
 * then tag, permissions and id per entry, in the order the kernel wants:
 * owner, users, owning group, groups, mask, others). */
#include "acl.h"

#include <archive.h>
#include <archive_entry.h>
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "cleanup.h"
#include "util.h"

#define ACL_XATTR_VERSION 2
#define ACL_UNDEFINED_ID UINT32_MAX

/* The kernel's tags (linux/posix_acl.h), ascending in its order. */
enum { K_USER_OBJ = 0x01, K_USER = 0x02, K_GROUP_OBJ = 0x04, K_GROUP = 0x08, K_MASK = 0x10, K_OTHER = 0x20 };

struct kentry {
        uint16_t tag, perm;
        uint32_t id;
};

static const struct {
        int archive;
        uint16_t kernel;
} tags[] = {
        { ARCHIVE_ENTRY_ACL_USER_OBJ, K_USER_OBJ }, { ARCHIVE_ENTRY_ACL_USER, K_USER },
        { ARCHIVE_ENTRY_ACL_GROUP_OBJ, K_GROUP_OBJ }, { ARCHIVE_ENTRY_ACL_GROUP, K_GROUP },
        { ARCHIVE_ENTRY_ACL_MASK, K_MASK }, { ARCHIVE_ENTRY_ACL_OTHER, K_OTHER },
};

static int acl_type_of(const char *xattr)
{
        if (streq(xattr, ACL_XATTR_ACCESS))
                return ARCHIVE_ENTRY_ACL_TYPE_ACCESS;
        if (streq(xattr, ACL_XATTR_DEFAULT))
                return ARCHIVE_ENTRY_ACL_TYPE_DEFAULT;
        return 0;
}

int acl_xattr_to_entry(struct archive_entry *e, const char *name, const void *value, size_t size)
{
        int type = acl_type_of(name);
        const unsigned char *p = value;

        if (!type)
                return 0;
        if (size < 4 || (size - 4) % 8 || le32toh(*(const uint32_t *) p) != ACL_XATTR_VERSION)
                return -EBADMSG;
        for (size_t off = 4; off < size; off += 8) {
                struct kentry k;
                memcpy(&k, p + off, sizeof(k));
                uint16_t tag = le16toh(k.tag);
                int atag = 0;
                for (size_t i = 0; i < ELEMENTSOF(tags); i++)
                        if (tags[i].kernel == tag)
                                atag = tags[i].archive;
                if (!atag)
                        return -EBADMSG;
                uint32_t id = le32toh(k.id);
                if (archive_entry_acl_add_entry(e, type, le16toh(k.perm) & 7, atag,
                                                id == ACL_UNDEFINED_ID ? -1 : (int) id, NULL) != ARCHIVE_OK)
                        return -EBADMSG;
        }
        return 1;
}

static int by_tag(const void *a, const void *b)
{
        const struct kentry *x = a, *y = b;

        if (x->tag != y->tag)
                return x->tag < y->tag ? -1 : 1;
        return x->id < y->id ? -1 : x->id > y->id;
}

/* The entry's ACL of type as the kernel's attribute value; 0 when it has
 * none. The owner, owning group and others come from the mode when
 * libarchive keeps them there; a mask is made when named entries need one. */
static int build(struct archive_entry *e, int type, mode_t mode, unsigned char **ret, size_t *ret_size)
{
        int n = archive_entry_acl_reset(e, type), etype, perm, tag, id;
        const char *name;
        uint16_t have = 0, group_class = 0;
        size_t count = 0;

        if (n <= 0)
                return 0;
        struct kentry *k = calloc((size_t) n + 4, sizeof(*k));
        if (!k)
                return -ENOMEM;
        while (archive_entry_acl_next(e, type, &etype, &perm, &tag, &id, &name) == ARCHIVE_OK && count < (size_t) n) {
                uint16_t t = 0;
                for (size_t i = 0; i < ELEMENTSOF(tags); i++)
                        if (tags[i].archive == tag)
                                t = tags[i].kernel;
                if (!t || (have & t && (t & (K_USER_OBJ | K_GROUP_OBJ | K_MASK | K_OTHER))))
                        continue;
                bool named = t == K_USER || t == K_GROUP;
                k[count++] = (struct kentry) { t, (uint16_t) (perm & 7), named ? (uint32_t) id : ACL_UNDEFINED_ID };
                have |= t;
                if (t & (K_USER | K_GROUP_OBJ | K_GROUP))
                        group_class |= (uint16_t) (perm & 7);
        }
        const struct kentry from_mode[] = {
                { K_USER_OBJ, (mode >> 6) & 7, ACL_UNDEFINED_ID },
                { K_GROUP_OBJ, (mode >> 3) & 7, ACL_UNDEFINED_ID },
                { K_OTHER, mode & 7, ACL_UNDEFINED_ID },
        };
        for (size_t i = 0; i < ELEMENTSOF(from_mode); i++)
                if (!(have & from_mode[i].tag))
                        k[count++] = from_mode[i];
        if ((have & (K_USER | K_GROUP)) && !(have & K_MASK))
                k[count++] = (struct kentry) { K_MASK, group_class, ACL_UNDEFINED_ID };
        qsort(k, count, sizeof(*k), by_tag);
        unsigned char *v = malloc(4 + 8 * count);
        if (!v) {
                free(k);
                return -ENOMEM;
        }
        uint32_t version = htole32(ACL_XATTR_VERSION);
        memcpy(v, &version, 4);
        for (size_t i = 0; i < count; i++) {
                struct kentry le = { htole16(k[i].tag), htole16(k[i].perm), htole32(k[i].id) };
                memcpy(v + 4 + 8 * i, &le, 8);
        }
        free(k);
        *ret = v;
        *ret_size = 4 + 8 * count;
        return 1;
}

int acl_entry_apply(struct archive_entry *e, const char *path)
{
        static const struct {
                int type;
                const char *xattr;
        } kinds[] = { { ARCHIVE_ENTRY_ACL_TYPE_ACCESS, ACL_XATTR_ACCESS },
                      { ARCHIVE_ENTRY_ACL_TYPE_DEFAULT, ACL_XATTR_DEFAULT } };

        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                unsigned char *v = NULL;
                size_t size = 0;
                int r = build(e, kinds[i].type, archive_entry_perm(e), &v, &size);
                if (r <= 0) {
                        if (r < 0)
                                return r;
                        continue;
                }
                r = setxattr(path, kinds[i].xattr, v, size, 0) < 0 ? -errno : 0;
                free(v);
                if (r < 0)
                        return r;
        }
        return 0;
}
