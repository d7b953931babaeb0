/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Layered images (-i NAME.layers, -M NAME): layers the test lays out in
 * STATEDIR/layers itself, with a whiteout and an opaque directory in an
 * upper layer; the machine sees the merged tree, its writes land in its
 * own layer, the layers stay as they were; 40 layers stack; bad manifests
 * are one line and leave nothing. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
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

/* berthd's StartMachine boots a layered image as it boots a tree. */
Test(layers, berthd_starts_a_layered_image, .timeout = 120)
{
        two_layers();
        it_bus_start();
        it_berthd_start();
        struct it_result r = it_ctl(60, "start", "--wait", "web", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_expect(it_wait_listed("web", true, 30), "web is not listed");
        r = it_ctl(30, "shell", "web", "/bin/cat", "/hello", NULL);
        cr_expect_str_eq(r.out, "hello\n", "%s", r.err);
        it_result_free(&r);
        r = it_ctl(30, "poweroff", "web", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_expect(it_wait_listed("web", false, 60), "web did not stop");
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

/* tests/integration/make-oci-layout DIR from the busybox tree. */
static char *oci_layout(const char *name, int layers)
{
        char *dir;
        cr_assert(asprintf(&dir, "%s/%s", it.dir, name) > 0);
        it_sh("'%s/tests/integration/make-oci-layout' '%s' '%s' %d", getenv("BERTH_SOURCE_ROOT"), dir,
              it_busybox_tree(), layers);
        return dir;
}

/* berthctl import-oci of a layout made with tar and sha256sum: the
 * machine runs the image's command in its directory with its
 * environment, sees the whiteout and the opaque directory; a second image
 * of the same layers stores none again. */
Test(layers, import_oci_makes_a_layered_image_that_runs_the_images_command, .timeout = 180)
{
        it_bus_start();
        it_berthd_start();
        char *layout = oci_layout("oci", 3);
        struct it_result r = it_ctl(60, "import-oci", layout, "web", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(strstr(r.err, "Imported image web."), "%s", r.err);
        it_result_free(&r);
        r = it_ctl(30, "list-images", "--no-legend", NULL);
        cr_expect(strstr(r.out, "web") && strstr(r.out, " layered "), "%s", r.out);
        it_result_free(&r);

        r = it_berth_run(30, "-M", "web", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "hi there from /srv\n", "the image's command: %s", r.out);
        it_result_free(&r);
        r = it_berth_run(30, "-M", "web", "--", "/bin/sh", "-c",
                         "cat /hello /etc/motd; ls /opq; test -e /gone || echo no-gone; echo $GREETING", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "hello\nfrom layer 3\nup\nno-gone\nhi there\n", "inside: %s", r.out);
        it_result_free(&r);
        cr_expect_eq(it_count_layers(), 3);

        char cmd[600];
        snprintf(cmd, sizeof(cmd), "du -s --inodes '%s/layers' | cut -f1", it.state_dir);
        char *before = it_sh_out(cmd);
        r = it_ctl(60, "-q", "import-oci", layout, "web2", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.err, "", "-q: %s", r.err);
        it_result_free(&r);
        char *after = it_sh_out(cmd);
        cr_expect_str_eq(after, before, "the second image stored layers again");
        cr_expect_eq(it_count_layers(), 3);
        free(before), free(after);
        r = it_berth_run(30, "-M", "web2", "-x", "--", "cat", "/hello", NULL);
        cr_expect_str_eq(r.out, "hello\n", "%s", r.err);
        it_result_free(&r);

        /* The same manifest behind two levels of index. */
        it_sh("cp -a '%s' '%s/nested' && cd '%s/nested' && for i in 1 2; do "
              "s=$(sha256sum index.json | cut -c1-64); n=$(stat -c %%s index.json); mv index.json blobs/sha256/$s; "
              "printf '{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
              "\"application/vnd.oci.image.index.v1+json\",\"digest\":\"sha256:%%s\",\"size\":%%s}]}' "
              "$s $n >index.json; done",
              layout, it.dir, it.dir);
        snprintf(cmd, sizeof(cmd), "%s/nested", it.dir);
        r = it_ctl(60, "-q", "import-oci", cmd, "web3", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        r = it_berth_run(30, "-M", "web3", "-x", "--", "cat", "/etc/motd", NULL);
        cr_expect_str_eq(r.out, "from layer 3\n", "%s", r.err);
        it_result_free(&r);

        /* A name that is taken. */
        r = it_ctl(60, "import-oci", layout, "web", NULL);
        cr_expect_neq(r.status, 0);
        cr_expect(strstr(r.err, "image web exists already"), "%s", r.err);
        it_result_free(&r);
        it_assert_store_left(-1);
        it_assert_clean("web", NULL);
        free(layout);
}

/* An archive `podman save --format oci-archive` wrote, of an image the
 * test made with `podman import` (no registry), in storage of its own. */
Test(layers, import_oci_takes_a_podman_oci_archive, .timeout = 180)
{
        it_bus_start();
        it_berthd_start();
        char *pm = NULL;
        cr_assert(asprintf(&pm, "podman --root '%s/pm-root' --runroot '%s/pm-run' --storage-driver vfs "
                                "--cgroup-manager cgroupfs --events-backend none", it.dir, it.dir) > 0);
        it_sh("tar -C '%s' -cf '%s/bb.tar' . && %s import --change 'CMD [\"/bin/sh\",\"-c\",\"echo podman-made\"]' "
              "'%s/bb.tar' localhost/bb:1 >/dev/null && %s save --format oci-archive -o '%s/bb-oci.tar' localhost/bb:1 "
              ">/dev/null 2>&1 && %s rmi -a >/dev/null 2>&1",
              it_busybox_tree(), it.dir, pm, it.dir, pm, it.dir, pm);
        char *archive;
        cr_assert(asprintf(&archive, "%s/bb-oci.tar", it.dir) > 0);
        struct it_result r = it_ctl(60, "import-oci", archive, "pm", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        r = it_berth_run(30, "-M", "pm", "-x", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "podman-made\n", "%s", r.err);
        it_result_free(&r);
        it_assert_store_left(-1);
        free(pm), free(archive);
}

/* import-tar from standard input with one top-level directory; progress
 * lines when stderr is no terminal. */
Test(layers, import_tar_from_stdin_strips_the_top_directory, .timeout = 180)
{
        it_bus_start();
        it_berthd_start();
        char cmd[1200];
        /* The stream stalls for a second halfway: long enough for a
         * progress line of the unpacking phase. */
        snprintf(cmd, sizeof(cmd), "mkdir '%s/top' && cp -a '%s/.' '%s/top/bb' && tar -C '%s/top' -czf - bb | "
                 "{ head -c 300000; sleep 1; cat; } | '%s' import-tar - t1 2>&1",
                 it.dir, it_busybox_tree(), it.dir, it.dir, it_ctl_bin());
        char *out = it_sh_out(cmd);
        cr_expect(strstr(out, "unpacking ") && strstr(out, " files, ") && strstr(out, "Imported image t1."), "%s",
                  out);
        free(out);
        struct it_result r = it_berth_run(30, "-M", "t1", "-x", "--", "/bin/sh", "-c",
                                          "grep ^ID= /etc/os-release; test -d /bb || echo stripped", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "ID=berth-busybox\nstripped\n", "%s", r.out);
        it_result_free(&r);
        it_assert_store_left(-1);
}

/* An import waiting for its input, cancelled by cancel-transfer and by
 * ^C to berthctl: it ends as canceled and leaves nothing. */
Test(layers, cancelled_imports_leave_nothing, .timeout = 120)
{
        it_bus_start();
        it_berthd_start();
        it_sh("mkfifo '%s/in.fifo'", it.dir);
        for (int by_sigint = 0; by_sigint <= 1; by_sigint++) {
                char cmd[1200], log[16];
                snprintf(log, sizeof(log), "cancel%d", by_sigint);
                snprintf(cmd, sizeof(cmd), "exec '%s' import-tar - slow <'%s/in.fifo'", it_ctl_bin(), it.dir);
                pid_t importer = it_spawn_sh(log, cmd);
                snprintf(cmd, sizeof(cmd), "exec sleep 60 >'%s/in.fifo'", it.dir);
                pid_t writer = it_spawn_sh("writer", cmd);
                bool listed = false;
                for (int i = 0; i < 100 && !listed; i++, usleep(50000)) {
                        struct it_result r = it_ctl(30, "list-transfers", "--no-legend", NULL);
                        listed = strstr(r.out, "slow") != NULL;
                        if (listed && !by_sigint) {
                                unsigned id = 0;
                                cr_assert_eq(sscanf(r.out, "%u", &id), 1, "%s", r.out);
                                snprintf(cmd, sizeof(cmd), "%u", id);
                        }
                        it_result_free(&r);
                }
                cr_assert(listed, "the import is not listed");
                if (by_sigint) {
                        cr_assert_eq(kill(importer, SIGINT), 0);
                } else {
                        struct it_result r = it_ctl(30, "cancel-transfer", cmd, NULL);
                        cr_expect_eq(r.status, 0, "%s", r.err);
                        it_result_free(&r);
                }
                cr_expect_eq(it_wait(importer, 30), 1);
                char *err = it_spawn_log(log, "err");
                cr_expect(strstr(err, "import of slow canceled"), "%s", err);
                free(err);
                cr_assert_eq(kill(writer, SIGTERM), 0);
                it_wait(writer, 30);
                it_assert_store_left(-1);
                struct it_result r = it_ctl(30, "list-transfers", "--no-legend", NULL);
                cr_expect_str_eq(r.out, "", "%s", r.out);
                it_result_free(&r);
        }
}

/* Bad input: one line naming it, a non-zero exit, nothing in the store. */
Test(layers, bad_imports_are_one_line_and_leave_nothing, .timeout = 180)
{
        it_bus_start();
        it_berthd_start();
        /* A layer blob whose content is not its digest. */
        char *layout = oci_layout("bad-oci", 3);
        it_sh("cd '%s/blobs/sha256' && f=$(ls -S | head -1) && printf x | dd of=\"$f\" bs=1 seek=100 conv=notrunc "
              "2>/dev/null",
              layout);
        struct it_result r = it_ctl(60, "-q", "import-oci", layout, "bad1", NULL);
        cr_expect_neq(r.status, 0);
        cr_expect(strstr(r.err, "does not match its digest"), "%s", r.err);
        cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
        it_result_free(&r);
        /* No manifest for this architecture. */
        char *other = oci_layout("arm-oci", 3);
        it_sh("sed -i 's/\"architecture\":\"amd64\"/\"architecture\":\"riscv64\"/' '%s/index.json'", other);
        r = it_ctl(60, "import-oci", other, "bad2", NULL);
        cr_expect(r.status != 0 && strstr(r.err, "no manifest for linux/"), "%s", r.err);
        it_result_free(&r);
        /* Entries that escape, a truncated archive, no archive at all. */
        it_sh("cd '%s' && python3 -c 'import tarfile,io\n"
              "def mk(n, e):\n"
              "  with tarfile.open(n, \"w\") as t:\n"
              "    for name, kind in e:\n"
              "      i = tarfile.TarInfo(name)\n"
              "      if kind == \"l\": i.type = tarfile.SYMTYPE; i.linkname = \"/etc\"; t.addfile(i)\n"
              "      else: i.size = 4; t.addfile(i, io.BytesIO(b\"evil\"))\n"
              "mk(\"dotdot.tar\", [(\"a/../../evil\", \"f\")])\n"
              "mk(\"link.tar\", [(\"l\", \"l\"), (\"l/evil\", \"f\")])' && "
              "tar -C '%s' -cf full.tar . && head -c 300000 full.tar >trunc.tar && echo junk >junk.tar",
              it.dir, it_busybox_tree());
        struct {
                const char *file, *needle;
        } cases[] = {
                { "dotdot.tar", "entry a/../../evil escapes the image" },
                { "link.tar", "entry l/evil escapes the image" },
                { "trunc.tar", "truncated" },
                { "junk.tar", "is no tarball berth reads" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char path[600];
                snprintf(path, sizeof(path), "%s/%s", it.dir, cases[i].file);
                r = it_ctl(60, "import-tar", path, "bad3", NULL);
                cr_expect_neq(r.status, 0, "%s was taken", cases[i].file);
                cr_expect(strstr(r.err, cases[i].needle), "%s: %s", cases[i].file, r.err);
                it_result_free(&r);
        }
        r = it_ctl(60, "import-tar", "/nonexistent.tar", "bad4", NULL);
        cr_expect(r.status != 0 && strstr(r.err, "/nonexistent.tar"), "%s", r.err);
        it_result_free(&r);
        r = it_ctl(60, "import-tar", "/dev/null", "bad..name", NULL);
        cr_expect(r.status != 0 && strstr(r.err, "bad..name"), "%s", r.err);
        it_result_free(&r);
        r = it_ctl(30, "list-images", "--no-legend", NULL);
        cr_expect_str_eq(r.out, "", "images made: %s", r.out);
        it_result_free(&r);
        cr_expect_leq(it_count_layers(), 0, "layers stored");
        it_assert_store_left(-1);
        char *evil = it_sh_out("ls /evil /etc/evil 2>/dev/null || true");
        cr_expect_str_eq(evil, "", "written outside: %s", evil);
        free(evil), free(layout), free(other);
}

/* A store on a small tmpfs: the import fails on the full disk and leaves
 * nothing there. */
Test(layers, a_full_disk_fails_the_import_and_leaves_nothing, .timeout = 180)
{
        it_sh("mkdir -p '%s' && mount -t tmpfs -o size=600k berth-it-full '%s'", it.state_dir, it.state_dir);
        it_bus_start();
        it_berthd_start();
        char *layout = oci_layout("full-oci", 3);
        struct it_result r = it_ctl(60, "-q", "import-oci", layout, "big", NULL);
        cr_expect_neq(r.status, 0);
        cr_expect(strstr(r.err, "No space left on device"), "%s", r.err);
        cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
        it_result_free(&r);
        it_assert_store_left(-1);
        cr_expect_leq(it_count_layers(), 0, "layers stored");
        it_berthd_kill(SIGTERM);
        it_sh("umount '%s'", it.state_dir);
        free(layout);
}
