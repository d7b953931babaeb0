/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "spec.h"

/* With the annotation org.berth.system-container=true (false turns it
 * off), and by default when the process is /sbin/init, /usr/sbin/init
 * or a systemd binary. */
bool oci_system_container(const struct oci_spec *spec);

struct oci_system {
        bool own_userns;        /* the spec had no user namespace: berth picks the range */
        int term_signal;        /* what kill SIGTERM sends its init (SIGRTMIN+3 for systemd); 0: SIGTERM */
};

/* Add to spec what an OS needs (oci-system.c says what); -ENOMEM. */
int oci_system_adjust(struct oci_spec *spec, struct oci_system *ret);
/* The range berth picked, as the spec's one ID map. */
int oci_system_set_range(struct oci_spec *spec, uid_t base, uint32_t size);
