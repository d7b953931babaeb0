/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "paths.h"
#include "util.h"

static int runtime_path(const char *sub, const char *name, char *buf, size_t size)
{
        int n = snprintf(buf, size, "%s/%s/%s", berth_runtime_dir(), sub, name);

        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

int machine_lock(const char *name, int *ret_fd)
{
        char path[4096], dir[4096];
        int r;

        r = runtime_path("locks", name, path, sizeof(path));
        if (r < 0)
                return r;
        snprintf(dir, sizeof(dir), "%s/locks", berth_runtime_dir());
        r = mkdir_p(dir, 0755);
        if (r < 0)
                return r;
        return lock_file_take(path, ret_fd);
}

void machine_unlock(const char *name, int fd)
{
        char path[4096];

        if (fd < 0)
                return;
        if (runtime_path("locks", name, path, sizeof(path)) >= 0)
                (void) unlink(path);
        close(fd);
}

int machine_state_write(const struct machine_state *st)
{
        char path[4096], tmp[4200], dir[4096];
        _cleanup_fclose_ FILE *f = NULL;
        int r, fd;

        r = runtime_path("machines", st->name, path, sizeof(path));
        if (r < 0)
                return r;
        snprintf(dir, sizeof(dir), "%s/machines", berth_runtime_dir());
        r = mkdir_p(dir, 0755);
        if (r < 0)
                return r;
        snprintf(tmp, sizeof(tmp), "%s/.#%s", dir, st->name);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "w");
        if (!f) {
                r = -errno;
                close(fd);
                (void) unlink(tmp);
                return r;
        }
        fprintf(f,
                "NAME=%s\nSTATE=%s\nUUID=%s\nROOT=%s\nUPPER=%s\nCGROUP=%s\nINIT=%s\n"
                "LEADER=%d\nSUPERVISOR=%d\nEPHEMERAL=%s\nUID_SHIFT=%u\nUID_RANGE=%u\nINIT_KIND=%s\n"
                "REGISTER=%s\nSTOP=%s\nCGROUP_MEMORY=%s\n",
                st->name, st->state, st->uuid ? st->uuid : "", st->root ? st->root : "",
                st->upper ? st->upper : "", st->cgroup ? st->cgroup : "", st->init ? st->init : "",
                (int) st->leader, (int) st->supervisor, st->ephemeral ? "yes" : "no", st->uid_shift,
                st->uid_range, st->init_kind ? st->init_kind : "", st->registered ? "yes" : "no",
                st->stop ? st->stop : "", st->cgroup_memory ? st->cgroup_memory : "");
        if (fflush(f) != 0 || ferror(f)) {
                (void) unlink(tmp);
                return -EIO;
        }
        if (rename(tmp, path) < 0) {
                r = -errno;
                (void) unlink(tmp);
                return r;
        }
        return 0;
}

int machine_state_remove(const char *name)
{
        char path[4096];
        int r = runtime_path("machines", name, path, sizeof(path));

        if (r < 0)
                return r;
        if (unlink(path) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

int machine_state_get(const char *name, const char *key, char **ret)
{
        char path[4096], line[4096];
        _cleanup_fclose_ FILE *f = NULL;
        size_t kl = strlen(key);
        int r = runtime_path("machines", name, path, sizeof(path));

        if (r < 0)
                return r;
        f = fopen(path, "re");
        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                if (strncmp(line, key, kl) != 0 || line[kl] != '=')
                        continue;
                line[strcspn(line, "\n")] = 0;
                *ret = strdup(line + kl + 1);
                return *ret ? 0 : -ENOMEM;
        }
        return -ENOENT;
}

int berthd_lock(int *ret_fd)
{
        char path[4096];
        int r = mkdir_p(berth_runtime_dir(), 0755);

        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "%s/berthd.lock", berth_runtime_dir());
        return lock_file_take(path, ret_fd);
}

int berthd_running(void)
{
        char path[4096];
        _cleanup_close_ int fd = -EBADF;

        snprintf(path, sizeof(path), "%s/berthd.lock", berth_runtime_dir());
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        /* A shared lock fails while berthd holds its exclusive one. */
        if (flock(fd, LOCK_SH | LOCK_NB) < 0)
                return errno == EWOULDBLOCK ? 1 : -errno;
        return 0;
}
