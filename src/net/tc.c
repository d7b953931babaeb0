/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tc.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/* Kernel time units per microsecond, from /proc/net/psched as tc(8) reads
 * it: tbf's buffer is given in those. */
static double ticks_per_usec(void)
{
        unsigned t2us = 0, us2t = 0, res = 0;
        FILE *f = fopen("/proc/net/psched", "re");
        double tick = 1.0;

        if (f) {
                if (fscanf(f, "%x %x %x", &t2us, &us2t, &res) == 3 && us2t && res) {
                        if (res == 1000000000)
                                t2us = us2t;
                        tick = (double) t2us / us2t * ((double) res / 1e6);
                }
                fclose(f);
        }
        return tick;
}

static struct tcmsg *tc_msg(struct nl *nl, uint16_t type, int ifindex, uint32_t parent, uint32_t handle,
                            struct nlmsghdr **h)
{
        struct tcmsg *t;

        *h = nl_request(nl, type, NLM_F_CREATE | NLM_F_EXCL);
        t = mnl_nlmsg_put_extra_header(*h, sizeof(*t));
        t->tcm_family = AF_UNSPEC;
        t->tcm_ifindex = ifindex;
        t->tcm_parent = parent;
        t->tcm_handle = handle;
        return t;
}

static int tbf_add(struct nl *nl, int ifindex, uint64_t rate, uint64_t burst)
{
        struct tc_tbf_qopt q = {};
        struct nlmsghdr *h;
        struct nlattr *opts;
        /* Queue what 50 ms at the rate send, and a burst beyond it. */
        uint64_t limit = rate / 20 + burst;

        tc_msg(nl, RTM_NEWQDISC, ifindex, TC_H_ROOT, 0x10000, &h);
        mnl_attr_put_strz(h, TCA_KIND, "tbf");
        q.rate.rate = rate > UINT32_MAX ? UINT32_MAX : (uint32_t) rate;
        q.rate.linklayer = TC_LINKLAYER_ETHERNET;
        q.limit = limit > UINT32_MAX ? UINT32_MAX : (uint32_t) limit;
        q.buffer = (uint32_t) ((double) burst * 1e6 / (double) rate * ticks_per_usec());
        opts = mnl_attr_nest_start(h, TCA_OPTIONS);
        mnl_attr_put(h, TCA_TBF_PARMS, sizeof(q), &q);
        if (rate > UINT32_MAX)
                mnl_attr_put_u64(h, TCA_TBF_RATE64, rate);
        mnl_attr_put_u32(h, TCA_TBF_BURST, burst > UINT32_MAX ? UINT32_MAX : (uint32_t) burst);
        mnl_attr_nest_end(h, opts);
        return nl_talk(nl, h, NULL, NULL);
}

static int ingress_add(struct nl *nl, int ifindex)
{
        struct nlmsghdr *h;

        tc_msg(nl, RTM_NEWQDISC, ifindex, TC_H_INGRESS, 0xffff0000, &h);
        mnl_attr_put_strz(h, TCA_KIND, "ingress");
        return nl_talk(nl, h, NULL, NULL);
}

/* u32 matching every packet, its action mirred: redirect to ifb_index. */
static int redirect_add(struct nl *nl, int ifindex, int ifb_index)
{
        struct {
                struct tc_u32_sel sel;
                struct tc_u32_key key;
        } sel = { .sel = { .flags = TC_U32_TERMINAL, .nkeys = 1 } };
        struct tc_mirred m = { .action = TC_ACT_STOLEN, .eaction = TCA_EGRESS_REDIR, .ifindex = (uint32_t) ifb_index };
        struct nlmsghdr *h;
        struct tcmsg *t = tc_msg(nl, RTM_NEWTFILTER, ifindex, 0xffff0000, 0, &h);
        struct nlattr *opts, *acts, *act, *aopts;

        t->tcm_info = TC_H_MAKE(1u << 16, htons(ETH_P_ALL));
        mnl_attr_put_strz(h, TCA_KIND, "u32");
        opts = mnl_attr_nest_start(h, TCA_OPTIONS);
        mnl_attr_put(h, TCA_U32_SEL, sizeof(sel), &sel);
        acts = mnl_attr_nest_start(h, TCA_U32_ACT);
        act = mnl_attr_nest_start(h, 1);
        mnl_attr_put_strz(h, TCA_ACT_KIND, "mirred");
        aopts = mnl_attr_nest_start(h, TCA_ACT_OPTIONS);
        mnl_attr_put(h, TCA_MIRRED_PARMS, sizeof(m), &m);
        mnl_attr_nest_end(h, aopts);
        mnl_attr_nest_end(h, act);
        mnl_attr_nest_end(h, acts);
        mnl_attr_nest_end(h, opts);
        return nl_talk(nl, h, NULL, NULL);
}

int tc_rate_limit(struct nl *nl, int ifindex, int ifb_index, uint64_t rate, uint64_t burst)
{
        int r;

        if ((r = tbf_add(nl, ifindex, rate, burst)) < 0)
                return log_error_errno(r, "a token bucket on the host side");
        if ((r = tbf_add(nl, ifb_index, rate, burst)) < 0)
                return log_error_errno(r, "a token bucket on the ifb link");
        if ((r = ingress_add(nl, ifindex)) < 0)
                return log_error_errno(r, "an ingress qdisc on the host side");
        if ((r = redirect_add(nl, ifindex, ifb_index)) < 0)
                return log_error_errno(r, "redirecting the machine's packets to the ifb link");
        return 0;
}
