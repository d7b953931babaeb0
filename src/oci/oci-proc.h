/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci-state.h"

/* pid's start time (field 22 of /proc/PID/stat, in clock ticks since
 * boot): with the PID, what tells the container's process from a later
 * one that got its number. -ESRCH when there is no such process. */
int oci_proc_start_time(pid_t pid, unsigned long long *ret);
/* Whether st's process is still the one create started and has not
 * ended (a zombie has). */
bool oci_proc_alive(const struct oci_state *st);
/* pid's bounding set (CapBnd: of /proc/PID/status); 0 when unreadable. */
uint64_t oci_proc_cap_bounding(pid_t pid);
/* The time now as runc writes "created": RFC 3339 with nanoseconds, UTC. */
void oci_now_rfc3339(char *buf, size_t size);
/* The status now (runtime.md): created while ROOT/ID/exec.fifo is there
 * (start removes it), paused while its cgroup is frozen, running, or
 * stopped once the process is gone. */
enum oci_status oci_status_now(const char *root, const struct oci_state *st);
