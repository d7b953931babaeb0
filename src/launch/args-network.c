/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The network options, as systemd-nspawn spells them, and berth's own
 * --network-rate= and --network-address-pool=: checked for form here
 * (interface names, ports, rates); whether a bridge or an interface
 * exists is checked when the machine starts. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "option-parse.h"
#include "options.h"
#include "util.h"

/* A name the kernel takes for a link: 1-15 bytes, no '/', ':', blank. */
static bool ifname_valid(const char *n, size_t max)
{
        size_t len = strlen(n);

        if (len == 0 || len > max || streq(n, ".") || streq(n, ".."))
                return false;
        for (const char *c = n; *c; c++)
                if (*c == '/' || *c == ':' || *c <= ' ' || *c == 0x7f)
                        return false;
        return true;
}

int opt_network_bridge(struct settings *s, const struct assignment *a)
{
        if (!ifname_valid(a->value, IFNAMSIZ_BERTH - 1))
                return assignment_invalid(a, "not an interface name (1-15 bytes, no '/', ':' or blank)");
        snprintf(s->net.bridge, sizeof(s->net.bridge), "%s", a->value);
        s->net.zone[0] = 0;
        return 0;
}

/* The bridge is vz-ZONE: a zone name is what fits in the 12 bytes left. */
int opt_network_zone(struct settings *s, const struct assignment *a)
{
        const char *z = a->value;

        if (!*z || strlen(z) > IFNAMSIZ_BERTH - 1 - 3 || strspn(z, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                                "0123456789_-.") != strlen(z))
                return assignment_invalid(a, "a zone name is 1-12 letters, digits, '_', '-' or '.' (its bridge is "
                                             "vz-ZONE, an interface name of at most 15 bytes)");
        snprintf(s->net.zone, sizeof(s->net.zone), "%s", z);
        s->net.bridge[0] = 0;
        return 0;
}

static int parse_port_number(const char *t, uint16_t *ret)
{
        char *end;
        unsigned long v;

        if (!*t || strspn(t, "0123456789") != strlen(t))
                return -EINVAL;
        v = strtoul(t, &end, 10);
        if (v == 0 || v > 65535)
                return -ERANGE;
        *ret = (uint16_t) v;
        return 0;
}

/* [tcp|udp:]HOSTPORT[:MACHINEPORT] */
int opt_port(struct settings *s, const struct assignment *a)
{
        _cleanup_free_ char *copy = strdup(a->value);
        struct port_forward p = { .protocol = IPPROTO_TCP };
        char *host, *machine;

        if (!copy)
                return -ENOMEM;
        if (!*copy) {
                s->net.n_ports = 0;
                return 0;
        }
        host = copy;
        if (startswith(host, "tcp:"))
                host += 4;
        else if (startswith(host, "udp:")) {
                p.protocol = IPPROTO_UDP;
                host += 4;
        }
        machine = strchr(host, ':');
        if (machine)
                *machine++ = 0;
        if (parse_port_number(host, &p.host_port) < 0 || (machine && parse_port_number(machine, &p.machine_port) < 0))
                return assignment_invalid(a, "expected [tcp|udp:]HOSTPORT[:MACHINEPORT], ports 1-65535");
        if (!machine)
                p.machine_port = p.host_port;
        for (unsigned i = 0; i < s->net.n_ports; i++)
                if (s->net.ports[i].protocol == p.protocol && s->net.ports[i].host_port == p.host_port)
                        return assignment_invalid(a, "host port %s %u is forwarded twice",
                                                  p.protocol == IPPROTO_UDP ? "udp" : "tcp", p.host_port);
        if (s->net.n_ports >= PORTS_MAX)
                return assignment_invalid(a, "at most %d ports", PORTS_MAX);
        s->net.ports[s->net.n_ports++] = p;
        return 0;
}

/* A list of interface names; "" forgets the ones before. */
static int ifname_list(char ***l, const struct assignment *a, size_t max)
{
        if (!*a->value) {
                strv_free(*l);
                *l = NULL;
                return 0;
        }
        if (!ifname_valid(a->value, max))
                return assignment_invalid(a, "not an interface name (1-%zu bytes, no '/', ':' or blank)", max);
        return strv_push(l, a->value);
}

int opt_network_interface(struct settings *s, const struct assignment *a)
{
        return ifname_list(&s->net.interfaces, a, IFNAMSIZ_BERTH - 1);
}

/* Inside, the link is mv-IF or iv-IF: IF has 12 bytes. */
int opt_network_macvlan(struct settings *s, const struct assignment *a)
{
        return ifname_list(&s->net.macvlan, a, IFNAMSIZ_BERTH - 1 - 3);
}

int opt_network_ipvlan(struct settings *s, const struct assignment *a)
{
        return ifname_list(&s->net.ipvlan, a, IFNAMSIZ_BERTH - 1 - 3);
}

/* HOSTIF[:MACHINEIF] */
int opt_network_veth_extra(struct settings *s, const struct assignment *a)
{
        _cleanup_free_ char *copy = strdup(a->value);
        char *inner;

        if (!copy)
                return -ENOMEM;
        if (!*copy) {
                strv_free(s->net.veth_extra);
                s->net.veth_extra = NULL;
                return 0;
        }
        inner = strchr(copy, ':');
        if (inner)
                *inner++ = 0;
        if (!ifname_valid(copy, IFNAMSIZ_BERTH - 1) || (inner && !ifname_valid(inner, IFNAMSIZ_BERTH - 1)))
                return assignment_invalid(a, "expected HOSTIF[:MACHINEIF], interface names of 1-15 bytes");
        return strv_push(&s->net.veth_extra, a->value);
}

int opt_network_namespace_path(struct settings *s, const struct assignment *a)
{
        if (a->value[0] != '/')
                return assignment_invalid(a, "expected an absolute path (such as /run/netns/NAME)");
        free(s->net.namespace_path);
        s->net.namespace_path = strdup(a->value);
        return s->net.namespace_path ? 0 : -ENOMEM;
}

/* A number with an optional K, M or G (powers of 1000, or of 1024 with
 * an i: Ki, Mi, Gi). */
static int parse_scaled(const char *t, uint64_t *ret)
{
        char *end;
        unsigned long long v;
        uint64_t unit = 1;

        if (!*t || *t < '0' || *t > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(t, &end, 10);
        if (errno)
                return -errno;
        if (*end) {
                const char *u = strchr("KMG", end[0]);
                if (!u)
                        return -EINVAL;
                bool bin = end[1] == 'i';
                if (end[bin ? 2 : 1])
                        return -EINVAL;
                for (const char *k = "KMG"; k <= u; k++)
                        unit *= bin ? 1024 : 1000;
        }
        if (v == 0 || v > UINT64_MAX / unit)
                return -ERANGE;
        *ret = v * unit;
        return 0;
}

/* RATE[:BURST]: RATE in bits per second (1M: a megabit), as tc spells
 * it; BURST in bytes (default: a fiftieth of a second's worth, at least
 * 16 KiB). */
int opt_network_rate(struct settings *s, const struct assignment *a)
{
        _cleanup_free_ char *copy = strdup(a->value);
        uint64_t bits, burst = 0;
        char *b;

        if (!copy)
                return -ENOMEM;
        if (!*copy) {
                s->net.rate = s->net.burst = 0;
                return 0;
        }
        b = strchr(copy, ':');
        if (b)
                *b++ = 0;
        if (parse_scaled(copy, &bits) < 0 || bits < 8000 || (b && parse_scaled(b, &burst) < 0))
                return assignment_invalid(a, "expected RATE[:BURST]: RATE in bits per second, at least 8K (K, M, G: "
                                             "powers of 1000), BURST in bytes (Ki, Mi: powers of 1024)");
        s->net.rate = bits / 8;
        s->net.burst = burst ? burst : s->net.rate / 50 > 16384 ? s->net.rate / 50 : 16384;
        return 0;
}

/* A.B.0.0/16, the pool the machines' IPv4 addresses come from. */
int opt_network_mac(struct settings *s, const struct assignment *a)
{
        unsigned b[6];
        int n = 0;

        if (strlen(a->value) != 17 ||
            sscanf(a->value, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &n) != 6 ||
            n != 17 || (b[0] & 1) || !(b[0] | b[1] | b[2] | b[3] | b[4] | b[5]))
                return assignment_invalid(a, "expected a unicast MAC address such as 02:00:00:12:34:56");
        for (int i = 0; i < 6; i++)
                s->net.mac[i] = (uint8_t) b[i];
        s->net.mac_set = true;
        return 0;
}

int opt_network_address_pool(struct settings *s, const struct assignment *a)
{
        _cleanup_free_ char *copy = strdup(a->value);
        struct in_addr in;
        char *slash;

        if (!copy)
                return -ENOMEM;
        slash = strchr(copy, '/');
        if (!slash || !streq(slash, "/16"))
                return assignment_invalid(a, "expected an IPv4 /16 such as 10.251.0.0/16");
        *slash = 0;
        if (inet_pton(AF_INET, copy, &in) != 1 || (ntohl(in.s_addr) & 0xffff) != 0)
                return assignment_invalid(a, "expected an IPv4 /16 such as 10.251.0.0/16");
        s->net.pool4 = ntohl(in.s_addr);
        return 0;
}
