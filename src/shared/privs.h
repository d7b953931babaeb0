/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/* What a machine's processes may do beyond its namespaces, set on its
 * PID 1 by the launcher and on whatever is let into the machine later
 * (enter.c) the same way. */

/* Give the calling process a new, empty session keyring of its own, in
 * place of the one it inherited (privs.c says why). 0 where the kernel
 * has no keyrings at all, -errno on failure. */
int privs_new_session_keyring(void);

/* The bounding set, the inheritable set and the ambient set of the
 * calling process down to keep (bits by capability number). */
int privs_drop_caps(uint64_t keep);

/* Files the calling process makes belong to uid:gid (its fsuid and fsgid),
 * its capabilities kept: for root making files through a mount of another
 * user namespace, where the host's 0 is no ID (EOVERFLOW). */
int privs_fs_ids(uid_t uid, gid_t gid);
