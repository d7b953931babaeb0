/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What berthctl does to images of the store through berthd: image-status,
 * show-image, clone (a layered image at once, naming the same layers; a
 * tree copied), rename, read-only, remove with the layers no image names;
 * changes to an image a running machine uses are refused naming it. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "helpers.h"

TestSuite(store, .init = it_setup, .fini = it_teardown);

/* STATEDIR/layers/sha256/HEX for layer n, HEX the sha256 of its number. */
static char *layer(int n, char hex[65])
{
        char cmd[100], *dir;
        snprintf(cmd, sizeof(cmd), "printf store-%d | sha256sum | cut -c1-64", n);
        char *out = it_sh_out(cmd);
        memcpy(hex, out, 64);
        hex[64] = 0;
        free(out);
        cr_assert(asprintf(&dir, "%s/layers/sha256/%s", it.state_dir, hex) > 0);
        it_sh("mkdir -p '%s'", dir);
        return dir;
}

/* Layer 1 the busybox tree and /gone, layer 2 /hello and a whiteout of
 * /gone over it; "base" names both, "other" layer 1 only. */
static void two_images(void)
{
        char h1[65], h2[65];
        char *l1 = layer(1, h1), *l2 = layer(2, h2);
        it_sh("cp -a '%s/.' '%s/' && touch '%s/gone' && echo hello >'%s/hello' && mknod '%s/gone' c 0 0",
              it_busybox_tree(), l1, l1, l2, l2);
        it_sh("mkdir -p '%s/images' && cd '%s/images' && printf 'sha256:%s\\nsha256:%s\\n' >base.layers && "
              "printf 'sha256:%s\\n' >other.layers && printf '[Exec]\\nEnvironment=FROM=base\\n' >base.berth",
              it.state_dir, it.state_dir, h1, h2, h1);
        free(l1), free(l2);
}

Test(store, image_status_and_show_image_describe_a_layered_image, .timeout = 60)
{
        two_images();
        it_bus_start();
        it_berthd_start();
        struct it_result r = it_ctl(30, "image-status", "base", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(strstr(r.out, "Type: layered") && strstr(r.out, "Read-only: no") && strstr(r.out, "(bottom)") &&
                  strstr(r.out, "(top)") && strstr(r.out, "/images/base.layers"),
                  "%s", r.out);
        it_result_free(&r);
        r = it_ctl(30, "show-image", "base", "-p", "Layers", "--value", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_eq(strlen(r.out), 2 * 71 + 2, "two digests: %s", r.out);
        cr_expect(strncmp(r.out, "sha256:", 7) == 0, "%s", r.out);
        it_result_free(&r);
        r = it_ctl(30, "show-image", "--json", "base", "other", NULL);
        cr_expect(strstr(r.out, "\"Name\":\"base\"") && strstr(r.out, "\"Name\":\"other\""), "%s", r.out);
        it_result_free(&r);
        r = it_ctl(30, "image-status", "nothere", NULL);
        cr_expect_neq(r.status, 0);
        cr_expect(strstr(r.err, "no image nothere"), "%s", r.err);
        it_result_free(&r);
}

/* A clone names the same layers and keeps the settings; writes of its
 * machine go to its own layer; rename takes that layer along; a
 * read-only image cannot go; remove takes the layers no image names. */
Test(store, clone_rename_read_only_and_remove_of_layered_images, .timeout = 120)
{
        two_images();
        it_bus_start();
        it_berthd_start();
        struct it_watch *w = it_watch_start();
        int before = it_count_layers();
        char du[700];
        snprintf(du, sizeof(du), "du -s --inodes '%s' | cut -f1", it.state_dir);
        char *inodes = it_sh_out(du);
        struct it_result r = it_ctl(30, "clone", "base", "dev1", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(strstr(r.err, "Cloned image base as dev1."), "%s", r.err);
        it_result_free(&r);
        cr_expect(it_watch_wait(w, "ImageNew dev1 ", 10), "%s", it_watch_log(w));
        cr_expect_eq(it_count_layers(), before, "a clone stored layers");
        /* O(1): the new manifest and settings file, nothing of the layers. */
        char *after = it_sh_out(du);
        cr_expect_eq(atoi(after), atoi(inodes) + 2, "inodes before %s, after %s", inodes, after);
        free(inodes), free(after);
        r = it_berth_run(30, "-M", "dev1", "--", "/bin/sh", "-c", "cat /hello; echo $FROM; echo mine >/hello", NULL);
        cr_expect_str_eq(r.out, "hello\nbase\n", "%s", r.err);
        it_result_free(&r);
        r = it_berth_run(30, "-M", "base", "-x", "--", "cat", "/hello", NULL);
        cr_expect_str_eq(r.out, "hello\n", "the clone's write reached base: %s", r.err);
        it_result_free(&r);
        r = it_ctl(30, "clone", "base", "dev1", NULL);
        cr_expect_neq(r.status, 0);
        cr_expect(strstr(r.err, "image dev1 exists already"), "%s", r.err);
        it_result_free(&r);

        r = it_ctl(30, "rename", "dev1", "dev2", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_expect(it_watch_wait(w, "ImageRemoved dev1 ", 10), "%s", it_watch_log(w));
        r = it_berth_run(30, "-M", "dev2", "--", "cat", "/hello", NULL);
        cr_expect_str_eq(r.out, "mine\n", "its own layer did not follow: %s", r.err);
        it_result_free(&r);
        r = it_ctl(30, "image-status", "dev1", NULL);
        cr_expect(strstr(r.err, "no image dev1"), "%s", r.err);
        it_result_free(&r);

        r = it_ctl(30, "read-only", "base", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        r = it_ctl(30, "list-images", "--no-legend", NULL);
        cr_expect(strstr(r.out, "base") && strstr(r.out, " yes "), "%s", r.out);
        it_result_free(&r);
        r = it_ctl(30, "remove", "base", NULL);
        cr_expect_neq(r.status, 0);
        cr_expect(strstr(r.err, "image base is read-only"), "%s", r.err);
        it_result_free(&r);
        r = it_ctl(30, "read-only", "base", "no", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);

        /* base goes: both layers stay, dev2 and other name them. */
        r = it_ctl(30, "remove", "base", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_expect(it_watch_wait(w, "ImageRemoved base ", 10), "%s", it_watch_log(w));
        cr_expect_eq(it_count_layers(), 2);
        /* dev2 goes, with its own layer: /hello's layer goes too. */
        r = it_ctl(30, "remove", "dev2", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_expect_eq(it_count_layers(), 1);
        char path[600];
        snprintf(path, sizeof(path), "%s/machines/dev2", it.state_dir);
        cr_expect(access(path, F_OK) < 0, "dev2's own layer is left");
        r = it_ctl(30, "remove", "other", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_expect_eq(it_count_layers(), 0);
        r = it_ctl(30, "list-images", "--no-legend", NULL);
        cr_expect_str_eq(r.out, "", "%s", r.out);
        it_result_free(&r);
        it_watch_free(w);
        it_assert_clean("dev2", NULL);
}

/* A tree's clone is a copy (a transfer): owners, modes, links kept. */
Test(store, clone_of_a_tree_copies_it, .timeout = 120)
{
        char tree[600];
        snprintf(tree, sizeof(tree), "%s/images/t1", it.state_dir);
        it_sh("mkdir -p '%s' && cp -a '%s/.' '%s/' && cd '%s' && echo data >f && ln f hard && chown 1234:5678 f && "
              "chmod 4750 f && ln -s f sym && "
              "python3 -c 'import os; os.setxattr(\"f\", \"user.note\", b\"kept\")'",
              tree, it_busybox_tree(), tree, tree);
        it_bus_start();
        it_berthd_start();
        struct it_result r = it_ctl(60, "clone", "t1", "t2", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(strstr(r.err, "Cloned image t1 as t2."), "%s", r.err);
        it_result_free(&r);
        char *a = it_tree_manifest(tree);
        snprintf(tree, sizeof(tree), "%s/images/t2", it.state_dir);
        char *b = it_tree_manifest(tree);
        cr_expect_str_eq(b, a, "the copy differs");
        free(a), free(b);
        char cmd[1400];
        snprintf(cmd, sizeof(cmd), "stat -c %%h '%s/f' && python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], \"user.note\").decode())' "
                 "'%s/f'", tree, tree);
        char *links = it_sh_out(cmd);
        cr_expect_str_eq(links, "2\nkept\n", "%s", links);
        free(links);
        r = it_berth_run(30, "-M", "t2", "-x", "--", "cat", "/f", NULL);
        cr_expect_str_eq(r.out, "data\n", "%s", r.err);
        it_result_free(&r);
}

/* remove and rename of an image a machine runs: one line naming it, the
 * image and its layers as they were; a clone of it is fine. */
Test(store, removing_or_renaming_an_image_a_machine_runs_is_refused, .timeout = 120)
{
        two_images();
        it_bus_start();
        it_berthd_start();
        struct it_result r = it_ctl(60, "start", "--wait", "base", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_assert(it_wait_listed("base", true, 30), "base is not listed");
        const char *verbs[][3] = { { "remove", "base", NULL }, { "rename", "base", "gone" } };
        for (size_t i = 0; i < 2; i++) {
                r = it_ctl(30, verbs[i][0], verbs[i][1], verbs[i][2], NULL);
                cr_expect_neq(r.status, 0);
                cr_expect(strstr(r.err, "image base is in use by the running machine base"), "%s", r.err);
                cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
                it_result_free(&r);
        }
        r = it_ctl(30, "clone", "-q", "base", "copy", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        r = it_ctl(30, "remove", "copy", "other", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_expect_eq(it_count_layers(), 2, "layers the running machine uses went");
        r = it_ctl(30, "shell", "base", "/bin/cat", "/hello", NULL);
        cr_expect_str_eq(r.out, "hello\n", "%s", r.err);
        it_result_free(&r);
        r = it_ctl(30, "poweroff", "base", NULL);
        it_result_free(&r);
        cr_expect(it_wait_listed("base", false, 60), "base did not stop");
        r = it_ctl(30, "remove", "base", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_expect_eq(it_count_layers(), 0);
        it_assert_clean("base", NULL);
}

/* What it_tree_manifest leaves out, for every entry below dir: times,
 * device numbers, link counts, every extended attribute (ACLs too); not
 * of ./mnt, a mount point in the source (its times are the mount's). */
static char *meta_dump(const char *dir)
{
        char cmd[1400];
        snprintf(cmd, sizeof(cmd),
                 "cd '%s' && python3 -c '\n"
                 "import os\n"
                 "for root, dirs, files in os.walk(\".\"):\n"
                 "    for n in sorted(dirs + files):\n"
                 "        p = os.path.join(root, n); s = os.lstat(p)\n"
                 "        x = [] if os.path.islink(p) else sorted((a, os.getxattr(p, a)) for a in os.listxattr(p))\n"
                 "        print(p, s.st_mtime_ns, s.st_rdev, s.st_nlink, x)\n"
                 "' | grep -v '^./mnt ' | sort",
                 dir);
        return it_sh_out(cmd);
}

/* import-fs: the copy has every owner, mode, time, attribute, ACL, hard
 * link, node and hole of the tree, not what is mounted below it. */
Test(store, import_fs_copies_a_tree_with_everything_in_it, .timeout = 120)
{
        char src[600], img[600];
        snprintf(src, sizeof(src), "%s/src", it.dir);
        snprintf(img, sizeof(img), "%s/images/fsimg", it.state_dir);
        it_sh("mkdir '%s' && cp -a '%s/.' '%s/' && cd '%s' && echo data >f && ln f hard && chown 1234:5678 f && "
              "chmod 4750 f && setfacl -m u:4321:rwx f && mkdir acl.d && setfacl -d -m g:99:rx acl.d && "
              "mknod null.node c 1 3 && mkfifo fifo && truncate -s 200M sparse && echo head | dd of=sparse "
              "conv=notrunc status=none && python3 -c 'import os; os.setxattr(\"f\", \"user.note\", b\"kept\")' && "
              "mkdir mnt && mount -t tmpfs -o mode=0755 berth-it-below mnt && touch mnt/not-copied",
              src, it_busybox_tree(), src, src);
        it_bus_start();
        it_berthd_start();
        struct it_result r = it_ctl(60, "import-fs", src, "fsimg", NULL);
        it_sh("umount '%s/mnt'", src);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(strstr(r.err, "Imported image fsimg."), "%s", r.err);
        it_result_free(&r);
        char *a = it_tree_manifest(src), *b = it_tree_manifest(img);
        cr_expect_str_eq(b, a, "the copy differs");
        free(a), free(b);
        a = meta_dump(src), b = meta_dump(img);
        cr_expect(strstr(a, "system.posix_acl_access") && strstr(a, "system.posix_acl_default"), "%s", a);
        cr_expect_str_eq(b, a, "times, nodes, links or attributes differ");
        free(a), free(b);
        char cmd[700];
        snprintf(cmd, sizeof(cmd), "du -k '%s/sparse' | cut -f1", img);
        char *du = it_sh_out(cmd);
        cr_expect_lt(atoi(du), 1024, "the holes were filled: %s KiB", du);
        free(du);
        r = it_berth_run(30, "-M", "fsimg", "-x", "--", "cat", "/f", NULL);
        cr_expect_str_eq(r.out, "data\n", "%s", r.err);
        it_result_free(&r);

        /* Bad sources and a taken name: one line, nothing made. */
        r = it_ctl(30, "import-fs", "/nonexistent", "x1", NULL);
        cr_expect(r.status != 0 && strstr(r.err, "/nonexistent: No such file or directory"), "%s", r.err);
        cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
        it_result_free(&r);
        r = it_ctl(30, "import-fs", src, "fsimg", NULL);
        cr_expect(r.status != 0 && strstr(r.err, "image fsimg exists already"), "%s", r.err);
        it_result_free(&r);
        it_assert_store_left(1);
}

/* import-raw: a GPT disk image copied to NAME.raw boots with -M; a file
 * without a partition table and a truncated image are refused. */
Test(store, import_raw_copies_a_disk_image_and_refuses_bad_ones, .timeout = 120)
{
        char img[600], cmd[2000];
        snprintf(img, sizeof(img), "%s/disk.img", it.dir);
        it_sh("truncate -s 40M '%s' && printf 'label: gpt\\nstart=2048, size=77824, "
              "type=4f68bce3-e8cd-4db1-96e7-fbcaf984b709\\n' | sfdisk -q '%s' && "
              "mkfs.ext4 -q -E offset=1048576 -d '%s' '%s' 38M && head -c 20M '%s' >'%s.cut' && "
              "truncate -s 1M '%s.zero'",
              img, img, it_busybox_tree(), img, img, img, img);
        it_bus_start();
        it_berthd_start();
        struct it_result r = it_ctl(60, "import-raw", img, "disk", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        r = it_ctl(30, "image-status", "disk", NULL);
        cr_expect(strstr(r.out, "Type: raw") && strstr(r.out, "/images/disk.raw"), "%s", r.out);
        it_result_free(&r);
        r = it_berth_run(30, "-M", "disk", "-x", "--", "ls", "/bin/busybox", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "/bin/busybox\n", "%s", r.err);
        it_result_free(&r);
        snprintf(cmd, sizeof(cmd), "%s.zero", img);
        r = it_ctl(30, "import-raw", cmd, "zero", NULL);
        cr_expect(r.status != 0 && strstr(r.err, "has no GPT partition table"), "%s", r.err);
        cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
        it_result_free(&r);
        snprintf(cmd, sizeof(cmd), "%s.cut", img);
        r = it_ctl(30, "import-raw", cmd, "cut", NULL);
        cr_expect(r.status != 0 && strstr(r.err, "is truncated"), "%s", r.err);
        it_result_free(&r);
        it_assert_store_left(1);
        it_assert_clean("disk", NULL);
}

/* export-tar: a layered image's merged tree (no whiteout, nor what it
 * hides), compressed as the file's name says; imported again it runs;
 * to standard output; a raw image and a file that exists are refused. */
Test(store, export_tar_writes_the_merged_tree, .timeout = 120)
{
        two_images();
        it_bus_start();
        it_berthd_start();
        char file[600], cmd[1600];
        snprintf(file, sizeof(file), "%s/base.tar.zst", it.dir);
        struct it_result r = it_ctl(60, "export-tar", "base", file, NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(strstr(r.err, "Exported image base to"), "%s", r.err);
        it_result_free(&r);
        snprintf(cmd, sizeof(cmd), "zstd -dc '%s' | tar -t | grep -E '^\\./(hello|gone|bin/busybox)$' | sort", file);
        char *list = it_sh_out(cmd);
        cr_expect_str_eq(list, "./bin/busybox\n./hello\n", "%s", list);
        free(list);
        r = it_ctl(60, "-q", "import-tar", file, "back", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        r = it_berth_run(30, "-M", "back", "-x", "--", "/bin/sh", "-c", "cat /hello; test -e /gone || echo no-gone",
                         NULL);
        cr_expect_str_eq(r.out, "hello\nno-gone\n", "%s", r.err);
        it_result_free(&r);
        snprintf(cmd, sizeof(cmd), "'%s' export-tar back - | tar -t | wc -l", it_ctl_bin());
        char *n = it_sh_out(cmd);
        cr_expect_gt(atoi(n), 100, "standard output: %s entries", n);
        free(n);

        /* The file exists: refused, and left as it was. */
        r = it_ctl(60, "export-tar", "base", file, NULL);
        cr_expect(r.status != 0 && strstr(r.err, "File exists"), "%s", r.err);
        it_result_free(&r);
        snprintf(cmd, sizeof(cmd), "%s/disk.raw", it.dir);
        it_sh("truncate -s 1M '%s/images/disk.raw'", it.state_dir);
        r = it_ctl(60, "export-tar", "disk", cmd, NULL);
        cr_expect(r.status != 0 && strstr(r.err, "raw disk image"), "%s", r.err);
        cr_expect(access(cmd, F_OK) < 0, "a tarball of a refused export is left");
        it_result_free(&r);
}

/* [Exec] Image= naming a layered image of the store, for the launcher's
 * -M NAME and for berthd's start alike. */
Test(store, image_names_a_layered_image_for_the_launcher_and_berthd, .timeout = 120)
{
        two_images();
        char dir[600];
        snprintf(dir, sizeof(dir), "%s/etc-berth", it.dir);
        it_sh("mkdir -p '%s' && printf '[Exec]\\nImage=base\\n' >'%s/alias.berth'", dir, dir);
        setenv("BERTH_CONFIG_DIR", dir, 1);
        struct it_result r = it_berth_run(30, "-M", "alias", "-x", "--", "cat", "/hello", NULL);
        cr_expect_str_eq(r.out, "hello\n", "%s", r.err);
        it_result_free(&r);
        it_bus_start();
        it_berthd_start();
        r = it_ctl(60, "start", "--wait", "alias", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_assert(it_wait_listed("alias", true, 30), "alias is not listed");
        r = it_ctl(30, "shell", "alias", "/bin/cat", "/hello", NULL);
        cr_expect_str_eq(r.out, "hello\n", "%s", r.err);
        it_result_free(&r);
        r = it_ctl(30, "remove", "base", NULL);
        cr_expect(r.status != 0 && strstr(r.err, "in use by the running machine alias"), "%s", r.err);
        it_result_free(&r);
        r = it_ctl(30, "poweroff", "alias", NULL);
        it_result_free(&r);
        cr_expect(it_wait_listed("alias", false, 60), "alias did not stop");
        unsetenv("BERTH_CONFIG_DIR");
        it_assert_clean("alias", NULL);
}

/* ACLs through tarballs: GNU tar's --acls archive imported keeps them,
 * and export-tar writes them so that GNU tar restores them. */
Test(store, acls_survive_import_tar_and_export_tar, .timeout = 120)
{
        char src[600], cmd[2400];
        snprintf(src, sizeof(src), "%s/acl-src", it.dir);
        it_sh("mkdir -p '%s/d' && cd '%s' && echo x >f && setfacl -m u:4321:rwx,g:77:r f && setfacl -d -m g:99:rx d && "
              "tar --acls -cf ../acl.tar .",
              src, src);
        it_bus_start();
        it_berthd_start();
        snprintf(cmd, sizeof(cmd), "%s/acl.tar", it.dir);
        struct it_result r = it_ctl(60, "-q", "import-tar", cmd, "acl", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        snprintf(cmd, sizeof(cmd), "cd '%s' && getfacl -p f d", src);
        char *want = it_sh_out(cmd);
        cr_expect(strstr(want, "user:4321:rwx") && strstr(want, "default:group:99:r-x"), "%s", want);
        snprintf(cmd, sizeof(cmd), "cd '%s/images/acl' && getfacl -p f d", it.state_dir);
        char *got = it_sh_out(cmd);
        cr_expect_str_eq(got, want, "import-tar lost ACLs");
        free(got);
        snprintf(cmd, sizeof(cmd), "'%s' export-tar acl - | (mkdir '%s/x' && tar --acls -xf - -C '%s/x') && cd '%s/x' && "
                 "getfacl -p f d",
                 it_ctl_bin(), it.dir, it.dir, it.dir);
        got = it_sh_out(cmd);
        cr_expect_str_eq(got, want, "export-tar lost ACLs");
        free(got), free(want);
}
