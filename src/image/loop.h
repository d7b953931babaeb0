/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A read-only loop device over size bytes of fd at offset, with
 * LOOP_CONFIGURE in one step, autoclear (it goes with its last user, the
 * mount) and direct I/O where the backing file system takes it. Returns
 * the device's fd and its path in dev, or -errno. */
int loop_attach(int fd, uint64_t offset, uint64_t size, char *dev, size_t dev_size);
