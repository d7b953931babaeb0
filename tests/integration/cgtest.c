/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cgtest.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgutil.h"
#include "helpers.h"

char *cgt_strf(const char *fmt, ...)
{
        va_list ap;
        char *s;

        va_start(ap, fmt);
        cr_assert_geq(vasprintf(&s, fmt, ap), 0);
        va_end(ap);
        return s;
}

/* A file's content without its trailing newline, or NULL. */
char *cgt_read_trimmed(const char *path)
{
        char *s = it_read_file(path);

        if (s)
                s[strcspn(s, "\n")] = 0;
        return s;
}

/* Whether a file holds a line that is exactly value. */
bool cgt_has_line(const char *text, const char *value)
{
        size_t n = strlen(value);

        for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                if (strncmp(p, value, n) == 0 && (p[n] == '\n' || p[n] == 0))
                        return true;
        return false;
}

/* The mount point of the cgroup2 hierarchy (controller NULL) or of the v1
 * hierarchy of controller, or NULL. */
char *cgt_hierarchy_mount(const char *controller)
{
        char *mi = it_read_file("/proc/self/mountinfo"), *found = NULL;

        for (char *l = strtok(mi, "\n"); l && !found; l = strtok(NULL, "\n")) {
                char root[1024], mp[1024], type[64], super[1024];
                const char *sep = strstr(l, " - ");

                if (!sep || sscanf(sep + 3, "%63s %*s %1023s", type, super) != 2)
                        continue;
                if (strcmp(type, controller ? "cgroup" : "cgroup2") != 0)
                        continue;
                if (controller && !cg_list_has(super, controller))
                        continue;
                if (sscanf(l, "%*s %*s %*s %1023s %1023s", root, mp) == 2 && strcmp(root, "/") == 0)
                        found = strdup(mp);
        }
        free(mi);
        return found;
}

/* The cgroup of a process (pid 0: this one) in the cgroup2 hierarchy
 * (controller NULL) or in the v1 hierarchy of controller, or NULL. */
char *cgt_cgroup_of(pid_t pid, const char *controller)
{
        char path[64], *s, *found = NULL;

        if (pid)
                snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) pid);
        else
                snprintf(path, sizeof(path), "/proc/self/cgroup");
        s = it_read_file(path);
        for (char *l = strtok(s, "\n"); l && !found; l = strtok(NULL, "\n")) {
                char *a = strchr(l, ':'), *b = a ? strchr(a + 1, ':') : NULL;

                if (!b)
                        continue;
                *b = 0;
                if (controller ? cg_list_has(a + 1, controller) : strcmp(l, "0:") == 0)
                        found = strdup(b + 1);
        }
        free(s);
        return found;
}

/* Where berth puts the machine's cgroup in the v1 hierarchy of controller:
 * berth-NAME below this test's own cgroup there (the launcher's is the
 * same), or NULL when that hierarchy is not mounted. */
char *cgt_v1_machine_dir(const char *controller, const char *machine)
{
        char *mp = cgt_hierarchy_mount(controller), *own = cgt_cgroup_of(0, controller), *dir = NULL;

        if (mp && own)
                dir = cgt_strf("%s%s/berth-%s", mp, strcmp(own, "/") == 0 ? "" : own, machine);
        free(mp);
        free(own);
        return dir;
}

/* The same in cgroup2. */
char *cgt_v2_machine_dir(const char *machine)
{
        char *mp = cgt_hierarchy_mount(NULL), *own = cgt_cgroup_of(0, NULL), *dir;

        cr_assert(mp && own, "no cgroup2 hierarchy here");
        dir = cgt_strf("%s%s/berth-%s", mp, strcmp(own, "/") == 0 ? "" : own, machine);
        free(mp);
        free(own);
        return dir;
}

/* These tests look at limits where a hybrid host keeps them: the v1
 * controllers, not delegated in cgroup2 to this test's cgroup. */
void cgt_require_v1(const char *controller)
{
        char *mp = cgt_hierarchy_mount(controller), *v2 = cgt_hierarchy_mount(NULL), *own = cgt_cgroup_of(0, NULL);
        char *ctl = v2 && own ? cgt_strf("%s%s/cgroup.controllers", v2, strcmp(own, "/") == 0 ? "" : own) : NULL;
        char *list = ctl ? cgt_read_trimmed(ctl) : NULL;
        bool in_v2 = false;

        for (char *w = list ? strtok(list, " ") : NULL; w; w = strtok(NULL, " "))
                in_v2 |= strcmp(w, controller) == 0;
        free(v2);
        free(own);
        free(ctl);
        free(list);
        if (!mp || in_v2)
                cr_skip_test("not a hybrid host: the %s controller is %s", controller,
                             in_v2 ? "available in cgroup2" : "not mounted as v1");
        free(mp);
}

/* The machine's cgroup, by its exact path, in every hierarchy it may use. */
char *cgt_cgroup_left(const char *machine)
{
        const char *const v1[] = { "memory", "cpu", "cpuacct", "pids", "devices" };
        char *dir = cgt_v2_machine_dir(machine), *found = NULL;

        if (access(dir, F_OK) == 0)
                found = cgt_strf("%s is left behind", dir);
        free(dir);
        for (size_t i = 0; i < sizeof(v1) / sizeof(v1[0]) && !found; i++) {
                dir = cgt_v1_machine_dir(v1[i], machine);
                if (dir && access(dir, F_OK) == 0)
                        found = cgt_strf("%s is left behind", dir);
                free(dir);
        }
        return found;
}

/* Nothing of the machine is left: it_leftovers, the exact cgroup paths,
 * and, unless it is meant to stay, its machine directory. */
void cgt_assert_clean(const char *machine, const char *tree, bool machine_dir_stays)
{
        char *left, *dir;

        it_assert_clean(machine, tree);
        left = cgt_cgroup_left(machine);
        cr_assert_null(left, "%s", left);
        if (!machine_dir_stays) {
                dir = cgt_strf("%s/machines/%s", it.state_dir, machine);
                cr_assert_neq(access(dir, F_OK), 0, "%s was left behind", dir);
                free(dir);
        }
}

/* Remove what a failed test found left of a machine's cgroups, so that the
 * next test (and the next run) start clean; only berth-NAME of this test's
 * machine, depth first. */
void cgt_remove_cgroup_dirs(const char *machine)
{
        const char *const v1[] = { "memory", "cpu", "cpuacct", "pids", "devices" };
        char *dirs[8];
        size_t n = 0;

        dirs[n++] = cgt_v2_machine_dir(machine);
        for (size_t i = 0; i < sizeof(v1) / sizeof(v1[0]); i++)
                dirs[n++] = cgt_v1_machine_dir(v1[i], machine);
        for (size_t i = 0; i < n; i++) {
                if (dirs[i]) {
                        char *p = cgt_strf("%s/payload", dirs[i]), *s = cgt_strf("%s/supervisor", dirs[i]);
                        (void) rmdir(p);
                        (void) rmdir(s);
                        (void) rmdir(dirs[i]);
                        free(p);
                        free(s);
                }
                free(dirs[i]);
        }
}
