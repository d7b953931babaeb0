/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Give the calling process a new, empty session keyring of its own, in
 * place of the one it inherited (keyring.c says why). 0 where the kernel
 * has no keyrings at all, -errno on failure. */
int keyring_new_session(void);
