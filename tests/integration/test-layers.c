/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Layered images (-i NAME.layers, -M NAME): layers the test lays out in
 * STATEDIR/layers itself, with a whiteout and an opaque directory in an
 * upper layer; the machine sees the merged tree, its writes land in its
 * own layer, the layers stay as they were; 40 layers stack; bad manifests
 * are one line and leave nothing. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

TestSuite(layers, .init = it_setup, .fini = it_teardown);

/* The digest a layer of the test is stored by: of its number. */
static void digest_of(int n, char hex[65])
{
        char cmd[100];
        snprintf(cmd, sizeof(cmd), "printf layer-%d | sha256sum | cut -c1-64", n);
        char *out = it_sh_out(cmd);
        cr_assert_eq(strlen(out), 65, "sha256sum: %s", out);
        memcpy(hex, out, 64);
        hex[64] = 0;
        free(out);
}

/* STATEDIR/layers/sha256/HEX of layer n, made empty. */
static char *new_layer(int n)
{
        char hex[65], *dir;
        digest_of(n, hex);
        cr_assert(asprintf(&dir, "%s/layers/sha256/%s", it.state_dir, hex) > 0);
        it_sh("mkdir -p '%s'", dir);
        return dir;
}

/* STATEDIR/images/NAME.layers naming layers 1..n, bottom to top. */
static void write_manifest(const char *name, int n)
{
        char *path, hex[65];
        cr_assert(asprintf(&path, "%s/images/%s.layers", it.state_dir, name) > 0);
        it_sh("mkdir -p '%s/images' && echo '# layers of the test' >'%s'", it.state_dir, path);
        for (int i = 1; i <= n; i++) {
                digest_of(i, hex);
                it_sh("echo sha256:%s >>'%s'", hex, path);
        }
        free(path);
}

/* What is in the layers on disk. */
static char *layers_snapshot(void)
{
        char dir[600];
        snprintf(dir, sizeof(dir), "%s/layers", it.state_dir);
        return it_tree_manifest(dir);
}

/* Layer 1, the busybox tree with /opq/low and /gone; layer 2 over it with
 * /hello, a whiteout of /gone and /opq opaque (holding /opq/up). */
static void two_layers(void)
{
        char *low = new_layer(1), *up = new_layer(2);
        it_sh("cp -a '%s/.' '%s/' && mkdir '%s/opq' && touch '%s/opq/low' '%s/gone'", it_busybox_tree(), low, low,
              low, low);
        it_sh("cd '%s' && echo hello >hello && mknod gone c 0 0 && mkdir opq && touch opq/up && "
              "python3 -c 'import os; os.setxattr(\"opq\", \"user.overlay.opaque\", b\"y\")'",
              up);
        free(low), free(up);
        write_manifest("web", 2);
}

static const char inside[] =
        "cat /hello; ls /opq; test -e /gone && echo gone-is-there; "
        "echo changed >/hello; rm /bin/ls; mv /etc/os-release /etc/moved; mkdir /opq/new; "
        "cat /hello; ls /bin/ls 2>/dev/null; ls /opq";

Test(layers, the_machine_sees_the_layers_merged_and_leaves_them_unwritten, .timeout = 120)
{
        two_layers();
        char *before = layers_snapshot();
        struct it_result r = it_berth_run(30, "-M", "web", "--", "/bin/sh", "-c", inside, NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "hello\nup\nchanged\nnew\nup\n", "inside: %s", r.out);
        it_result_free(&r);
        char *after = layers_snapshot();
        cr_expect_str_eq(after, before, "the layers changed");
        free(after);

        /* Its own layer kept the changes; without a user namespace the
         * same layers read the same (user.overlay.* there too). */
        r = it_berth_run(30, "-M", "web", "--private-users=no", "--", "/bin/sh", "-c",
                         "cat /hello; ls /opq; test -e /gone || echo no-gone; test -e /etc/moved && echo moved", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "changed\nnew\nup\nno-gone\nmoved\n", "inside: %s", r.out);
        it_result_free(&r);
        after = layers_snapshot();
        cr_expect_str_eq(after, before, "the layers changed");
        free(before), free(after);
        it_assert_clean("web", NULL);
}

Test(layers, an_image_of_forty_layers_stacks_them_all, .timeout = 120)
{
        /* Layer 1 the tree, then 39 each adding /layers/N and setting /top. */
        char *low = new_layer(1);
        it_sh("cp -a '%s/.' '%s/' && mkdir '%s/layers'", it_busybox_tree(), low, low);
        free(low);
        for (int i = 2; i <= 40; i++) {
                char *dir = new_layer(i);
                it_sh("mkdir '%s/layers' && echo %d >'%s/layers/%d' && echo %d >'%s/top'", dir, i, dir, i, i, dir);
                free(dir);
        }
        write_manifest("tall", 40);
        char *manifest;
        cr_assert(asprintf(&manifest, "%s/images/tall.layers", it.state_dir) > 0);
        struct it_result r = it_berth_run(30, "-i", manifest, "-x", "--", "/bin/sh", "-c",
                                          "ls /layers | wc -l; cat /top; cat /layers/2 /layers/39; hostname", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "39\n40\n2\n39\ntall\n", "inside: %s", r.out);
        it_result_free(&r);
        free(manifest);
        it_assert_clean("tall", NULL);
}

Test(layers, bad_manifests_are_one_line_and_leave_nothing, .timeout = 120)
{
        char hex[65];
        digest_of(7, hex);
        struct {
                const char *content, *needle;
        } cases[] = {
                { "sha256:beef\n", "line 1 is not a layer (sha256: and 64 hex digits)" },
                { "# nothing\n", "names no layer" },
                { NULL, "is missing from" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *path;
                cr_assert(asprintf(&path, "%s/bad%zu.layers", it.dir, i) > 0);
                if (cases[i].content)
                        it_sh("printf '%s' >'%s'", cases[i].content, path);
                else
                        it_sh("echo sha256:%s >'%s'", hex, path);
                struct it_result r = it_berth_run(30, "-i", path, "-x", "--", "true", NULL);
                cr_expect_neq(r.status, 0, "%s was taken", cases[i].content);
                cr_expect(strstr(r.err, path) && strstr(r.err, cases[i].needle), "case %zu: %s", i, r.err);
                cr_expect_eq(it_count_lines(r.err), 1, "more than one line: %s", r.err);
                it_result_free(&r);
                char name[16];
                snprintf(name, sizeof(name), "bad%zu", i);
                it_assert_clean(name, NULL);
                free(path);
        }
}
