/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#define NOTIFY_SOCKET_PATH "/run/host/notify"

/* Inside the machine, before pivoting: bind the notify socket in the
 * machine's run/host directory (dir_fd). Returns the socket fd. */
int notify_bind(int run_host_fd);

struct notify_state {
        bool ready;
        char status[256];
        int exit_status;        /* EXIT_STATUS=N (systemctl exit N of systemd >= 254); -1: none */
        uid_t root_uid;         /* the machine's root on the host: only it may say EXIT_STATUS= */
};

#define NOTIFY_STATE_INIT { .exit_status = -1 }

/* Read one datagram from the machine; true when it carried READY=1. */
bool notify_receive(int fd, struct notify_state *st);
/* Every datagram still waiting, once PID 1 is gone. */
void notify_drain(int fd, struct notify_state *st);

/* Pass a message on to the service manager that started berth, when one did
 * ($NOTIFY_SOCKET, the sd_notify protocol). */
int notify_upstream(const char *message);
