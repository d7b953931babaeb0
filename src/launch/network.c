/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The launcher's side of a machine's network: what berth-net is asked to
 * do (see netpool.h for the plan). berth-net holds libmnl and
 * libnftables, which the static launcher does not link. */
#include "network.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "helper-run.h"
#include "launcher.h"
#include "log.h"
#include "net-marker.h"
#include "paths.h"
#include "programs.h"
#include "util.h"
#include "zone-hosts.h"

#define ARGS_MAX (32 + 2 * PORTS_MAX)

static int run_berth_net(struct launcher *l, char **argv)
{
        _cleanup_free_ char *path = NULL;
        char err[512];
        int r = program_find("berth-net", &path);

        if (r < 0)
                return log_error_errno(r, "machine %s: finding berth-net", l->name);
        r = helper_run(path, argv, err, sizeof(err));
        if (r < 0)
                return log_error_errno(r, "machine %s: running %s", l->name, path);
        if (r != 0)
                return log_error_ret(-EPROTO, "machine %s: %s", l->name, err[0] ? err : "berth-net failed");
        return 0;
}

static void sweep(struct launcher *l)
{
        _cleanup_free_ char *text = NULL;
        char marker[4200], *argv[NET_MARKER_ARGS_MAX];

        if (net_marker_down_argv(l->name, &text, argv) < 0)
                return;
        log_debug("machine %s: sweeping the links and packet rules a killed launcher left", l->name);
        if (run_berth_net(l, argv) >= 0) {
                net_marker_path(l->name, marker, sizeof(marker));
                (void) unlink(marker);
        }
}

/* NAT out needs the host to forward; berth changes that only when asked,
 * and says in one line what is off. */
static void check_forwarding(struct launcher *l)
{
        static const char *const knobs[] = { "/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv6/conf/all/forwarding" };
        static const char *const names[] = { "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding" };
        char off[80] = "";

        for (size_t i = 0; i < ELEMENTSOF(knobs); i++) {
                _cleanup_free_ char *v = NULL;
                if (read_file_at(AT_FDCWD, knobs[i], &v, 16) < 0 || v[0] != '0')
                        continue;
                if (l->s->net.enable_forwarding) {
                        int r = write_string_at(AT_FDCWD, knobs[i], "1");
                        if (r >= 0) {
                                log_info("machine %s: turned on %s (--network-enable-forwarding)", l->name, names[i]);
                                continue;
                        }
                        log_warning_errno(r, "machine %s: turning on %s, continuing", l->name, names[i]);
                }
                snprintf(off + strlen(off), sizeof(off) - strlen(off), "%s%s=0", off[0] ? " and " : "", names[i]);
        }
        if (off[0] && !l->s->net.enable_forwarding)
                log_warning("machine %s: the host has %s: the machine reaches the host and nothing beyond it "
                            "(--network-enable-forwarding turns forwarding on)", l->name, off);
}

/* What systemd-networkd in the machine is to keep on host0. */
static char *networkd_file(const struct net_plan *p)
{
        char a4[INET_ADDRSTRLEN], h4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN], h6[INET6_ADDRSTRLEN], *text = NULL;

        net_format4(p->addr4, a4), net_format4(p->host4, h4);
        net_format6(&p->addr6, a6), net_format6(&p->host6, h6);
        if (asprintf(&text,
                     "# berth: host0 has the addresses berth gave it; networkd keeps them.\n"
                     "[Match]\nName=host0\n\n"
                     "[Network]\nAddress=%s/%u\nAddress=%s/64\nGateway=%s\nGateway=%s\n"
                     "DHCP=no\nIPv6AcceptRA=no\nLinkLocalAddressing=ipv6\nKeepConfiguration=yes\n",
                     a4, p->plen4, a6, h4, h6) < 0)
                return NULL;
        return text;
}

/* br_netfilter runs a zone bridge's IPv6 packets through the host's
 * ip6tables hooks at the bridge: a forwarded port's replies are turned back
 * to ::1 there, before the IPv6 stack, which drops a loopback destination
 * on any link but lo. 127.0.0.1 and other hosts are not affected. */
static void check_bridge_netfilter(struct launcher *l)
{
        _cleanup_free_ char *v = NULL;

        if (read_file_at(AT_FDCWD, "/proc/sys/net/bridge/bridge-nf-call-ip6tables", &v, 16) < 0 || v[0] != '1')
                return;
        log_warning("machine %s: the host has net.bridge.bridge-nf-call-ip6tables=1: its ports are not reached "
                    "from [::1] (127.0.0.1 and other hosts are; set it to 0, or use --network-veth)", l->name);
}

int network_prepare(struct launcher *l)
{
        const struct net_settings *n = &l->s->net;
        int r;

        if (!net_addressed(n) && !n->interfaces && !n->macvlan && !n->ipvlan && !n->veth_extra)
                return 0;
        /* Before the plan, which finds a name's interface still there. */
        sweep(l);
        r = net_plan_make(n, l->name, &l->net);
        if (r < 0)
                return r;
        l->net_planned = true;
        if (l->net.addressed && !(l->m.host0_network = networkd_file(&l->net)))
                return log_oom();
        if (l->net.nat)
                check_forwarding(l);
        if (l->net.zone && n->n_ports)
                check_bridge_netfilter(l);
        return 0;
}

static char *arg(char ***next, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *arg(char ***next, const char *fmt, ...)
{
        va_list ap;
        char *s = NULL;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        *(*next)++ = s;
        return s;
}

static void mac_text(const uint8_t m[6], char buf[18])
{
        snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* --address=, --gateway=, --host-address=, --masquerade=, --port= */
static void address_args(const struct launcher *l, char ***next)
{
        const struct net_plan *p = &l->net;
        char a4[INET_ADDRSTRLEN], h4[INET_ADDRSTRLEN], s4[INET_ADDRSTRLEN];
        char a6[INET6_ADDRSTRLEN], h6[INET6_ADDRSTRLEN], s6[INET6_ADDRSTRLEN];

        net_format4(p->addr4, a4), net_format4(p->host4, h4), net_format4(p->subnet4, s4);
        net_format6(&p->addr6, a6), net_format6(&p->host6, h6), net_format6(&p->subnet6, s6);
        arg(next, "--host-address=%s/%u", h4, p->plen4);
        arg(next, "--host-address=%s/64", h6);
        arg(next, "--address=%s/%u", a4, p->plen4);
        arg(next, "--address=%s/64", a6);
        arg(next, "--gateway=%s", h4);
        arg(next, "--gateway=%s", h6);
        arg(next, "--masquerade=%s/%u", s4, p->plen4);
        arg(next, "--masquerade=%s/64", s6);
        for (unsigned i = 0; i < l->s->net.n_ports; i++) {
                const struct port_forward *f = &l->s->net.ports[i];
                const char *proto = f->protocol == IPPROTO_UDP ? "udp" : "tcp";
                arg(next, "--port=%s:%u:%s:%u", proto, f->host_port, a4, f->machine_port);
                arg(next, "--port=%s:%u:[%s]:%u", proto, f->host_port, a6, f->machine_port);
        }
}

static int write_marker(struct launcher *l)
{
        const struct net_plan *p = &l->net;
        char marker[4200], text[128];
        int r;

        net_marker_path(l->name, marker, sizeof(marker));
        snprintf(text, sizeof(text), "--veth=%s\n%s%s%s", p->host_ifname, p->zone ? "--zone-bridge=" : "",
                 p->zone ? p->bridge : "", p->zone ? "\n" : "");
        r = write_file_at(AT_FDCWD, marker, text, 0644);
        if (r < 0)
                log_error_errno(r, "machine %s: writing %s", l->name, marker);
        return r;
}

int network_up(struct launcher *l)
{
        const struct net_settings *n = &l->s->net;
        const struct net_plan *p = &l->net;
        char *argv[ARGS_MAX] = { (char *) "berth-net", (char *) "up", l->name }, **next = argv + 3, pid[24];
        char mh[18], mm[18];
        int r;

        if (!l->net_planned)
                return 0;
        snprintf(pid, sizeof(pid), "%d", (int) l->leader);
        *next++ = pid;
        char **owned = next;
        if (net_addressed(n)) {
                mac_text(p->mac_host, mh), mac_text(p->mac_machine, mm);
                arg(&next, "--veth=%s", p->host_ifname);
                arg(&next, "--mac=%s,%s", mh, mm);
                if (p->bridge[0])
                        arg(&next, "%s=%s", p->zone ? "--zone-bridge" : "--bridge", p->bridge);
                if (p->addressed)
                        address_args(l, &next);
                if (n->rate)
                        arg(&next, "--rate=%llu:%llu", (unsigned long long) n->rate, (unsigned long long) n->burst);
        }
        for (char **i = n->interfaces; i && *i; i++)
                arg(&next, "--interface=%s", *i);
        for (char **i = n->macvlan; i && *i; i++)
                arg(&next, "--macvlan=%s", *i);
        for (char **i = n->ipvlan; i && *i; i++)
                arg(&next, "--ipvlan=%s", *i);
        for (char **i = n->veth_extra; i && *i; i++)
                arg(&next, "--veth-extra=%s", *i);
        *next = NULL;
        r = 0;
        for (char **i = owned; i < next; i++)
                if (!*i)
                        r = log_oom();
        if (r >= 0 && net_addressed(n))
                r = write_marker(l);
        if (r >= 0)
                r = run_berth_net(l, argv);
        for (char **i = owned; i < next; i++)
                free(*i);
        if (r < 0) {
                /* berth-net undoes what it did when it fails. */
                char marker[4200];
                net_marker_path(l->name, marker, sizeof(marker));
                (void) unlink(marker);
                return r;
        }
        l->net_is_up = true;
        l->host_ifindex = if_nametoindex(p->host_ifname);
        return 0;
}

void network_started(struct launcher *l)
{
        int r;

        if (!l->net_is_up || !l->net.zone)
                return;
        r = zone_hosts_update(l->s->net.zone, l->name, &l->net, false);
        if (r < 0)
                log_warning_errno(r, "machine %s: writing zone %s's names into its machines' /etc/hosts, continuing",
                                  l->name, l->s->net.zone);
}

void network_down(struct launcher *l)
{
        const struct net_plan *p = &l->net;
        const struct net_settings *n = &l->s->net;
        char *argv[ARGS_MAX] = { (char *) "berth-net", (char *) "down", l->name }, **next = argv + 3, **owned = next;
        bool ok = true;

        if (!l->net_is_up)
                return;
        l->net_is_up = false;
        if (net_addressed(n)) {
                if (p->zone)
                        (void) zone_hosts_update(n->zone, l->name, p, true);
                arg(&next, "--veth=%s", p->host_ifname);
                if (p->zone)
                        arg(&next, "--zone-bridge=%s", p->bridge);
        }
        /* The machine's veths go with its namespace, which is ending:
         * berth-net leaves them to it (a removal waits for RCU). */
        for (char **i = n->veth_extra; i && *i && next < argv + ARGS_MAX - 2; i++)
                arg(&next, "--veth-extra=%s", *i);
        arg(&next, "--machine-gone");
        *next = NULL;
        for (char **i = owned; i < next; i++)
                ok = ok && *i;
        if (ok && next > owned && run_berth_net(l, argv) >= 0 && net_addressed(n)) {
                char marker[4200];
                net_marker_path(l->name, marker, sizeof(marker));
                (void) unlink(marker);
        }
        for (char **i = owned; i < next; i++)
                free(*i);
        l->host_ifindex = 0;
}

void network_release(struct launcher *l)
{
        net_plan_release(&l->net);
}
