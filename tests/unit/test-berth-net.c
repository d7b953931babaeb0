/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-net's arguments and the nft script of a machine's rules. */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "log.h"
#include "net-args.h"
#include "rules.h"

Test(berth_net, addresses_with_and_without_prefix)
{
        struct net_addr a;
        char buf[64];

        cr_assert_eq(net_addr_parse("10.251.1.2/24", true, &a), 0);
        cr_expect_eq(a.family, AF_INET);
        cr_expect_eq(a.plen, 24);
        net_addr_format(&a, buf, sizeof(buf));
        cr_expect_str_eq(buf, "10.251.1.2/24");
        cr_assert_eq(net_addr_parse("[fd00::2]", false, &a), 0);
        cr_expect_eq(a.family, AF_INET6);
        cr_expect_eq(a.plen, 128);
        net_addr_format(&a, buf, sizeof(buf));
        cr_expect_str_eq(buf, "fd00::2");
        cr_assert_eq(net_addr_parse("fd00::/64", true, &a), 0);
        cr_expect_eq(a.plen, 64);
        const char *bad[] = { "", "10.0.0.1/33", "fd00::/129", "10.0.0.1/", "10.0.0.1/x", "10.0.0", "[fd00::1",
                              "[10.0.0.1]", "fd00::1/-1" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                cr_expect_eq(net_addr_parse(bad[i], true, &a), -EINVAL, "%s was taken", bad[i]);
        cr_expect_eq(net_addr_parse("10.0.0.1/8", false, &a), -EINVAL, "a prefix where none belongs");
}

Test(berth_net, ports)
{
        struct net_port p;

        cr_assert_eq(net_port_parse("tcp:8080:10.0.0.2:80", &p), 0);
        cr_expect_eq(p.protocol, IPPROTO_TCP);
        cr_expect_eq(p.host_port, 8080);
        cr_expect_eq(p.machine_port, 80);
        cr_expect_eq(p.to.family, AF_INET);
        cr_assert_eq(net_port_parse("udp:53:[fd00::2]:5353", &p), 0);
        cr_expect_eq(p.protocol, IPPROTO_UDP);
        cr_expect_eq(p.to.family, AF_INET6);
        cr_expect_eq(p.machine_port, 5353);
        const char *bad[] = { "sctp:1:10.0.0.2:1", "tcp:0:10.0.0.2:80", "tcp:65536:10.0.0.2:80", "tcp:80:10.0.0.2:0",
                              "tcp:80:fd00::2:80", "tcp:80:10.0.0.2", "tcp::10.0.0.2:80", "tcp:80:10.0.0.2:80x" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                cr_expect_eq(net_port_parse(bad[i], &p), -EINVAL, "%s was taken", bad[i]);
}

Test(berth_net, macs)
{
        uint8_t m[6];

        cr_assert_eq(net_mac_parse("02:ab:CD:00:10:ff", m), 0);
        cr_expect(m[0] == 0x02 && m[1] == 0xab && m[2] == 0xcd && m[5] == 0xff);
        cr_expect_eq(net_mac_parse("02:ab:cd:00:10", m), -EINVAL);
        cr_expect_eq(net_mac_parse("02:ab:cd:00:10:ff:", m), -EINVAL);
        cr_expect_eq(net_mac_parse("02-ab-cd-00-10-ff", m), -EINVAL);
}

static int parse(struct net_args *a, char **argv)
{
        int argc = 0;
        while (argv[argc])
                argc++;
        return net_args_parse(argc, argv, a);
}

Test(berth_net, up_arguments)
{
        struct net_args a;
        char *argv[] = { "berth-net", "up", "web", "4242", "--veth=ve-web", "--mac=02:00:00:00:00:01,02:00:00:00:00:02",
                         "--zone-bridge=vz-z", "--host-address=10.251.3.1/24", "--address=10.251.3.7/24",
                         "--gateway=10.251.3.1", "--masquerade=10.251.3.0/24", "--port=tcp:8080:10.251.3.7:80",
                         "--rate=125000:16384", "--macvlan=eth0", NULL };

        log_set_level(LOG_LEVEL_ERROR);
        cr_assert_eq(parse(&a, argv), 0);
        cr_expect(a.up);
        cr_expect_str_eq(a.machine, "web");
        cr_expect_eq(a.pid, 4242);
        cr_expect_str_eq(a.veth, "ve-web");
        cr_expect_str_eq(a.zone_bridge, "vz-z");
        cr_expect(a.have_mac && a.mac_machine[5] == 2);
        cr_expect_eq(a.n_host_addr, 1);
        cr_expect_eq(a.n_gateway, 1);
        cr_expect_eq(a.rules.n_masquerade, 1);
        cr_expect_eq(a.rules.n_ports, 1);
        cr_expect_eq(a.rate, 125000);
        cr_expect_eq(a.burst, 16384);
        cr_expect_eq(a.n_macvlan, 1);
        cr_expect_str_eq(a.rules.link, "vz-z", "the rules' link is the zone's bridge");
}

Test(berth_net, down_arguments)
{
        struct net_args a;
        char *argv[] = { "berth-net", "down", "web", "--veth=vb-web", "--zone-bridge=vz-z", "--veth-extra=x:y",
                         "--machine-gone", NULL };

        cr_assert_eq(parse(&a, argv), 0);
        cr_expect(!a.up && a.machine_gone);
        cr_expect_str_eq(a.zone_bridge, "vz-z");
        cr_expect_eq(a.n_veth_extra, 1);
}

Test(berth_net, bad_arguments)
{
        struct net_args a;
        char *no_pid[] = { "berth-net", "up", "web", "--veth=ve-web", NULL };
        char *bad_name[] = { "berth-net", "down", "../x", NULL };
        char *bad_rate[] = { "berth-net", "up", "web", "7", "--veth=ve-web", "--rate=fast", NULL };
        char *no_veth[] = { "berth-net", "up", "web", "7", "--address=10.0.0.2/30", NULL };
        char *both[] = { "berth-net", "up", "web", "7", "--veth=v", "--bridge=a", "--zone-bridge=b", NULL };
        char *unknown[] = { "berth-net", "down", "web", "--colour", NULL };
        char *verb[] = { "berth-net", "sideways", "web", NULL };

        log_set_level(LOG_LEVEL_ERROR - 1);
        cr_expect_eq(parse(&a, no_pid), -EINVAL);
        cr_expect_eq(parse(&a, bad_name), -EINVAL);
        cr_expect_eq(parse(&a, bad_rate), -EINVAL);
        cr_expect_eq(parse(&a, no_veth), -EINVAL);
        cr_expect_eq(parse(&a, both), -EINVAL);
        cr_expect_eq(parse(&a, unknown), -EINVAL);
        cr_expect_eq(parse(&a, verb), -EINVAL);
}

Test(berth_net, the_rules_of_a_zone_machine_with_a_port)
{
        struct rules_spec s = { .machine = "web", .link = "vz-z", .n_masquerade = 2, .n_ports = 1 };

        cr_assert_eq(net_addr_parse("10.251.3.0/24", true, &s.masquerade[0]), 0);
        cr_assert_eq(net_addr_parse("fd00:0:0:3::/64", true, &s.masquerade[1]), 0);
        cr_assert_eq(net_port_parse("tcp:8080:10.251.3.7:80", &s.ports[0]), 0);
        char *t = rules_text(&s);
        cr_assert(t);
        const char *want[] = {
                "add table inet berth\n",
                "add chain inet berth m-web-raw { type filter hook prerouting priority raw; policy accept; }\n",
                "add chain inet berth m-web-fwd { type filter hook forward priority filter; policy accept; }\n",
                "add rule inet berth m-web-post ip saddr 10.251.3.0/24 ip daddr != 10.251.3.0/24 masquerade\n",
                "add rule inet berth m-web-post ip6 saddr fd00:0:0:3::/64 ip6 daddr != fd00:0:0:3::/64 masquerade\n",
                "add rule inet berth m-web-pre meta nfproto ipv4 fib daddr type local tcp dport 8080 dnat ip to "
                "10.251.3.7:80\n",
                "add rule inet berth m-web-out meta nfproto ipv4 fib daddr type local tcp dport 8080 dnat ip to "
                "10.251.3.7:80\n",
                "add rule inet berth m-web-post ip saddr 127.0.0.0/8 ip daddr 10.251.3.7 tcp dport 80 masquerade\n",
                "add rule inet berth m-web-raw iifname \"vz-z\" ip daddr 127.0.0.0/8 drop\n",
                "add rule inet berth m-web-fwd oifname \"vz-z\" iifname != \"vz-z\" iifname \"ve-*\" drop\n",
        };
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
                cr_expect(strstr(t, want[i]), "no line\n%swhere the script is\n%s", want[i], t);
        cr_expect(strncmp(t, want[0], strlen(want[0])) == 0, "the table comes first:\n%s", t);
        free(t);
}
