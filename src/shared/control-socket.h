/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

/* A running machine's launcher listens on RUNTIMEDIR/control/NAME
 * (src/launch/control.c): one SOCK_SEQPACKET request, one reply. */
#define MACHINE_CONTROL_MESSAGE_MAX 16384

/* The socket's address through dir_fd, an fd of RUNTIMEDIR/control (the
 * runtime directory may be longer than sun_path allows). */
int machine_control_address(const char *machine, int dir_fd, struct sockaddr_un *ret, socklen_t *ret_len);
/* Send request, wait up to timeout_ms for the reply (NUL-terminated into
 * reply). -ENOENT: no launcher listens for that machine. */
int machine_control_request(const char *machine, const char *request, char *reply, size_t size, int timeout_ms);
