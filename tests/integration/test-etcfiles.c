/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --resolv-conf= and --timezone=: each mode's result inside the machine,
 * on a tree with no /etc/resolv.conf and on one whose /etc/resolv.conf is
 * systemd-resolved's stub link (relative, and absolute), which leads
 * nowhere in the tree and must never be followed onto the host. The tree
 * under the machine stays as it was. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(etcfiles, .init = it_setup, .fini = it_teardown);

static char *host_file(const char *path)
{
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "cat %s", path);
        char *argv[] = { "/bin/sh", "-c", cmd, NULL };
        struct it_result r = it_run(10, argv);
        cr_assert_eq(r.status, 0, "the host has no %s", path);
        free(r.err);
        return r.out;
}

/* What the machine's /etc/resolv.conf is, in a word, then its text. */
#define PROBE "if [ -L /etc/resolv.conf ]; then echo link; elif [ -f /etc/resolv.conf ]; then echo file; " \
              "else echo none; fi; cat /etc/resolv.conf 2>/dev/null; " \
              "if (echo x >>/etc/resolv.conf) 2>/dev/null; then echo writable; else echo read-only; fi"

static char *probe(const char *tree, const char *mode)
{
        char opt[64];
        snprintf(opt, sizeof(opt), "--resolv-conf=%s", mode);
        struct it_result r = it_berth_sh(30, tree, PROBE, "--name", "ef-dns", "-x", opt, NULL);
        cr_assert_eq(r.status, 0, "%s: %s", mode, r.err);
        free(r.err);
        return r.out;
}

static void expect(const char *tree, const char *mode, const char *want)
{
        char *got = probe(tree, mode);
        cr_expect_str_eq(got, want, "--resolv-conf=%s on %s: got\n%s\nwanted\n%s", mode, tree, got, want);
        free(got);
}

Test(etcfiles, each_resolv_conf_mode_on_a_tree_without_one)
{
        const char *tree = it_busybox_tree();
        char *host = host_file("/etc/resolv.conf"), *before = it_tree_manifest(tree), want[4096];

        expect(tree, "off", "none\nwritable\n");
        expect(tree, "auto", "none\nwritable\n");
        expect(tree, "delete", "none\nwritable\n");
        snprintf(want, sizeof(want), "file\n%swritable\n", host);
        expect(tree, "copy-host", want);
        expect(tree, "replace-host", want);
        snprintf(want, sizeof(want), "file\n%sread-only\n", host);
        expect(tree, "bind-host", want);
        char *after = it_tree_manifest(tree);
        cr_expect_str_eq(after, before, "the tree changed");
        free(before), free(after), free(host);
        char *left = it_leftovers("ef-dns", tree);
        cr_expect_null(left, "%s", left);
}

Test(etcfiles, each_resolv_conf_mode_on_a_tree_linked_to_resolveds_stub)
{
        char *tree = it_copy_busybox(), path[600], *host = host_file("/etc/resolv.conf"), want[4096];
        struct stat st;
        bool host_had_resolve = stat("/run/systemd/resolve", &st) == 0;

        for (int absolute = 0; absolute < 2; absolute++) {
                snprintf(path, sizeof(path), "%s/etc/resolv.conf", tree);
                unlink(path);
                cr_assert_eq(symlink(absolute ? "/run/systemd/resolve/stub-resolv.conf"
                                              : "../run/systemd/resolve/stub-resolv.conf", path), 0);
                char *before = it_tree_manifest(tree);
                /* The link leads nowhere: nothing to read, nothing to write
                 * (the machine's /run has no systemd/resolve). */
                expect(tree, "off", "link\nread-only\n");
                expect(tree, "copy-host", "link\nread-only\n");
                snprintf(want, sizeof(want), "file\n%swritable\n", host);
                expect(tree, "replace-host", want);
                /* Bound over the link's target, made in the machine's /run. */
                snprintf(want, sizeof(want), "link\n%sread-only\n", host);
                expect(tree, "bind-host", want);
                expect(tree, "delete", "none\nwritable\n");
                char *after = it_tree_manifest(tree);
                cr_expect_str_eq(after, before, "the tree changed");
                free(before), free(after);
        }
        cr_expect(host_had_resolve || stat("/run/systemd/resolve", &st) < 0,
                  "the stub link was followed onto the host: /run/systemd/resolve exists");
        free(host);
        free(tree);
}

Test(etcfiles, a_source_the_host_lacks_is_one_warning_and_off)
{
        struct stat st;
        if (stat("/run/systemd/resolve/resolv.conf", &st) == 0)
                cr_skip_test("this host runs systemd-resolved: it has /run/systemd/resolve/resolv.conf");
        struct it_result r = it_berth_sh(30, it_busybox_tree(), PROBE, "--name", "ef-dns", "-x",
                                         "--resolv-conf=copy-uplink", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "none\nwritable\n");
        cr_expect(strstr(r.err, "the host has no /run/systemd/resolve/resolv.conf"), "%s", r.err);
        cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
        it_result_free(&r);
        r = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--resolv-conf=copy-sideways", "--", "true", NULL);
        cr_expect_neq(r.status, 0);
        cr_expect(strstr(r.err, "copy-sideways") && it_count_lines(r.err) == 1, "%s", r.err);
        it_result_free(&r);
}

/* The host's zone, from its /etc/localtime link. */
static char *host_zone(void)
{
        char link[512];
        ssize_t n = readlink("/etc/localtime", link, sizeof(link) - 1);
        cr_assert_gt(n, 0, "the host's /etc/localtime is no link");
        link[n] = 0;
        char *z = strstr(link, "zoneinfo/");
        cr_assert(z, "%s", link);
        return strdup(z + 9);
}

#define TZ_PROBE "if [ -L /etc/localtime ]; then echo link $(readlink /etc/localtime); " \
                 "elif [ -f /etc/localtime ]; then echo file $(md5sum </etc/localtime | cut -c1-32); else echo none; fi"

static void expect_tz(const char *tree, const char *mode, const char *want, const char *state)
{
        char opt[64];
        snprintf(opt, sizeof(opt), "--timezone=%s", mode);
        pid_t pid = it_berth_spawn("ef-tz", "-D", tree, "-x", "--name", "ef-tz", opt, "--", "/bin/sh", "-c",
                                   TZ_PROBE "; sleep 1000", NULL);
        cr_assert(it_wait_state("ef-tz", "running", 30), "%s", it_spawn_log("ef-tz", "err"));
        char *said = it_state_get("ef-tz", "TIMEZONE");
        cr_expect_str_eq(said, state, "--timezone=%s: the state says %s", mode, said);
        free(said);
        char *out = NULL;
        for (int i = 0; i < 50; i++) {
                free(out);
                out = it_spawn_log("ef-tz", "out");
                if (out && strchr(out, '\n'))
                        break;
                usleep(100000);
        }
        cr_expect(out && strstr(out, want), "--timezone=%s: %s, wanted %s", mode, out, want);
        free(out);
        kill(pid, SIGTERM);
        it_wait(pid, 30);
}

Test(etcfiles, each_timezone_mode)
{
        char *zone = host_zone(), *tree = it_copy_busybox(), cmd[1200], want[300];
        char *argv[] = { "/bin/sh", "-c", "md5sum </etc/localtime | cut -c1-32", NULL };
        struct it_result h = it_run(10, argv);
        h.out[strcspn(h.out, "\n")] = 0;

        snprintf(want, sizeof(want), "file %s", h.out);
        expect_tz(tree, "auto", want, "copy (auto)");
        expect_tz(tree, "copy", want, "copy");
        expect_tz(tree, "delete", "none", "delete");
        /* With the zone in the tree, auto links to it. */
        snprintf(cmd, sizeof(cmd), "mkdir -p '%s/usr/share/zoneinfo/%s' && rmdir '%s/usr/share/zoneinfo/%s' && "
                 "cp /etc/localtime '%s/usr/share/zoneinfo/%s'", tree, zone, tree, zone, tree, zone);
        cr_assert_eq(system(cmd), 0, "%s", cmd);
        char *before = it_tree_manifest(tree);
        snprintf(want, sizeof(want), "link ../usr/share/zoneinfo/%s", zone);
        expect_tz(tree, "auto", want, "symlink (auto)");
        char *after = it_tree_manifest(tree);
        cr_expect_str_eq(after, before, "the tree changed");
        free(before), free(after);
        it_result_free(&h);
        free(zone);
        free(tree);
}
