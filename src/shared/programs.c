/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "programs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "util.h"

static const struct program {
        const char *name;
        const char *env;                /* an absolute path in it overrides */
        const char *installed;          /* its directory once installed */
        /* Relative to the running program's directory, after that directory
         * itself: berthd finds berth in the build tree (../launch) and in an
         * installation moved elsewhere (SBINDIR/../bin). */
        const char *relative[2];
} programs[] = {
        { "berth", "BERTH_LAUNCHER", BERTH_BINDIR, { "../launch", "../bin" } },
        { "berth-stub", NULL, BERTH_LIBEXECDIR, {} },
        { "berth-bus", NULL, BERTH_LIBEXECDIR, {} },
        { "berth-net", NULL, BERTH_LIBEXECDIR, { "../launch" } },
        { "berth-image", NULL, BERTH_LIBEXECDIR, { "../launch" } },
        { "berth-import", NULL, BERTH_LIBEXECDIR, { "../image" } },
        { "berth-copy", NULL, BERTH_LIBEXECDIR, { "../image" } },
        { "berth-boot-test", NULL, BERTH_LIBEXECDIR, {} },
        { "berth-oci", NULL, BERTH_BINDIR, { "../oci" } },
};

static int try_path(const char *dir, const char *sub, const char *name, char **ret)
{
        _cleanup_free_ char *p = NULL;

        if (asprintf(&p, "%s%s%s/%s", dir, sub ? "/" : "", sub ?: "", name) < 0)
                return -ENOMEM;
        if (access(p, X_OK) < 0)
                return -errno;
        *ret = take_ptr(p);
        return 0;
}

int program_find(const char *name, char **ret)
{
        const struct program *p = NULL;
        char exe[4096];
        ssize_t n;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(programs); i++)
                if (streq(programs[i].name, name))
                        p = &programs[i];
        if (!p)
                return -EINVAL;
        const char *e = p->env ? getenv(p->env) : NULL;
        if (e && e[0] == '/') {
                /* Taken as given: what runs it says so if it is not there. */
                *ret = strdup(e);
                return *ret ? 0 : -ENOMEM;
        }
        n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        char *slash = n > 0 ? memrchr(exe, '/', (size_t) n) : NULL;
        if (slash) {
                *slash = 0;
                r = try_path(exe, NULL, name, ret);
                for (size_t i = 0; r < 0 && r != -ENOMEM && i < ELEMENTSOF(p->relative) && p->relative[i]; i++)
                        r = try_path(exe, p->relative[i], name, ret);
                if (r >= 0 || r == -ENOMEM)
                        return r;
        }
        return try_path(p->installed, NULL, name, ret);
}
