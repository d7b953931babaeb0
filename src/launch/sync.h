/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The launcher and the machine's first process talk over a SOCK_SEQPACKET
 * pair. The machine's end is close-on-exec, so end-of-file tells the
 * launcher that PID 1 (or, for a command, PID 2) has exec'd. */
enum sync_type {
        SYNC_GO,                /* launcher → child: cgroup and ID maps are set up;
                                 * carries the tree (idmapped) and the binds as mounts */
        SYNC_ERROR,             /* child → launcher: error + what failed; child exits */
        SYNC_NOTIFY_FD,         /* child → launcher: the bound /run/host/notify socket */
        SYNC_CONSOLE_FDS,       /* child → launcher: PTY master and a slave to hold open */
        SYNC_READY,             /* child → berth-oci create: set up, waiting for start */
        SYNC_PID,               /* child → berth-oci create: the container's process is this PID (text) */
        SYNC_HOOKS,             /* child → berth-oci create: run createRuntime now; the answer is a
                                 * SYNC_GO with the state (creating, created) as two memfds */
};

struct sync_msg {
        uint32_t type;
        int32_t error;          /* negative errno with SYNC_ERROR */
        char text[496];
};

/* GO: the idmapped tree, the --ephemeral tmpfs, one per bind, one per device. */
#define SYNC_MAX_FDS 72

int sync_send(int sock, enum sync_type type, const int *fds, size_t n_fds);
/* Report a failure: the text says what was being done, the errno why;
 * error 0: the text is a whole sentence, said as it is. */
int sync_send_error(int sock, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* 1: a message (fds filled, *n_fds set), 0: end of file, -errno. */
int sync_recv(int sock, struct sync_msg *ret, int fds[SYNC_MAX_FDS], size_t *n_fds);

/* In the child: report a failure (sync_send_error) and end. */
#define SYNC_FAIL(sync_fd, r, ...)                              \
        do {                                                    \
                sync_send_error((sync_fd), (r), __VA_ARGS__);   \
                _exit(1);                                       \
        } while (0)
