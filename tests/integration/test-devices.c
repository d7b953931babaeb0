/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The device policy: a machine opens the nodes of its default /dev and
 * what it was given (--device, DeviceAllow=, a bound node; /dev/fuse in a
 * user namespace), and no other device, even without a user namespace,
 * where it keeps CAP_MKNOD; where no device program can be attached
 * (bpf(2) refused), the v1 devices controller holds it instead. A bad
 * --device is one line naming it, and nothing is left. */
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
                                                       "tryr /loop0; [ -e /dev/fuse ] || echo 'no /dev/fuse'\n"
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
        cr_expect(strstr(r.out, "no /dev/fuse"), "only with a user namespace:\n%s", r.out);
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

static void require_fuse(void)
{
        struct stat st;

        if (stat("/dev/fuse", &st) < 0 || !S_ISCHR(st.st_mode))
                cr_skip_test("no /dev/fuse on this host");
}

/* --device passes the host's node in, keeps its numbers and mode, and
 * allows what it says. */
Test(devices, device_passes_a_node_in_and_allows_it)
{
        char *tree = tree_with_nodes();
        struct stat st;
        struct it_result r;

        require_fuse();
        cr_assert_eq(stat("/dev/fuse", &st), 0);
        r = it_berth_sh(60, tree,
                        SHELL_HELPERS "try /dev/fuse; try /fuse; tryr /dev/ro; try /dev/ro; try /dev/deep/er/node\n"
                                      "echo \"node: $(stat -c '%t:%T %a %u' /dev/fuse)\"\n",
                        "-x", "--private-users=no", "--device=/dev/fuse", "--name", "dev-pass", NULL);
        cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
        expect_answer(&r, "/dev/fuse", "ok");
        /* The same numbers under another name, now allowed too. */
        expect_answer(&r, "/fuse", "ok");
        char *want = cgt_strf("a:e5 %o %u", st.st_mode & 0777, (unsigned) st.st_uid);
        expect_answer(&r, "node", want);
        free(want);
        it_result_free(&r);
        cgt_assert_clean("dev-pass", tree, false);

        /* Read only: opening it for writing is refused. */
        r = it_berth_sh(60, tree, SHELL_HELPERS "tryr /dev/fuse; try /dev/fuse; mk f c 10 229\n", "-x",
                        "--private-users=no", "--device=/dev/fuse:r", "--name", "dev-pass", NULL);
        cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
        expect_answer(&r, "/dev/fuse r", "ok");
        expect_answer(&r, "/dev/fuse", REFUSED);
        expect_answer(&r, "mknod f", REFUSED);
        it_result_free(&r);
        cgt_assert_clean("dev-pass", tree, false);
}

/* In a user namespace /dev/fuse (and /dev/net/tun) come by default,
 * owned by the machine's root, who can open them (the host's nodes are
 * 0600 root here: a bind of them would show as nobody's). */
Test(devices, a_user_namespace_gets_dev_fuse)
{
        const char *tree = it_busybox_tree();
        struct it_result r;

        require_fuse();
        r = it_berth_sh(60, tree,
                        SHELL_HELPERS "try /dev/fuse; echo \"owner: $(stat -c '%u:%g' /dev/fuse)\"\n"
                                      "[ -e /dev/net/tun ] && try /dev/net/tun\n",
                        "-x", "--name", "dev-fuse", NULL);
        cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
        expect_answer(&r, "/dev/fuse", "ok");
        expect_answer(&r, "owner", "0:0");
        if (access("/dev/net/tun", F_OK) == 0)
                expect_answer(&r, "/dev/net/tun", "ok");
        it_result_free(&r);
        cgt_assert_clean("dev-fuse", tree, false);
}

/* The settings file's key, in systemd's spelling. */
Test(devices, device_allow_in_the_settings_file)
{
        const char *tree = it_busybox_tree();
        char *dir = cgt_strf("%s/etc", it.dir), *path = cgt_strf("%s/dev-file.berth", dir);
        struct it_result r;
        FILE *f;

        require_fuse();
        cr_assert_eq(mkdir(dir, 0755), 0);
        f = fopen(path, "w");
        cr_assert_not_null(f);
        fputs("[Exec]\nPrivateUsers=no\n\n[Resources]\nDeviceAllow=/dev/fuse r\n", f);
        cr_assert_eq(fclose(f), 0);
        setenv("BERTH_CONFIG_DIR", dir, 1);
        r = it_berth_sh(60, tree, SHELL_HELPERS "tryr /dev/fuse; try /dev/fuse\n", "-x", "--name", "dev-file", NULL);
        cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
        expect_answer(&r, "/dev/fuse r", "ok");
        expect_answer(&r, "/dev/fuse", REFUSED);
        it_result_free(&r);
        cgt_assert_clean("dev-file", tree, false);
        free(dir);
        free(path);
}

/* Each refused value: exit 1, one line naming it, nothing left. */
Test(devices, a_bad_device_is_one_line_and_nothing_is_left)
{
        const char *tree = it_busybox_tree();
        const char *bad[] = {
                "/dev/berth-no-such-node",              /* missing */
                "/dev/shm",                             /* not a device node */
                "/dev/fuse:rx",                         /* a bad access letter */
                "/dev/fuse:",
                "dev/fuse",                             /* relative */
                "/etc/passwd",                          /* not below /dev */
                "/dev/null",                            /* the machine's own */
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                char *arg = cgt_strf("--device=%s", bad[i]);
                struct it_result r = it_berth_run(30, "-D", tree, "-x", "--private-users=no", "--name", "dev-bad",
                                                  arg, "--", "/bin/true", NULL);
                char *left;

                cr_expect_eq(r.status, 1, "%s: exit %d", arg, r.status);
                cr_expect_eq(it_count_lines(r.err), 1, "%s:\n%s", arg, r.err);
                cr_expect(strstr(r.err, arg), "%s not named:\n%s", arg, r.err);
                left = it_leftovers("dev-bad", tree);
                cr_expect_null(left, "%s: %s", arg, left);
                left = cgt_cgroup_left("dev-bad");
                cr_expect_null(left, "%s: %s", arg, left);
                it_result_free(&r);
                free(arg);
        }
}
