/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Connect to path (the caller's --console-socket) when terminal; -errno
 * after one log line: a terminal without a socket, a socket without a
 * terminal, one that does not accept. */
int oci_console_connect(bool terminal, const char *path, int *ret_fd);
/* The PTY master over sock. */
int oci_console_send(int sock, int master, const char *path);
