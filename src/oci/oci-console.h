/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Connect to path (the caller's --console-socket) when terminal; -errno
 * after one log line: a terminal without a socket, a socket without a
 * terminal, one that does not accept. */
int oci_console_connect(bool terminal, const char *path, int *ret_fd);
/* The PTY master over sock. */
int oci_console_send(int sock, int master, const char *path);

struct sync_msg;
/* The next message of the container's process to create or exec: an
 * error is logged and returned (-errno); a terminal goes on to sock
 * (--console-socket path); anything else comes back in *ret, its fds
 * closed. 1 with a message, 0 at the end of the socket. */
int oci_sync_next(int sync_fd, int sock, const char *path, struct sync_msg *ret);

/* run and exec without --console-socket: a socket pair stands in for it
 * (*ret_remote goes where the socket would be connected); once the
 * process is made, *ret_master is its terminal (-EBADF: it has none). */
int oci_console_pair(int *ret_local, int *ret_remote);
int oci_console_take(int local, int *ret_master);
/* The caller's stdin and stdout and the terminal relayed (raw where stdin
 * is one, its size passed on) until the process pid ends. */
int oci_console_relay(int master, pid_t pid);
