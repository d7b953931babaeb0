/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "rules.h"

#include <errno.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "log.h"

static const char *const chain_kinds[] = { "raw", "pre", "out", "post", "fwd" };

int net_port_parse(const char *s, struct net_port *ret)
{
        struct net_port p = {};
        const char *a, *colon;
        char addr[INET6_ADDRSTRLEN + 3], *end;
        unsigned long hp, mp;

        if (strncmp(s, "tcp:", 4) == 0)
                p.protocol = IPPROTO_TCP;
        else if (strncmp(s, "udp:", 4) == 0)
                p.protocol = IPPROTO_UDP;
        else
                return -EINVAL;
        errno = 0;
        hp = strtoul(s + 4, &end, 10);
        if (errno || end == s + 4 || *end != ':' || hp == 0 || hp > 65535)
                return -EINVAL;
        a = end + 1;
        colon = strrchr(a, ':');
        if (!colon || (size_t) (colon - a) >= sizeof(addr))
                return -EINVAL;
        memcpy(addr, a, (size_t) (colon - a));
        addr[colon - a] = 0;
        if (net_addr_parse(addr, false, &p.to) < 0 || (p.to.family == AF_INET6 && addr[0] != '['))
                return -EINVAL;
        mp = strtoul(colon + 1, &end, 10);
        if (errno || end == colon + 1 || *end || mp == 0 || mp > 65535)
                return -EINVAL;
        p.host_port = (uint16_t) hp;
        p.machine_port = (uint16_t) mp;
        *ret = p;
        return 0;
}

struct script {
        FILE *f;
        char *buf;
        size_t size;
};

static void chains(FILE *f, const char *m)
{
        static const char *const hooks[] = {
                "type filter hook prerouting priority raw",
                "type nat hook prerouting priority dstnat",
                "type nat hook output priority -100",
                "type nat hook postrouting priority srcnat",
                "type filter hook forward priority filter",
        };

        fputs("add table inet berth\n", f);
        for (size_t i = 0; i < ELEMENTSOF(chain_kinds); i++)
                fprintf(f, "add chain inet berth m-%s-%s { %s; policy accept; }\n", m, chain_kinds[i], hooks[i]);
}

static void port_rules(FILE *f, const struct rules_spec *s)
{
        for (unsigned i = 0; i < s->n_ports; i++) {
                const struct net_port *p = &s->ports[i];
                const char *proto = p->protocol == IPPROTO_UDP ? "udp" : "tcp";
                bool v6 = p->to.family == AF_INET6;
                char to[INET6_ADDRSTRLEN + 8];

                net_addr_format(&p->to, to, sizeof(to));
                /* From other hosts, and from the host itself (127.0.0.1,
                 * ::1 and its own addresses). */
                for (int out = 0; out < 2; out++)
                        fprintf(f,
                                "add rule inet berth m-%s-%s meta nfproto %s fib daddr type local %s dport %u "
                                "dnat %s to %s%s%s:%u\n",
                                s->machine, out ? "out" : "pre", v6 ? "ipv6" : "ipv4", proto, p->host_port,
                                v6 ? "ip6" : "ip", v6 ? "[" : "", to, v6 ? "]" : "", p->machine_port);
                /* A connection from loopback leaves with the host side's
                 * address: the machine would drop a source of 127.0.0.1/::1. */
                fprintf(f, "add rule inet berth m-%s-post %s saddr %s %s daddr %s %s dport %u masquerade\n",
                        s->machine, v6 ? "ip6" : "ip", v6 ? "::1" : "127.0.0.0/8", v6 ? "ip6" : "ip", to, proto,
                        p->machine_port);
        }
}

char *rules_text(const struct rules_spec *s)
{
        struct script sc = {};
        static const char *const kinds[] = { "ve-*", "vz-*", "vb-*" };

        sc.f = open_memstream(&sc.buf, &sc.size);
        if (!sc.f)
                return NULL;
        chains(sc.f, s->machine);
        for (unsigned i = 0; i < s->n_masquerade; i++) {
                const char *fam = s->masquerade[i].family == AF_INET6 ? "ip6" : "ip";
                char net[INET6_ADDRSTRLEN + 8];
                net_addr_format(&s->masquerade[i], net, sizeof(net));
                fprintf(sc.f, "add rule inet berth m-%s-post %s saddr %s %s daddr != %s masquerade\n", s->machine, fam,
                        net, fam, net);
        }
        port_rules(sc.f, s);
        /* Loopback is the host's: route_localnet and the ::1 route on the
         * link, there for replies to forwarded ports, let nothing the
         * machine sends to 127.0.0.0/8 or ::1 in (seen before NAT). */
        fprintf(sc.f, "add rule inet berth m-%s-raw iifname \"%s\" ip daddr 127.0.0.0/8 drop\n", s->machine, s->link);
        fprintf(sc.f, "add rule inet berth m-%s-raw iifname \"%s\" ip6 daddr ::1 drop\n", s->machine, s->link);
        /* Machines of other zones and veths do not reach this one, but a
         * port it forwards is the host's and open to them. */
        fprintf(sc.f, "add rule inet berth m-%s-fwd oifname \"%s\" ct status dnat accept\n", s->machine, s->link);
        for (size_t i = 0; i < 3; i++)
                fprintf(sc.f, "add rule inet berth m-%s-fwd oifname \"%s\" iifname != \"%s\" iifname \"%s\" drop\n",
                        s->machine, s->link, s->link, kinds[i]);
        if (fclose(sc.f) != 0) {
                free(sc.buf);
                return NULL;
        }
        return sc.buf;
}

static struct nft_ctx *nft_open(void)
{
        struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);

        if (!ctx)
                return NULL;
        nft_ctx_buffer_output(ctx);
        nft_ctx_buffer_error(ctx);
        return ctx;
}

/* The first line of nft's error, for a one-line message. */
static const char *nft_error(struct nft_ctx *ctx, char *buf, size_t size)
{
        const char *e = nft_ctx_get_error_buffer(ctx);

        snprintf(buf, size, "%s", e && e[0] ? e : "nft failed");
        buf[strcspn(buf, "\n")] = 0;
        return buf;
}

int rules_apply(const struct rules_spec *spec)
{
        char *text = rules_text(spec), err[512];
        struct nft_ctx *ctx;
        int r = 0;

        if (!text)
                return log_oom();
        ctx = nft_open();
        if (!ctx)
                r = log_oom();
        else if (nft_run_cmd_from_buffer(ctx, text) != 0)
                r = log_error_ret(-EPROTO, "putting the packet rules of %s in: %s", spec->machine,
                                  nft_error(ctx, err, sizeof(err)));
        if (ctx)
                nft_ctx_free(ctx);
        free(text);
        return r;
}

/* Each command that fails costs libnftables an error path of ~10 ms: look
 * first, then delete what is there in one transaction. */
int rules_remove(const char *machine)
{
        struct nft_ctx *ctx = nft_open();
        char name[200], err[512];
        char *batch = NULL;
        size_t size = 0;
        bool others = false;
        int r = 0;

        if (!ctx)
                return log_oom();
        if (nft_run_cmd_from_buffer(ctx, "list tables inet") != 0 ||
            !strstr(nft_ctx_get_output_buffer(ctx) ?: "", "table inet berth\n"))
                goto done;
        if (nft_run_cmd_from_buffer(ctx, "list table inet berth") != 0)
                goto done;
        const char *out = nft_ctx_get_output_buffer(ctx) ?: "";
        FILE *f = open_memstream(&batch, &size);
        if (!f) {
                r = log_oom();
                goto done;
        }
        unsigned ours = 0, all = 0;
        for (const char *c = out; (c = strstr(c, "\tchain ")); c += 7, all++)
                for (size_t i = 0; i < ELEMENTSOF(chain_kinds); i++) {
                        snprintf(name, sizeof(name), "\tchain m-%s-%s {", machine, chain_kinds[i]);
                        if (strncmp(c, name, strlen(name)) == 0) {
                                fprintf(f, "delete chain inet berth m-%s-%s\n", machine, chain_kinds[i]);
                                ours++;
                        }
                }
        others = all > ours;
        /* The table goes with the last machine's chains. */
        if (!others)
                fputs("delete table inet berth\n", f);
        if (fclose(f) != 0) {
                r = log_oom();
                goto done;
        }
        if ((ours || !others) && nft_run_cmd_from_buffer(ctx, batch) != 0)
                r = log_error_ret(-EPROTO, "removing the packet rules of %s: %s", machine,
                                  nft_error(ctx, err, sizeof(err)));
done:
        free(batch);
        nft_ctx_free(ctx);
        return r;
}
