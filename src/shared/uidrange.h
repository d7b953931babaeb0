/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Private UID/GID ranges for machines' user namespaces. A range is claimed
 * by flock()ing RUNTIMEDIR/uids/BASE for as long as the machine runs, so
 * two launchers can never hold the same one, and a launcher that died
 * (even by SIGKILL) holds nothing: its stale file is removed by the next
 * pick that finds it unlocked. */

#define UID_RANGE_SIZE UINT32_C(65536)
/* The band "pick" chooses from, as systemd-nspawn's: above what
 * distributions give users, below the top of the 32-bit space. */
#define UID_PICK_MIN UINT32_C(0x00080000)
#define UID_PICK_MAX UINT32_C(0x6fff0000)      /* the last base */

struct uid_range {
        uid_t base;
        uint32_t size;
        int lock_fd;            /* negative when not claimed */
};

#define UID_RANGE_INIT { .lock_fd = -1 }

/* Does [base, base+size) hold an ID that the host's /etc/passwd or
 * /etc/group (paths given for tests) uses? 1 yes, 0 no, -errno. */
int uid_range_used_by_host(uid_t base, uint32_t size, const char *passwd, const char *group);
/* Is all of [base, base+size) mapped in our own user namespace? */
bool uid_range_mapped(uid_t base, uint32_t size, const char *uid_map);

/* Claim exactly [base, base+size); -EBUSY when a running machine has it,
 * -EEXIST when the host uses one of its IDs. */
int uid_range_claim(uid_t base, uint32_t size, const char *machine, struct uid_range *ret);
/* Pick and claim a free 65536-aligned range: preferred first (a machine's
 * earlier range; 0 for none), then the one the name hashes to, then the
 * next free one. */
int uid_range_pick(const char *machine, uid_t preferred, struct uid_range *ret);
/* berth-oci's containers outlive the process that claimed their range:
 * the claim is handed to the container's process (its PID and start
 * time written into the claim, the lock closed) and holds while that
 * process runs; uid_range_drop removes it at delete, when it still names
 * machine. */
int uid_range_hand_to(struct uid_range *r, pid_t pid, const char *machine);
int uid_range_drop(uid_t base, const char *machine);
/* Release a claim (unlink, then close: the lock goes with the fd). */
void uid_range_release(struct uid_range *r);

/* The name's home slot in the band. */
uid_t uid_range_hash_base(const char *machine);
