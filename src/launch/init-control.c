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

int runit_stage(pid_t leader)
{
        _cleanup_free_ char *children = NULL;
        char path[64];
        int stage = 0;

        snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int) leader, (int) leader);
        if (read_file_at(AT_FDCWD, path, &children, 4096) < 0)
                return 0;
        for (char *save = NULL, *pid = strtok_r(children, " \n", &save); pid; pid = strtok_r(NULL, " \n", &save)) {
                _cleanup_free_ char *comm = NULL;
                snprintf(path, sizeof(path), "/proc/%s/comm", pid);
                if (read_file_at(AT_FDCWD, path, &comm, 64) < 0)
                        continue;
                comm[strcspn(comm, "\n")] = 0;
                if (streq(comm, "1") || streq(comm, "2") || streq(comm, "3"))
                        stage = comm[0] - '0';
                else if (streq(comm, "runsvdir"))
                        stage = 2;
        }
        return stage;
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
        static const char *const dirs[][2] = {
                { "/run/runit.stopit", "/run/runit.reboot" },
                { "/etc/runit/stopit", "/etc/runit/reboot" },
        };
        _cleanup_close_ int root = -EBADF;
        int r = -ENOENT;

        if (runit_stage(leader) != 2)
                return -EAGAIN;
        root = machine_root(leader);
        if (root < 0)
                return root;
        for (size_t i = 0; i < ELEMENTSOF(dirs) && r == -ENOENT; i++) {
                r = set_mode(root, dirs[i][0], 0100);
                if (r < 0)
                        continue;
                /* Without a reboot file runit powers off; a reboot asked
                 * for boots the machine again all the same. */
                int k = set_mode(root, dirs[i][1], reboot ? 0100 : 0);
                if (k < 0 && k != -ENOENT)
                        return k;
        }
        if (r < 0)
                return r;
        if (syscall(SYS_pidfd_send_signal, pidfd, SIGCONT, NULL, 0) < 0)
                return -errno;
        return 0;
}
