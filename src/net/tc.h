/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "nl.h"

/* --network-rate: a token bucket (tbf) as the root qdisc of the host side,
 * which caps what reaches the machine; and what the machine sends, which
 * arrives on the host side's ingress, redirected (u32 matching all, mirred)
 * to an ifb link whose own root is the same token bucket. Both live on the
 * host, out of the machine's reach, and go with their links. */
int tc_rate_limit(struct nl *nl, int ifindex, int ifb_index, uint64_t rate, uint64_t burst);
