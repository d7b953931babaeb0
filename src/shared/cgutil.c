/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Finding the cgroup hierarchies and reading a cgroup's counters, for the
 * launcher, berthd and berthctl. */
#include "cgutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

/* One number from a file, or from a "key value" line of it. */
int64_t cg_read_number(const char *dir, const char *file, const char *key)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *s = NULL;
        size_t kl = key ? strlen(key) : 0;

        if (!dir)
                return -1;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || read_file_at(fd, file, &s, 65536) < 0)
                return -1;
        if (!key)
                return strtoll(s, NULL, 10);
        for (char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                if (strncmp(l, key, kl) == 0 && l[kl] == ' ')
                        return strtoll(l + kl + 1, NULL, 10);
        return -1;
}

/* Tasks when no pids controller counts them: the threads of every cgroup
 * below dir_fd. */
int cg_walk(int dir_fd, void (*visit)(int dir_fd, void *userdata), void *userdata)
{
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        int fd;

        visit(dir_fd, userdata);
        fd = dup(dir_fd);
        if (fd < 0 || !(d = fdopendir(fd))) {
                safe_close(fd);
                return fd < 0 ? -errno : 0;
        }
        while ((de = readdir(d))) {
                _cleanup_close_ int sub = -EBADF;

                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                sub = openat(dir_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (sub >= 0)
                        (void) cg_walk(sub, visit, userdata);
        }
        return 0;
}

static void add_threads(int dir_fd, void *userdata)
{
        _cleanup_free_ char *s = NULL;
        int64_t *n = userdata;

        if (read_file_at(dir_fd, "cgroup.threads", &s, 1 << 20) >= 0)
                for (char *p = s; *p; p++)
                        *n += *p == '\n';
}

int64_t cg_count_threads(int dir_fd)
{
        int64_t n = 0;

        (void) cg_walk(dir_fd, add_threads, &n);
        return n;
}

bool cg_list_has(const char *list, const char *word)
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
                if (controller && !cg_list_has(super, controller))
                        continue;
                if (sscanf(line, "%*s %*s %*s %1023s %1023s", root, mp) != 2 || !streq(root, "/"))
                        continue;
                *ret = strdup(mp);
                return *ret ? 0 : -ENOMEM;
        }
        return -EOPNOTSUPP;
}

int cgroup2_mount_point(char **ret)
{
        return find_mount("cgroup2", NULL, ret);
}

int cgroup_v1_mount_point(const char *controller, char **ret)
{
        return find_mount("cgroup", controller, ret);
}

int cg_frozen(const char *machine_cgroup)
{
        char path[4200];
        int64_t v;

        snprintf(path, sizeof(path), "%s/payload", machine_cgroup);
        v = cg_read_number(path, "cgroup.events", "frozen");
        return v < 0 ? -EOPNOTSUPP : v > 0;
}

int cg_freeze(const char *machine_cgroup, bool freeze, int timeout_ms)
{
        char path[4200];
        _cleanup_close_ int fd = -EBADF;
        int r;

        snprintf(path, sizeof(path), "%s/payload", machine_cgroup);
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (faccessat(fd, "cgroup.freeze", F_OK, 0) < 0)
                return errno == ENOENT ? -EOPNOTSUPP : -errno;
        r = write_string_at(fd, "cgroup.freeze", freeze ? "1" : "0");
        if (r < 0)
                return r;
        for (int waited = 0; timeout_ms > 0; waited += 5) {
                r = cg_frozen(machine_cgroup);
                if (r < 0 || r == freeze)
                        return r < 0 ? r : 0;
                if (waited >= timeout_ms)
                        return -ETIMEDOUT;
                usleep(5000);
        }
        return 0;
}

static int64_t sum_io(const char *dir, const char *file, const char *key)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *text = NULL;
        int64_t sum = 0;

        if (!dir || !dir[0])
                return -1;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || read_file_at(fd, file, &text, 1 << 20) < 0)
                return -1;
        /* io.stat: "8:0 rbytes=N wbytes=N ..."; v1: "8:0 Read N". */
        for (char *p = strstr(text, key); p; p = strstr(p + 1, key))
                sum += strtoll(p + strlen(key), NULL, 10);
        return sum;
}

int64_t cg_io_bytes(const char *v2_dir, const char *v1_dir, bool write)
{
        int64_t v = sum_io(v2_dir, "io.stat", write ? " wbytes=" : " rbytes=");

        if (v >= 0)
                return v;
        return sum_io(v1_dir, "blkio.throttle.io_service_bytes_recursive", write ? " Write " : " Read ");
}
