/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "nl.h"

/* Links by rtnetlink, in nl's namespace. Indexes are looked up by name
 * (if_nametoindex) in the caller's namespace, which is nl's. */

/* A veth pair: host (with host_mac) here, peer (with peer_mac) created
 * straight in the namespace netns_fd, so that the machine never sees it
 * under another name. MACs may be NULL. */
int link_veth_add(struct nl *nl, const char *host, const uint8_t *host_mac, const char *peer,
                  const uint8_t *peer_mac, int netns_fd);
/* A link of a kind that needs no options: "bridge", "ifb". */
int link_simple_add(struct nl *nl, const char *name, const char *kind);
/* A macvlan (bridge mode) or ipvlan (L2) on lower, created in netns_fd as name. */
int link_stacked_add(struct nl *nl, const char *kind, int lower, const char *name, int netns_fd);
int link_up(struct nl *nl, int ifindex);
int link_set_master(struct nl *nl, int ifindex, int master);
/* Into netns_fd, renamed to new_name when it is not NULL. */
int link_move(struct nl *nl, int ifindex, int netns_fd, const char *new_name);
int link_del(struct nl *nl, int ifindex);
/* The number of links enslaved to master (0 for a bridge with none). */
int link_count_ports(struct nl *nl, int master);
/* Whether the link is a bridge, from its IFLA_LINKINFO kind. */
int link_is_bridge(struct nl *nl, int ifindex);
