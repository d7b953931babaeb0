/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

#include "spec.h"

/* create: DIR/notify (ROOT/ID's), given to owner (the container's root
 * on the host, 0 without a user namespace), bound at /run/notify in the
 * container after the spec's mounts, and NOTIFY_SOCKET set for the
 * process. -errno. */
int oci_notify_prepare(const char *dir, uid_t owner, struct oci_spec *spec);
/* start: bind DIR/notify/notify.sock, before the process is let go. */
int oci_notify_listen(const char *dir, int *ret_fd);
/* Until a message on fd says READY=1, then READY=1 to the socket to (a
 * path, or @abstract); -ESRCH after one log line when pid ends first. */
int oci_notify_wait(int fd, pid_t pid, const char *to);
