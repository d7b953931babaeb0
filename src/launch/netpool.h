/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "netconf.h"

/* What the machine's network is to be, decided by the launcher before
 * PID 1 starts (netpool.c) and carried out by berth-net (network.c):
 * interface names and MACs stable per machine name, addresses from the
 * pool, claims under RUNTIMEDIR/net held for as long as the machine runs.
 *
 * The pool is an IPv4 /16 (default 10.251.0.0/16, or the next of
 * 10.252 ... 10.255 that the host has no route into). A zone has a /24 of
 * it, A.B.Z.0/24 with Z in 1..127 (its bridge .1, its machines .2-.254);
 * a machine on a veth of its own a /30 of A.B.128.0/17 (host side .1,
 * machine .2). IPv6 alike, in a ULA /48 made from the host's machine-id:
 * the zone's /64 is PREFIX:Z::/64, a veth's PREFIX:8000+K::/64; the
 * machine's interface ID is its IPv4 address's last byte (::H), the host
 * side's ::1. */
struct net_plan {
        char host_ifname[IFNAMSIZ_BERTH];       /* ve-NAME, or vb-NAME on a bridge */
        char bridge[IFNAMSIZ_BERTH];            /* vz-ZONE or the user's bridge; "" */
        bool zone;                              /* bridge is berth's, made and removed */
        uint8_t mac_host[6], mac_machine[6];
        bool addressed;
        uint32_t addr4, host4, subnet4;         /* host order */
        unsigned plen4;
        struct in6_addr addr6, host6, subnet6;
        bool nat;                               /* masquerade and ports through berth-net's rules */
        int addr_lock;                          /* RUNTIMEDIR/net/addr-A.B.C.D */
        int zone_lock;                          /* RUNTIMEDIR/net/zone-Z, shared by the zone's machines */
        unsigned zone_id;                       /* Z */
        int port_lock[PORTS_MAX];               /* RUNTIMEDIR/net/port-tcp-N */
        char port_file[PORTS_MAX][24];
        unsigned n_port_locks;
};

#define NET_PLAN_INIT { .addr_lock = -1, .zone_lock = -1 }

/* Decide and claim; logs what is wrong (a port another machine forwards,
 * a pool that overlaps the host's routes, ...) and returns -errno. */
int net_plan_make(const struct net_settings *n, const char *machine, struct net_plan *ret);
/* RUNTIMEDIR/net/.lock, held while claims are taken or given back and a
 * zone's names rewritten: the fd, or -errno. */
int net_lock_take(void);
/* Give the claims back (unlink, close). */
void net_plan_release(struct net_plan *p);

/* "A.B.C.D" / "x:y::z" of the plan's addresses. */
void net_format4(uint32_t a, char buf[INET_ADDRSTRLEN]);
void net_format6(const struct in6_addr *a, char buf[INET6_ADDRSTRLEN]);
