/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "net-args.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "name.h"
#include "util.h"

int net_mac_parse(const char *s, uint8_t ret[6])
{
        unsigned b[6];
        int n = 0;

        if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &n) != 6 ||
            n != 17)
                return -EINVAL;
        for (int i = 0; i < 6; i++)
                ret[i] = (uint8_t) b[i];
        return 0;
}

static int macs(const char *s, struct net_args *a)
{
        const char *comma = strchr(s, ',');
        char host[18];

        if (!comma || comma - s != 17)
                return -EINVAL;
        memcpy(host, s, 17);
        host[17] = 0;
        if (net_mac_parse(host, a->mac_host) < 0 || net_mac_parse(comma + 1, a->mac_machine) < 0)
                return -EINVAL;
        a->have_mac = true;
        return 0;
}

static int addr_list(const char *s, bool prefix, struct net_addr *list, unsigned *n)
{
        if (*n >= NET_ADDRS_MAX)
                return -E2BIG;
        if (net_addr_parse(s, prefix, &list[*n]) < 0)
                return -EINVAL;
        (*n)++;
        return 0;
}

static int link_list(const char *s, const char **list, unsigned *n)
{
        if (*n >= NET_LINKS_MAX)
                return -E2BIG;
        if (!s[0] || strlen(s) > 31)
                return -EINVAL;
        list[(*n)++] = s;
        return 0;
}

static int rate(const char *s, struct net_args *a)
{
        char *end;

        errno = 0;
        a->rate = strtoull(s, &end, 10);
        if (errno || end == s || *end != ':' || a->rate == 0)
                return -EINVAL;
        s = end + 1;
        a->burst = strtoull(s, &end, 10);
        if (errno || end == s || *end || a->burst == 0)
                return -EINVAL;
        return 0;
}

enum {
        ARG_VETH = 0x100, ARG_MAC, ARG_BRIDGE, ARG_ZONE_BRIDGE, ARG_HOST_ADDRESS, ARG_ADDRESS, ARG_GATEWAY,
        ARG_MASQUERADE, ARG_PORT, ARG_RATE, ARG_INTERFACE, ARG_MACVLAN, ARG_IPVLAN, ARG_VETH_EXTRA, ARG_MACHINE_GONE,
};

static const struct option options[] = {
        { "veth", required_argument, NULL, ARG_VETH },
        { "mac", required_argument, NULL, ARG_MAC },
        { "bridge", required_argument, NULL, ARG_BRIDGE },
        { "zone-bridge", required_argument, NULL, ARG_ZONE_BRIDGE },
        { "host-address", required_argument, NULL, ARG_HOST_ADDRESS },
        { "address", required_argument, NULL, ARG_ADDRESS },
        { "gateway", required_argument, NULL, ARG_GATEWAY },
        { "masquerade", required_argument, NULL, ARG_MASQUERADE },
        { "port", required_argument, NULL, ARG_PORT },
        { "rate", required_argument, NULL, ARG_RATE },
        { "interface", required_argument, NULL, ARG_INTERFACE },
        { "macvlan", required_argument, NULL, ARG_MACVLAN },
        { "ipvlan", required_argument, NULL, ARG_IPVLAN },
        { "veth-extra", required_argument, NULL, ARG_VETH_EXTRA },
        { "machine-gone", no_argument, NULL, ARG_MACHINE_GONE },
        {}
};

static int one(int c, const char *v, struct net_args *a)
{
        struct rules_spec *rs = &a->rules;

        switch (c) {
        case ARG_VETH:
                return link_list(v, &a->veth, &(unsigned) { 0 });
        case ARG_MAC:
                return macs(v, a);
        case ARG_BRIDGE:
                return link_list(v, &a->bridge, &(unsigned) { 0 });
        case ARG_ZONE_BRIDGE:
                return link_list(v, &a->zone_bridge, &(unsigned) { 0 });
        case ARG_HOST_ADDRESS:
                return addr_list(v, true, a->host_addr, &a->n_host_addr);
        case ARG_ADDRESS:
                return addr_list(v, true, a->addr, &a->n_addr);
        case ARG_GATEWAY:
                return addr_list(v, false, a->gateway, &a->n_gateway);
        case ARG_MASQUERADE:
                if (rs->n_masquerade >= RULES_SUBNETS_MAX)
                        return -E2BIG;
                return net_addr_parse(v, true, &rs->masquerade[rs->n_masquerade++]);
        case ARG_PORT:
                if (rs->n_ports >= RULES_PORTS_MAX)
                        return -E2BIG;
                return net_port_parse(v, &rs->ports[rs->n_ports++]);
        case ARG_RATE:
                return rate(v, a);
        case ARG_INTERFACE:
                return link_list(v, a->interfaces, &a->n_interfaces);
        case ARG_MACVLAN:
                return link_list(v, a->macvlan, &a->n_macvlan);
        case ARG_IPVLAN:
                return link_list(v, a->ipvlan, &a->n_ipvlan);
        case ARG_VETH_EXTRA:
                return link_list(v, a->veth_extra, &a->n_veth_extra);
        case ARG_MACHINE_GONE:
                a->machine_gone = true;
                return 0;
        }
        return -EINVAL;
}

int net_args_parse(int argc, char **argv, struct net_args *a)
{
        int c;

        memset(a, 0, sizeof(*a));
        if (argc < 3 || (!streq(argv[1], "up") && !streq(argv[1], "down")))
                return log_invalid("usage: berth-net up NAME PID [OPTIONS] | berth-net down NAME [OPTIONS]");
        a->up = streq(argv[1], "up");
        a->machine = argv[2];
        if (!machine_name_valid(a->machine))
                return log_invalid("not a machine name: %s", a->machine);
        if (a->up) {
                unsigned pid;
                if (argc < 4 || parse_uint(argv[3], &pid) < 0 || pid < 2)
                        return log_invalid("berth-net up %s: not a PID: %s", a->machine, argc < 4 ? "" : argv[3]);
                a->pid = (int) pid;
        }
        optind = a->up ? 4 : 3;
        opterr = 0;
        /* The options follow the operands: parse from there, in order. */
        while ((c = getopt_long(argc, argv, "+", options, NULL)) != -1) {
                if (c == '?' || c == ':')
                        return log_invalid("berth-net: unknown or incomplete option %s", argv[optind - 1]);
                int r = one(c, optarg, a);
                if (r == -E2BIG)
                        return log_invalid("berth-net: too many %s", argv[optind - 1]);
                if (r < 0)
                        return log_invalid("berth-net: not a valid value: %s", argv[optind - 1]);
        }
        if (optind < argc)
                return log_invalid("berth-net: unexpected argument %s", argv[optind]);
        if (a->bridge && a->zone_bridge)
                return log_invalid("berth-net: --bridge and --zone-bridge exclude each other");
        if ((a->bridge || a->zone_bridge || a->have_mac || a->n_addr || a->rate) && !a->veth)
                return log_invalid("berth-net: --bridge, --zone-bridge, --mac, --address and --rate need --veth");
        a->rules.machine = a->machine;
        a->rules.link = a->zone_bridge ? a->zone_bridge : a->veth;
        return 0;
}
