/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "staging.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "util.h"

#define PREFIX ".import-"

int staging_begin(struct staging *s, int parent_fd, const char *final)
{
        *s = (struct staging) { .parent_fd = -EBADF, .fd = -EBADF };
        snprintf(s->name, sizeof(s->name), PREFIX "%s-%d", final, (int) getpid());
        s->parent_fd = fcntl(parent_fd, F_DUPFD_CLOEXEC, 3);
        if (s->parent_fd < 0)
                return -errno;
        if (mkdirat(s->parent_fd, s->name, 0755) < 0 && errno != EEXIST)
                return -errno;
        s->fd = openat(s->parent_fd, s->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return s->fd < 0 ? -errno : 0;
}

int staging_commit(struct staging *s, const char *what, const char *final)
{
        int from_fd = *what ? s->fd : s->parent_fd;
        const char *from = *what ? what : s->name;

        if (renameat2(from_fd, from, s->parent_fd, final, RENAME_NOREPLACE) < 0)
                return -errno;
        if (!*what)
                s->name[0] = 0; /* it is the result now */
        return 0;
}

void staging_done(struct staging *s)
{
        s->fd = safe_close(s->fd);
        if (s->parent_fd >= 0 && s->name[0])
                (void) rm_rf_at(s->parent_fd, s->name);
        s->parent_fd = safe_close(s->parent_fd);
}

void staging_sweep(int parent_fd, pid_t only)
{
        _cleanup_close_ int fd = fcntl(parent_fd, F_DUPFD_CLOEXEC, 3);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;

        if (!d)
                return;
        fd = -EBADF;    /* the DIR has it */
        while ((de = readdir(d))) {
                const char *dash = strrchr(de->d_name, '-');
                unsigned pid;
                if (!startswith(de->d_name, PREFIX) || !dash || parse_uint(dash + 1, &pid) < 0 || pid == 0)
                        continue;
                if (only > 0 ? (pid_t) pid != only : (kill((pid_t) pid, 0) == 0 || errno != ESRCH))
                        continue;
                if (rm_rf_at(dirfd(d), de->d_name) >= 0)
                        log_debug("removed %s, what a killed import left", de->d_name);
        }
        closedir(d);
}
