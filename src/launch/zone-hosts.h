/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

struct net_plan;

/* Machines of a zone find each other by name, with no NSS module and no
 * daemon: RUNTIMEDIR/net/hosts-ZONE lists the zone's running machines
 * ("ADDRESS NAME" lines, IPv4 and IPv6), and every zone machine's
 * /etc/hosts (on its writable layer: the base tree is never written)
 * carries that list between two marker lines, rewritten whenever a
 * machine joins or leaves. */

/* Add (or, with leave, remove) the machine's lines and rewrite the block
 * of every running member (a /etc/hosts berth makes belongs to the
 * member's root). Logs nothing: a machine that cannot be told is
 * skipped. */
int zone_hosts_update(const char *zone, const char *machine, const struct net_plan *p, bool leave);
