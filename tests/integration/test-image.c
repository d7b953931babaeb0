/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* -i/--image: raw GPT disk images the test builds itself from the busybox
 * tree (sfdisk, mkfs.ext4 -d): the root partition found by its type, used
 * read-only as the machine's tree, no loop device or mount left after the
 * machine, after a SIGKILL of berth and after every refusal. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "helpers.h"

TestSuite(image, .init = it_setup, .fini = it_teardown);

#define ROOT_X86_64 "4f68bce3-e8cd-4db1-96e7-fbcaf984b709"
#define ESP "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"

/* A 40 MiB GPT image at PATH with one partition of TYPE from 1 MiB on,
 * holding the busybox tree as ext4 when fs is true. */
static char *make_image(const char *name, const char *type, bool fs)
{
        char *path = NULL;
        cr_assert(asprintf(&path, "%s/%s", it.dir, name) > 0);
        it_sh("truncate -s 40M '%s' && printf 'label: gpt\\nstart=2048, size=77824, type=%s\\n' | sfdisk -q '%s'", path,
              type, path);
        if (fs)
                it_sh("mkfs.ext4 -q -E offset=1048576 -d '%s' '%s' 38M", it_busybox_tree(), path);
        return path;
}

/* No loop device over the file and no image mount of berth's. */
static void assert_nothing_of(const char *path)
{
        char cmd[700];
        snprintf(cmd, sizeof(cmd), "losetup -a | grep -F '%s' || true", path);
        /* autoclear ends the loop device once its mount is gone. */
        char *loops = it_sh_until_empty(cmd, 50);
        cr_expect_str_eq(loops, "", "loop devices left: %s", loops);
        free(loops);
        snprintf(cmd, sizeof(cmd), "ls -A '%s/images' 2>/dev/null; grep -F '%s/images' /proc/self/mountinfo || true",
                 it.runtime_dir, it.runtime_dir);
        char *left = it_sh_out(cmd);
        cr_expect_str_eq(left, "", "image mounts left: %s", left);
        free(left);
}

Test(image, a_raw_gpt_image_is_the_machines_tree_and_stays_unwritten, .timeout = 120)
{
        char *img = make_image("vm1.raw", ROOT_X86_64, true), cmd[600];
        snprintf(cmd, sizeof(cmd), "md5sum <'%s'", img);
        char *before = it_sh_out(cmd);

        struct it_result r = it_berth_run(30, "-i", img, "-x", "--", "/bin/sh", "-c",
                                          "grep ^ID= /etc/os-release; echo new >/etc/motd; rm /etc/passwd; cat /etc/motd; "
                                          "hostname",
                                          NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "ID=berth-busybox\nnew\nvm1\n", "inside: %s", r.out);
        it_result_free(&r);
        char *after = it_sh_out(cmd);
        cr_expect_str_eq(after, before, "the image changed");
        free(before), free(after);
        assert_nothing_of(img);
        char *left = it_leftovers("vm1", NULL);
        cr_expect_null(left, "%s", left);

        /* -M NAME finds STATEDIR/images/NAME.raw. */
        it_sh("mkdir -p '%s/images' && cp '%s' '%s/images/vm2.raw'", it.state_dir, img, it.state_dir);
        r = it_berth_run(30, "-M", "vm2", "-x", "--", "/bin/sh", "-c", "grep ^ID= /etc/os-release; hostname", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "ID=berth-busybox\nvm2\n", "inside: %s", r.out);
        it_result_free(&r);
        snprintf(cmd, sizeof(cmd), "%s/images/vm2.raw", it.state_dir);
        assert_nothing_of(cmd);
        free(img);
}

Test(image, a_killed_launchers_mount_and_loop_device_go_with_the_next_start, .timeout = 120)
{
        char *img = make_image("vmk.raw", ROOT_X86_64, true);
        pid_t pid = it_berth_spawn("vmk", "-i", img, "-x", "--", "sleep", "1000", NULL);
        cr_assert(it_wait_state("vmk", "running", 30), "%s", it_spawn_log("vmk", "err"));
        it_kill_launcher(pid, "vmk");
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "grep -cF '%s/images/mnt-' /proc/self/mountinfo || true", it.runtime_dir);
        char *mounts = it_sh_out(cmd);
        cr_expect_str_eq(mounts, "1\n", "the killed launcher's mount: %s", mounts);
        free(mounts);
        struct it_result r = it_berth_run(30, "-i", img, "-x", "--", "true", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        assert_nothing_of(img);
        free(img);
}

Test(image, bad_images_are_one_line_and_leave_nothing, .timeout = 120)
{
        struct {
                const char *file, *type;
                bool gpt, fs;
                const char *needle;
        } cases[] = {
                { "zeros.raw", NULL, false, false, "has no GPT partition table" },
                { "esp.raw", ESP, true, false, "has no root partition" },
                { "nofs.raw", ROOT_X86_64, true, false, "has no file system berth knows" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *img;
                if (cases[i].gpt)
                        img = make_image(cases[i].file, cases[i].type, cases[i].fs);
                else {
                        cr_assert(asprintf(&img, "%s/%s", it.dir, cases[i].file) > 0);
                        it_sh("truncate -s 8M '%s'", img);
                }
                struct it_result r = it_berth_run(30, "-i", img, "-x", "--", "true", NULL);
                cr_expect_neq(r.status, 0, "%s was taken", cases[i].file);
                cr_expect(strstr(r.err, img) && strstr(r.err, cases[i].needle), "%s: %s", cases[i].file, r.err);
                cr_expect_eq(it_count_lines(r.err), 1, "%s: %s", cases[i].file, r.err);
                it_result_free(&r);
                assert_nothing_of(img);
                free(img);
        }
        struct it_result r = it_berth_run(30, "-i", "/nonexistent/x.raw", "-x", "--", "true", NULL);
        cr_expect_neq(r.status, 0);
        cr_expect(strstr(r.err, "/nonexistent/x.raw") && it_count_lines(r.err) == 1, "%s", r.err);
        it_result_free(&r);
}

/* The Debian tree packed as a raw GPT image boots with systemd to
 * running; nothing of the image stays after its poweroff, nor after a
 * SIGKILL of berth and the next start. */
Test(image, the_debian_tree_as_a_raw_image_boots_to_running, .timeout = 300)
{
        char *img = NULL;
        cr_assert(asprintf(&img, "%s/debian.raw", it.dir) > 0);
        it_sh("truncate -s 512M '%s' && printf 'label: gpt\\nstart=2048, size=1044480, type=" ROOT_X86_64 "\\n' | "
              "sfdisk -q '%s' && mkfs.ext4 -q -E offset=1048576 -d '%s' '%s' 510M",
              img, img, it_debian_tree(), img);
        for (int killed = 0; killed < 2; killed++) {
                pid_t pid = it_berth_spawn("deb-raw", "-i", img, "-x", "--boot", "-M", "deb-raw", NULL);
                cr_assert(it_wait_state("deb-raw", "running", 120), "%s", it_spawn_log("deb-raw", "err"));
                struct it_result r = it_exec_in("deb-raw", 90, "systemctl is-system-running --wait");
                cr_expect(strstr(r.out, "running"), "system state: %s%s", r.out, r.err);
                it_result_free(&r);
                if (!killed) {
                        cr_assert_eq(kill(pid, SIGTERM), 0);
                        cr_expect_eq(it_wait(pid, 60), 0, "%s", it_spawn_log("deb-raw", "err"));
                        assert_nothing_of(img);
                        continue;
                }
                it_kill_launcher(pid, "deb-raw");
                r = it_berth_run(60, "-i", img, "-x", "-M", "deb-raw", "--", "/bin/true", NULL);
                cr_expect_eq(r.status, 0, "%s", r.err);
                it_result_free(&r);
                assert_nothing_of(img);
        }
        char *left = it_leftovers("deb-raw", NULL);
        cr_expect_null(left, "%s", left);
        free(img);
}

/* berthctl list-images through berthd: the trees and raw images of the
 * store with their type, read-only flag and usage; GetImage of each. */
Test(image, list_images_shows_the_store, .timeout = 120)
{
        it_bus_start();
        it_berthd_start();
        char *img = make_image("li.raw", ROOT_X86_64, true);
        it_sh("mkdir -p '%s/images/tree1' && cp '%s' '%s/images/disk1.raw' && cp '%s' '%s/images/disk2.raw' && "
              "chmod a-w '%s/images/disk2.raw' && mkdir '%s/images/.hidden' && touch '%s/images/not-an-image.txt'",
              it.state_dir, img, it.state_dir, img, it.state_dir, it.state_dir, it.state_dir, it.state_dir);
        struct it_result r = it_ctl(30, "list-images", "--no-legend", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        /* NAME TYPE RO USAGE ...: a tree's usage is not walked. */
        char *lines[3] = {};
        int n = 0;
        for (char *l = strtok(r.out, "\n"); l && n < 4; l = strtok(NULL, "\n"))
                if (n < 3)
                        lines[n++] = l;
                else
                        n++;
        cr_expect_eq(n, 3, "list-images:\n%s", r.out);
        cr_expect(n >= 3 && strncmp(lines[0], "disk1", 5) == 0 && strstr(lines[0], " raw ") &&
                  strstr(lines[0], " no "), "%s", lines[0]);
        cr_expect(n >= 3 && strncmp(lines[1], "disk2", 5) == 0 && strstr(lines[1], " yes "), "%s", lines[1]);
        cr_expect(n >= 3 && strncmp(lines[2], "tree1", 5) == 0 && strstr(lines[2], " directory ") &&
                  strstr(lines[2], " n/a "), "%s", lines[2]);
        it_result_free(&r);
        r = it_ctl(30, "list-images", "--json=short", NULL);
        cr_expect(strstr(r.out, "\"name\":\"disk1\"") && strstr(r.out, "\"type\":\"raw\""), "%s", r.out);
        it_result_free(&r);
        r = it_busctl(30, "call", "org.berth.machine1", "/org/berth/machine1", "org.berth.machine1.Manager",
                      "GetImage", "s", "disk2", NULL);
        cr_expect(strstr(r.out, "/org/berth/machine1/image/disk2"), "%s%s", r.out, r.err);
        it_result_free(&r);
        r = it_busctl(30, "get-property", "org.berth.machine1", "/org/berth/machine1/image/disk2",
                      "org.berth.machine1.Image", "ReadOnly", NULL);
        cr_expect_str_eq(r.out, "b true\n", "%s", r.err);
        it_result_free(&r);
        r = it_busctl(30, "call", "org.berth.machine1", "/org/berth/machine1", "org.berth.machine1.Manager",
                      "GetImage", "s", "nosuch", NULL);
        cr_expect_neq(r.status, 0);
        cr_expect(strstr(r.err, "no image nosuch"), "%s", r.err);
        it_result_free(&r);
        free(img);
}
