/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One cgroup directory: whether processes are in it, killing them, waiting
 * until it is empty, removing it with what is below it. */
#include "cgroup-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

bool cgroup_dir_populated(int dir_fd)
{
        _cleanup_free_ char *s = NULL;

        if (read_file_at(dir_fd, "cgroup.events", &s, 4096) < 0)
                return false;
        return strstr(s, "populated 1") != NULL;
}

int cgroup_dir_kill(int dir_fd)
{
        _cleanup_fclose_ FILE *f = NULL;
        int fd, pid;

        if (write_string_at(dir_fd, "cgroup.kill", "1") >= 0)
                return 0;
        /* Before 5.14 there is no cgroup.kill: signal each process listed. */
        fd = openat(dir_fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "r");
        if (!f) {
                close(fd);
                return -errno;
        }
        while (fscanf(f, "%d", &pid) == 1)
                (void) kill(pid, SIGKILL);
        return 0;
}

int cgroup_dir_wait_empty(int dir_fd, int timeout_ms)
{
        _cleanup_close_ int ev = openat(dir_fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
        struct timespec start, now;

        clock_gettime(CLOCK_MONOTONIC, &start);
        while (cgroup_dir_populated(dir_fd)) {
                struct pollfd p = { .fd = ev, .events = POLLPRI };
                long elapsed;

                clock_gettime(CLOCK_MONOTONIC, &now);
                elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
                if (elapsed >= timeout_ms)
                        return -ETIMEDOUT;
                /* cgroup.events signals a change with POLLPRI. */
                (void) poll(&p, ev >= 0 ? 1 : 0, ev >= 0 ? (int) (timeout_ms - elapsed) : 10);
        }
        return 0;
}

/* Depth first: a cgroup can be removed once its children are. */
int cgroup_dir_remove(int parent_fd, const char *name)
{
        _cleanup_close_ int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;

        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        fd = -EBADF;    /* owned by d now */
        while ((de = readdir(d)))
                if (de->d_type == DT_DIR && !streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        (void) cgroup_dir_remove(dirfd(d), de->d_name);
        for (int tries = 0;; tries++) {
                if (unlinkat(parent_fd, name, AT_REMOVEDIR) >= 0 || errno == ENOENT)
                        return 0;
                /* Processes that just died may still be counted for a moment. */
                if (errno != EBUSY || tries >= 100)
                        return -errno;
                usleep(10000);
        }
}

int cgroup_dir_open_with_parent(const char *path, int *ret_parent, int *ret_fd, const char **ret_leaf)
{
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *parent = NULL;
        _cleanup_close_ int pfd = -EBADF;
        int fd;

        if (!slash || slash == path)
                return -EINVAL;
        parent = strndup(path, (size_t) (slash - path));
        if (!parent)
                return -ENOMEM;
        pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pfd < 0)
                return -errno;
        fd = openat(pfd, slash + 1, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 && errno != ENOENT)
                return -errno;
        *ret_parent = take_fd(&pfd);
        *ret_fd = fd;
        *ret_leaf = slash + 1;
        return 0;
}

int cgroup_dir_mkdir(int dir_fd, const char *name)
{
        if (mkdirat(dir_fd, name, 0755) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int cgroup_dir_write_pid(const char *dir, const char *sub, pid_t pid)
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
