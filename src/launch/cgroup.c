/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

static const char *const mode_table[_CGROUP_MODE_MAX] = {
        [CGROUP_AUTO] = "auto",
        [CGROUP_SYSTEMD] = "systemd",
        [CGROUP_CGROUPFS] = "cgroupfs",
};

const char *cgroup_mode_to_string(enum cgroup_mode m)
{
        return (unsigned) m < _CGROUP_MODE_MAX ? mode_table[m] : NULL;
}

int cgroup_mode_from_string(const char *s)
{
        for (int i = 0; i < _CGROUP_MODE_MAX; i++)
                if (s && streq(s, mode_table[i]))
                        return i;
        return -EINVAL;
}

static const char *const v1_names[_CG_V1_MAX] = {
        [CG_V1_MEMORY] = "memory",
        [CG_V1_CPU] = "cpu",
        [CG_V1_CPUACCT] = "cpuacct",
        [CG_V1_PIDS] = "pids",
};

const char *cgroup_v1_name(enum cgroup_v1 c)
{
        return (unsigned) c < _CG_V1_MAX ? v1_names[c] : NULL;
}

static bool list_has(const char *list, const char *word)
{
        size_t n = strlen(word);

        for (const char *p = list; p && *p;) {
                size_t k = strcspn(p, ",");
                if (k == n && strncmp(p, word, n) == 0)
                        return true;
                p += k;
                if (*p == ',')
                        p++;
        }
        return false;
}

/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SOURCE SUPEROPTS":
 * the first mount of fstype with root "/" (and, for v1, the controller). */
static int find_mount(const char *fstype, const char *controller, char **ret)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        char line[4096];

        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                char root[1024], mp[1024], type[64], super[1024];
                const char *sep = strstr(line, " - ");

                if (!sep || sscanf(sep + 3, "%63s %*s %1023s", type, super) != 2 || !streq(type, fstype))
                        continue;
                if (controller && !list_has(super, controller))
                        continue;
                if (sscanf(line, "%*s %*s %*s %1023s %1023s", root, mp) != 2 || !streq(root, "/"))
                        continue;
                *ret = strdup(mp);
                return *ret ? 0 : -ENOMEM;
        }
        return -EOPNOTSUPP;
}

/* Looked up once per launcher: mounts do not move under it, and its own
 * cgroup is read before it ever moves (into supervisor/ and back). */
static char *cached_mp2, *cached_own2;

static int cached(char **cache, int (*lookup)(char **), char **ret)
{
        if (!*cache) {
                int r = lookup(cache);
                if (r < 0)
                        return r;
        }
        *ret = strdup(*cache);
        return *ret ? 0 : -ENOMEM;
}

static int lookup_mp2(char **ret)
{
        return find_mount("cgroup2", NULL, ret);
}

char *cgroup_join(const char *mount, const char *own, const char *machine)
{
        char *p;

        if (asprintf(&p, "%s%s%s%s", mount, streq(own, "/") ? "" : own, machine ? "/berth-" : "",
                     machine ?: "") < 0)
                return NULL;
        return p;
}

int cgroup2_mount_point(char **ret)
{
        return cached(&cached_mp2, lookup_mp2, ret);
}

int cgroup_v1_mount_point(enum cgroup_v1 c, char **ret)
{
        return find_mount("cgroup", cgroup_v1_name(c), ret);
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
                if (controller ? !list_has(a + 1, controller) : !(a[1] == 0 && strncmp(line, "0", 1) == 0))
                        continue;
                b[1 + strcspn(b + 1, "\n")] = 0;
                *ret = strdup(b + 1);
                return *ret ? 0 : -ENOMEM;
        }
        return -EOPNOTSUPP;
}

int cgroup_v1_paths(const char *machine, char *ret[_CG_V1_MAX])
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
                        if (!mps[c] && list_has(super, v1_names[c]))
                                mps[c] = strdup(mp);
        }
        while (fgets(line, sizeof(line), cg)) {
                char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;

                if (!b)
                        continue;
                *b = 0;
                b[1 + strcspn(b + 1, "\n")] = 0;
                for (int c = 0; c < _CG_V1_MAX; c++)
                        if (!owns[c] && list_has(a + 1, v1_names[c]))
                                owns[c] = strdup(b + 1);
        }
        for (int c = 0; c < _CG_V1_MAX; c++) {
                ret[c] = NULL;
                if (mps[c] && owns[c])
                        ret[c] = cgroup_join(mps[c], owns[c], machine);
                free(mps[c]);
                free(owns[c]);
        }
        return 0;
}

static int lookup_own2(char **ret)
{
        return own_path(NULL, ret);
}

int cgroup2_own_path(char **ret)
{
        return cached(&cached_own2, lookup_own2, ret);
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

int cgroup_init(struct machine_cgroup *cg, enum cgroup_mode mode)
{
        _cleanup_free_ char *mp = NULL;
        int r = cgroup2_mount_point(&mp);

        if (r < 0)
                return r;
        if (mode == CGROUP_CGROUPFS || (mode == CGROUP_AUTO && !cgroup_systemd_running())) {
                cg->ops = &cgroup_fs_ops;
                return 0;
        }
        if (!cgroup_systemd_running())
                return -ENOMEDIUM;
        cg->ops = &cgroup_scope_ops;
        return 0;
}

int cgroup_create(struct machine_cgroup *cg, const char *machine)
{
        return cg->ops ? cg->ops->create(cg, machine) : 0;
}

int cgroup_destroy(struct machine_cgroup *cg)
{
        int r;

        if (!cg->ops || !cg->path)
                return 0;
        r = cgroup_leave_supervisor(cg);
        if (r < 0)
                return r;
        return cg->ops->destroy(cg);
}

int cgroup_renew(struct machine_cgroup *cg, const char *machine)
{
        int r;

        if (!cg->ops)
                return 0;
        if (cg->ops->renew)
                return cg->ops->renew(cg, machine);
        r = cgroup_destroy(cg);
        if (r < 0)
                return r;
        return cgroup_create(cg, machine);
}

void cgroup_done(struct machine_cgroup *cg)
{
        free(cg->path);
        cg->path = NULL;
        free(cg->home);
        cg->home = NULL;
        free(cg->unit);
        cg->unit = NULL;
        free(cg->bus_helper);
        cg->bus_helper = NULL;
        for (int i = 0; i < _CG_V1_MAX; i++) {
                free(cg->v1[i]);
                cg->v1[i] = NULL;
        }
        free(cg->v1_memory_later);
        cg->v1_memory_later = NULL;
        cg->v1_memory_pending = false;
}

static int write_pid(const char *dir, const char *sub, pid_t pid)
{
        char path[4200], buf[32];
        _cleanup_close_ int fd = -EBADF;

        snprintf(path, sizeof(path), "%s%s%s", dir, sub ? "/" : "", sub ? sub : "");
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        snprintf(buf, sizeof(buf), "%d", (int) pid);
        return write_string_at(fd, "cgroup.procs", buf);
}

int cgroup_payload_fd(struct machine_cgroup *cg)
{
        char path[4200];
        int fd;

        if (!cg->ops || !cg->path)
                return -EOPNOTSUPP;
        snprintf(path, sizeof(path), "%s/payload", cg->path);
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int cgroup_attach_payload(struct machine_cgroup *cg, pid_t pid, bool born_in_v2)
{
        int r;

        if (!cg->ops || !cg->path)
                return 0;
        if (!born_in_v2) {
                r = write_pid(cg->path, "payload", pid);
                if (r < 0)
                        return r;
        }
        for (int i = 0; i < _CG_V1_MAX; i++) {
                if (!cg->v1[i])
                        continue;
                r = write_pid(cg->v1[i], "payload", pid);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Every process in dir (a cgroup2 directory) and below into v1's payload/. */
static void move_tree(int dir_fd, const char *v1_dir)
{
        _cleanup_free_ char *procs = NULL;
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        int fd;

        if (read_file_at(dir_fd, "cgroup.procs", &procs, 1 << 20) >= 0)
                for (char *p = strtok(procs, "\n"); p; p = strtok(NULL, "\n")) {
                        unsigned pid;
                        if (parse_uint(p, &pid) >= 0)
                                (void) write_pid(v1_dir, "payload", (pid_t) pid);  /* ESRCH: gone meanwhile */
                }
        fd = dup(dir_fd);
        if (fd < 0 || !(d = fdopendir(fd))) {
                safe_close(fd);
                return;
        }
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                _cleanup_close_ int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (sub >= 0)
                        move_tree(sub, v1_dir);
        }
}

int cgroup_account_late(struct machine_cgroup *cg)
{
        char path[4200];
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (!cg->v1_memory_pending || !cg->path)
                return 0;
        cg->v1_memory_pending = false;
        r = cgroup_fs_join_v1(cg, CG_V1_MEMORY, cg->machine);
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "%s/payload", cg->path);
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* Twice: what forked while the first pass ran is caught by the second. */
        move_tree(fd, cg->v1[CG_V1_MEMORY]);
        move_tree(fd, cg->v1[CG_V1_MEMORY]);
        return 0;
}

int cgroup_enter_supervisor(struct machine_cgroup *cg)
{
        _cleanup_free_ char *mp = NULL, *own = NULL;
        int r;

        if (!cg->ops || !cg->path || cg->in_supervisor)
                return 0;
        r = cgroup2_mount_point(&mp);
        if (r >= 0)
                r = cgroup2_own_path(&own);
        if (r < 0)
                return r;
        free(cg->home);
        cg->home = cgroup_join(mp, own, NULL);
        if (!cg->home)
                return -ENOMEM;
        char sup[4200];
        snprintf(sup, sizeof(sup), "%s/supervisor", cg->path);
        if (mkdir(sup, 0755) < 0 && errno != EEXIST)
                return -errno;
        r = write_pid(cg->path, "supervisor", 0);
        if (r < 0)
                return r;
        cg->in_supervisor = true;
        return 0;
}

int cgroup_leave_supervisor(struct machine_cgroup *cg)
{
        int r;

        /* No home: the launcher stays (systemd's scope goes with it). */
        if (!cg->in_supervisor || !cg->home)
                return 0;
        r = write_pid(cg->home, NULL, 0);
        if (r < 0)
                return r;
        cg->in_supervisor = false;
        return 0;
}
