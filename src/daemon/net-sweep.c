/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "net-sweep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cleanup.h"
#include "helper-run.h"
#include "log.h"
#include "name.h"
#include "net-marker.h"
#include "paths.h"
#include "programs.h"
#include "state.h"
#include "util.h"

#define MARKER_PREFIX "rules-"

/* The address and port claims the machine's killed launcher held: files
 * that name it and that nobody locks any more, and zone claims nobody
 * holds (under net/.lock, which launchers take to claim). */
static void release_claims(const char *dir, const char *name)
{
        char path[4200];
        _cleanup_(closedirp) DIR *d = opendir(dir);
        struct dirent *de;

        snprintf(path, sizeof(path), "%s/.lock", dir);
        _cleanup_close_ int lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (!d || lock < 0 || flock(lock, LOCK_EX) < 0)
                return;
        while ((de = readdir(d))) {
                _cleanup_free_ char *text = NULL;
                bool zone = startswith(de->d_name, "zone-");
                if (!zone && !startswith(de->d_name, "addr-") && !startswith(de->d_name, "port-"))
                        continue;
                _cleanup_close_ int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                /* A zone's claim names the zone: it goes once no machine
                 * of it holds it. */
                if (fd < 0 || (!zone && (read_file_at(dirfd(d), de->d_name, &text, 256) < 0 || !streq(text, name))))
                        continue;
                if (flock(fd, LOCK_EX | LOCK_NB) == 0)
                        (void) unlinkat(dirfd(d), de->d_name, 0);
        }
}

static void sweep_one(const char *name)
{
        _cleanup_free_ char *text = NULL, *path = NULL;
        char marker[4200], err[512], *argv[NET_MARKER_ARGS_MAX];
        int lock = -1, r;

        /* The name's lock: no launcher runs it, and none starts it meanwhile. */
        if (machine_lock(name, &lock) < 0)
                return;
        if (net_marker_down_argv(name, &text, argv) < 0)
                goto done;
        if ((r = program_find("berth-net", &path)) < 0) {
                log_warning_errno(r, "machine %s: finding berth-net to remove what its killed launcher left", name);
                goto done;
        }
        r = helper_run(path, argv, err, sizeof(err));
        if (r != 0) {
                log_warning("machine %s: removing what its killed launcher left of its network: %s", name,
                            r < 0 ? strerror(-r) : err[0] ? err : "berth-net failed");
                goto done;
        }
        net_marker_path(name, marker, sizeof(marker));
        (void) unlink(marker);
        snprintf(marker, sizeof(marker), "%s/net", berth_runtime_dir());
        release_claims(marker, name);
        log_info("machine %s: removed the packet rules and links its killed launcher left", name);
done:
        machine_unlock(name, lock);
}

void net_sweep(const char *name)
{
        char dir[4200];
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;

        if (name) {
                sweep_one(name);
                return;
        }
        snprintf(dir, sizeof(dir), "%s/net", berth_runtime_dir());
        d = opendir(dir);
        while (d && (de = readdir(d)))
                if (startswith(de->d_name, MARKER_PREFIX) && machine_name_valid(de->d_name + strlen(MARKER_PREFIX)))
                        sweep_one(de->d_name + strlen(MARKER_PREFIX));
}
