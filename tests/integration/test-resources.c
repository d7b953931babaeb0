/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Resources beyond memory and CPU time: the CPUs a machine may run on
 * (the cpuset controller; PID 1's affinity), disk I/O caps, freezing,
 * and the refusals of values this host cannot give. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "cgtest.h"
#include "helpers.h"

TestSuite(resources, .init = it_setup, .fini = it_teardown);

#define LXCFS_HOST_PATH "/var/lib/lxcfs"

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
        /* machined's states have no "frozen": its view says running. */
        r = it_busctl(30, "get-property", "org.freedesktop.machine1", "/org/freedesktop/machine1/machine/frz",
                      "org.freedesktop.machine1.Machine", "State", NULL);
        cr_expect_str_eq(r.out, "s \"running\"\n", "%s", r.err);
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

        /* A reboot's fresh cgroups keep it. */
        char *leader = it_state_get("setp", "LEADER"), *now = NULL;
        r = it_ctl(30, "reboot", "setp", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        for (int i = 0; i < 100; i++) {
                free(now);
                now = it_state_get("setp", "LEADER");
                if (now && leader && strcmp(now, leader) != 0 && it_wait_state("setp", "running", 1))
                        break;
                usleep(100000);
        }
        cr_assert(now && leader && strcmp(now, leader) != 0, "no reboot: leader %s, then %s", leader, now);
        free(leader);
        free(now);
        limit = memory_limit_of("setp");
        cr_expect_str_eq(limit ?: "", "67108864", "after the reboot");
        free(limit);
        cr_expect_eq(allocate_100m("setp"), 128 + SIGKILL, "after the reboot, 100 MiB above 64M were not killed");

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
                             "while [ ! -e /data/go ]; do sleep 0.05; done; "
                             "dd if=/dev/zero of=/data/f bs=1M count=4 oflag=direct; rm /data/f; exec sleep 1000",
                             NULL);
        cr_assert(it_wait_state("acct", "running", 60), "%s", it_spawn_log("acct", "err"));
        /* The writes count once the launcher has joined v1 blkio, a moment
         * after the machine runs (later on a loaded machine): only then. */
        char *blkio = it_state_get("acct", "CGROUP_BLKIO"), cmd[1200];
        cr_assert_not_null(blkio);
        snprintf(cmd, sizeof(cmd), "cat %s/payload/cgroup.procs 2>/dev/null", blkio);
        char *procs = NULL;
        for (int i = 0; i < 300 && !(procs && *procs); i++) {
                free(procs);
                procs = it_sh_out(cmd);
                usleep(20000);
        }
        cr_assert(procs && *procs, "the machine never joined %s", blkio);
        it_sh("touch %s/mnt/go", it.dir);
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

/* berthctl top: a machine that spins sorts above one that sleeps, with
 * near a whole CPU; --order=name and names narrow and sort as asked. */
Test(resources, top_sorts_machines_by_their_use)
{
        struct it_result r;
        pid_t spin, idle;
        char *line2;
        double cpu = -1;

        it_bus_start();
        it_berthd_start();
        spin = it_berth_spawn("spin", "-D", it_busybox_tree(), "--ephemeral", "--name", "spin", "--", "/bin/sh",
                              "-c", "while :; do :; done", NULL);
        cr_assert(it_wait_state("spin", "running", 60), "%s", it_spawn_log("spin", "err"));
        idle = it_spawn_sleeper("idle");
        cr_assert(it_wait_listed("spin", true, 30));

        r = it_ctl(30, "top", "--batch", "--iterations=1", "--delay=1", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        cr_expect(strncmp(r.out, "MACHINE", 7) == 0, "%s", r.out);
        line2 = strchr(r.out, '\n');
        cr_assert(line2, "%s", r.out);
        cr_expect(strncmp(line2 + 1, "spin ", 5) == 0, "the spinning machine is not first:\n%s", r.out);
        cr_expect(sscanf(line2 + 1, "spin %*s %lf", &cpu) == 1 && cpu > 50, "%%CPU of spin: %.1f\n%s", cpu, r.out);
        cr_expect(strstr(r.out, "\nidle "), "%s", r.out);
        cr_expect_eq(it_count_lines(r.out), 3, "%s", r.out);
        it_result_free(&r);

        r = it_ctl(30, "top", "-b", "--iterations=2", "-d", "0.2", "--order=name", "--no-legend", "idle", "spin",
                   NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        cr_expect(strncmp(r.out, "idle ", 5) == 0 && strstr(r.out, "\n\nidle "), "%s", r.out);
        it_result_free(&r);
        r = it_ctl(30, "top", "--order=speed", NULL);
        cr_expect(r.status != 0 && strstr(r.err, "--order=speed: expected cpu, memory, tasks, io or name"), "%s",
                  r.err);
        it_result_free(&r);

        kill(spin, SIGTERM);
        kill(idle, SIGTERM);
        it_wait(spin, 30);
        it_wait(idle, 30);
        it_assert_clean("spin", NULL);
        it_assert_clean("idle", NULL);
}

/* This test's own lxcfs on a mount point of its own in /var/tmp (never
 * the host's /var/lib/lxcfs), stopped by its PID and unmounted at
 * teardown. */
static char lxcfs_dir[600];
static pid_t lxcfs_pid;

static void lxcfs_stop(void)
{
        if (lxcfs_pid > 0) {
                kill(lxcfs_pid, SIGTERM);
                if (it_wait(lxcfs_pid, 10) < 0) {
                        kill(lxcfs_pid, SIGKILL);
                        it_wait(lxcfs_pid, 10);
                }
                lxcfs_pid = 0;
        }
        if (!lxcfs_dir[0])
                return;
        /* lxcfs unmounts on SIGTERM; what it did not is detached. */
        if (umount2(lxcfs_dir, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
                fprintf(stderr, "unmounting %s: %m\n", lxcfs_dir);
        rmdir(lxcfs_dir);
        *strrchr(lxcfs_dir, '/') = 0;
        rmdir(lxcfs_dir);
        lxcfs_dir[0] = 0;
}

static const char *lxcfs_start(void)
{
        char path[700], pidfile[700];

        snprintf(lxcfs_dir, sizeof(lxcfs_dir), "/var/tmp/it-lxcfs.XXXXXX");
        cr_assert_not_null(mkdtemp(lxcfs_dir));
        it_on_teardown(lxcfs_stop);
        snprintf(pidfile, sizeof(pidfile), "%s/pid", lxcfs_dir);
        strcat(lxcfs_dir, "/mnt");
        cr_assert_eq(mkdir(lxcfs_dir, 0755), 0);
        lxcfs_pid = fork();
        cr_assert_geq(lxcfs_pid, 0);
        if (lxcfs_pid == 0) {
                int null = open("/dev/null", O_RDWR);
                dup2(null, 0);
                dup2(null, 1);
                dup2(null, 2);
                execlp("lxcfs", "lxcfs", "--foreground", "--enable-cfs", "-p", pidfile, lxcfs_dir, (char *) NULL);
                _exit(127);
        }
        snprintf(path, sizeof(path), "%s/proc/meminfo", lxcfs_dir);
        for (int i = 0; i < 250; i++) {
                if (access(path, R_OK) == 0)
                        return lxcfs_dir;
                usleep(20000);
        }
        cr_assert_fail("lxcfs did not come up on %s", lxcfs_dir);
        return NULL;
}

static double host_uptime(void)
{
        char *t = it_read_file("/proc/uptime");
        double v = t ? atof(t) : 0;

        free(t);
        return v;
}

/* With lxcfs and --memory-max=256M, in a user namespace: procps' free -m
 * says 256 total, uptime's seconds are the machine's, not the host's;
 * with --lxcfs=no both are the host's. (busybox's free asks sysinfo(2),
 * which no file system can answer: the Debian tree with procps.) */
Test(resources, lxcfs_shows_the_machines_own_memory_and_uptime)
{
        char option[700];
        struct it_result r;
        unsigned total = 0;
        double up = -1;

        cr_assert_gt(host_uptime(), 60, "the host has been up for less than a minute: no contrast to see");
        snprintf(option, sizeof(option), "--lxcfs=%s", lxcfs_start());
        r = it_berth_run(30, "-D", it_debian_machined_tree(), "-x", "--name", "lxm", option, "--memory-max=256M", "--",
                         "/bin/sh", "-c", "free -m | sed -n 2p; cut -d' ' -f1 /proc/uptime", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(sscanf(r.out, "Mem: %u", &total) == 1 && total == 256, "free -m: %s", r.out);
        cr_expect(sscanf(strchr(r.out, '\n') ? strchr(r.out, '\n') + 1 : "", "%lf", &up) == 1 && up >= 0 && up < 30,
                  "uptime inside: %s", r.out);
        it_result_free(&r);
        /* The host's own /proc with --lxcfs=no. */
        r = it_berth_run(30, "-D", it_debian_machined_tree(), "-x", "--name", "lxm", "--lxcfs=no", "--memory-max=256M",
                         "--", "/bin/sh", "-c", "free -m | sed -n 2p; cut -d' ' -f1 /proc/uptime", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(sscanf(r.out, "Mem: %u", &total) == 1 && total > 256, "free -m without lxcfs: %s", r.out);
        cr_expect(sscanf(strchr(r.out, '\n') ? strchr(r.out, '\n') + 1 : "", "%lf", &up) == 1 && up > 60,
                  "uptime without lxcfs: %s", r.out);
        it_result_free(&r);
        lxcfs_stop();
        cgt_assert_clean("lxm", it_debian_machined_tree(), false);
}

/* lxcfs and --cpuset-cpus=0: nproc, /sys/devices/system/cpu/online and
 * /proc/cpuinfo all say one CPU. */
Test(resources, lxcfs_shows_the_machines_cpus)
{
        char option[700];
        struct it_result r;

        snprintf(option, sizeof(option), "--lxcfs=%s", lxcfs_start());
        r = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--name", "lxc", option, "--cpuset-cpus=0", "--",
                         "/bin/sh", "-c", "nproc; cat /sys/devices/system/cpu/online; grep -c ^processor /proc/cpuinfo",
                         NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "1\n0\n1\n");
        it_result_free(&r);
        lxcfs_stop();
        cgt_assert_clean("lxc", NULL, false);
}

/* --lxcfs=yes where no lxcfs runs (none on /var/lib/lxcfs here), or a
 * PATH that is none: one line naming the package; nothing left. */
Test(resources, lxcfs_yes_without_lxcfs_is_one_line)
{
        char option[700];
        struct it_result r;

        if (access(LXCFS_HOST_PATH "/proc/meminfo", F_OK) == 0)
                cr_skip_test("lxcfs runs on this host's " LXCFS_HOST_PATH ": --lxcfs=yes cannot be refused here");
        r = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--name", "lxy", "--lxcfs=yes", "--", "true", NULL);
        cr_expect_eq(r.status, 1, "%s", r.err);
        cr_expect(strstr(r.err, "--lxcfs=yes, but no lxcfs file system is mounted on " LXCFS_HOST_PATH
                                ": install and start Debian's lxcfs package"), "%s", r.err);
        cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
        it_result_free(&r);
        snprintf(option, sizeof(option), "--lxcfs=%s", it.dir);
        r = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--name", "lxy", option, "--", "true", NULL);
        cr_expect(r.status == 1 && strstr(r.err, "but no lxcfs file system is mounted on"), "%s", r.err);
        cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
        it_result_free(&r);
        cgt_assert_clean("lxy", NULL, false);
}
