/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The machine's network plan: names, MACs, addresses and claims (see
 * netpool.h). Every claim is a file under RUNTIMEDIR/net locked with
 * flock() for as long as the machine runs, taken under RUNTIMEDIR/net/.lock
 * so that two launchers never pick the same; a launcher killed by SIGKILL
 * holds nothing any more, and the next one takes its stale files over. */
#include "netpool.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "paths.h"
#include "util.h"

#define POOL_DEFAULT 0x0afb0000u        /* 10.251.0.0 */
#define ZONES 127                       /* A.B.1.0/24 ... A.B.127.0/24 */
#define VETH_BLOCKS 8192                /* /30s of A.B.128.0/17 */

static uint64_t fnv(const char *a, const char *b)
{
        uint64_t h = 0xcbf29ce484222325ULL;

        for (const char *s = a; *s; s++)
                h = (h ^ (unsigned char) *s) * 0x100000001b3ULL;
        h = (h ^ '/') * 0x100000001b3ULL;
        for (const char *s = b; *s; s++)
                h = (h ^ (unsigned char) *s) * 0x100000001b3ULL;
        return h;
}

void net_format4(uint32_t a, char buf[INET_ADDRSTRLEN])
{
        struct in_addr in = { .s_addr = htonl(a) };

        inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

void net_format6(const struct in6_addr *a, char buf[INET6_ADDRSTRLEN])
{
        inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/* PREFIX + name, shortened to 15 bytes with a hash as nspawn does. */
static void ifname(char ret[IFNAMSIZ_BERTH], const char *prefix, const char *name)
{
        if (strlen(prefix) + strlen(name) < IFNAMSIZ_BERTH) {
                snprintf(ret, IFNAMSIZ_BERTH, "%s%s", prefix, name);
                return;
        }
        snprintf(ret, IFNAMSIZ_BERTH, "%s%.7s%05x", prefix, name, (unsigned) (fnv(prefix, name) & 0xfffff));
}

/* Locally administered, unicast, stable per machine and side. */
static void mac(uint8_t ret[6], const char *machine, const char *side)
{
        uint64_t h = fnv(machine, side);

        for (int i = 0; i < 6; i++)
                ret[i] = (uint8_t) (h >> (8 * i));
        ret[0] = (uint8_t) ((ret[0] & 0xfe) | 0x02);
}

static int net_dir(char *buf, size_t size, const char *name)
{
        char dir[4096];
        int r;

        snprintf(dir, sizeof(dir), "%s/net", berth_runtime_dir());
        r = mkdir_p(dir, 0755);
        if (r < 0)
                return r;
        int n = snprintf(buf, size, "%s/%s", dir, name);
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

int net_lock_take(void)
{
        char path[4200];
        int r = net_dir(path, sizeof(path), ".lock");

        if (r < 0)
                return r;
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR) {
                        r = -errno;
                        close(fd);
                        return r;
                }
        return fd;
}

/* A claim file, locked; it says whose it is. -EBUSY: held. */
static int claim(const char *file, const char *machine, int *ret_fd)
{
        char path[4200];
        int r = net_dir(path, sizeof(path), file);

        if (r < 0)
                return r;
        r = lock_file_take(path, ret_fd);
        if (r < 0)
                return r;
        if (ftruncate(*ret_fd, 0) < 0 || write_full(*ret_fd, machine, strlen(machine)) < 0) {
                r = -errno;
                close(*ret_fd);
                *ret_fd = -1;
                return r;
        }
        return 0;
}

static void unclaim(const char *file, int *fd)
{
        char path[4200];

        if (*fd < 0)
                return;
        if (net_dir(path, sizeof(path), file) >= 0)
                (void) unlink(path);
        *fd = safe_close(*fd);
}

/* Who holds a claim, for the message. */
static void holder(const char *file, char *ret, size_t size)
{
        _cleanup_free_ char *text = NULL;
        char path[4200];

        snprintf(ret, size, "another machine");
        if (net_dir(path, sizeof(path), file) >= 0 && read_file_at(AT_FDCWD, path, &text, 256) > 0)
                snprintf(ret, size, "machine %s", text);
}

/* 0: no host route reaches into a.b.0.0/16, else the first such route
 * (not the default one) in ret_route and ret_plen, and -EADDRINUSE. The
 * routes of berth's own links (other machines' ve-, vb-, vz-) are the
 * pool's, not the host's. */
static int pool_overlaps(uint32_t pool, uint32_t *ret_route, unsigned *ret_plen, char ret_dev[IFNAMSIZ_BERTH])
{
        _cleanup_fclose_ FILE *f = fopen("/proc/net/route", "re");
        char line[512], dev[IFNAMSIZ_BERTH];
        unsigned dst, gw, flags, refcnt, use, metric, mask;

        if (!f)
                return 0;
        (void) !fgets(line, sizeof(line), f);
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "%15s %x %x %x %u %u %u %x", dev, &dst, &gw, &flags, &refcnt, &use, &metric, &mask) ==
                            8 &&
                    mask != 0 && !startswith(dev, "ve-") && !startswith(dev, "vb-") && !startswith(dev, "vz-")) {
                        uint32_t d = ntohl(dst), m = ntohl(mask), both = m & 0xffff0000u;
                        if ((d & both) == (pool & both)) {
                                *ret_route = d;
                                *ret_plen = (unsigned) __builtin_popcount(m);
                                snprintf(ret_dev, IFNAMSIZ_BERTH, "%s", dev);
                                return -EADDRINUSE;
                        }
                }
        return 0;
}

static int pick_pool(const struct net_settings *n, uint32_t *ret)
{
        uint32_t route;
        unsigned plen;
        char dev[IFNAMSIZ_BERTH], a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

        if (n->pool4) {
                if (pool_overlaps(n->pool4, &route, &plen, dev) < 0) {
                        net_format4(n->pool4, a), net_format4(route, b);
                        return log_error_ret(-EADDRINUSE, "--network-address-pool=%s/16 overlaps the host's route "
                                             "%s/%u on %s", a, b, plen, dev);
                }
                *ret = n->pool4;
                return 0;
        }
        for (uint32_t p = POOL_DEFAULT; p <= 0x0aff0000u; p += 0x10000)
                if (pool_overlaps(p, &route, &plen, dev) == 0) {
                        *ret = p;
                        return 0;
                }
        return log_error_ret(-EADDRINUSE, "the host has routes into 10.251.0.0/16 ... 10.255.0.0/16: give the machines' "
                                          "addresses a pool with --network-address-pool=A.B.0.0/16");
}

/* The host's ULA /48: fd and 40 bits of its machine-id's hash. */
static void ula_prefix(struct in6_addr *ret)
{
        _cleanup_free_ char *id = NULL;
        uint64_t h;

        (void) read_file_at(AT_FDCWD, "/etc/machine-id", &id, 64);
        h = fnv("berth-ula", id ?: "");
        *ret = (struct in6_addr) {};
        ret->s6_addr[0] = 0xfd;
        for (int i = 1; i < 6; i++)
                ret->s6_addr[i] = (uint8_t) (h >> (8 * i));
}

static void addr6(struct in6_addr *ret, const struct in6_addr *prefix, uint16_t subnet, uint16_t iid)
{
        *ret = *prefix;
        ret->s6_addr[6] = (uint8_t) (subnet >> 8);
        ret->s6_addr[7] = (uint8_t) subnet;
        ret->s6_addr[14] = (uint8_t) (iid >> 8);
        ret->s6_addr[15] = (uint8_t) iid;
}

/* The zone's /24: its own claim, shared by its machines. */
static int zone_subnet(const char *zone, const char *machine, unsigned *ret_z, int *ret_fd)
{
        unsigned start = (unsigned) (fnv("zone", zone) % ZONES);

        for (unsigned i = 0; i < ZONES; i++) {
                unsigned z = 1 + (start + i) % ZONES;
                char file[32], path[4200];
                _cleanup_free_ char *text = NULL;
                snprintf(file, sizeof(file), "zone-%u", z);
                int r = net_dir(path, sizeof(path), file);
                if (r < 0)
                        return r;
                _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
                if (fd < 0)
                        return -errno;
                if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
                        /* Nobody's: ours now. */
                        if (ftruncate(fd, 0) < 0 || write_full(fd, zone, strlen(zone)) < 0 ||
                            flock(fd, LOCK_SH) < 0)
                                return -errno;
                } else if (read_file_at(AT_FDCWD, path, &text, 64) < 0 || !streq(text, zone))
                        continue;
                else if (flock(fd, LOCK_SH | LOCK_NB) < 0)
                        return -errno;
                (void) machine;
                *ret_z = z;
                *ret_fd = take_fd(&fd);
                return 0;
        }
        return log_error_ret(-ENOSPC, "machine %s: all %d zone subnets are in use", machine, ZONES);
}

/* The machine's own address: its hash's, else the next free. */
static int claim_address(struct net_plan *p, const char *machine, uint32_t first, unsigned count, unsigned step,
                         unsigned offset)
{
        unsigned start = (unsigned) (fnv("addr", machine) % count);

        for (unsigned i = 0; i < count; i++) {
                uint32_t a = first + ((start + i) % count) * step + offset;
                char file[48], text[INET_ADDRSTRLEN];
                net_format4(a, text);
                snprintf(file, sizeof(file), "addr-%s", text);
                int r = claim(file, machine, &p->addr_lock);
                if (r == -EBUSY)
                        continue;
                if (r < 0)
                        return log_error_errno(r, "machine %s: claiming the address %s", machine, text);
                p->addr4 = a;
                return 0;
        }
        return log_error_ret(-ENOSPC, "machine %s: no free address left in its subnet", machine);
}

/* Whether something on the host listens on the port: bind() says. */
static bool port_in_use(int protocol, uint16_t port)
{
        for (int family = AF_INET; family; family = family == AF_INET ? AF_INET6 : 0) {
                _cleanup_close_ int fd = socket(family, (protocol == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
                struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(port) };
                struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
                int one = 1;
                if (fd < 0)
                        continue;
                (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
                if (family == AF_INET6)
                        (void) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
                int r = family == AF_INET ? bind(fd, (struct sockaddr *) &in, sizeof(in))
                                          : bind(fd, (struct sockaddr *) &in6, sizeof(in6));
                if (r < 0 && errno == EADDRINUSE)
                        return true;
        }
        return false;
}

static int claim_ports(const struct net_settings *n, const char *machine, struct net_plan *p)
{
        for (unsigned i = 0; i < n->n_ports; i++) {
                const struct port_forward *f = &n->ports[i];
                const char *proto = f->protocol == IPPROTO_UDP ? "udp" : "tcp";
                char *file = p->port_file[p->n_port_locks], who[300];
                snprintf(file, sizeof(p->port_file[0]), "port-%s-%u", proto, f->host_port);
                int r = claim(file, machine, &p->port_lock[p->n_port_locks]);
                if (r == -EBUSY) {
                        holder(file, who, sizeof(who));
                        return log_error_ret(-EADDRINUSE, "machine %s: host port %s %u is already forwarded by %s",
                                             machine, proto, f->host_port, who);
                }
                if (r < 0)
                        return log_error_errno(r, "machine %s: claiming host port %s %u", machine, proto, f->host_port);
                p->n_port_locks++;
                if (port_in_use(f->protocol, f->host_port))
                        return log_error_ret(-EADDRINUSE, "machine %s: host port %s %u is in use on the host", machine,
                                             proto, f->host_port);
        }
        return 0;
}

static int plan_addresses(const struct net_settings *n, const char *machine, struct net_plan *p)
{
        struct in6_addr prefix;
        uint32_t pool;
        unsigned z = 0;
        int r = pick_pool(n, &pool);

        if (r < 0)
                return r;
        ula_prefix(&prefix);
        if (p->zone) {
                r = zone_subnet(n->zone, machine, &z, &p->zone_lock);
                if (r < 0)
                        return r;
                p->zone_id = z;
                p->subnet4 = pool | z << 8;
                p->plen4 = 24;
                p->host4 = p->subnet4 | 1;
                r = claim_address(p, machine, p->subnet4 | 2, 253, 1, 0);
                if (r < 0)
                        return r;
                addr6(&p->subnet6, &prefix, (uint16_t) z, 0);
                addr6(&p->host6, &prefix, (uint16_t) z, 1);
                addr6(&p->addr6, &prefix, (uint16_t) z, (uint16_t) (p->addr4 & 0xff));
                return 0;
        }
        r = claim_address(p, machine, pool | 0x8000, VETH_BLOCKS, 4, 2);
        if (r < 0)
                return r;
        unsigned k = ((p->addr4 & 0x7fff) - 2) / 4;
        p->subnet4 = p->addr4 - 2;
        p->plen4 = 30;
        p->host4 = p->subnet4 | 1;
        addr6(&p->subnet6, &prefix, (uint16_t) (0x8000 + k), 0);
        addr6(&p->host6, &prefix, (uint16_t) (0x8000 + k), 1);
        addr6(&p->addr6, &prefix, (uint16_t) (0x8000 + k), 2);
        return 0;
}

int net_plan_make(const struct net_settings *n, const char *machine, struct net_plan *ret)
{
        struct net_plan p = NET_PLAN_INIT;
        _cleanup_close_ int lock = -EBADF;
        int r = 0;

        *ret = p;
        if (!net_addressed(n))
                return 0;
        p.zone = n->zone[0];
        if (p.zone)
                snprintf(p.bridge, sizeof(p.bridge), "vz-%.12s", n->zone);
        else
                snprintf(p.bridge, sizeof(p.bridge), "%s", n->bridge);
        if (n->bridge[0] && if_nametoindex(n->bridge) == 0)
                return log_error_ret(-ENODEV, "machine %s: --network-bridge=%s: no such interface on the host", machine,
                                     n->bridge);
        ifname(p.host_ifname, p.bridge[0] ? "vb-" : "ve-", machine);
        /* The last start's, going with its namespace, may be there a moment. */
        for (int i = 0; i < 200 && if_nametoindex(p.host_ifname) > 0; i++)
                usleep(10000);
        if (if_nametoindex(p.host_ifname) > 0)
                return log_error_ret(-EEXIST, "machine %s: the host already has an interface %s", machine,
                                     p.host_ifname);
        mac(p.mac_host, machine, "host");
        mac(p.mac_machine, machine, "machine");
        if (n->mac_set)
                memcpy(p.mac_machine, n->mac, 6);
        /* An existing bridge has its own addresses (and DHCP): berth gives none. */
        p.addressed = !n->bridge[0];
        p.nat = p.addressed;
        if (n->n_ports > 0 && !p.addressed)
                return log_error_ret(-EINVAL, "machine %s: --port needs an address berth gives the machine: "
                                              "--network-veth or --network-zone, not --network-bridge", machine);

        lock = net_lock_take();
        if (lock < 0)
                return log_error_errno(lock, "machine %s: locking %s/net/.lock", machine, berth_runtime_dir());
        if (p.addressed && (r = plan_addresses(n, machine, &p)) >= 0)
                r = claim_ports(n, machine, &p);
        if (r < 0) {
                net_plan_release(&p);
                return r;
        }
        *ret = p;
        return 0;
}

/* The zone's claim file goes with its last machine: the one that can turn
 * its shared lock into the only one, under RUNTIMEDIR/net/.lock so that no
 * machine of the zone opens it meanwhile. */
static void zone_release(struct net_plan *p)
{
        char path[4200], file[32];

        if (p->zone_lock < 0)
                return;
        _cleanup_close_ int lock = net_lock_take();
        if (lock >= 0 && flock(p->zone_lock, LOCK_EX | LOCK_NB) == 0) {
                snprintf(file, sizeof(file), "zone-%u", p->zone_id);
                if (net_dir(path, sizeof(path), file) >= 0)
                        (void) unlink(path);
        }
        p->zone_lock = safe_close(p->zone_lock);
}

void net_plan_release(struct net_plan *p)
{
        char file[48], text[INET_ADDRSTRLEN];

        for (unsigned i = 0; i < p->n_port_locks; i++)
                unclaim(p->port_file[i], &p->port_lock[i]);
        p->n_port_locks = 0;
        if (p->addr_lock >= 0) {
                net_format4(p->addr4, text);
                snprintf(file, sizeof(file), "addr-%s", text);
                unclaim(file, &p->addr_lock);
        }
        zone_release(p);
}
