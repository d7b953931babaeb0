/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "net-ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "cleanup.h"
#include "link.h"
#include "log.h"
#include "rules.h"
#include "tc.h"
#include "util.h"

/* vr-NAME for ve-NAME/vb-NAME: the ifb of the machine's rate limit. */
static void ifb_name(const char *veth, char buf[IFNAMSIZ])
{
        snprintf(buf, IFNAMSIZ, "vr-%s", strlen(veth) > 3 ? veth + 3 : veth);
}

/* what: "--network-interface=" (an option, its value follows) or a word. */
static int index_of(const char *name, const char *what)
{
        unsigned i = if_nametoindex(name);
        bool option = what[strlen(what) - 1] == '=';

        if (i == 0)
                return log_error_ret(-ENODEV, "%s%s%s: no such interface%s", what, option ? "" : " ", name,
                                     option ? " on the host" : "");
        return (int) i;
}

static int sysctl_link(const char *family, const char *link, const char *key, const char *value)
{
        char path[200];
        int r;

        snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", family, link, key);
        r = write_string_at(AT_FDCWD, path, value);
        if (r < 0)
                return log_error_errno(r, "writing %s", path);
        return 0;
}

/* vz-ZONE, made by the zone's first machine with the zone's host
 * addresses. */
static int zone_bridge(struct nl *nl, const struct net_args *a)
{
        int r, br = (int) if_nametoindex(a->zone_bridge);

        if (br > 0)
                return br;
        r = link_simple_add(nl, a->zone_bridge, "bridge");
        if (r < 0)
                return log_error_errno(r, "making bridge %s", a->zone_bridge);
        if ((br = index_of(a->zone_bridge, "bridge")) < 0)
                return br;
        /* Its IPv6 address before it goes up: no DAD, no autoconf. */
        (void) sysctl_link("ipv6", a->zone_bridge, "accept_ra", "0");
        for (unsigned i = 0; i < a->n_host_addr; i++)
                if ((r = addr_add(nl, br, &a->host_addr[i])) < 0)
                        return log_error_errno(r, "an address on %s", a->zone_bridge);
        if ((r = link_up(nl, br)) < 0)
                return log_error_errno(r, "bringing %s up", a->zone_bridge);
        return br;
}

static int user_bridge(struct nl *nl, const char *name)
{
        int br = index_of(name, "--network-bridge=");
        int r;

        if (br < 0)
                return br;
        r = link_is_bridge(nl, br);
        if (r < 0)
                return log_error_errno(r, "looking at %s", name);
        if (!r)
                return log_error_ret(-EINVAL, "--network-bridge=%s: not a bridge", name);
        return br;
}

static int rate_limit(struct nl *nl, const struct net_args *a, int host)
{
        char ifb[IFNAMSIZ];
        int r, idx;

        ifb_name(a->veth, ifb);
        r = link_simple_add(nl, ifb, "ifb");
        if (r < 0)
                return log_error_errno(r, "making %s for --network-rate", ifb);
        if ((idx = index_of(ifb, "ifb")) < 0)
                return idx;
        if ((r = link_up(nl, idx)) < 0)
                return log_error_errno(r, "bringing %s up", ifb);
        return tc_rate_limit(nl, host, idx, a->rate, a->burst);
}

/* A veth of the last boot or start of the name goes with its machine's
 * namespace, a moment after the machine: wait that moment (2 s at most). */
static int veth_add(struct nl *nl, const char *host, const uint8_t *host_mac, const char *peer,
                    const uint8_t *peer_mac, int netns)
{
        int r = link_veth_add(nl, host, host_mac, peer, peer_mac, netns);

        for (int i = 0; r == -EEXIST && i < 200; i++) {
                usleep(10000);
                if (if_nametoindex(host) == 0)
                        r = link_veth_add(nl, host, host_mac, peer, peer_mac, netns);
        }
        return r;
}

/* The host side of the veth: on a bridge, or addressed itself. */
static int host_side(struct nl *nl, const struct net_args *a, int netns)
{
        int r, host, master = 0;

        if (a->bridge && (master = user_bridge(nl, a->bridge)) < 0)
                return master;
        r = veth_add(nl, a->veth, a->have_mac ? a->mac_host : NULL, "host0", a->have_mac ? a->mac_machine : NULL,
                     netns);
        if (r == -EEXIST)
                return log_error_ret(r, "interface %s exists already: is the machine running elsewhere?", a->veth);
        if (r < 0)
                return log_error_errno(r, "making veth %s", a->veth);
        if ((host = index_of(a->veth, "veth")) < 0)
                return host;
        if (a->zone_bridge && (master = zone_bridge(nl, a)) < 0)
                return master;
        (void) sysctl_link("ipv6", a->veth, "accept_ra", "0");
        if (master) {
                if ((r = link_set_master(nl, host, master)) < 0)
                        return log_error_errno(r, "putting %s on its bridge", a->veth);
        } else
                for (unsigned i = 0; i < a->n_host_addr; i++)
                        if ((r = addr_add(nl, host, &a->host_addr[i])) < 0)
                                return log_error_errno(r, "an address on %s", a->veth);
        if ((r = link_up(nl, host)) < 0)
                return log_error_errno(r, "bringing %s up", a->veth);
        /* DNAT from 127.0.0.1 and ::1 to the machine. */
        if (a->rules.n_ports) {
                int link = master && a->zone_bridge ? master : host;
                if ((r = sysctl_link("ipv4", a->rules.link, "route_localnet", "1")) < 0)
                        return r;
                if ((r = route_add_loopback6(nl, link)) < 0)
                        return log_error_errno(r, "a route for ::1 on %s", a->rules.link);
        }
        if (a->rate && (r = rate_limit(nl, a, host)) < 0)
                return r;
        return 0;
}

/* --network-interface, -macvlan, -ipvlan, -veth-extra: links of the host
 * the machine gets, or gets a link on. */
static int other_links(struct nl *nl, const struct net_args *a, int netns)
{
        char name[IFNAMSIZ + 4];
        int r, idx;

        for (unsigned i = 0; i < a->n_interfaces; i++) {
                if ((idx = index_of(a->interfaces[i], "--network-interface=")) < 0)
                        return idx;
                if ((r = link_move(nl, idx, netns, NULL)) < 0)
                        return log_error_errno(r, "--network-interface=%s: moving it into the machine",
                                               a->interfaces[i]);
        }
        for (int ip = 0; ip < 2; ip++)
                for (unsigned i = 0; i < (ip ? a->n_ipvlan : a->n_macvlan); i++) {
                        const char *lower = ip ? a->ipvlan[i] : a->macvlan[i];
                        if ((idx = index_of(lower, ip ? "--network-ipvlan=" : "--network-macvlan=")) < 0)
                                return idx;
                        snprintf(name, sizeof(name), "%s%s", ip ? "iv-" : "mv-", lower);
                        r = link_stacked_add(nl, ip ? "ipvlan" : "macvlan", idx, name, netns);
                        if (r == -EOPNOTSUPP)
                                return log_error_ret(r, "--network-%s=%s: the kernel has no %s",
                                                     ip ? "ipvlan" : "macvlan", lower, ip ? "ipvlan" : "macvlan");
                        if (r < 0)
                                return log_error_errno(r, "--network-%s=%s", ip ? "ipvlan" : "macvlan", lower);
                }
        for (unsigned i = 0; i < a->n_veth_extra; i++) {
                char host[IFNAMSIZ + 1];
                const char *colon = strchr(a->veth_extra[i], ':');
                snprintf(host, sizeof(host), "%.*s", colon ? (int) (colon - a->veth_extra[i]) : IFNAMSIZ,
                         a->veth_extra[i]);
                r = veth_add(nl, host, NULL, colon ? colon + 1 : host, NULL, netns);
                if (r < 0)
                        return log_error_errno(r, "--network-veth-extra=%s", a->veth_extra[i]);
                if ((idx = index_of(host, "veth")) < 0 || (r = link_up(nl, idx)) < 0)
                        return log_error_errno(idx < 0 ? idx : r, "bringing %s up", host);
        }
        return 0;
}

/* In the machine's namespace: lo and host0 up, addresses, default routes. */
static int inside(const struct net_args *a, int netns)
{
        struct nl nl = {};
        int r, lo, host0;

        if (setns(netns, CLONE_NEWNET) < 0)
                return log_error_errno(-errno, "entering the machine's network namespace");
        if ((r = nl_open(&nl)) < 0)
                return log_error_errno(r, "netlink in the machine");
        if ((lo = index_of("lo", "the machine's")) < 0 || (r = link_up(&nl, lo)) < 0) {
                nl_close(&nl);
                return lo < 0 ? lo : log_error_errno(r, "bringing lo up in the machine");
        }
        if (!a->veth)
                goto done;
        if ((host0 = index_of("host0", "the machine's")) < 0) {
                r = host0;
                goto done;
        }
        (void) sysctl_link("ipv6", "host0", "accept_ra", "0");
        for (unsigned i = 0; i < a->n_addr && r >= 0; i++)
                if ((r = addr_add(&nl, host0, &a->addr[i])) < 0)
                        log_error_errno(r, "an address on host0");
        if (r >= 0 && (r = link_up(&nl, host0)) < 0)
                log_error_errno(r, "bringing host0 up");
        for (unsigned i = 0; i < a->n_gateway && r >= 0; i++)
                if ((r = route_add_default(&nl, host0, &a->gateway[i])) < 0)
                        log_error_errno(r, "the default route in the machine");
done:
        nl_close(&nl);
        return r < 0 ? r : 0;
}

int net_up(const struct net_args *a)
{
        _cleanup_close_ int netns = -1;
        char path[64];
        struct nl nl = {};
        int r;

        snprintf(path, sizeof(path), "/proc/%d/ns/net", a->pid);
        netns = open(path, O_RDONLY | O_CLOEXEC);
        if (netns < 0)
                return log_error_errno(-errno, "opening %s", path);
        if ((r = nl_open(&nl)) < 0)
                return log_error_errno(r, "netlink");
        r = a->veth ? host_side(&nl, a, netns) : 0;
        if (r >= 0)
                r = other_links(&nl, a, netns);
        nl_close(&nl);
        if (r >= 0 && (a->rules.n_masquerade || a->rules.n_ports))
                r = rules_apply(&a->rules);
        if (r >= 0)
                r = inside(a, netns);
        return r;
}

static void link_remove(struct nl *nl, const char *name)
{
        int idx = (int) if_nametoindex(name), r;

        if (idx > 0 && (r = link_del(nl, idx)) < 0 && r != -ENODEV)
                log_warning_errno(r, "removing %s", name);
}

int net_down(const struct net_args *a)
{
        struct nl nl = {};
        int r;

        r = rules_remove(a->machine);
        if (nl_open(&nl) < 0)
                return log_error_errno(-errno, "netlink");
        if (a->veth) {
                char ifb[IFNAMSIZ];
                ifb_name(a->veth, ifb);
                link_remove(&nl, ifb);
        }
        /* After the machine's end its veths go with its network namespace,
         * off the stop's path (a veth's removal waits ~20 ms for RCU). */
        if (a->veth && !a->machine_gone)
                link_remove(&nl, a->veth);
        for (unsigned i = 0; i < a->n_veth_extra && !a->machine_gone; i++) {
                char host[IFNAMSIZ + 1];
                snprintf(host, sizeof(host), "%.*s", (int) strcspn(a->veth_extra[i], ":"), a->veth_extra[i]);
                link_remove(&nl, host);
        }
        if (a->zone_bridge) {
                int br = (int) if_nametoindex(a->zone_bridge), own = 0;
                /* The machine's own veth, going, does not count. */
                if (a->veth && if_nametoindex(a->veth) > 0)
                        own = 1;
                if (br > 0 && link_count_ports(&nl, br) <= own)
                        link_remove(&nl, a->zone_bridge);
        }
        nl_close(&nl);
        return r;
}
