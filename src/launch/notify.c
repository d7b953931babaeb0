/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

int notify_bind(int run_host_fd)
{
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int one = 1;

        if (fd < 0)
                return -errno;
        /* Bind relative to the directory: the host path may be too long for
         * sun_path, and is not the machine's business anyway. */
        if (fchdir(run_host_fd) < 0)
                return -errno;
        strcpy(sa.sun_path, "notify");
        if (bind(fd, (struct sockaddr *) &sa, offsetof(struct sockaddr_un, sun_path) + strlen("notify") + 1) < 0)
                return -errno;
        if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
                return -errno;
        return take_fd(&fd);
}

/* One datagram: -EAGAIN when none waits, else 1 when it carried the
 * first READY=1, 0 otherwise. */
static int receive_one(int fd, struct notify_state *st)
{
        char buf[4097];
        union {
                struct cmsghdr h;
                char space[CMSG_SPACE(sizeof(struct ucred))];
        } control = {};
        struct iovec iov = { buf, sizeof(buf) - 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof(control) };
        bool ready = false, from_root = false;
        ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        unsigned status;

        if (n < 0)
                return -EAGAIN;
        buf[n] = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
                    c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
                        struct ucred cred;
                        memcpy(&cred, CMSG_DATA(c), sizeof(cred));
                        from_root = cred.uid == st->root_uid;
                } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                        /* No descriptor is taken from the machine. */
                        int *fds = (int *) CMSG_DATA(c);
                        for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++)
                                close(fds[i]);
                }
        for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
                if (streq(line, "READY=1")) {
                        ready = !st->ready;
                        st->ready = true;
                } else if (startswith(line, "STATUS="))
                        snprintf(st->status, sizeof(st->status), "%s", line + 7);
                else if (startswith(line, "EXIT_STATUS=") && from_root && parse_uint(line + 12, &status) >= 0 &&
                         status <= 255)
                        st->exit_status = (int) status;
        }
        return ready;
}

bool notify_receive(int fd, struct notify_state *st)
{
        return receive_one(fd, st) > 0;
}

void notify_drain(int fd, struct notify_state *st)
{
        while (fd >= 0 && receive_one(fd, st) >= 0)
                ;
}

int notify_upstream(const char *message)
{
        const char *e = getenv("NOTIFY_SOCKET");
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t l;

        if (!e || (e[0] != '/' && e[0] != '@'))
                return 0;
        l = strlen(e);
        if (l >= sizeof(sa.sun_path))
                return -EINVAL;
        memcpy(sa.sun_path, e, l);
        if (sa.sun_path[0] == '@')
                sa.sun_path[0] = 0;     /* abstract namespace */
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (sendto(fd, message, strlen(message), MSG_NOSIGNAL, (struct sockaddr *) &sa,
                   offsetof(struct sockaddr_un, sun_path) + l + (e[0] == '/' ? 1 : 0)) < 0)
                return -errno;
        return 1;
}
