/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-net: a machine's links, addresses, routes, qdiscs and packet
 * rules, made when it starts and removed when it ends (net-args.h has the
 * arguments). The launcher runs it and repeats its one line of error; it
 * holds libmnl and libnftables, which the launcher does not load. Every
 * run holds RUNTIMEDIR/net.lock, so that two machines of a zone never make
 * or remove its bridge at once. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "net-args.h"
#include "net-ops.h"
#include "paths.h"
#include "util.h"

static int lock_take(void)
{
        char path[4200];
        int fd;

        snprintf(path, sizeof(path), "%s/net", berth_runtime_dir());
        (void) mkdir_p(path, 0755);
        snprintf(path, sizeof(path), "%s/net.lock", berth_runtime_dir());
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return log_error_errno(-errno, "opening %s", path);
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return log_error_errno(-errno, "locking %s", path);
        return fd;
}

int main(int argc, char **argv)
{
        struct net_args a;
        _cleanup_close_ int lock = -1;
        int r;

        log_setup("");
        r = net_args_parse(argc, argv, &a);
        if (r < 0)
                return 2;
        lock = lock_take();
        if (lock < 0)
                return 1;
        if (!a.up)
                return net_down(&a) < 0 ? 1 : 0;
        r = net_up(&a);
        if (r < 0) {
                /* What was made goes again; the launcher repeats the
                 * first line, which is out already. */
                (void) net_down(&a);
                return 1;
        }
        return 0;
}
