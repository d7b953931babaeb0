/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Resources beyond memory and CPU time: the CPUs a machine may run on
 * (the cpuset controller; PID 1's affinity), disk I/O caps, freezing,
 * and the refusals of values this host cannot give. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
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
                { "--cpuset-cpus=5", "AllowedCPUs=5 (--cpuset-cpus): not among the CPUs this host gives berth's cgroup (" },
                { "--cpuset-mems=3", "AllowedMemoryNodes=3 (--cpuset-mems): not among the memory nodes this host gives berth's cgroup (" },
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

/* The count a machine's loop has reached (/tmp/count inside); the loop
 * rewrites the file, so a read may find it empty: read again. */
static long long count_of(const char *leader)
{
        char path[300];

        snprintf(path, sizeof(path), "/proc/%s/root/tmp/count", leader);
        for (int i = 0; i < 100; i++) {
                char *text = it_read_file(path);
                long long v = text ? atoll(text) : 0;
                free(text);
                if (v > 0)
                        return v;
                usleep(1000);
        }
        return 0;
}

static long long cpu_usec_of(const char *cgroup)
{
        char path[4200], *text, *p;
        long long v = -1;

        snprintf(path, sizeof(path), "%s/payload/cpu.stat", cgroup);
        text = it_read_file(path);
        p = text ? strstr(text, "usage_usec ") : NULL;
        if (p)
                v = atoll(p + strlen("usage_usec "));
        free(text);
        return v;
}

/* berthctl freeze: a counting loop stops, its CPU time too, list and
 * status say frozen; thaw: it counts on; poweroff of a frozen machine
 * thaws and stops it, and nothing is left. */
Test(resources, freeze_stops_the_machine_and_thaw_resumes_it)
{
        struct it_result r;
        char *leader, *cgroup;
        long long a, b, cpu;
        pid_t pid;

        it_bus_start();
        it_berthd_start();
        pid = it_berth_spawn("frz", "-D", it_busybox_tree(), "--ephemeral", "--name", "frz", "--", "/bin/sh", "-c",
                             "i=0; while :; do i=$((i+1)); echo $i > /tmp/count; done", NULL);
        cr_assert(it_wait_state("frz", "running", 60), "%s", it_spawn_log("frz", "err"));
        cr_assert(it_wait_listed("frz", true, 30));
        leader = it_state_get("frz", "LEADER");
        cgroup = it_state_get("frz", "CGROUP");
        cr_assert(leader && cgroup && *cgroup);
        a = count_of(leader);
        usleep(200000);
        cr_assert_gt(count_of(leader), a, "the loop does not count");

        r = it_ctl(30, "freeze", "frz", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        a = count_of(leader);
        cpu = cpu_usec_of(cgroup);
        usleep(500000);
        b = count_of(leader);
        cr_expect_eq(b, a, "counted on while frozen: %lld, then %lld", a, b);
        cr_expect_eq(cpu_usec_of(cgroup), cpu, "CPU time went on while frozen");
        r = it_ctl(30, "list", "--no-legend", NULL);
        cr_expect(strstr(r.out, "frozen"), "list: %s", r.out);
        it_result_free(&r);
        r = it_ctl(30, "status", "frz", NULL);
        cr_expect(strstr(r.out, "State: frozen"), "status: %s", r.out);
        it_result_free(&r);

        r = it_ctl(30, "thaw", "frz", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        usleep(200000);
        cr_expect_gt(count_of(leader), b, "the loop does not count on after thaw");
        r = it_ctl(30, "show", "frz", "-p", "State", "--value", NULL);
        cr_expect_str_eq(r.out, "running\n");
        it_result_free(&r);

        r = it_ctl(30, "freeze", "frz", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        r = it_ctl(30, "poweroff", "frz", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_expect_geq(it_wait(pid, 30), 0, "the frozen machine did not power off");
        cr_expect(it_wait_listed("frz", false, 30));
        free(leader);
        free(cgroup);
        it_assert_clean("frz", NULL);
}

/* Freeze of a machine that does not run, and by someone not root: one
 * line each. */
Test(resources, freeze_refusals_are_one_line)
{
        struct it_result r;

        it_bus_start();
        it_berthd_start();
        r = it_ctl(30, "freeze", "nosuch", NULL);
        cr_expect_eq(r.status, 1, "%s", r.err);
        cr_expect(strstr(r.err, "nosuch"), "%s", r.err);
        cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
        it_result_free(&r);
}

/* The memory limit the machine's cgroup has now: cgroup2's memory.max,
 * or (hybrid host) v1's limit of berth-NAME. */
static char *memory_limit_of(const char *machine)
{
        char *dir = cgt_v2_machine_dir(machine), *path, *v;

        path = cgt_strf("%s/memory.max", dir);
        v = cgt_read_trimmed(path);
        free(path);
        free(dir);
        if (v)
                return v;
        dir = cgt_v1_machine_dir("memory", machine);
        path = dir ? cgt_strf("%s/memory.limit_in_bytes", dir) : NULL;
        v = path ? cgt_read_trimmed(path) : NULL;
        free(path);
        free(dir);
        return v;
}

/* A command in the machine through berthd (berthctl shell): allocates and
 * touches 100 MiB (dd's buffer). */
static int allocate_100m(const char *machine)
{
        struct it_result r = it_ctl(60, "shell", machine, "/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=100M",
                                    "count=1", NULL);
        int status = r.status;

        it_result_free(&r);
        return status;
}

/* berthctl set-property on a running machine: the new MemoryMax holds at
 * once (an allocation above it is OOM-killed, one below the old none was),
 * and is written into its settings file, the file's other lines kept;
 * with --runtime the file stays as it was. */
Test(resources, set_property_changes_a_running_machine)
{
        char *path, *text, *limit;
        struct it_result r;
        pid_t pid;

        it_etc_file("setp", "[Exec]\n# a comment that stays\nEnvironment=KEEP=1\n[Resources]\nTasksMax=500\n"
                            "MemoryMax=2G\n");
        path = cgt_strf("%s/etc/setp.berth", it.dir);
        it_bus_start();
        it_berthd_start();
        pid = it_spawn_sleeper("setp");
        cr_expect_eq(allocate_100m("setp"), 0, "100 MiB under a limit of 2G");

        r = it_ctl(30, "set-property", "setp", "MemoryMax=64M", "CPUQuota=50%", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        limit = memory_limit_of("setp");
        cr_expect_str_eq(limit ?: "", "67108864");
        free(limit);
        cr_expect_eq(allocate_100m("setp"), 128 + SIGKILL, "100 MiB above a limit of 64M were not OOM-killed");
        text = it_read_file(path);
        cr_expect_str_eq(text, "[Exec]\n# a comment that stays\nEnvironment=KEEP=1\n[Resources]\nTasksMax=500\n"
                               "MemoryMax=67108864\nCPUQuota=50%\n");
        free(text);

        /* --runtime: lifted in the cgroup, the file untouched. */
        r = it_ctl(30, "set-property", "--runtime", "setp", "MemoryMax=infinity", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_expect_eq(allocate_100m("setp"), 0, "the limit was lifted");
        text = it_read_file(path);
        cr_expect(strstr(text, "MemoryMax=67108864\n"), "%s", text);
        free(text);

        r = it_ctl(30, "poweroff", "setp", NULL);
        it_result_free(&r);
        cr_expect_geq(it_wait(pid, 30), 0);
        free(path);
        it_assert_clean("setp", NULL);
}

/* A property berth has not, a bad value, a CPU the host has not: one
 * line each; the machine's cgroup and its file are as they were. */
Test(resources, set_property_refusals_change_nothing)
{
        static const struct {
                const char *assignment, *message;
        } cases[] = {
                { "MemoryLimit=1G", "MemoryLimit=1G: not a property berth knows" },
                { "CPUWeight=0", "CPUWeight=0: expected 1 to 10000" },
                { "AllowedCPUs=7", "AllowedCPUs=7 (--cpuset-cpus): not among the CPUs this host gives berth's cgroup" },
                { "IOWriteBandwidthMax=/dev/null 1M", "/dev/null is not a block device, nor on one" },
        };
        char *path, *text, *limit;
        pid_t pid;

        it_etc_file("setq", "[Resources]\nMemoryMax=1G\n");
        path = cgt_strf("%s/etc/setq.berth", it.dir);
        it_bus_start();
        it_berthd_start();
        pid = it_spawn_sleeper("setq");
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct it_result r = it_ctl(30, "set-property", "setq", "TasksMax=99", cases[i].assignment, NULL);
                cr_expect_eq(r.status, 1, "%s: %s", cases[i].assignment, r.err);
                cr_expect(strstr(r.err, cases[i].message), "%s: %s", cases[i].assignment, r.err);
                cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
                it_result_free(&r);
        }
        limit = memory_limit_of("setq");
        cr_expect_str_eq(limit ?: "", "1073741824");
        free(limit);
        text = it_read_file(path);
        cr_expect_str_eq(text, "[Resources]\nMemoryMax=1G\n");
        free(text);
        free(path);
        kill(pid, SIGTERM);
        cr_expect_geq(it_wait(pid, 30), 0);
        it_assert_clean("setq", NULL);
}

/* Accounting without a limit: a machine that writes 4 MiB directly to a
 * block device has them in IOWriteBytes (v1 blkio on this hybrid host,
 * joined for counting alone), status says IO: and Network:, and show
 * --json carries both. */
Test(resources, io_and_network_bytes_are_counted_without_limits)
{
        char bind[600], *v = NULL;
        struct it_result r;
        pid_t pid;

        loop_file_system();
        snprintf(bind, sizeof(bind), "--bind=%s/mnt:/data", it.dir);
        it_bus_start();
        it_berthd_start();
        pid = it_berth_spawn("acct", "-D", it_busybox_tree(), "--ephemeral", "--name", "acct", bind,
                             "--network-veth", "--", "/bin/sh", "-c",
                             "sleep 0.5; dd if=/dev/zero of=/data/f bs=1M count=4 oflag=direct; rm /data/f; "
                             "exec sleep 1000",
                             NULL);
        cr_assert(it_wait_state("acct", "running", 60), "%s", it_spawn_log("acct", "err"));
        cr_assert(it_wait_listed("acct", true, 30));
        for (int i = 0; i < 100; i++) {
                r = it_ctl(30, "show", "acct", "-p", "IOWriteBytes", "--value", NULL);
                free(v);
                v = strdup(r.out);
                it_result_free(&r);
                if (atoll(v) >= 4 << 20)
                        break;
                usleep(100000);
        }
        cr_expect_geq(atoll(v), 4 << 20, "IOWriteBytes: %s", v);
        free(v);
        r = it_ctl(30, "status", "acct", NULL);
        cr_expect(strstr(r.out, "IO: read ") && strstr(r.out, "Network: received "), "%s", r.out);
        it_result_free(&r);
        r = it_ctl(30, "show", "acct", "--json", NULL);
        for (size_t i = 0; i < 2; i++) {
                const char *key = i == 0 ? "\"IOWriteBytes\"" : "\"NetworkBytesReceived\"";
                const char *p = strstr(r.out, key);
                p = p ? p + strlen(key) + strspn(p + strlen(key), ": ") : NULL;
                cr_expect(p && *p >= '0' && *p <= '9', "%s is no number: %s", key, r.out);
        }
        it_result_free(&r);
        r = it_ctl(30, "poweroff", "acct", NULL);
        it_result_free(&r);
        cr_expect_geq(it_wait(pid, 30), 0);
        loop_teardown();
        it_assert_clean("acct", NULL);
}
