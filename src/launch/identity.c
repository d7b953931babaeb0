/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "credentials.h"
#include "machine.h"
#include "mnt.h"
#include "notify.h"
#include "tree.h"
#include "util.h"

static int copy_host_os_release(int run_host_fd)
{
        _cleanup_free_ char *s = NULL;
        int r = read_file_at(AT_FDCWD, "/etc/os-release", &s, 64 * 1024);

        if (r == -ENOENT)
                r = read_file_at(AT_FDCWD, "/usr/lib/os-release", &s, 64 * 1024);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        return write_file_at(run_host_fd, "os-release", s, 0444);
}

/* /run/host: what the host hands in (container interface). */
int identity_write_run_host(int root_fd, const struct machine *m)
{
        _cleanup_close_ int fd = tree_mkdir_p(root_fd, "run/host", 0755);
        char uuid[40];
        int r;

        if (fd < 0)
                return fd;
        r = write_file_at(fd, "container-manager", "berth\n", 0444);
        if (r < 0)
                return r;
        snprintf(uuid, sizeof(uuid), "%s\n", m->uuid);
        r = write_file_at(fd, "container-uuid", uuid, 0444);
        if (r < 0)
                return r;
        return copy_host_os_release(fd);
}

/* systemd-networkd, where the machine runs it, manages host0 with the
 * addresses berth gave it before PID 1 ran, instead of dropping them for
 * DHCP (its own 80-container-host0.network): this file, in the runtime
 * directory that comes before /usr/lib and /etc's 80-*, says so. */
int identity_write_networkd(int root_fd, const struct machine *m)
{
        if (!m->host0_network)
                return 0;
        _cleanup_close_ int fd = tree_mkdir_p(root_fd, "run/systemd/network", 0755);
        if (fd < 0)
                return fd;
        return write_file_at(fd, "10-berth-host0.network", m->host0_network, 0644);
}

/* Keep the tree's machine-id when it has a valid one; otherwise give the
 * machine a transient one derived from its UUID, on /run, bound over
 * /etc/machine-id (systemd commits it where /etc is writable). */
int identity_machine_id(int root_fd, const struct machine *m)
{
        _cleanup_close_ int fd = tree_open(root_fd, "etc/machine-id", O_RDONLY);
        _cleanup_close_ int run = -EBADF, src = -EBADF, mnt = -EBADF, etc = -EBADF;
        char buf[64], line[40];

        if (fd >= 0) {
                ssize_t n = read_full(fd, buf, sizeof(buf) - 1);
                if (n >= 0) {
                        buf[n] = 0;
                        if (id128_valid(buf))
                                return 0;
                }
        }
        etc = tree_open(root_fd, "etc", O_PATH | O_DIRECTORY);
        if (etc < 0)
                return 0;       /* not an OS tree: nothing to provide */
        run = tree_open(root_fd, "run", O_PATH | O_DIRECTORY);
        if (run < 0)
                return run;
        snprintf(line, sizeof(line), "%s\n", m->id128);
        int r = write_file_at(run, "machine-id", line, 0444);
        if (r < 0)
                return r;
        src = openat(run, "machine-id", O_PATH | O_CLOEXEC);
        if (src < 0)
                return -errno;
        mnt = mnt_clone(src, "", false);
        if (mnt < 0)
                return mnt;
        r = mnt_set_read_only(mnt, false);
        if (r < 0)
                return r;
        return mnt_attach_file(mnt, root_fd, "etc/machine-id");
}

char **identity_environment(const struct machine *m)
{
        _cleanup_strv_ char **env = calloc(1, sizeof(char *));
        const char *term = getenv("TERM");
        char buf[256];

        if (!env)
                return NULL;
        if (strv_push(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") < 0 ||
            strv_push(&env, "container=berth") < 0 || strv_push(&env, "HOME=/root") < 0 ||
            strv_push(&env, "USER=root") < 0 || strv_push(&env, "LOGNAME=root") < 0 ||
            strv_push(&env, "NOTIFY_SOCKET=" NOTIFY_SOCKET_PATH) < 0)
                return NULL;
        snprintf(buf, sizeof(buf), "container_uuid=%s", m->uuid);
        if (strv_push(&env, buf) < 0)
                return NULL;
        if (m->settings->n_credentials > 0 && strv_push(&env, "CREDENTIALS_DIRECTORY=" CREDENTIALS_PATH) < 0)
                return NULL;
        if (console_has_pty(m->console)) {
                snprintf(buf, sizeof(buf), "TERM=%s",
                         m->console == CONSOLE_INTERACTIVE && term && *term ? term : "vt220");
                if (strv_push(&env, buf) < 0)
                        return NULL;
        } else if (term && *term) {
                snprintf(buf, sizeof(buf), "TERM=%s", term);
                if (strv_push(&env, buf) < 0)
                        return NULL;
        }
        /* --setenv last; a later NAME= replaces an earlier one. */
        for (char **e = m->settings->setenv; e && *e; e++) {
                size_t k = (size_t) (strchr(*e, '=') - *e) + 1;
                bool replaced = false;
                for (char **o = env; *o; o++)
                        if (strncmp(*o, *e, k) == 0) {
                                char *n = strdup(*e);
                                if (!n)
                                        return NULL;
                                free(*o);
                                *o = n;
                                replaced = true;
                                break;
                        }
                if (!replaced && strv_push(&env, *e) < 0)
                        return NULL;
        }
        return take_ptr(env);
}
