/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "util.h"

int cgroup2_mount_point(char **ret)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        char line[4096];

        if (!f)
                return -errno;
        /* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SOURCE SUPEROPTS" */
        while (fgets(line, sizeof(line), f)) {
                char root[1024], mp[1024];
                const char *sep = strstr(line, " - ");

                if (!sep || !startswith(sep + 3, "cgroup2 "))
                        continue;
                if (sscanf(line, "%*s %*s %*s %1023s %1023s", root, mp) != 2)
                        continue;
                if (!streq(root, "/"))
                        continue;
                *ret = strdup(mp);
                return *ret ? 0 : -ENOMEM;
        }
        return -EOPNOTSUPP;
}

int cgroup2_own_path(char **ret)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
        char line[4096];

        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                if (!startswith(line, "0::"))
                        continue;
                line[strcspn(line, "\n")] = 0;
                *ret = strdup(line + 3);
                return *ret ? 0 : -ENOMEM;
        }
        return -EOPNOTSUPP;
}

int cgroup_init(struct machine_cgroup *cg)
{
        _cleanup_free_ char *mp = NULL;
        int r = cgroup2_mount_point(&mp);

        if (r < 0)
                return r;
        cg->ops = &cgroup_fs_ops;
        return 0;
}

int cgroup_create(struct machine_cgroup *cg, const char *machine)
{
        return cg->ops ? cg->ops->create(cg, machine) : 0;
}

int cgroup_attach(struct machine_cgroup *cg, pid_t pid)
{
        return cg->ops && cg->path ? cg->ops->attach(cg, pid) : 0;
}

int cgroup_open_fd(struct machine_cgroup *cg)
{
        return cg->ops && cg->path ? cg->ops->open_fd(cg) : -EOPNOTSUPP;
}

int cgroup_destroy(struct machine_cgroup *cg)
{
        return cg->ops && cg->path ? cg->ops->destroy(cg) : 0;
}

void cgroup_done(struct machine_cgroup *cg)
{
        free(cg->path);
        cg->path = NULL;
}
