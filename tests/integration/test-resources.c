/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Resources beyond memory and CPU time: the CPUs a machine may run on
 * (the cpuset controller; PID 1's affinity), disk I/O caps, and the
 * refusals of values this host cannot give. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgtest.h"
#include "helpers.h"

TestSuite(resources, .init = it_setup, .fini = it_teardown);

/* Two busy loops inside, sampled 20 times: the CPU each last ran on
 * (/proc/PID/stat's 39th field), one line per sample and loop, after the
 * machine's nproc. */
#define BUSY_LOOPS                                                                                                    \
        "nproc; (while :; do :; done) & a=$!; (while :; do :; done) & b=$!; "                                         \
        "for i in $(seq 20); do cut -d' ' -f39 /proc/$a/stat /proc/$b/stat; usleep 50000; done; kill $a $b"

/* Every line after the first is cpu. */
static bool all_on(const char *out, const char *cpu, unsigned *ret_samples)
{
        const char *nl = strchr(out, '\n');
        unsigned n = 0;

        if (!nl)
                return false;
        for (const char *p = nl + 1; *p; p = strchr(p, '\n') + 1, n++) {
                size_t len = strcspn(p, "\n");
                if (len != strlen(cpu) || strncmp(p, cpu, len) != 0 || !p[len])
                        return false;
        }
        *ret_samples = n;
        return n > 0;
}

/* --cpuset-cpus=0: the machine's cgroup has CPU 0 only (the v1 cpuset
 * hierarchy on this hybrid host), nproc says 1 and two busy loops never
 * run on CPU 1. */
Test(resources, cpuset_cpus_keeps_the_machine_on_its_cpus)
{
        struct it_result r = it_berth_run(60, "-D", it_busybox_tree(), "-x", "--name", "cps", "--cpuset-cpus=0",
                                          "--", "/bin/sh", "-c", BUSY_LOOPS, NULL);
        unsigned samples = 0;

        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(strncmp(r.out, "1\n", 2) == 0, "nproc: %s", r.out);
        cr_expect(all_on(r.out, "0", &samples), "a loop ran on another CPU than 0: %s", r.out);
        cr_expect_eq(samples, 40, "%s", r.out);
        it_result_free(&r);
        cgt_assert_clean("cps", NULL, false);
}

/* AllowedCPUs= in /etc/berth, AllowedMemoryNodes= beside it: the cpuset's
 * lists as the machine's processes see them. */
Test(resources, cpuset_from_the_settings_file)
{
        char text[700];
        struct it_result r;

        snprintf(text, sizeof(text), "[Exec]\nImage=%s\n[Resources]\nAllowedCPUs=1\nAllowedMemoryNodes=0\n",
                 it_busybox_tree());
        it_etc_file("cps2", text);
        r = it_berth_run(30, "-M", "cps2", "-x", "--", "/bin/sh", "-c",
                         "grep -E '^(Cpus|Mems)_allowed_list' /proc/self/status | cut -f2", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "1\n0\n", "%s", r.out);
        it_result_free(&r);
        cgt_assert_clean("cps2", NULL, false);
}

/* --cpu-affinity=1 likewise, for PID 1 and what it starts. */
Test(resources, cpu_affinity_keeps_busy_loops_off_other_cpus)
{
        struct it_result r = it_berth_run(60, "-D", it_busybox_tree(), "-x", "--name", "aff3", "--cpu-affinity=1",
                                          "--", "/bin/sh", "-c", BUSY_LOOPS, NULL);
        unsigned samples = 0;

        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(strncmp(r.out, "1\n", 2) == 0, "nproc: %s", r.out);
        cr_expect(all_on(r.out, "1", &samples), "a loop ran on another CPU than 1: %s", r.out);
        it_result_free(&r);
        cgt_assert_clean("aff3", NULL, false);
}

/* A CPU or memory node the host does not have, and a list that is none:
 * one line each, and nothing left. */
Test(resources, cpuset_refusals_are_one_line)
{
        static const struct {
                const char *option, *message;
        } cases[] = {
                { "--cpuset-cpus=5", "--cpuset-cpus=5: not among the CPUs this host gives berth's cgroup (" },
                { "--cpuset-mems=3", "--cpuset-mems=3: not among the memory nodes this host gives berth's cgroup (" },
                { "--cpuset-cpus=1-x", "--cpuset-cpus=1-x: expected numbers and ranges, such as 0-3,6" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct it_result r = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--name", "cpsbad",
                                                  cases[i].option, "--", "true", NULL);
                cr_expect_eq(r.status, 1, "%s: %s", cases[i].option, r.err);
                cr_expect(strstr(r.err, cases[i].message), "%s: %s", cases[i].option, r.err);
                cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
                it_result_free(&r);
                cgt_assert_clean("cpsbad", NULL, false);
        }
}

/* A 64 MiB ext4 on a loop device of this test, mounted at TEST-DIR/mnt
 * (writable by the machine's root), gone again at teardown. */
static char loop_dev[64];

static void loop_teardown(void)
{
        char cmd[1024];

        snprintf(cmd, sizeof(cmd), "umount %s/mnt 2>/dev/null; [ -z '%s' ] || losetup -d %s", it.dir, loop_dev,
                 loop_dev);
        if (system(cmd) != 0)
                fprintf(stderr, "cleaning up the loop device: %s\n", cmd);
        loop_dev[0] = 0;
}

static void loop_file_system(void)
{
        char cmd[1024], *dev;

        snprintf(cmd, sizeof(cmd), "truncate -s 64M %s/disk && losetup --find --show %s/disk", it.dir, it.dir);
        dev = it_sh_out(cmd);
        cr_assert(dev && !strncmp(dev, "/dev/loop", 9), "losetup: %s", dev ? dev : "");
        snprintf(loop_dev, sizeof(loop_dev), "%.*s", (int) strcspn(dev, "\n"), dev);
        free(dev);
        it_on_teardown(loop_teardown);
        it_sh("mkfs.ext4 -q %s && mkdir %s/mnt && mount %s %s/mnt && chmod 1777 %s/mnt", loop_dev, it.dir, loop_dev,
              it.dir, it.dir);
}

static double now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Seconds a machine takes to write 20 MB with O_DIRECT into /data, the
 * file system on the loop device; options are added to berth's. */
static double direct_write(const char *option)
{
        char bind[600];
        struct it_result r;
        double t0, t;

        snprintf(bind, sizeof(bind), "--bind=%s/mnt:/data", it.dir);
        t0 = now();
        r = it_berth_run(60, "-D", it_busybox_tree(), "-x", "--name", "iow", bind, option ?: "--quiet", "--",
                         "/bin/sh", "-c", "dd if=/dev/zero of=/data/f bs=1M count=20 oflag=direct && rm /data/f",
                         NULL);
        t = now() - t0;
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        return t;
}

/* --io-write-bandwidth-max on the file system's device (given as a file
 * on it, resolved to the loop device): a 20 MB direct write at 10 MB/s
 * takes two seconds, where it takes some milliseconds without. */
Test(resources, io_write_bandwidth_caps_direct_writes)
{
        char cap[600];
        double capped, free_run;

        loop_file_system();
        snprintf(cap, sizeof(cap), "--io-write-bandwidth-max=%s/mnt 10M", it.dir);
        capped = direct_write(cap);
        free_run = direct_write(NULL);
        cr_log_info("20 MB direct: %.3f s capped at 10 MB/s, %.3f s without", capped, free_run);
        cr_expect(capped >= 1.5, "20 MB at 10 MB/s took %.3f s", capped);
        loop_teardown();
        cgt_assert_clean("iow", NULL, false);
}

/* A device that is not a block device, nor a file on one: one line. */
Test(resources, io_cap_on_a_non_block_device_is_one_line)
{
        struct it_result r = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--name", "iobad",
                                          "--io-read-bandwidth-max=/dev/null 1M", "--", "true", NULL);

        cr_expect_eq(r.status, 1, "%s", r.err);
        cr_expect(strstr(r.err, "--io-read-bandwidth-max=/dev/null 1M: /dev/null is not a block device, nor on one"),
                  "%s", r.err);
        cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
        it_result_free(&r);
        r = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--name", "iobad", "--io-write-iops-max=/dev/vda", "--",
                         "true", NULL);
        cr_expect(r.status == 1 && strstr(r.err, "expected a block device and operations per second"), "%s", r.err);
        cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
        it_result_free(&r);
        cgt_assert_clean("iobad", NULL, false);
}
