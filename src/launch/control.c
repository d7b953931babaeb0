/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The launcher's control socket, RUNTIMEDIR/control/NAME: what berthd asks
 * of a running machine that only its launcher can do, because only the
 * launcher knows where its cgroups are and how they were made. One
 * SOCK_SEQPACKET message each way, from root only:
 *
 *   set-property\nNAME=VALUE\n...   →   "ok" | "error: ONE LINE"
 *
 * applies the limits to the running machine at once (cgroup_set). */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "control-socket.h"
#include "log.h"
#include "paths.h"
#include "util.h"

int control_open(struct launcher *l)
{
        char dir[4096];
        _cleanup_close_ int dfd = -EBADF, fd = -EBADF;
        struct sockaddr_un sa;
        socklen_t len;
        int r;

        snprintf(dir, sizeof(dir), "%s/control", berth_runtime_dir());
        r = mkdir_p(dir, 0700);
        if (r < 0)
                return r;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        r = machine_control_address(l->name, dfd, &sa, &len);
        if (r < 0)
                return r;
        /* One launcher holds the name's lock: what is there is stale. */
        (void) unlinkat(dfd, l->name, 0);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *) &sa, len) < 0 || listen(fd, 4) < 0)
                return -errno;
        l->control_fd = take_fd(&fd);
        return 0;
}

void control_close(struct launcher *l)
{
        char path[4096];

        if (l->control_fd < 0)
                return;
        l->control_fd = safe_close(l->control_fd);
        snprintf(path, sizeof(path), "%s/control/%s", berth_runtime_dir(), l->name);
        (void) unlink(path);
}

/* "set-property" and its NAME=VALUE lines: all parsed first, so that a
 * bad one changes nothing; then applied. */
static int set_property(struct launcher *l, char *lines, char *reply, size_t size)
{
        struct cgroup_limits changes = {};
        char why_buf[256];
        int r;

        for (char *line = strtok(lines, "\n"); line; line = strtok(NULL, "\n")) {
                char *eq = strchr(line, '=');
                const char *why;

                if (!eq) {
                        snprintf(reply, size, "error: %s: expected NAME=VALUE", line);
                        return -EINVAL;
                }
                *eq = 0;
                if (limits_assign(&changes, line, eq + 1, why_buf, sizeof(why_buf), &why) < 0) {
                        snprintf(reply, size, "error: %s=%s: %s", line, eq + 1, why);
                        return -EINVAL;
                }
        }
        if (!changes.set) {
                snprintf(reply, size, "error: no property given");
                return -EINVAL;
        }
        if (!l->cg.path) {
                snprintf(reply, size, "error: machine %s runs without a cgroup of its own", l->name);
                return -EOPNOTSUPP;
        }
        r = cgroup_set(&l->cg, &changes, l->name);
        if (r < 0) {
                const char *what = l->cg.what;

                /* EDOM: what says it whole. */
                if (r == -EDOM || !what[0])
                        snprintf(reply, size, "error: %s", what[0] ? what : strerror(-r));
                else
                        snprintf(reply, size, "error: %s: %s", what, strerror(-r));
                log_warning("machine %s: set-property: %s", l->name, reply + strlen("error: "));
                return r;
        }
        /* For what comes after: a reboot's fresh cgroups, berth's report. */
        r = limits_merge(&l->limits, &changes);
        if (r < 0) {
                snprintf(reply, size, "error: applied, but a reboot would not keep it: caps for more than %d devices",
                         LIMITS_IO_DEVICES_MAX);
                return r;
        }
        log_info("machine %s: set-property applied", l->name);
        snprintf(reply, size, "ok");
        return 0;
}

void control_handle(struct launcher *l)
{
        _cleanup_close_ int c = accept4(l->control_fd, NULL, NULL, SOCK_CLOEXEC);
        _cleanup_free_ char *msg = NULL;
        char reply[1024];
        struct ucred cred;
        socklen_t clen = sizeof(cred);
        ssize_t n;

        if (c < 0)
                return;
        if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 || cred.uid != 0) {
                snprintf(reply, sizeof(reply), "error: only root may control a machine");
                (void) !send(c, reply, strlen(reply), MSG_NOSIGNAL);
                return;
        }
        /* The client sends at once; do not let one that does not stall the machine. */
        struct timeval tv = { .tv_sec = 1 };
        (void) setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        msg = malloc(MACHINE_CONTROL_MESSAGE_MAX + 1);
        if (!msg)
                return;
        n = recv(c, msg, MACHINE_CONTROL_MESSAGE_MAX, 0);
        if (n <= 0)
                return;
        msg[n] = 0;
        if (strncmp(msg, "set-property\n", 13) == 0)
                (void) set_property(l, msg + 13, reply, sizeof(reply));
        else
                snprintf(reply, sizeof(reply), "error: unknown request");
        (void) !send(c, reply, strlen(reply), MSG_NOSIGNAL);
}
