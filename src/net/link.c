/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "link.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <string.h>

static struct ifinfomsg *link_msg(struct nl *nl, uint16_t type, uint16_t flags, int ifindex, struct nlmsghdr **h)
{
        struct ifinfomsg *ifi;

        *h = nl_request(nl, type, flags);
        ifi = mnl_nlmsg_put_extra_header(*h, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = ifindex;
        return ifi;
}

static void put_name_mac(struct nlmsghdr *h, const char *name, const uint8_t *mac)
{
        mnl_attr_put_strz(h, IFLA_IFNAME, name);
        if (mac)
                mnl_attr_put(h, IFLA_ADDRESS, 6, mac);
}

int link_veth_add(struct nl *nl, const char *host, const uint8_t *host_mac, const char *peer,
                  const uint8_t *peer_mac, int netns_fd)
{
        struct nlmsghdr *h;
        struct nlattr *info, *data, *peer_attr;

        link_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, &h);
        put_name_mac(h, host, host_mac);
        info = mnl_attr_nest_start(h, IFLA_LINKINFO);
        mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
        data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
        peer_attr = mnl_attr_nest_start(h, VETH_INFO_PEER);
        /* The peer's own ifinfomsg, then its attributes. */
        struct ifinfomsg *pi = mnl_nlmsg_put_extra_header(h, sizeof(*pi));
        memset(pi, 0, sizeof(*pi));
        put_name_mac(h, peer, peer_mac);
        if (netns_fd >= 0)
                mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t) netns_fd);
        mnl_attr_nest_end(h, peer_attr);
        mnl_attr_nest_end(h, data);
        mnl_attr_nest_end(h, info);
        return nl_talk(nl, h, NULL, NULL);
}

int link_simple_add(struct nl *nl, const char *name, const char *kind)
{
        struct nlmsghdr *h;
        struct nlattr *info;

        link_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, &h);
        mnl_attr_put_strz(h, IFLA_IFNAME, name);
        info = mnl_attr_nest_start(h, IFLA_LINKINFO);
        mnl_attr_put_strz(h, IFLA_INFO_KIND, kind);
        mnl_attr_nest_end(h, info);
        return nl_talk(nl, h, NULL, NULL);
}

int link_stacked_add(struct nl *nl, const char *kind, int lower, const char *name, int netns_fd)
{
        struct nlmsghdr *h;
        struct nlattr *info, *data;
        bool macvlan = strcmp(kind, "macvlan") == 0;

        link_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, &h);
        mnl_attr_put_strz(h, IFLA_IFNAME, name);
        mnl_attr_put_u32(h, IFLA_LINK, (uint32_t) lower);
        mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t) netns_fd);
        info = mnl_attr_nest_start(h, IFLA_LINKINFO);
        mnl_attr_put_strz(h, IFLA_INFO_KIND, kind);
        data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
        if (macvlan)
                mnl_attr_put_u32(h, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
        else
                mnl_attr_put_u16(h, IFLA_IPVLAN_MODE, IPVLAN_MODE_L2);
        mnl_attr_nest_end(h, data);
        mnl_attr_nest_end(h, info);
        return nl_talk(nl, h, NULL, NULL);
}

int link_up(struct nl *nl, int ifindex)
{
        struct nlmsghdr *h;
        struct ifinfomsg *ifi = link_msg(nl, RTM_NEWLINK, 0, ifindex, &h);

        ifi->ifi_flags = IFF_UP;
        ifi->ifi_change = IFF_UP;
        return nl_talk(nl, h, NULL, NULL);
}

int link_set_master(struct nl *nl, int ifindex, int master)
{
        struct nlmsghdr *h;

        link_msg(nl, RTM_NEWLINK, 0, ifindex, &h);
        mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t) master);
        return nl_talk(nl, h, NULL, NULL);
}

int link_move(struct nl *nl, int ifindex, int netns_fd, const char *new_name)
{
        struct nlmsghdr *h;

        link_msg(nl, RTM_NEWLINK, 0, ifindex, &h);
        mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t) netns_fd);
        if (new_name)
                mnl_attr_put_strz(h, IFLA_IFNAME, new_name);
        return nl_talk(nl, h, NULL, NULL);
}

int link_del(struct nl *nl, int ifindex)
{
        struct nlmsghdr *h;

        link_msg(nl, RTM_DELLINK, 0, ifindex, &h);
        return nl_talk(nl, h, NULL, NULL);
}

struct link_query {
        int master;
        int count;
        int is_bridge;
};

/* Attributes by type into tb, up to max. */
struct attr_table {
        const struct nlattr **tb;
        unsigned max;
};

static int attr_cb(const struct nlattr *a, void *data)
{
        const struct attr_table *t = data;

        if (mnl_attr_type_valid(a, (uint16_t) t->max) > 0)
                t->tb[mnl_attr_get_type(a)] = a;
        return MNL_CB_OK;
}

static int query_cb(const struct nlmsghdr *h, void *data)
{
        struct link_query *q = data;
        const struct nlattr *tb[IFLA_MAX + 1] = {}, *info[IFLA_INFO_MAX + 1] = {};

        mnl_attr_parse(h, sizeof(struct ifinfomsg), attr_cb, &(struct attr_table) { tb, IFLA_MAX });
        if (q->master && tb[IFLA_MASTER] && (int) mnl_attr_get_u32(tb[IFLA_MASTER]) == q->master)
                q->count++;
        if (tb[IFLA_LINKINFO]) {
                mnl_attr_parse_nested(tb[IFLA_LINKINFO], attr_cb, &(struct attr_table) { info, IFLA_INFO_MAX });
                if (info[IFLA_INFO_KIND] && strcmp(mnl_attr_get_str(info[IFLA_INFO_KIND]), "bridge") == 0)
                        q->is_bridge = 1;
        }
        return MNL_CB_OK;
}

int link_count_ports(struct nl *nl, int master)
{
        struct link_query q = { .master = master };
        struct nlmsghdr *h;
        int r;

        link_msg(nl, RTM_GETLINK, NLM_F_DUMP, 0, &h);
        r = nl_talk(nl, h, query_cb, &q);
        return r < 0 ? r : q.count;
}

int link_is_bridge(struct nl *nl, int ifindex)
{
        struct link_query q = {};
        struct nlmsghdr *h;
        int r;

        link_msg(nl, RTM_GETLINK, 0, ifindex, &h);
        r = nl_talk(nl, h, query_cb, &q);
        return r < 0 ? r : q.is_bridge;
}
