/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --console-socket: connected before anything is made (a socket that is
 * not there fails create at once), and the container's PTY master sent
 * over it with SCM_RIGHTS, as runc does (conmon, the shim receive it). */
#include "oci-console.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "sync.h"

int oci_console_connect(bool terminal, const char *path, int *ret_fd)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        if (!terminal) {
                if (path)
                        return log_error_ret(-EINVAL, "--console-socket given, but process.terminal is false");
                return 0;
        }
        if (!path)
                return log_error_ret(-EINVAL, "process.terminal is true: a --console-socket is needed");
        if (strlen(path) >= sizeof(sa.sun_path))
                return log_error_ret(-ENAMETOOLONG, "--console-socket %s: path too long", path);
        strcpy(sa.sun_path, path);
        *ret_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (*ret_fd < 0 || connect(*ret_fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return log_error_errno(-errno, "connecting to --console-socket %s", path);
        return 0;
}

int oci_console_send(int sock, int master, const char *path)
{
        char name[] = "/dev/ptmx";
        struct iovec iov = { name, sizeof(name) - 1 };
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } u = {};
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &master, sizeof(int));
        if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
                return log_error_errno(-errno, "sending the terminal to --console-socket %s", path);
        return 0;
}

int oci_sync_next(int sync_fd, int sock, const char *path, struct sync_msg *ret)
{
        for (;;) {
                int fds[SYNC_MAX_FDS];
                size_t n = 0;
                int r = sync_recv(sync_fd, ret, fds, &n);

                if (r <= 0)
                        return r < 0 ? log_error_errno(r, "reading from the container's process") : 0;
                if (ret->type == SYNC_ERROR) {
                        for (size_t i = 0; i < n; i++)
                                close(fds[i]);
                        ret->text[sizeof(ret->text) - 1] = 0;
                        return ret->error ? log_error_errno(ret->error, "%s", ret->text)
                                          : log_error_ret(-EINVAL, "%s", ret->text);
                }
                if (ret->type == SYNC_CONSOLE_FDS && n == 1) {
                        r = oci_console_send(sock, fds[0], path);
                        close(fds[0]);
                        if (r < 0)
                                return r;
                        continue;
                }
                for (size_t i = 0; i < n; i++)
                        close(fds[i]);
                return 1;
        }
}
