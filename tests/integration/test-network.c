/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Machines' networks: veth, zones, addresses, NAT out, port forwarding and
 * cleanup. Every test first moves itself into a network namespace of its
 * own (unshare), which plays the host: berth, berthd and the machines run
 * in it, and nothing of the real host's network is seen or touched. An
 * "outside" host is one more namespace, linked to it by a veth the test
 * makes with ip(8). Only those namespaces' addresses and loopback are
 * ever talked to. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus.h"
#include "helpers.h"

TestSuite(network, .init = it_setup, .fini = it_teardown);

/* The outside host: 192.0.2.0/24 is TEST-NET-1, used here only between
 * two namespaces of the test's own. */
#define HOST_OUT "192.0.2.1"
#define OUTSIDE "192.0.2.2"

/* This test's own network namespace, with lo up and forwarding on (the
 * namespace's own sysctls). */
static void isolate(void)
{
        it_require_root();
        cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare(CLONE_NEWNET): %m");
        it_sh("ip link set lo up && echo 1 >/proc/sys/net/ipv4/ip_forward && "
           "echo 1 >/proc/sys/net/ipv6/conf/all/forwarding");
}

static pid_t outside_pid;

/* A namespace of its own behind a veth: "another host", OUTSIDE on it. */
static void make_outside(void)
{
        int p[2];
        char c;

        cr_assert_eq(pipe(p), 0);
        outside_pid = fork();
        cr_assert_geq(outside_pid, 0);
        if (outside_pid == 0) {
                /* Gone with the test, even one an assertion ended. */
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || unshare(CLONE_NEWNET) < 0)
                        _exit(1);
                (void) !write(p[1], "x", 1);
                pause();
                _exit(0);
        }
        cr_assert_eq(read(p[0], &c, 1), 1);
        close(p[0]), close(p[1]);
        it_sh("ip link add bt-out type veth peer name bt-in netns %d && ip addr add " HOST_OUT "/24 dev bt-out && "
           "ip link set bt-out up && nsenter -t %d -n sh -c 'ip link set lo up && ip addr add " OUTSIDE
           "/24 dev bt-in && ip link set bt-in up && ip route add default via " HOST_OUT "'",
           (int) outside_pid, (int) outside_pid);
}

static pid_t outside_server;

/* A server in the outside namespace, a child of the test's that dies with
 * it: script ends in exec of a program that stays in the foreground. */
static void outside_serve(const char *script)
{
        char ns[64];

        snprintf(ns, sizeof(ns), "/proc/%d/ns/net", (int) outside_pid);
        outside_server = fork();
        cr_assert_geq(outside_server, 0);
        if (outside_server == 0) {
                int fd = open(ns, O_RDONLY | O_CLOEXEC);
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || fd < 0 || setns(fd, CLONE_NEWNET) < 0)
                        _exit(127);
                execl("/bin/sh", "sh", "-c", script, NULL);
                _exit(127);
        }
        usleep(200000);
}

static void outside_done(void)
{
        if (outside_server > 0) {
                kill(outside_server, SIGKILL);
                waitpid(outside_server, NULL, 0);
                outside_server = 0;
        }
        if (outside_pid > 0) {
                kill(outside_pid, SIGKILL);
                waitpid(outside_pid, NULL, 0);
                outside_pid = 0;
        }
}

/* Nothing of the machine in this namespace's network: no link, no rule
 * chain, no claim; and, with assert_no_network_left, nothing else. */
static void assert_no_network_of(const char *machine)
{
        char cmd[1200], *out;

        /* The veth goes with the machine's network namespace, which the
         * kernel tears down a moment after the machine's end. */
        snprintf(cmd, sizeof(cmd), "ip -o link | grep -E ' v[ebr]-%.7s' || true", machine);
        out = it_sh_until_empty(cmd, 100);
        cr_expect_str_eq(out, "", "links left: %s", out);
        free(out);
        out = it_sh_out("nft list ruleset 2>/dev/null || true");
        cr_expect(!strstr(out, machine), "rules of %s left:\n%s", machine, out);
        free(out);
        snprintf(cmd, sizeof(cmd), "grep -lx '%s' %s/net/addr-* %s/net/port-* 2>/dev/null || true", machine,
                 it.runtime_dir, it.runtime_dir);
        out = it_sh_out(cmd);
        cr_expect_str_eq(out, "", "claims left: %s", out);
        free(out);
}

static void assert_no_network_left(const char *machine)
{
        assert_no_network_of(machine);
        it_assert_clean(machine, it_busybox_tree());
}

/* The machine's global address of the family on host0 ("" when none),
 * read in its network namespace with the host's ip(8): the Debian tree
 * has none of its own. */
static char *machine_addr(const char *machine, const char *family)
{
        char cmd[300], *leader = it_state_get(machine, "LEADER");

        cr_assert(leader, "machine %s has no LEADER", machine);
        snprintf(cmd, sizeof(cmd),
                 "nsenter -t %s -n ip -o -%s addr show dev host0 scope global | awk '{print $4}' | cut -d/ -f1",
                 leader, family);
        free(leader);
        char *out = it_sh_out(cmd);
        cr_assert(out, "%s", cmd);
        out[strcspn(out, "\n")] = 0;
        return out;
}

static pid_t spawn_sleeper(const char *name, const char *opt1, const char *opt2)
{
        pid_t pid = it_berth_spawn(name, "-D", it_busybox_tree(), "-x", "--name", name, opt1, opt2 ? opt2 : "--quiet",
                                   "--", "sleep", "1000", NULL);
        char want[24];
        snprintf(want, sizeof(want), "%d", (int) pid);
        /* This launcher's state: a killed one's may still say running. */
        for (int i = 0; i < 300; i++) {
                char *sup = it_state_get(name, "SUPERVISOR");
                bool ours = sup && strcmp(sup, want) == 0;
                free(sup);
                if (ours)
                        break;
                usleep(100000);
        }
        cr_assert(it_wait_state(name, "running", 30), "%s", it_spawn_log(name, "err"));
        return pid;
}

static void stop(pid_t pid, const char *name)
{
        cr_assert_eq(kill(pid, SIGTERM), 0);
        cr_expect_eq(it_wait(pid, 30), 143, "%s", it_spawn_log(name, "err"));
}

Test(network, a_veth_machine_has_host0_its_addresses_and_a_route_out)
{
        isolate();
        struct it_result r = it_berth_sh(30, it_busybox_tree(),
                                         "ip -o addr show dev host0; ip route; ip -6 route; "
                                         "gw=$(ip route | awk '/default/ {print $3}'); ping -c1 -W2 $gw >/dev/null && "
                                         "echo ping4-ok; gw6=$(ip -6 route | awk '/default/ {print $3}'); "
                                         "ping -6 -c1 -W2 $gw6 >/dev/null && echo ping6-ok",
                                         "--name", "nt-veth", "-x", "-n", NULL);

        cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
        cr_expect(strstr(r.out, "inet 10.251."), "no IPv4 address of the pool: %s", r.out);
        cr_expect(strstr(r.out, "inet6 fd"), "no ULA address: %s", r.out);
        cr_expect(strstr(r.out, "default via 10.251."), "no default route: %s", r.out);
        cr_expect(strstr(r.out, "ping4-ok") && strstr(r.out, "ping6-ok"), "the host side does not answer: %s",
                  r.out);
        it_result_free(&r);
        assert_no_network_left("nt-veth");
}

/* The same name gets the same address again. */
Test(network, the_address_is_stable_per_name)
{
        isolate();
        char *first = NULL;
        for (int i = 0; i < 2; i++) {
                struct it_result r = it_berth_sh(30, it_busybox_tree(), "ip -o -4 addr show dev host0",
                                                 "--name", "nt-stable", "-x", "-n", NULL);
                cr_assert_eq(r.status, 0, "%s", r.err);
                if (!first)
                        first = strdup(r.out);
                else
                        cr_expect_str_eq(r.out, first);
                it_result_free(&r);
        }
        free(first);
        /* The same MAC on every start, or the one given. */
        char *mac[2] = { NULL, NULL };
        for (int i = 0; i < 2; i++) {
                struct it_result r = it_berth_sh(30, it_busybox_tree(), "cat /sys/class/net/host0/address", "--name",
                                                 "nt-stable", "-x", "-n", NULL);
                mac[i] = r.out;
                free(r.err);
        }
        cr_expect(mac[0] && mac[0][0] && strcmp(mac[0], mac[1]) == 0, "MACs: %s %s", mac[0], mac[1]);
        free(mac[0]), free(mac[1]);
        struct it_result r = it_berth_sh(30, it_busybox_tree(), "cat /sys/class/net/host0/address", "--name",
                                         "nt-stable", "-x", "-n", "--network-mac=02:00:00:12:34:56", NULL);
        cr_expect_str_eq(r.out, "02:00:00:12:34:56\n", "%s", r.err);
        it_result_free(&r);
        assert_no_network_left("nt-stable");
}

Test(network, zone_machines_reach_each_other_and_another_zone_does_not, .timeout = 120)
{
        isolate();
        pid_t a1 = spawn_sleeper("nt-a1", "--network-zone=nta", NULL);
        pid_t a2 = spawn_sleeper("nt-a2", "--network-zone=nta", NULL);
        pid_t b1 = spawn_sleeper("nt-b1", "--network-zone=ntb", NULL);
        char *a2v4 = machine_addr("nt-a2", "4"), *a2v6 = machine_addr("nt-a2", "6"), cmd[400];

        cr_assert(a2v4[0] && a2v6[0], "nt-a2 has no addresses");
        snprintf(cmd, sizeof(cmd), "ping -c1 -W2 %s >/dev/null && ping -6 -c1 -W2 %s >/dev/null", a2v4, a2v6);
        struct it_result r = it_exec_in("nt-a1", 20, cmd);
        cr_expect_eq(r.status, 0, "nt-a1 cannot reach nt-a2: %s%s", r.out, r.err);
        it_result_free(&r);
        /* TCP too: nc in nt-a2 answers nt-a1. */
        struct it_result srv_start = it_exec_in("nt-a2", 10, "(echo zone-hello | nc -l -p 7000 >/dev/null &) ; sleep 0.2");
        it_result_free(&srv_start);
        snprintf(cmd, sizeof(cmd), "nc -w 3 %s 7000 </dev/null", a2v4);
        r = it_exec_in("nt-a1", 20, cmd);
        cr_expect(strstr(r.out, "zone-hello"), "no TCP between zone machines: %s%s", r.out, r.err);
        it_result_free(&r);
        /* By name: the zone's machines are in each one's /etc/hosts. */
        r = it_exec_in("nt-a1", 20, "grep -w nt-a2 /etc/hosts && ping -c1 -W2 nt-a2 >/dev/null && echo by-name");
        cr_expect(strstr(r.out, a2v4) && strstr(r.out, "by-name"), "nt-a1 cannot reach nt-a2 by name: %s%s", r.out,
                  r.err);
        it_result_free(&r);
        snprintf(cmd, sizeof(cmd), "ping -c1 -W2 %s", a2v4);
        r = it_exec_in("nt-b1", 20, cmd);
        cr_expect_neq(r.status, 0, "a machine of another zone reaches nt-a2: %s", r.out);
        it_result_free(&r);

        char *bridges = it_sh_out("ip -o link show type bridge | awk -F': ' '{print $2}' | sort | tr '\\n' ' '");
        cr_expect(strstr(bridges, "vz-nta") && strstr(bridges, "vz-ntb"), "zone bridges: %s", bridges);
        free(bridges);
        stop(a1, "nt-a1");
        /* One of two gone: the other keeps its network and the bridge. */
        r = it_exec_in("nt-a2", 10, "ip -o -4 addr show dev host0");
        cr_expect(strstr(r.out, a2v4), "nt-a2 lost its address: %s", r.out);
        it_result_free(&r);
        stop(a2, "nt-a2");
        stop(b1, "nt-b1");
        bridges = it_sh_out("ip -o link show type bridge");
        cr_expect_str_eq(bridges, "", "zone bridges left: %s", bridges);
        free(bridges);
        free(a2v4), free(a2v6);
        assert_no_network_left("nt-a1");
        assert_no_network_left("nt-a2");
        assert_no_network_left("nt-b1");
}

/* busybox httpd in the machine, reached on the host's loopback (v4, v6)
 * and from the outside host through -p. */
Test(network, a_forwarded_port_answers_on_loopback_and_from_outside, .timeout = 120)
{
        isolate();
        make_outside();
        pid_t pid = it_berth_spawn("nt-web", "-D", it_busybox_tree(), "-x", "--name", "nt-web", "-n", "-p", "8080:80",
                                   "--", "/bin/sh", "-c",
                                   "mkdir -p /www && echo served-by-nt-web >/www/index.html && "
                                   "exec httpd -f -p 80 -h /www", NULL);
        cr_assert(it_wait_state("nt-web", "running", 30), "%s", it_spawn_log("nt-web", "err"));
        usleep(300000);
        char *out = it_sh_out("timeout 5 wget -q -O - http://127.0.0.1:8080/ 2>&1; timeout 5 wget -q -O - 'http://[::1]:8080/' 2>&1");
        cr_expect(out && strstr(out, "served-by-nt-web\nserved-by-nt-web\n"), "from loopback (v4, v6): %s", out);
        free(out);
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "nsenter -t %d -n timeout 5 wget -q -O - http://" HOST_OUT ":8080/ 2>&1", (int) outside_pid);
        out = it_sh_out(cmd);
        cr_expect(out && strstr(out, "served-by-nt-web"), "from the outside host: %s", out);
        free(out);

        char *ports = it_state_get("nt-web", "PORTS");
        cr_expect_str_eq(ports, "tcp 8080 80");
        free(ports);
        stop(pid, "nt-web");
        outside_done();
        assert_no_network_left("nt-web");
}

/* NAT: the outside host sees the host's address, not the machine's. */
Test(network, the_machine_reaches_outside_through_nat, .timeout = 120)
{
        isolate();
        make_outside();
        char cmd[1600];
        /* A server outside that answers with the address it saw. */
        snprintf(cmd, sizeof(cmd),
                 "mkdir -p %s/www/cgi-bin && printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\n"
                 "echo $REMOTE_ADDR\\n' >%s/www/cgi-bin/who && chmod 755 %s/www/cgi-bin/who && "
                 "exec busybox httpd -f -p 80 -h %s/www",
                 it.dir, it.dir, it.dir, it.dir);
        outside_serve(cmd);
        struct it_result r = it_berth_sh(30, it_busybox_tree(), "timeout 5 wget -q -O - http://" OUTSIDE "/cgi-bin/who",
                                         "--name", "nt-nat", "-x", "-n", NULL);
        cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
        /* busybox httpd listens on IPv6 and names an IPv4 peer as
         * [::ffff:A.B.C.D]. */
        cr_expect(strcmp(r.out, HOST_OUT "\n") == 0 || strcmp(r.out, "[::ffff:" HOST_OUT "]\n") == 0,
                  "the outside host saw %s", r.out);
        it_result_free(&r);
        outside_done();
        assert_no_network_left("nt-nat");
}

/* SIGKILL to berth: the next start of the name sweeps what was left, and
 * after its stop nothing is there. */
Test(network, what_a_killed_launcher_left_is_swept, .timeout = 120)
{
        isolate();
        pid_t pid = spawn_sleeper("nt-kill", "--network-zone=ntk", "--port=8181:80");
        /* The machine goes with its launcher; its links, rules and
         * claims stay for the next start. */
        it_kill_launcher(pid, "nt-kill");
        char *rules = it_sh_out("nft list ruleset");
        cr_expect(rules && strstr(rules, "m-nt-kill-pre"), "the killed launcher's rules: %s", rules);
        free(rules);
        pid = spawn_sleeper("nt-kill", "--network-zone=ntk", "--port=8181:80");
        stop(pid, "nt-kill");
        assert_no_network_left("nt-kill");
        char *bridges = it_sh_out("ip -o link show type bridge");
        cr_expect_str_eq(bridges, "", "zone bridges left: %s", bridges);
        free(bridges);
}

/* Two machines of a zone, the launcher of one killed: the other keeps its
 * address, its bridge and its way out, and berthd removes what the killed
 * one left without waiting for its next start. */
Test(network, a_killed_zone_machine_leaves_the_other_its_network_and_berthd_sweeps_it, .timeout = 120)
{
        isolate();
        make_outside();
        it_bus_start();
        it_berthd_start();
        pid_t w1 = spawn_sleeper("nt-w1", "--network-zone=ntw", "--port=8484:80");
        pid_t w2 = spawn_sleeper("nt-w2", "--network-zone=ntw", NULL);
        char *w2v4 = machine_addr("nt-w2", "4");
        cr_assert(w2v4[0]);

        it_kill_launcher(w1, "nt-w1");
        char *rules = NULL;
        for (int i = 0; i < 100; i++) {
                free(rules);
                rules = it_sh_out("nft list ruleset");
                if (rules && !strstr(rules, "nt-w1"))
                        break;
                usleep(100000);
        }
        cr_expect(rules && !strstr(rules, "nt-w1"), "berthd left the killed machine's rules:\n%s", rules);
        cr_expect(rules && strstr(rules, "m-nt-w2-post"), "nt-w2's rules went too:\n%s", rules);
        free(rules);
        char marker[600];
        snprintf(marker, sizeof(marker), "%s/net/rules-nt-w1", it.runtime_dir);
        cr_expect_neq(access(marker, F_OK), 0, "%s is left", marker);

        struct it_result r = it_exec_in("nt-w2", 20, "ip -o -4 addr show dev host0; "
                                        "timeout 5 wget -q -O /dev/null http://" OUTSIDE "/ 2>&1; "
                                        "ping -c1 -W2 " OUTSIDE " >/dev/null && echo out-ok");
        cr_expect(strstr(r.out, w2v4) && strstr(r.out, "out-ok"), "nt-w2 lost its network: %s%s", r.out, r.err);
        it_result_free(&r);
        char *bridges = it_sh_out("ip -o link show type bridge");
        cr_expect(bridges && strstr(bridges, "vz-ntw"), "the zone's bridge went: %s", bridges);
        free(bridges);
        stop(w2, "nt-w2");
        free(w2v4);
        outside_done();
        bridges = it_sh_out("ip -o link show type bridge");
        cr_expect_str_eq(bridges, "", "zone bridges left: %s", bridges);
        free(bridges);
        assert_no_network_of("nt-w1");
        assert_no_network_left("nt-w2");
        /* The rest of a killed launcher's (cgroup, state) goes with the
         * name's next start, as it always did. */
        r = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--name", "nt-w1", "--", "true", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        assert_no_network_left("nt-w1");
}

/* A host link moved in, a macvlan and an ipvlan of one, an extra veth,
 * and another namespace joined: each where nspawn puts it. */
Test(network, interfaces_macvlan_ipvlan_extra_veths_and_a_joined_namespace, .timeout = 120)
{
        isolate();
        make_outside();
        /* No dummy links without modules: veth ends stand for host NICs. */
        it_sh("ip link add nt-mv type veth peer name nt-mvp && ip link add nt-move type veth peer name nt-movep");
        struct it_result r = it_berth_sh(30, it_busybox_tree(), "ls /sys/class/net | sort | tr '\\n' ' '", "--name",
                                         "nt-links", "-x", "--network-interface=nt-move", "--network-macvlan=nt-mv",
                                         "--network-veth-extra=nt-xh:nt-xm", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "lo mv-nt-mv nt-move nt-xm ", "the machine's links: %s", r.out);
        it_result_free(&r);
        /* Gone with the machine's namespace: the moved veth (and so its
         * peer), the extra veth, the macvlan. */
        /* The moved link's peer goes when the kernel has cleaned the
         * namespace up, a moment after. */
        char *links = NULL;
        for (int i = 0; i < 50; i++) {
                free(links);
                links = it_sh_out("ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort | tr '\\n' ' '");
                if (links && strcmp(links, "bt-out lo nt-mv nt-mvp ") == 0)
                        break;
                usleep(100000);
        }
        cr_expect_str_eq(links, "bt-out lo nt-mv nt-mvp ", "the host's links after: %s", links);
        free(links);
        /* ipvlan, where the kernel has it; else one line saying so. */
        r = it_berth_sh(30, it_busybox_tree(), "ls /sys/class/net | sort | tr '\\n' ' '", "--name", "nt-links", "-x",
                        "--network-ipvlan=nt-mv", NULL);
        if (r.status == 0)
                cr_expect_str_eq(r.out, "iv-nt-mv lo ", "the machine's links: %s", r.out);
        else
                cr_expect(strstr(r.err, "--network-ipvlan=nt-mv: the kernel has no ipvlan") &&
                          it_count_lines(r.err) == 1, "%s", r.err);
        it_result_free(&r);
        it_sh("ip link del nt-mv");

        char path[64], script[200];
        snprintf(path, sizeof(path), "--network-namespace-path=/proc/%d/ns/net", (int) outside_pid);
        snprintf(script, sizeof(script), "ip -o -4 addr show dev bt-in | awk '{print $4}'");
        r = it_berth_sh(30, it_busybox_tree(), script, "--name", "nt-join", "-x", path, NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, OUTSIDE "/24\n", "in the joined namespace: %s", r.out);
        it_result_free(&r);

        r = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--name", "nt-bad", "--network-interface=nt-nosuch", "--",
                         "true", NULL);
        cr_expect_neq(r.status, 0);
        cr_expect(strstr(r.err, "--network-interface=nt-nosuch: no such interface"), "%s", r.err);
        cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
        it_result_free(&r);
        outside_done();
        assert_no_network_left("nt-links");
        assert_no_network_left("nt-join");
        assert_no_network_left("nt-bad");
}

/* Each refused value: one line naming it, exit non-zero, nothing left. */
Test(network, bad_input_is_one_line_and_leaves_nothing, .timeout = 120)
{
        isolate();
        it_sh("ip route add 10.77.0.0/16 dev lo");
        struct {
                const char *opt1, *opt2, *needle;
        } cases[] = {
                { "--network-bridge=nt-nosuch", NULL, "nt-nosuch" },
                { "--network-zone=far-too-long-zone", NULL, "far-too-long-zone" },
                { "--network-veth", "--port=99999", "99999" },
                { "--network-veth", "--network-rate=fast", "fast" },
                { "--network-veth", "--network-mac=01:00:5e:00:00:01", "01:00:5e:00:00:01" },
                { "--network-veth", "--network-address-pool=10.77.0.0/16", "10.77.0.0/16" },
                { "--network-bridge=lo", "--port=80", "--port" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct it_result r = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--name", "nt-bad", cases[i].opt1,
                                                  cases[i].opt2 ? cases[i].opt2 : "--quiet", "--", "true", NULL);
                cr_expect_neq(r.status, 0, "%s %s was taken", cases[i].opt1, cases[i].opt2 ?: "");
                cr_expect(strstr(r.err, cases[i].needle), "%s: %s", cases[i].opt1, r.err);
                cr_expect_eq(it_count_lines(r.err), 1, "%s %s: %s", cases[i].opt1, cases[i].opt2 ?: "", r.err);
                it_result_free(&r);
                assert_no_network_left("nt-bad");
        }
        /* A port another machine forwards, and one the host listens on. */
        pid_t pid = spawn_sleeper("nt-port", "-n", "--port=8282");
        struct it_result r = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--name", "nt-bad", "-n", "--port=8282",
                                          "--", "true", NULL);
        cr_expect_neq(r.status, 0);
        cr_expect(strstr(r.err, "8282") && strstr(r.err, "nt-port"), "%s", r.err);
        cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
        it_result_free(&r);
        stop(pid, "nt-port");
        pid_t listener = fork();
        if (listener == 0) {
                execlp("busybox", "busybox", "nc", "-l", "-p", "8383", NULL);
                _exit(127);
        }
        usleep(200000);
        r = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--name", "nt-bad", "-n", "--port=8383", "--", "true", NULL);
        cr_expect_neq(r.status, 0);
        cr_expect(strstr(r.err, "8383") && strstr(r.err, "in use"), "%s", r.err);
        it_result_free(&r);
        kill(listener, SIGKILL);
        waitpid(listener, NULL, 0);
        assert_no_network_left("nt-bad");
        assert_no_network_left("nt-port");
}

/* --network-rate=1M: 256 KiB from the machine to the host take about 2 s
 * (2 Mbit at 1 Mbit/s), not the moment they take without it. */
Test(network, the_rate_limit_holds_both_ways, .timeout = 120)
{
        isolate();
        double took[2];
        for (int limited = 0; limited < 2; limited++) {
                const char *name = limited ? "nt-slow" : "nt-fast";
                pid_t pid = spawn_sleeper(name, "-n", limited ? "--network-rate=1M" : NULL);
                char *gw = NULL, cmd[400];
                struct it_result r = it_exec_in(name, 10, "ip route | awk '/default/ {print $3}'");
                gw = r.out;
                gw[strcspn(gw, "\n")] = 0;
                free(r.err);
                /* A sink on the host side; the machine sends to it. */
                pid_t sink = fork();
                if (sink == 0) {
                        int devnull = open("/dev/null", O_WRONLY);
                        dup2(devnull, STDOUT_FILENO);
                        execlp("busybox", "busybox", "nc", "-l", "-p", "9000", NULL);
                        _exit(127);
                }
                usleep(200000);
                snprintf(cmd, sizeof(cmd), "head -c 262144 /dev/zero | nc -w 30 %s 9000", gw);
                double t0 = it_now();
                r = it_exec_in(name, 60, cmd);
                took[limited] = it_now() - t0;
                it_result_free(&r);
                kill(sink, SIGKILL);
                waitpid(sink, NULL, 0);
                free(gw);
                stop(pid, name);
                assert_no_network_left(name);
        }
        fprintf(stderr, "256 KiB out: %.2f s without a limit, %.2f s at 1 Mbit/s\n", took[0], took[1]);
        cr_expect_gt(took[1], 1.5, "at 1 Mbit/s 256 KiB took %.2f s", took[1]);
        cr_expect_lt(took[1], 4.0, "at 1 Mbit/s 256 KiB took %.2f s", took[1]);
        cr_expect_lt(took[0], took[1] / 4, "without a limit %.2f s, with %.2f s", took[0], took[1]);
}

/* The Debian machine booted with -n: host0 up with its address by READY=1,
 * and systemd says running. */
Test(network, a_debian_machine_has_its_address_at_ready, .timeout = 240)
{
        isolate();
        const char *tree = it_debian_tree();
        pid_t pid = it_berth_spawn("nt-deb", "-D", tree, "-x", "--boot", "--name", "nt-deb", "-n", NULL);
        cr_assert(it_wait_state("nt-deb", "running", 120), "%s", it_spawn_log("nt-deb", "err"));
        char *v4 = machine_addr("nt-deb", "4");
        cr_expect(strncmp(v4, "10.251.", 7) == 0, "host0 at READY: '%s'", v4);
        free(v4);
        struct it_result r = it_exec_in("nt-deb", 90, "systemctl is-system-running --wait");
        cr_expect(strstr(r.out, "running"), "system state: %s%s", r.out, r.err);
        it_result_free(&r);
        /* systemd-networkd takes host0 over with berth's addresses
         * (berth's .network in /run), not DHCP's: they stay. */
        r = it_exec_in("nt-deb", 60,
                       "systemctl start systemd-networkd && for i in $(seq 50); do "
                       "networkctl list host0 --no-legend | grep -q configured && break; sleep 0.2; done; "
                       "networkctl list host0 --no-legend");
        cr_expect(strstr(r.out, "configured"), "networkd on host0: %s%s", r.out, r.err);
        it_result_free(&r);
        char *after = machine_addr("nt-deb", "4"), *v6 = machine_addr("nt-deb", "6");
        cr_expect(strncmp(after, "10.251.", 7) == 0 && v6[0], "host0 under networkd: '%s' '%s'", after, v6);
        free(after), free(v6);
        char *leader = it_state_get("nt-deb", "LEADER"), cmd[200];
        snprintf(cmd, sizeof(cmd), "nsenter -t %s -n ip route show default", leader);
        free(leader);
        char *route = it_sh_out(cmd);
        cr_expect(route && strstr(route, "default via 10.251."), "the default route under networkd: %s", route);
        free(route);
        cr_assert_eq(kill(pid, SIGTERM), 0);
        cr_expect_eq(it_wait(pid, 60), 0, "%s", it_spawn_log("nt-deb", "err"));
        char *left = it_leftovers("nt-deb", tree);
        cr_expect_null(left, "%s", left);
}
