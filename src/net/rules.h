/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "addr.h"

/* A machine's packet rules, in berth's own nftables table "inet berth":
 * base chains of its own, m-NAME-raw, -pre, -out, -post and -fwd, hooked
 * where NAT and forwarding happen (and before them, for what the machine
 * sends to the host's loopback). Putting them in is one transaction;
 * taking them out deletes those chains, and the table once no chain of
 * any machine is left. Nothing outside the table is read or changed. */

#define RULES_PORTS_MAX 128
#define RULES_SUBNETS_MAX 4

struct net_port {
        int protocol;           /* IPPROTO_TCP or IPPROTO_UDP */
        uint16_t host_port, machine_port;
        struct net_addr to;     /* the machine's address, of either family */
};

struct rules_spec {
        const char *machine;
        const char *link;                       /* where the machine is: ve-NAME or vz-ZONE */
        struct net_addr masquerade[RULES_SUBNETS_MAX];  /* its subnets, NATed when leaving elsewhere */
        unsigned n_masquerade;
        struct net_port ports[RULES_PORTS_MAX];
        unsigned n_ports;
};

/* "tcp:8080:10.0.0.2:80", "udp:53:[fd00::2]:53". */
int net_port_parse(const char *s, struct net_port *ret);

/* The nft script that puts the machine's rules in; NULL when out of
 * memory. */
char *rules_text(const struct rules_spec *spec);

int rules_apply(const struct rules_spec *spec);
/* Removes the machine's chains (those there are) and an empty table. */
int rules_remove(const char *machine);
