/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "spec.h"

/* The container process's identity, last before exec: the bounding set
 * down to bounding, process.user's groups and IDs, then the effective,
 * permitted, inheritable and ambient sets of process.capabilities
 * (config.md: absent sets are empty; no capabilities object at all
 * keeps bounding in each but the ambient set). On failure what says which
 * step. */
int oci_identity_apply(const struct oci_process *p, uint64_t bounding, char *what, size_t what_size);
