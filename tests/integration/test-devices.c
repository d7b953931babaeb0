/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The device policy: a machine opens the nodes of its default /dev and
 * what it was given, and no other device, even without a user namespace,
 * where it keeps CAP_MKNOD; where no device program can be attached
 * (bpf(2) refused), the v1 devices controller holds it instead. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cgtest.h"
#include "helpers.h"

TestSuite(devices, .init = it_setup, .fini = it_teardown);

#define REFUSED "Operation not permitted"

/* try PATH: "PATH: ok" if it opens for reading and writing, else "PATH:
 * why"; tryr the same for reading. mk NAME TYPE MAJOR MINOR: mknod's. */
#define SHELL_HELPERS                                                                                     \
        "try() { if (exec 3<>\"$1\") 2>/tmp/e; then echo \"$1: ok\"; else echo \"$1: $(cat /tmp/e)\"; fi; }\n" \
        "tryr() { if (exec 3<\"$1\") 2>/tmp/e; then echo \"$1 r: ok\"; else echo \"$1 r: $(cat /tmp/e)\"; fi; }\n" \
        "mk() { if mknod \"/tmp/$1\" $2 $3 $4 2>/tmp/e; then echo \"mknod $1: ok\"; "                      \
        "else echo \"mknod $1: $(cat /tmp/e)\"; fi; }\n"

#define DEFAULT_NODES "/dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/ptmx /dev/console"

/* The rest of the line of out that starts with "what: ", or "" when none does. */
static char *answer(const char *out, const char *what)
{
        char *key = cgt_strf("\n%s: ", what), *text = cgt_strf("\n%s", out);
        char *p = strstr(text, key), *r;

        r = p ? strndup(p + strlen(key), strcspn(p + strlen(key), "\r\n")) : strdup("");
        free(key);
        free(text);
        return r;
}

static void expect_answer(const struct it_result *r, const char *what, const char *want)
{
        char *a = answer(r->out, what);

        cr_expect(strstr(a, want), "%s: '%s', not %s\nout:\n%s\nerr:\n%s", what, a, want, r->out, r->err);
        free(a);
}

static void expect_default_nodes_open(const struct it_result *r)
{
        char *nodes = strdup(DEFAULT_NODES);

        for (char *n = strtok(nodes, " "); n; n = strtok(NULL, " "))
                expect_answer(r, n, "ok");
        free(nodes);
}

/* A copy of the busybox tree with device nodes the machine must not open
 * (made on the host: the machine cannot make them), and one it may. */
static char *tree_with_nodes(void)
{
        char *tree = it_copy_busybox();
        static const struct {
                const char *name;
                mode_t type;
                unsigned major, minor;
        } nodes[] = {
                { "loop0", S_IFBLK, 7, 0 },     /* the host's first loop device */
                { "mem", S_IFCHR, 1, 1 },       /* /dev/mem */
                { "fuse", S_IFCHR, 10, 229 },
                { "null2", S_IFCHR, 1, 3 },     /* /dev/null under another name */
        };

        for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
                char *p = cgt_strf("%s/%s", tree, nodes[i].name);
                cr_assert_eq(mknod(p, nodes[i].type | 0666, makedev(nodes[i].major, nodes[i].minor)), 0, "%s", p);
                free(p);
        }
        return tree;
}

Test(devices, without_a_user_namespace_only_the_default_nodes_open)
{
        char *tree = tree_with_nodes();
        struct it_result r = it_berth_sh(60, tree,
                                         SHELL_HELPERS "for n in " DEFAULT_NODES " /null2 /loop0 /mem /fuse; do try $n; done\n"
                                                       "tryr /loop0\n"
                                                       "mk b7 b 7 0; mk mem c 1 1; mk null c 1 3; mk pts c 136 0\n",
                                         "-x", "--private-users=no", "--console=read-only", "--name", "dev-nous",
                                         NULL);

        cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
        expect_default_nodes_open(&r);
        /* The overlay lets nodes open (null2 does): what refuses is the policy. */
        expect_answer(&r, "/null2", "ok");
        expect_answer(&r, "/loop0", REFUSED);
        expect_answer(&r, "/loop0 r", REFUSED);
        expect_answer(&r, "/mem", REFUSED);
        expect_answer(&r, "/fuse", REFUSED);
        expect_answer(&r, "mknod b7", REFUSED);
        expect_answer(&r, "mknod mem", REFUSED);
        expect_answer(&r, "mknod pts", REFUSED);
        /* systemd's PrivateDevices= makes its own /dev/null. */
        expect_answer(&r, "mknod null", "ok");
        it_result_free(&r);
        cgt_assert_clean("dev-nous", tree, false);
}

Test(devices, in_a_user_namespace_the_default_nodes_open)
{
        const char *tree = it_busybox_tree();
        struct it_result r = it_berth_sh(60, tree, SHELL_HELPERS "for n in " DEFAULT_NODES "; do try $n; done\n", "-x",
                                         "--console=read-only", "--name", "dev-userns", NULL);

        cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
        expect_default_nodes_open(&r);
        it_result_free(&r);
        cgt_assert_clean("dev-userns", tree, false);
}

/* A device node bound in is one to use: it opens, and with --bind-ro for
 * reading only (a read-only mount would not stop writes to a device). */
Test(devices, a_bound_device_node_opens)
{
        const char *tree = it_busybox_tree();
        char *node = cgt_strf("%s/loop-control", it.dir), *ro = cgt_strf("--bind-ro=%s:/dev/lc", node);
        struct it_result r;

        if (access("/dev/fuse", F_OK) < 0)
                cr_skip_test("no /dev/fuse on this host");
        /* Made here: a node of loop-control's numbers, opened but never used. */
        cr_assert_eq(mknod(node, S_IFCHR | 0600, makedev(10, 237)), 0);
        r = it_berth_sh(60, tree, SHELL_HELPERS "try /dev/fuse2; tryr /dev/lc; try /dev/lc\n", "-x",
                        "--private-users=no", "--bind=/dev/fuse:/dev/fuse2", ro, "--name", "dev-bind", NULL);
        cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
        expect_answer(&r, "/dev/fuse2", "ok");
        expect_answer(&r, "/dev/lc r", "ok");
        expect_answer(&r, "/dev/lc", REFUSED);
        it_result_free(&r);
        free(ro);
        free(node);
        cgt_assert_clean("dev-bind", tree, false);
}

/* bpf(2) refused to berth: the machine's cgroup in the v1 devices
 * hierarchy holds it, with the same list, and goes at exit. */
Test(devices, without_bpf_the_v1_devices_controller_holds_the_machine)
{
        char *tree = tree_with_nodes();
        char *argv[] = { getenv("NO_BPF_BIN"), (char *) it_berth(), "-D", tree, "-x", "--private-users=no",
                         "--name", "dev-v1", "--", "/bin/sh", "-c",
                         SHELL_HELPERS "try /dev/null; try /null2; try /loop0; mk b7 b 7 0\n"
                                       "mkdir /tmp/v1 && mount -t cgroup -o devices cgroup /tmp/v1 && "
                                       "echo \"list: $(tr '\\n' , </tmp/v1/devices.list)\"\n",
                         NULL };
        struct it_result r;

        cgt_require_v1("devices");
        cr_assert_not_null(argv[0], "NO_BPF_BIN is not set");
        setenv("BERTH_LOG_LEVEL", "debug", 1);
        r = it_run(60, argv);
        cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
        cr_expect(strstr(r.err, "device policy in the v1 devices controller"), "%s", r.err);
        expect_answer(&r, "/dev/null", "ok");
        expect_answer(&r, "/null2", "ok");
        expect_answer(&r, "/loop0", REFUSED);
        expect_answer(&r, "mknod b7", REFUSED);
        /* What the machine sees of it: payload/'s list, the parent's. */
        expect_answer(&r, "list", "c 1:3 rwm,");
        char *list = answer(r.out, "list");
        cr_expect(!strstr(list, "a *:*") && !strstr(list, "b "), "%s", list);
        free(list);
        it_result_free(&r);
        cgt_assert_clean("dev-v1", tree, false);
}
