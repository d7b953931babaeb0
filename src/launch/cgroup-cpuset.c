/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CPUs and memory nodes a machine may use: cgroup2's cpuset controller
 * where it is delegated to the machine's cgroup, else the v1 cpuset
 * hierarchy (hybrid and legacy hosts; systemd manages no v1 cpuset, so the
 * same holds below a scope). */
#include "cgroup-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "cpulist.h"
#include "util.h"

struct cpuset_knob {
        const char *key, *option;       /* for the one line */
        const char *v2_file, *v2_parent_file, *v1_file, *v1_parent_file;
};

static const struct cpuset_knob knob_cpus = {
        "AllowedCPUs", "--cpuset-cpus", "cpuset.cpus", "cpuset.cpus.effective", "cpuset.cpus", "cpuset.effective_cpus",
};
static const struct cpuset_knob knob_mems = {
        "AllowedMemoryNodes", "--cpuset-mems", "cpuset.mems", "cpuset.mems.effective", "cpuset.mems", "cpuset.effective_mems",
};

static bool subset(const cpu_set_t *a, const cpu_set_t *b)
{
        cpu_set_t both;

        CPU_AND(&both, a, b);
        return CPU_EQUAL(&both, a);
}

/* Write the set asked for (or, set NULL, all the parent has: v1 takes no
 * task into a cpuset without both lists) into dir_fd's file. A set the
 * parent cannot give is -EDOM, said whole in what. */
static int write_list(int dir_fd, int parent_fd, const struct cpuset_knob *k, bool v2, const cpu_set_t *set,
                      char *what, size_t size)
{
        _cleanup_free_ char *avail_text = NULL;
        const char *file = v2 ? k->v2_file : k->v1_file;
        cpu_set_t avail;
        char list[1024];
        int r;

        snprintf(what, size, "reading %s", v2 ? k->v2_parent_file : k->v1_parent_file);
        r = read_file_at(parent_fd, v2 ? k->v2_parent_file : k->v1_parent_file, &avail_text, 64 * 1024);
        if (r < 0)
                return r;
        avail_text[strcspn(avail_text, "\n")] = 0;
        if (!set) {
                snprintf(list, sizeof(list), "%s", avail_text);
        } else {
                if (cpu_list_parse(avail_text, &avail) < 0 || !subset(set, &avail)) {
                        cpu_list_format(set, list, sizeof(list));
                        snprintf(what, size, "%s=%s (%s): not among the %s this host gives berth's cgroup (%s)",
                                 k->key, list, k->option, k == &knob_cpus ? "CPUs" : "memory nodes", avail_text);
                        return -EDOM;
                }
                cpu_list_format(set, list, sizeof(list));
        }
        snprintf(what, size, "writing %s to %s", list, file);
        return write_string_at(dir_fd, file, list);
}

/* The list asked for; NULL: all the parent has (none asked for, or an
 * empty list, which lifts the limit). */
static const cpu_set_t *wanted(const struct cgroup_limits *lim, enum limit l)
{
        const cpu_set_t *set = l == LIMIT_ALLOWED_CPUS ? &lim->cpuset_cpus : &lim->cpuset_mems;

        return limits_has(lim, l) && CPU_COUNT(set) ? set : NULL;
}

static int apply_v2(struct machine_cgroup *cg, const struct cgroup_limits *lim, char *what, size_t size)
{
        _cleanup_close_ int fd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int pfd = fd < 0 ? -EBADF : openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r = 0;

        if (fd < 0 || pfd < 0)
                return -errno;
        if (limits_has(lim, LIMIT_ALLOWED_CPUS))
                r = write_list(fd, pfd, &knob_cpus, true, wanted(lim, LIMIT_ALLOWED_CPUS), what, size);
        if (r >= 0 && limits_has(lim, LIMIT_ALLOWED_MEMORY_NODES))
                r = write_list(fd, pfd, &knob_mems, true, wanted(lim, LIMIT_ALLOWED_MEMORY_NODES), what, size);
        return r;
}

/* A running machine's new lists: berth-NAME widened to all its parent
 * has, then payload/ and berth-NAME narrowed to the new ones (a child's
 * list must stay within its parent's at every step). */
static int update_v1(struct machine_cgroup *cg, const struct cgroup_limits *lim, char *what, size_t size)
{
        _cleanup_close_ int fd = open(cg->v1[CG_V1_CPUSET], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int pfd = fd < 0 ? -EBADF : openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int sub = fd < 0 ? -EBADF : openat(fd, "payload", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        static const struct cpuset_knob *const knobs[] = { &knob_cpus, &knob_mems };
        int r;

        if (fd < 0 || pfd < 0 || sub < 0)
                return -errno;
        for (size_t i = 0; i < 2; i++) {
                enum limit l = knobs[i] == &knob_cpus ? LIMIT_ALLOWED_CPUS : LIMIT_ALLOWED_MEMORY_NODES;

                if (!limits_has(lim, l))
                        continue;
                r = write_list(fd, pfd, knobs[i], false, NULL, what, size);
                if (r >= 0)
                        r = write_list(sub, fd, knobs[i], false, wanted(lim, l), what, size);
                if (r >= 0)
                        r = write_list(fd, pfd, knobs[i], false, wanted(lim, l), what, size);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* berth-NAME in the v1 cpuset hierarchy, both lists set before payload/
 * is made, which then starts with them (cgroup.clone_children). */
static int apply_v1(struct machine_cgroup *cg, const struct cgroup_limits *lim, const char *machine, char *what,
                    size_t size)
{
        _cleanup_close_ int fd = -EBADF, pfd = -EBADF;
        int r;

        snprintf(what, size, "making the machine's cgroup in the v1 cpuset hierarchy");
        fd = cgroup_v1_make(cg, CG_V1_CPUSET, cg->machine ?: machine);
        if (fd == -ENOENT || fd == -EOPNOTSUPP) {
                snprintf(what, size, "finding a cpuset controller");
                return -EOPNOTSUPP;
        }
        if (fd < 0)
                return fd;
        pfd = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pfd < 0)
                return -errno;
        r = write_list(fd, pfd, &knob_cpus, false, wanted(lim, LIMIT_ALLOWED_CPUS), what, size);
        if (r < 0)
                return r;
        r = write_list(fd, pfd, &knob_mems, false, wanted(lim, LIMIT_ALLOWED_MEMORY_NODES), what, size);
        if (r < 0)
                return r;
        snprintf(what, size, "writing 1 to cgroup.clone_children");
        r = write_string_at(fd, "cgroup.clone_children", "1");
        if (r < 0)
                return r;
        snprintf(what, size, "making payload/ in the v1 cpuset hierarchy");
        r = cgroup_dir_mkdir(fd, "payload");
        if (r < 0 || !cg->live)
                return r;
        return cgroup_v1_move_machine(cg, CG_V1_CPUSET);
}

int cgroup_cpuset_apply(struct machine_cgroup *cg, const struct cgroup_limits *lim, const char *machine, char *what,
                        size_t size)
{
        int r;

        if (!limits_has(lim, LIMIT_ALLOWED_CPUS) && !limits_has(lim, LIMIT_ALLOWED_MEMORY_NODES))
                return 0;
        if (cg->path && cgroup2_has_controller(cg->path, "cpuset"))
                r = apply_v2(cg, lim, what, size);
        else if (cg->v1[CG_V1_CPUSET])
                r = update_v1(cg, lim, what, size);
        else
                r = apply_v1(cg, lim, machine, what, size);
        if (r >= 0)
                what[0] = 0;
        return r;
}
