/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "image-raw.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "helper-run.h"
#include "log.h"
#include "paths.h"
#include "programs.h"
#include "util.h"

static void sweep(const char *dir)
{
        _cleanup_(closedirp) DIR *d = opendir(dir);
        struct dirent *de;

        while (d && (de = readdir(d))) {
                unsigned pid;
                char path[4200];
                if (!startswith(de->d_name, "mnt-") || parse_uint(de->d_name + 4, &pid) < 0)
                        continue;
                if (kill((pid_t) pid, 0) == 0 || errno != ESRCH)
                        continue;
                snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                (void) umount2(path, MNT_DETACH);
                if (rmdir(path) == 0)
                        log_debug("removed %s, a killed launcher's image mount", path);
        }
}

int image_raw_attach(struct settings *s, char **ret_mount)
{
        _cleanup_free_ char *helper = NULL, *dir = NULL, *mnt = NULL;
        char err[512];
        struct stat st;
        int r;

        if (stat(s->image, &st) < 0)
                return log_error_errno(-errno, "image %s", s->image);
        if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
                return log_error_ret(-EINVAL, "image %s is not a file: give a tree with -D", s->image);
        if (asprintf(&dir, "%s/images", berth_runtime_dir()) < 0 ||
            asprintf(&mnt, "%s/mnt-%d", dir, (int) getpid()) < 0)
                return log_oom();
        if ((r = mkdir_p(dir, 0755)) < 0)
                return log_error_errno(r, "creating %s", dir);
        sweep(dir);
        if (mkdir(mnt, 0755) < 0 && errno != EEXIST)
                return log_error_errno(-errno, "creating %s", mnt);
        if ((r = program_find("berth-image", &helper)) < 0) {
                (void) rmdir(mnt);
                return log_error_errno(r, "finding berth-image");
        }
        char *argv[] = { (char *) "berth-image", (char *) "mount-raw", s->image, mnt, NULL };
        r = helper_run(helper, argv, err, sizeof(err));
        if (r != 0) {
                (void) rmdir(mnt);
                if (r < 0)
                        return log_error_errno(r, "running %s", helper);
                return log_error_ret(-EIO, "%s", err[0] ? err : "berth-image failed");
        }
        free(s->directory);
        s->directory = strdup(mnt);
        if (!s->directory) {
                image_raw_detach(take_ptr(mnt));
                return log_oom();
        }
        *ret_mount = take_ptr(mnt);
        return 0;
}

void image_raw_detach(char *mount)
{
        if (!mount)
                return;
        if (umount2(mount, MNT_DETACH) < 0)
                log_warning_errno(-errno, "unmounting %s", mount);
        (void) rmdir(mount);
        free(mount);
}
