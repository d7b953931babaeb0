/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "Nothing left behind": mounts, cgroups, state and lock files, processes
 * of a machine that should be gone. */
#include "helpers.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <libmount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool cgroup_exists(const char *machine)
{
        static const char *const roots[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
        char leaf[128];
        bool found = false;

        snprintf(leaf, sizeof(leaf), "berth-%s", machine);
        /* Any hierarchy, any depth up to the launcher's own cgroup's children. */
        for (size_t i = 0; i < 2 && !found; i++) {
                char cmd[512];
                snprintf(cmd, sizeof(cmd), "find %s -maxdepth 4 -type d -name '%s' 2>/dev/null | grep -q .",
                         roots[i], leaf);
                found = system(cmd) == 0;
        }
        return found;
}

/* A process of the machine: in its cgroup (any hierarchy), or a launcher
 * (berth, berth-stub) whose arguments name it. Matching argv[0] exactly
 * keeps the test runner itself (whose path may well contain "berth" and
 * the machine's name) out. */
static bool is_zombie(const char *pid)
{
        char path[300], *st;
        bool z;

        snprintf(path, sizeof(path), "/proc/%s/stat", pid);
        st = it_read_file(path);
        /* "PID (comm) STATE ...": comm may hold spaces, so look after ')'. */
        z = st && strrchr(st, ')') && strrchr(st, ')')[1] == ' ' && strrchr(st, ')')[2] == 'Z';
        free(st);
        return z;
}

static bool is_machine_process(const char *pid, const char *machine)
{
        char path[300], leaf[128], *cg, *cmd, *base;
        bool hit = false;

        /* A zombie runs nothing and holds nothing but its PID; on these
         * hosts PID 1 does not reap what a killed launcher left it. */
        if (is_zombie(pid))
                return false;

        snprintf(path, sizeof(path), "/proc/%s/cgroup", pid);
        snprintf(leaf, sizeof(leaf), "/berth-%s", machine);
        cg = it_read_file(path);
        for (char *p = cg ? strstr(cg, leaf) : NULL; p && !hit; p = strstr(p + 1, leaf)) {
                char next = p[strlen(leaf)];
                hit = next == '\n' || next == '/' || next == 0;
        }
        free(cg);
        if (hit)
                return true;
        snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
        cmd = it_read_file(path);
        if (!cmd || !*cmd) {
                free(cmd);
                return false;
        }
        base = strrchr(cmd, '/') ? strrchr(cmd, '/') + 1 : cmd;
        if (strcmp(base, "berth") == 0 || strcmp(base, "berth-stub") == 0) {
                char opt1[128], opt2[128];
                snprintf(opt1, sizeof(opt1), "--name=%s", machine);
                snprintf(opt2, sizeof(opt2), "--machine=%s", machine);
                /* it_read_file stops at nothing: walk the NUL-separated args
                 * up to the file's end, which slurp marked with a final NUL. */
                for (char *a = cmd + strlen(cmd) + 1; *a; a += strlen(a) + 1)
                        if (strcmp(a, machine) == 0 || strcmp(a, opt1) == 0 || strcmp(a, opt2) == 0)
                                hit = true;
        }
        free(cmd);
        return hit;
}

static char *machine_process(const char *machine)
{
        DIR *d = opendir("/proc");
        struct dirent *de;
        char *found = NULL;

        while (d && (de = readdir(d)) && !found) {
                int pid = atoi(de->d_name);

                if (pid <= 0 || pid == getpid() || pid == getppid())
                        continue;
                if (is_machine_process(de->d_name, machine))
                        asprintf(&found, "process %d of machine %s still runs", pid, machine);
        }
        if (d)
                closedir(d);
        return found;
}

/* Whether a mount names the tree, the test's directory or berth in its
 * target, source, root or options (an overlay's lowerdir=). */
static bool mount_is_ours(struct libmnt_fs *fs, const char *tree)
{
        const char *fields[] = { mnt_fs_get_target(fs), mnt_fs_get_source(fs), mnt_fs_get_root(fs),
                                 mnt_fs_get_fs_options(fs) };

        for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
                if (fields[i] && ((tree && strstr(fields[i], tree)) || strstr(fields[i], it.dir) ||
                                  strstr(fields[i], "berth")))
                        return true;
        return false;
}

/* The first such mount, read with libmount. */
static char *mount_left(const char *tree)
{
        struct libmnt_table *t = mnt_new_table_from_file("/proc/self/mountinfo");
        struct libmnt_iter *it_ = mnt_new_iter(MNT_ITER_FORWARD);
        struct libmnt_fs *fs;
        char *found = NULL;

        cr_assert(t && it_, "reading /proc/self/mountinfo with libmount");
        while (!found && mnt_table_next_fs(t, it_, &fs) == 0)
                if (mount_is_ours(fs, tree))
                        asprintf(&found, "mount left behind: %s on %s (%s, %s)", mnt_fs_get_source(fs) ?: "none",
                                 mnt_fs_get_target(fs) ?: "?", mnt_fs_get_fstype(fs) ?: "?",
                                 mnt_fs_get_fs_options(fs) ?: "");
        mnt_free_iter(it_);
        mnt_unref_table(t);
        return found;
}

char *it_leftovers(const char *machine, const char *tree)
{
        char *found = mount_left(tree), path[512];

        if (found)
                return found;
        if (machine && cgroup_exists(machine)) {
                asprintf(&found, "cgroup berth-%s left behind", machine);
                return found;
        }
        if (machine) {
                snprintf(path, sizeof(path), "%s/machines/%s", it.runtime_dir, machine);
                if (access(path, F_OK) == 0)
                        return strdup("state file left behind");
                snprintf(path, sizeof(path), "%s/locks/%s", it.runtime_dir, machine);
                if (access(path, F_OK) == 0)
                        return strdup("lock file left behind");
                snprintf(path, sizeof(path), "%s/filters/%s", it.runtime_dir, machine);
                if (access(path, F_OK) == 0)
                        return strdup("system-call filter file left behind");
                snprintf(path, sizeof(path), "%s/control/%s", it.runtime_dir, machine);
                if (access(path, F_OK) == 0)
                        return strdup("control socket left behind");
                return machine_process(machine);
        }
        return NULL;
}

void it_assert_clean(const char *machine, const char *tree)
{
        char *left = it_leftovers(machine, tree);

        cr_assert_null(left, "%s", left);
}
