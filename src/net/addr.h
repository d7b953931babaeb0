/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>

#include "nl.h"

/* An address or a prefix of either family, as berth-net's arguments give
 * them ("10.0.0.1/24", "fd00::1/64", "[fd00::2]"). */
struct net_addr {
        int family;             /* AF_INET or AF_INET6 */
        union {
                struct in_addr v4;
                struct in6_addr v6;
                unsigned char bytes[16];
        };
        unsigned plen;          /* 32 or 128 when none was given */
};

/* Parses s; with prefix_ok false a "/N" is refused. -EINVAL when it is
 * not one. */
int net_addr_parse(const char *s, bool prefix_ok, struct net_addr *ret);
/* "A.B.C.D/N", "x::y/N" (without "/N" when plen is the whole address). */
void net_addr_format(const struct net_addr *a, char *buf, size_t size);

/* The address on ifindex; IPv6 ones without duplicate address detection
 * (berth hands them out: nothing else has them, and DAD would hold them
 * back for a second). */
int addr_add(struct nl *nl, int ifindex, const struct net_addr *a);
/* ::1 as a local address on ifindex too (table local): replies to a port
 * forwarded from [::1] arrive there after NAT, and IPv6 looks a loopback
 * destination up on the link it came in on. Goes with the link. */
int route_add_loopback6(struct nl *nl, int ifindex);
/* The default route of gw's family through gw on ifindex. */
int route_add_default(struct nl *nl, int ifindex, const struct net_addr *gw);
