/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "net-args.h"

/* Makes what a asks for; logs one line and returns -errno at the first
 * failure, leaving to net_down() what was made. */
int net_up(const struct net_args *a);
/* Removes the machine's rules, its host-side veth and ifb, and a zone
 * bridge no machine uses any more; what is not there is skipped. */
int net_down(const struct net_args *a);
