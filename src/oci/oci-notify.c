/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sd_notify through berth-oci, as runc passes it: when NOTIFY_SOCKET is
 * set for create (systemd running the engine as a Type=notify service,
 * podman --sdnotify=container), the container gets a socket of its own
 * at /run/notify/notify.sock (ROOT/ID/notify bound there), and start
 * binds it, lets the process run, waits for its READY=1 and passes that
 * on to the caller's NOTIFY_SOCKET before it returns. */
#include "oci-notify.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "util.h"

#define INSIDE_DIR "/run/notify"
#define INSIDE_SOCKET INSIDE_DIR "/notify.sock"

int oci_notify_prepare(const char *dir, uid_t owner, struct oci_spec *spec)
{
        _cleanup_free_ char *notify = strjoin(dir, "/notify", NULL);
        static const char *const opts[] = { "rbind", "nosuid", "nodev", "noexec", NULL };

        if (!notify)
                return -ENOMEM;
        if (mkdir(notify, 0755) < 0)
                return -errno;
        if (owner && chown(notify, owner, owner) < 0)
                return -errno;
        struct oci_mount *m = realloc(spec->mounts, (spec->n_mounts + 1) * sizeof(*m));
        if (!m)
                return -ENOMEM;
        spec->mounts = m;
        m = &spec->mounts[spec->n_mounts];
        *m = (struct oci_mount) { .destination = strdup(INSIDE_DIR), .type = strdup("bind"),
                                  .source = take_ptr(notify), .options = strv_copy((char *const *) opts) };
        if (!m->destination || !m->type || !m->options)
                return -ENOMEM;
        spec->n_mounts++;
        /* The process's own NOTIFY_SOCKET, in place of any the spec has. */
        size_t k = 0;
        for (char **e = spec->process.env; e && *e; e++)
                if (strncmp(*e, "NOTIFY_SOCKET=", 14) == 0)
                        free(*e);
                else
                        spec->process.env[k++] = *e;
        if (spec->process.env)
                spec->process.env[k] = NULL;
        return strv_push(&spec->process.env, "NOTIFY_SOCKET=" INSIDE_SOCKET);
}

static int bind_at(const char *path, int *ret)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        (void) unlink(path);
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        /* The container's root (another UID with a user namespace) sends. */
        if (chmod(path, 0777) < 0)
                return -errno;
        *ret = take_fd(&fd);
        return 0;
}

int oci_notify_listen(const char *dir, int *ret_fd)
{
        _cleanup_free_ char *path = strjoin(dir, "/notify/notify.sock", NULL);

        return path ? bind_at(path, ret_fd) : -ENOMEM;
}

static int forward(const char *to, const char *msg, size_t len)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        socklen_t salen;

        if (fd < 0)
                return -errno;
        if (strlen(to) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, to);
        if (sa.sun_path[0] == '@')
                sa.sun_path[0] = 0;     /* an abstract socket */
        salen = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(to));
        return sendto(fd, msg, len, MSG_NOSIGNAL, (struct sockaddr *) &sa, salen) < 0 ? -errno : 0;
}

int oci_notify_wait(int fd, pid_t pid, const char *to)
{
        _cleanup_close_ int pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        char msg[4096];

        for (;;) {
                struct pollfd p[2] = { { fd, POLLIN, 0 }, { pidfd, POLLIN, 0 } };
                if (poll(p, pidfd >= 0 ? 2 : 1, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (p[0].revents & POLLIN) {
                        ssize_t n = recv(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT);
                        if (n < 0)
                                continue;
                        msg[n] = 0;
                        /* One line of it says READY=1: pass that message on. */
                        for (char *l = msg; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                                if (strncmp(l, "READY=1", 7) == 0 && (l[7] == '\n' || l[7] == 0))
                                        return forward(to, "READY=1", 7);
                }
                if (pidfd >= 0 && (p[1].revents & POLLIN))
                        return log_error_ret(-ESRCH, "the container's process ended before it said READY=1");
        }
}
