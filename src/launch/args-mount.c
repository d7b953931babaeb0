/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsing the launcher's mount options (--bind, --bind-ro, --tmpfs). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "args.h"
#include "options.h"
#include "cleanup.h"
#include "log.h"
#include "util.h"

int args_absolute_path(const char *what, const char *path, bool must_exist, char **ret)
{
        char *p;

        if (!path || !*path)
                return log_invalid("%s: empty path", what);
        if (must_exist) {
                p = realpath(path, NULL);
                if (!p)
                        return log_error_errno(-errno, "%s %s", what, path);
        } else if (path[0] == '/') {
                p = strdup(path);
        } else {
                _cleanup_free_ char *cwd = getcwd(NULL, 0);
                if (!cwd)
                        return log_error_errno(-errno, "getting the current directory");
                p = strjoin(cwd, "/", path);
        }
        if (!p)
                return log_error_errno(-ENOMEM, "%s", what);
        free(*ret);
        *ret = p;
        return 0;
}

int args_parse_bind(struct settings *s, const struct assignment *a, bool read_only)
{
        const char *arg = a->value;
        _cleanup_free_ char *src = strdup(arg);
        _cleanup_free_ char *abs = NULL;
        const char *dst, *opts = NULL;
        bool idmap = false;
        char *colon;
        struct bind *n;

        if (!src)
                return -ENOMEM;
        colon = strchr(src, ':');
        if (colon) {
                *colon = 0;
                dst = colon + 1;
                colon = strchr(colon + 1, ':');
                if (colon) {
                        *colon = 0;
                        opts = colon + 1;
                }
        } else
                dst = src;
        if (!*dst)
                dst = src;      /* SRC::OPTIONS */
        if (!*src)
                return assignment_invalid(a, "expected SRC[:DST[:OPTIONS]]");
        if (opts) {
                if (streq(opts, "idmap"))
                        idmap = true;
                else if (!streq(opts, "noidmap") && *opts)
                        return assignment_invalid(a, "unknown option '%s' (idmap or noidmap)", opts);
        }
        if (s->n_binds >= BINDS_MAX) {
                (void) assignment_invalid(a, "no more than %d binds", BINDS_MAX);
                return -E2BIG;
        }
        if (dst[0] != '/')
                return assignment_invalid(a, "the destination %s is not an absolute path", dst);
        if (a->source != SOURCE_COMMAND_LINE && src[0] != '/')
                return assignment_invalid(a, "the source %s is not an absolute path", src);
        if (args_absolute_path("bind source", src, true, &abs) < 0)
                return -EINVAL;
        n = realloc(s->binds, sizeof(*n) * (s->n_binds + 1));
        if (!n)
                return -ENOMEM;
        s->binds = n;
        n[s->n_binds] = (struct bind) {
                .source = take_ptr(abs),
                .target = strdup(dst),
                .read_only = read_only,
                .idmap = idmap,
        };
        if (!n[s->n_binds].target)
                return -ENOMEM;
        s->n_binds++;
        return 0;
}

/* --tmpfs=PATH[:OPTIONS], as systemd-nspawn takes it: PATH up to the first
 * ':' not escaped by a backslash ("\:" is a colon, "\\" a backslash), then
 * a comma-separated list of options. Those of tmpfs itself go to the file
 * system; the mount's own flags become MOUNT_ATTR_*. Anything else is
 * refused here, before anything is made. */
enum tmpfs_value {
        VALUE_MODE,
        VALUE_SIZE,
        VALUE_COUNT,
        VALUE_ID,
        VALUE_HUGE,
};

static const struct {
        const char *key;
        enum tmpfs_value kind;
        const char *expected;
} tmpfs_values[] = {
        { "mode", VALUE_MODE, "an octal mode up to 07777" },
        { "size", VALUE_SIZE, "bytes with an optional k, m, g or t, or a percentage of RAM such as 10%" },
        { "nr_blocks", VALUE_COUNT, "a number of pages with an optional k, m or g" },
        { "nr_inodes", VALUE_COUNT, "a number of inodes with an optional k, m or g" },
        { "uid", VALUE_ID, "a numeric user ID of the machine" },
        { "gid", VALUE_ID, "a numeric group ID of the machine" },
        { "huge", VALUE_HUGE, "never, always, within_size or advise" },
};

static const char *const tmpfs_flags[] = { "inode32", "inode64" };

static const struct {
        const char *name;
        unsigned set, clear;
} tmpfs_attrs[] = {
        { "ro", MOUNT_ATTR_RDONLY, 0 },
        { "rw", 0, MOUNT_ATTR_RDONLY },
        { "nosuid", MOUNT_ATTR_NOSUID, 0 },
        { "suid", 0, MOUNT_ATTR_NOSUID },
        { "nodev", MOUNT_ATTR_NODEV, 0 },
        { "noexec", MOUNT_ATTR_NOEXEC, 0 },
        { "exec", 0, MOUNT_ATTR_NOEXEC },
        { "relatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
        { "noatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME },
        { "strictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME },
        { "nodiratime", MOUNT_ATTR_NODIRATIME, 0 },
        { "diratime", 0, MOUNT_ATTR_NODIRATIME },
};

#define TMPFS_KNOWN "mode=, size=, nr_blocks=, nr_inodes=, uid=, gid=, huge=, inode32, inode64, " \
                    "ro, rw, nosuid, suid, nodev, noexec, exec, relatime, noatime, strictatime, "   \
                    "nodiratime, diratime"

/* Digits, then at most one of the suffix characters. */
static bool number_with_suffix(const char *v, const char *suffixes)
{
        size_t n = strspn(v, "0123456789");

        if (n == 0)
                return false;
        return v[n] == 0 || (v[n + 1] == 0 && strchr(suffixes, v[n]));
}

static bool tmpfs_value_valid(enum tmpfs_value kind, const char *v)
{
        unsigned u;

        switch (kind) {
        case VALUE_MODE:
                return *v && strspn(v, "01234567") == strlen(v) && strtoul(v, NULL, 8) <= 07777;
        case VALUE_SIZE:
                return number_with_suffix(v, "kKmMgGtT%");
        case VALUE_COUNT:
                return number_with_suffix(v, "kKmMgG");
        case VALUE_ID:
                return parse_uint(v, &u) >= 0 && u != UINT32_MAX;
        case VALUE_HUGE:
                return streq(v, "never") || streq(v, "always") || streq(v, "within_size") || streq(v, "advise");
        }
        return false;
}

/* One option of the list: a value or flag of tmpfs into *options, or a
 * flag of the mount into *attrs. */
static int tmpfs_option(const struct assignment *a, const char *opt, char ***options, unsigned *attrs)
{
        const char *eq = strchr(opt, '=');
        size_t klen = eq ? (size_t) (eq - opt) : strlen(opt);

        for (size_t i = 0; eq && i < ELEMENTSOF(tmpfs_values); i++) {
                if (strlen(tmpfs_values[i].key) != klen || strncmp(opt, tmpfs_values[i].key, klen) != 0)
                        continue;
                if (!tmpfs_value_valid(tmpfs_values[i].kind, eq + 1))
                        return assignment_invalid(a, "%s expects %s", opt, tmpfs_values[i].expected);
                return strv_push(options, opt);
        }
        for (size_t i = 0; !eq && i < ELEMENTSOF(tmpfs_flags); i++)
                if (streq(opt, tmpfs_flags[i]))
                        return strv_push(options, opt);
        for (size_t i = 0; !eq && i < ELEMENTSOF(tmpfs_attrs); i++)
                if (streq(opt, tmpfs_attrs[i].name)) {
                        *attrs = (*attrs & ~tmpfs_attrs[i].clear) | tmpfs_attrs[i].set;
                        return 0;
                }
        for (size_t i = 0; !eq && i < ELEMENTSOF(tmpfs_values); i++)
                if (streq(opt, tmpfs_values[i].key))
                        return assignment_invalid(a, "%s= needs a value, %s", opt, tmpfs_values[i].expected);
        for (size_t i = 0; eq && i < ELEMENTSOF(tmpfs_attrs); i++)
                if (strlen(tmpfs_attrs[i].name) == klen && strncmp(opt, tmpfs_attrs[i].name, klen) == 0)
                        return assignment_invalid(a, "%s takes no value", tmpfs_attrs[i].name);
        return assignment_invalid(a, "unknown option '%s' (known: " TMPFS_KNOWN ")", opt);
}

/* The path, unescaped, up to the first unescaped ':'; *rest after it, or
 * NULL when there is none. */
static int tmpfs_split(const char *arg, char **ret_path, const char **ret_rest)
{
        _cleanup_free_ char *path = malloc(strlen(arg) + 1);
        const char *p = arg;
        size_t n = 0;

        if (!path)
                return -ENOMEM;
        for (; *p && *p != ':'; p++) {
                if (*p == '\\' && (p[1] == ':' || p[1] == '\\'))
                        p++;
                path[n++] = *p;
        }
        path[n] = 0;
        *ret_rest = *p == ':' ? p + 1 : NULL;
        *ret_path = take_ptr(path);
        return 0;
}

int args_parse_tmpfs(struct settings *s, const struct assignment *a)
{
        const char *arg = a->value;
        _cleanup_free_ char *path = NULL, *list = NULL;
        _cleanup_strv_ char **options = NULL;
        unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
        const char *rest;
        struct tmpfs *n;
        int r;

        r = tmpfs_split(arg, &path, &rest);
        if (r < 0)
                return r;
        if (path[0] != '/')
                return assignment_invalid(a, "%s is not an absolute path", path);
        if (path[strspn(path, "/")] == 0)
                return assignment_invalid(a, "a tmpfs cannot replace the machine's root "
                                          "(--ephemeral puts its writable layer on one)");
        if (rest) {
                list = strdup(rest);
                if (!list)
                        return -ENOMEM;
                char *save = NULL;
                for (char *opt = strtok_r(list, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
                        r = tmpfs_option(a, opt, &options, &attrs);
                        if (r < 0)
                                return r;
                }
        }
        /* nspawn's defaults: 0755 without options, the kernel's (1777) with. */
        if ((!rest || !*rest) && (r = strv_push(&options, "mode=0755")) < 0)
                return r;
        n = realloc(s->tmpfs, sizeof(*n) * (s->n_tmpfs + 1));
        if (!n)
                return -ENOMEM;
        s->tmpfs = n;
        n[s->n_tmpfs++] = (struct tmpfs) {
                .target = take_ptr(path),
                .options = take_ptr(options),
                .attrs = attrs,
        };
        return 0;
}
