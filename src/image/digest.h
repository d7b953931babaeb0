/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "progress.h"

/* The sha256 of everything fd reads from where it is, as "sha256:HEX"
 * (nettle); its bytes count in progress (may be NULL). -errno. */
int digest_fd(int fd, char ret[72], struct progress *progress);
