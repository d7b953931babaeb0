/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* What a user asked of the machine's network (args-network.c parses it,
 * network.c carries it out through berth-net). Without any of it the
 * machine has lo only, as it always had. */

#define PORTS_MAX 64
#define IFNAMSIZ_BERTH 16       /* IFNAMSIZ, with its NUL */

struct port_forward {
        int protocol;           /* IPPROTO_TCP or IPPROTO_UDP */
        uint16_t host_port;
        uint16_t machine_port;
};

struct net_settings {
        bool veth;              /* -n: ve-NAME on the host, host0 inside */
        char bridge[IFNAMSIZ_BERTH];    /* --network-bridge: an existing bridge ("": none) */
        char zone[IFNAMSIZ_BERTH];      /* --network-zone: bridge vz-ZONE, made and removed by berth */
        struct port_forward ports[PORTS_MAX];
        unsigned n_ports;
        char **interfaces;      /* --network-interface: host links moved in */
        char **macvlan;         /* --network-macvlan: host links, a macvlan of each inside */
        char **ipvlan;
        char **veth_extra;      /* --network-veth-extra: HOSTIF[:MACHINEIF] */
        char *namespace_path;   /* --network-namespace-path: join it instead of a new one */
        uint64_t rate;          /* --network-rate: bytes per second; 0: none */
        uint64_t burst;         /* bytes */
        bool enable_forwarding; /* turn the host's ip_forward on when it is off */
        uint8_t mac[6];         /* --network-mac: host0's, when mac_set */
        bool mac_set;
        uint32_t pool4;         /* --network-address-pool: its /16, host order; 0: berth's default */
};

/* Whether the machine has a link of berth's making that berth addresses
 * (veth, bridge or zone): then it gets addresses, NAT and ports. */
static inline bool net_addressed(const struct net_settings *n)
{
        return n->veth || n->bridge[0] || n->zone[0];
}
