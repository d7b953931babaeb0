/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where the launcher is in the cgroup hierarchies, and where a machine's
 * cgroup goes in them. */
#include "cgroup-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgutil.h"
#include "cleanup.h"
#include "util.h"

static const char *const v1_names[_CG_V1_MAX] = {
        [CG_V1_MEMORY] = "memory",
        [CG_V1_CPU] = "cpu",
        [CG_V1_CPUACCT] = "cpuacct",
        [CG_V1_PIDS] = "pids",
        [CG_V1_DEVICES] = "devices",
        [CG_V1_CPUSET] = "cpuset",
        [CG_V1_BLKIO] = "blkio",
};

const char *cgroup_v1_name(enum cgroup_v1 c)
{
        return (unsigned) c < _CG_V1_MAX ? v1_names[c] : NULL;
}

char *cgroup_join(const char *mount, const char *own, const char *machine)
{
        char *p;

        if (asprintf(&p, "%s%s%s%s", mount, streq(own, "/") ? "" : own, machine ? "/berth-" : "",
                     machine ?: "") < 0)
                return NULL;
        return p;
}

char *cgroup_machine_path(const char *mount, const char *own, const char *at, const char *machine)
{
        char *p;

        if (!at)
                return cgroup_join(mount, own, machine);
        /* Relative: below the launcher's own cgroup there. */
        if (at[0] != '/')
                return asprintf(&p, "%s%s/%s", mount, streq(own, "/") ? "" : own, at) < 0 ? NULL : p;
        return asprintf(&p, "%s%s", mount, at) < 0 ? NULL : p;
}

int cgroup_make_parents(const char *path)
{
        _cleanup_free_ char *parent = strdup(path);
        char *slash = parent ? strrchr(parent, '/') : NULL;

        if (!parent)
                return -ENOMEM;
        if (!slash || slash == parent)
                return 0;
        *slash = 0;
        return mkdir_p(parent, 0755);
}

/* The launcher's own cgroup in a hierarchy: "0::" for cgroup2, the line
 * naming the controller for v1. */
static int own_path(const char *controller, char **ret)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
        char line[4096];

        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;

                if (!b)
                        continue;
                *b = 0;
                if (controller ? !cg_list_has(a + 1, controller) : !(a[1] == 0 && strncmp(line, "0", 1) == 0))
                        continue;
                b[1 + strcspn(b + 1, "\n")] = 0;
                *ret = strdup(b + 1);
                return *ret ? 0 : -ENOMEM;
        }
        return -EOPNOTSUPP;
}

int cgroup_v1_paths(const char *at, const char *machine, char *ret[_CG_V1_MAX])
{
        _cleanup_fclose_ FILE *mi = fopen("/proc/self/mountinfo", "re");
        _cleanup_fclose_ FILE *cg = fopen("/proc/self/cgroup", "re");
        char *mps[_CG_V1_MAX] = {}, *owns[_CG_V1_MAX] = {};
        char line[4096];

        if (!mi || !cg)
                return -errno;
        /* One pass over each file for all controllers: this runs at every start. */
        while (fgets(line, sizeof(line), mi)) {
                char root[1024], mp[1024], type[64], super[1024];
                const char *sep = strstr(line, " - ");

                if (!sep || sscanf(sep + 3, "%63s %*s %1023s", type, super) != 2 || !streq(type, "cgroup"))
                        continue;
                if (sscanf(line, "%*s %*s %*s %1023s %1023s", root, mp) != 2 || !streq(root, "/"))
                        continue;
                for (int c = 0; c < _CG_V1_MAX; c++)
                        if (!mps[c] && cg_list_has(super, v1_names[c]))
                                mps[c] = strdup(mp);
        }
        while (fgets(line, sizeof(line), cg)) {
                char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;

                if (!b)
                        continue;
                *b = 0;
                b[1 + strcspn(b + 1, "\n")] = 0;
                for (int c = 0; c < _CG_V1_MAX; c++)
                        if (!owns[c] && cg_list_has(a + 1, v1_names[c]))
                                owns[c] = strdup(b + 1);
        }
        for (int c = 0; c < _CG_V1_MAX; c++) {
                ret[c] = NULL;
                if (mps[c] && owns[c])
                        ret[c] = cgroup_machine_path(mps[c], owns[c], at, machine);
                free(mps[c]);
                free(owns[c]);
        }
        return 0;
}

/* Read once per launcher, before it ever moves (into supervisor/ and back). */
static char *cached_own2;

int cgroup2_own_path(char **ret)
{
        if (!cached_own2) {
                int r = own_path(NULL, &cached_own2);
                if (r < 0)
                        return r;
        }
        *ret = strdup(cached_own2);
        return *ret ? 0 : -ENOMEM;
}

int cgroup_v1_own_path(enum cgroup_v1 c, char **ret)
{
        return own_path(cgroup_v1_name(c), ret);
}

bool cgroup2_has_controller(const char *path, const char *controller)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *s = NULL;

        if (fd < 0 || read_file_at(fd, "cgroup.controllers", &s, 4096) < 0)
                return false;
        s[strcspn(s, "\n")] = 0;
        for (char *w = strtok(s, " "); w; w = strtok(NULL, " "))
                if (streq(w, controller))
                        return true;
        return false;
}
