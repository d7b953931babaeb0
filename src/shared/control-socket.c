/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "control-socket.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "cleanup.h"
#include "paths.h"

int machine_control_address(const char *machine, int dir_fd, struct sockaddr_un *ret, socklen_t *ret_len)
{
        int n = snprintf(ret->sun_path, sizeof(ret->sun_path), "/proc/self/fd/%d/%s", dir_fd, machine);

        ret->sun_family = AF_UNIX;
        if (n < 0 || (size_t) n >= sizeof(ret->sun_path))
                return -ENAMETOOLONG;
        *ret_len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + (size_t) n + 1);
        return 0;
}

int machine_control_request(const char *machine, const char *request, char *reply, size_t size, int timeout_ms)
{
        char dir[4096];
        _cleanup_close_ int dfd = -EBADF, fd = -EBADF;
        struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
        struct sockaddr_un sa;
        socklen_t len;
        ssize_t n;
        int r;

        snprintf(dir, sizeof(dir), "%s/control", berth_runtime_dir());
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        r = machine_control_address(machine, dfd, &sa, &len);
        if (r < 0)
                return r;
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, len) < 0)
                return errno == ECONNREFUSED ? -ENOENT : -errno;
        if (send(fd, request, strlen(request), MSG_NOSIGNAL) < 0)
                return -errno;
        n = recv(fd, reply, size - 1, 0);
        if (n < 0)
                return errno == EAGAIN ? -ETIMEDOUT : -errno;
        reply[n] = 0;
        return 0;
}
