/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --console-socket: connected before anything is made (a socket that is
 * not there fails create at once), and the container's PTY master sent
 * over it with SCM_RIGHTS, as runc does (conmon, the shim receive it). */
#include "oci-console.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "console.h"
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

int oci_console_pair(int *ret_local, int *ret_remote)
{
        int sp[2];

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
                return log_error_errno(-errno, "making the terminal's socket");
        *ret_local = sp[0];
        *ret_remote = sp[1];
        return 0;
}

int oci_console_take(int local, int *ret_master)
{
        char buf[64];
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(int))];
        } u;
        struct iovec iov = { buf, sizeof(buf) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b) };

        *ret_master = -EBADF;
        if (recvmsg(local, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) <= 0)
                return 0;
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
                memcpy(ret_master, CMSG_DATA(cm), sizeof(int));
        return 0;
}

int oci_console_relay(int master, pid_t pid)
{
        struct console c = CONSOLE_INIT;
        _cleanup_close_ int pidfd = (int) syscall(SYS_pidfd_open, pid, 0), sigfd = -EBADF;
        sigset_t mask;

        sigemptyset(&mask);
        sigaddset(&mask, SIGWINCH);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
        c.mode = CONSOLE_INTERACTIVE;
        console_attach(&c, master, -EBADF);
        (void) console_enter_raw(&c);
        for (;;) {
                struct pollfd p[4] = {
                        { c.stdin_open ? STDIN_FILENO : -1, POLLIN, 0 }, { c.master, POLLIN, 0 },
                        { pidfd, POLLIN, 0 }, { sigfd, POLLIN, 0 },
                };
                if (poll(p, 4, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (p[3].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        (void) !read(sigfd, &si, sizeof(si));
                        console_update_winsize(&c);
                }
                if (p[0].revents & (POLLIN | POLLHUP))
                        (void) console_forward_input(&c);
                if (p[1].revents & POLLIN)
                        console_forward_output(&c);
                if ((p[1].revents & (POLLHUP | POLLERR)) || (p[2].revents & POLLIN) || pidfd < 0)
                        break;
        }
        console_drain(&c);
        console_restore(&c);
        console_detach(&c);
        return 0;
}
