/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "rules.h"

/* What berth-net is asked to do: the launcher's plan, as arguments
 *
 *   berth-net up NAME PID [--veth=IF --mac=HOST,MACHINE] [--bridge=BR|--zone-bridge=BR]
 *             [--host-address=A/N]... [--address=A/N]... [--gateway=A]... [--masquerade=NET/N]...
 *             [--port=PROTO:HOSTPORT:ADDR:PORT]... [--rate=BYTES:BURST]
 *             [--interface=IF]... [--macvlan=IF]... [--ipvlan=IF]... [--veth-extra=HOST[:MACHINE]]...
 *   berth-net down NAME [--veth=IF] [--zone-bridge=BR] [--veth-extra=HOST[:MACHINE]]... [--machine-gone]
 */

#define NET_ADDRS_MAX 4
#define NET_LINKS_MAX 32

struct net_args {
        bool up;
        bool machine_gone;              /* down --machine-gone: its namespace is ending, its veths with it */
        const char *machine;
        int pid;
        const char *veth;               /* host side; the machine's is host0 */
        uint8_t mac_host[6], mac_machine[6];
        bool have_mac;
        const char *bridge;             /* the user's bridge */
        const char *zone_bridge;        /* berth's, made here when missing */
        struct net_addr host_addr[NET_ADDRS_MAX], addr[NET_ADDRS_MAX], gateway[NET_ADDRS_MAX];
        unsigned n_host_addr, n_addr, n_gateway;
        struct rules_spec rules;        /* masquerade and ports; machine and link set by main */
        uint64_t rate, burst;
        const char *interfaces[NET_LINKS_MAX], *macvlan[NET_LINKS_MAX], *ipvlan[NET_LINKS_MAX];
        const char *veth_extra[NET_LINKS_MAX];
        unsigned n_interfaces, n_macvlan, n_ipvlan, n_veth_extra;
};

/* "aa:bb:cc:dd:ee:ff". */
int net_mac_parse(const char *s, uint8_t ret[6]);
/* Logs the argument that is wrong and returns -EINVAL. */
int net_args_parse(int argc, char **argv, struct net_args *ret);
