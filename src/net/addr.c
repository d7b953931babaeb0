/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int net_addr_parse(const char *s, bool prefix_ok, struct net_addr *ret)
{
        char buf[INET6_ADDRSTRLEN + 8], *slash, *a = buf;
        struct net_addr n = {};
        size_t len = strlen(s);

        if (len == 0 || len >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, len + 1);
        slash = strchr(buf, '/');
        if (slash) {
                char *end;
                unsigned long p;
                if (!prefix_ok || !slash[1])
                        return -EINVAL;
                *slash = 0;
                errno = 0;
                p = strtoul(slash + 1, &end, 10);
                if (errno || *end || slash[1] < '0' || slash[1] > '9' || p > 128)
                        return -EINVAL;
                n.plen = (unsigned) p;
        }
        if (a[0] == '[') {
                size_t k = strlen(a);
                if (k < 3 || a[k - 1] != ']')
                        return -EINVAL;
                a[k - 1] = 0;
                a++;
                n.family = AF_INET6;
                if (inet_pton(AF_INET6, a, &n.v6) != 1)
                        return -EINVAL;
        } else if (inet_pton(AF_INET, a, &n.v4) == 1)
                n.family = AF_INET;
        else if (inet_pton(AF_INET6, a, &n.v6) == 1)
                n.family = AF_INET6;
        else
                return -EINVAL;
        unsigned max = n.family == AF_INET ? 32 : 128;
        if (!slash)
                n.plen = max;
        else if (n.plen > max)
                return -EINVAL;
        *ret = n;
        return 0;
}

void net_addr_format(const struct net_addr *a, char *buf, size_t size)
{
        char t[INET6_ADDRSTRLEN];
        unsigned max = a->family == AF_INET ? 32 : 128;

        inet_ntop(a->family, a->bytes, t, sizeof(t));
        if (a->plen == max)
                snprintf(buf, size, "%s", t);
        else
                snprintf(buf, size, "%s/%u", t, a->plen);
}

static size_t addr_len(const struct net_addr *a)
{
        return a->family == AF_INET ? 4 : 16;
}

int addr_add(struct nl *nl, int ifindex, const struct net_addr *a)
{
        struct nlmsghdr *h = nl_request(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
        struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));

        ifa->ifa_family = (unsigned char) a->family;
        ifa->ifa_prefixlen = (unsigned char) a->plen;
        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
        ifa->ifa_index = (unsigned) ifindex;
        if (a->family == AF_INET6)
                ifa->ifa_flags = IFA_F_NODAD;
        mnl_attr_put(h, IFA_LOCAL, addr_len(a), a->bytes);
        mnl_attr_put(h, IFA_ADDRESS, addr_len(a), a->bytes);
        if (a->family == AF_INET6)
                mnl_attr_put_u32(h, IFA_FLAGS, IFA_F_NODAD);
        else if (a->plen < 31) {
                /* The subnet's broadcast, as `ip addr add ... brd +` and
                 * systemd-networkd set it: networkd refuses to take over
                 * an address without it (ERANGE). */
                uint32_t host_bits = (1u << (32 - a->plen)) - 1;
                struct in_addr brd = { .s_addr = a->v4.s_addr | htonl(host_bits) };
                mnl_attr_put(h, IFA_BROADCAST, sizeof(brd), &brd);
        }
        return nl_talk(nl, h, NULL, NULL);
}

int route_add_loopback6(struct nl *nl, int ifindex)
{
        struct nlmsghdr *h = nl_request(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
        struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof(*rt));
        int r;

        rt->rtm_family = AF_INET6;
        rt->rtm_dst_len = 128;
        rt->rtm_table = RT_TABLE_LOCAL;
        rt->rtm_protocol = RTPROT_STATIC;
        rt->rtm_scope = RT_SCOPE_HOST;
        rt->rtm_type = RTN_LOCAL;
        mnl_attr_put(h, RTA_DST, sizeof(in6addr_loopback), &in6addr_loopback);
        mnl_attr_put_u32(h, RTA_OIF, (uint32_t) ifindex);
        /* Apart from lo's own ::1 route, which stays as it is. */
        mnl_attr_put_u32(h, RTA_PRIORITY, 1024);
        r = nl_talk(nl, h, NULL, NULL);
        /* A zone's bridge has it from its first machine. */
        return r == -EEXIST ? 0 : r;
}

int route_add_default(struct nl *nl, int ifindex, const struct net_addr *gw)
{
        struct nlmsghdr *h = nl_request(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
        struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof(*rt));

        rt->rtm_family = (unsigned char) gw->family;
        rt->rtm_dst_len = 0;
        rt->rtm_table = RT_TABLE_MAIN;
        rt->rtm_protocol = RTPROT_STATIC;
        rt->rtm_scope = RT_SCOPE_UNIVERSE;
        rt->rtm_type = RTN_UNICAST;
        mnl_attr_put(h, RTA_GATEWAY, addr_len(gw), gw->bytes);
        mnl_attr_put_u32(h, RTA_OIF, (uint32_t) ifindex);
        return nl_talk(nl, h, NULL, NULL);
}
