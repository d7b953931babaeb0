/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsing the launcher's mount options (--bind, --bind-ro, --tmpfs). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
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

int args_parse_bind(struct settings *s, const char *arg, bool read_only)
{
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
                return log_invalid("--bind%s=%s: expected SRC[:DST[:OPTIONS]]",
                                       read_only ? "-ro" : "", arg);
        if (opts) {
                if (streq(opts, "idmap"))
                        idmap = true;
                else if (!streq(opts, "noidmap") && *opts)
                        return log_invalid("--bind%s=%s: unknown option '%s' (idmap or noidmap)",
                                               read_only ? "-ro" : "", arg, opts);
        }
        if (s->n_binds >= BINDS_MAX)
                return log_error_errno(-E2BIG, "--bind%s=%s: no more than %d binds", read_only ? "-ro" : "", arg,
                                       BINDS_MAX);
        if (dst[0] != '/')
                return log_invalid("--bind%s=%s: the destination %s is not an absolute path",
                                       read_only ? "-ro" : "", arg, dst);
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
