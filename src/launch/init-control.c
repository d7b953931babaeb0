/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "init-control.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "runit.h"
#include "tree.h"
#include "util.h"

static int machine_root(pid_t leader)
{
        char path[64];
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/root", (int) leader);
        fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int sysvinit_ask_runlevel(pid_t leader, char runlevel)
{
        struct {
                int32_t magic, cmd, runlevel, sleeptime;
                char data[368];
        } req = { .magic = 0x03091969, .cmd = 1, .runlevel = runlevel, .sleeptime = 5 };
        _cleanup_close_ int root = machine_root(leader), fifo = -EBADF;
        struct stat st;

        if (root < 0)
                return root;
        fifo = tree_open(root, "/run/initctl", O_WRONLY | O_NONBLOCK | O_NOCTTY);
        if (fifo < 0)
                return fifo;
        if (fstat(fifo, &st) < 0 || !S_ISFIFO(st.st_mode))
                return -ENOTSUP;
        return write_full(fifo, &req, sizeof(req));
}

/* chmod of a regular file inside the machine; -ENOENT when it is not there. */
static int set_mode(int root, const char *path, mode_t mode)
{
        _cleanup_close_ int fd = tree_open(root, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
        struct stat st;

        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -ENOENT;
        return fchmod(fd, mode) < 0 ? -errno : 0;
}

int runit_ask(pid_t leader, int pidfd, bool reboot)
{
        /* Debian's runit keeps them in /run, upstream's in /etc/runit. */
        static const char *const files[][2] = {
                { "/run/runit.stopit", "/run/runit.reboot" },
                { "/etc/runit/stopit", "/etc/runit/reboot" },
        };
        _cleanup_close_ int root = -EBADF;
        int stage = runit_stage(leader), r = -ENOENT;

        /* Where the kernel cannot say, asked at once. */
        if (stage >= 0 && stage != 2)
                return -EAGAIN;
        root = machine_root(leader);
        if (root < 0)
                return root;
        for (size_t i = 0; i < ELEMENTSOF(files) && r == -ENOENT; i++) {
                r = set_mode(root, files[i][0], 0100);
                if (r < 0)
                        continue;
                /* Without a reboot file runit powers off; a reboot asked
                 * for boots the machine again all the same. */
                int k = set_mode(root, files[i][1], reboot ? 0100 : 0);
                if (k < 0 && k != -ENOENT)
                        return k;
        }
        if (r < 0)
                return r;
        if (syscall(SYS_pidfd_send_signal, pidfd, SIGCONT, NULL, 0) < 0)
                return -errno;
        return 0;
}
