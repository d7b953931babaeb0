/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "settings.h"

Test(parse_size, suffixes_are_powers_of_1024)
{
        uint64_t v;

        cr_assert_eq(parse_size("64M", &v), 0);
        cr_assert_eq(v, UINT64_C(64) << 20);
        cr_assert_eq(parse_size("1G", &v), 0);
        cr_assert_eq(v, UINT64_C(1) << 30);
        cr_assert_eq(parse_size("2k", &v), 0);
        cr_assert_eq(v, 2048);
        cr_assert_eq(parse_size("3T", &v), 0);
        cr_assert_eq(v, UINT64_C(3) << 40);
        cr_assert_eq(parse_size("512MiB", &v), 0);
        cr_assert_eq(v, UINT64_C(512) << 20);
        cr_assert_eq(parse_size("4096", &v), 0);
        cr_assert_eq(v, 4096);
        cr_assert_eq(parse_size("infinity", &v), 0);
        cr_assert_eq(v, 0);
}

Test(parse_size, junk_is_refused)
{
        uint64_t v = 7;

        cr_assert_lt(parse_size("", &v), 0);
        cr_assert_lt(parse_size("12Q", &v), 0);
        cr_assert_lt(parse_size("-1M", &v), 0);
        cr_assert_lt(parse_size("M", &v), 0);
        cr_assert_lt(parse_size("1MX", &v), 0);
        cr_assert_lt(parse_size(" 1M", &v), 0);
        cr_assert_eq(parse_size("99999999999T", &v), -ERANGE);
        cr_assert_eq(v, 7, "a refused size must not be stored");
}

Test(tables, cgroup_modes_round_trip)
{
        for (int m = 0; m < _CGROUP_MODE_MAX; m++)
                cr_assert_eq(cgroup_mode_from_string(cgroup_mode_to_string(m)), m);
        cr_assert_lt(cgroup_mode_from_string("nspawn"), 0);
        cr_assert_lt(cgroup_mode_from_string(NULL), 0);
        cr_assert_null(cgroup_mode_to_string(_CGROUP_MODE_MAX));
}

Test(tables, ownership_modes_round_trip)
{
        for (int o = 0; o < _OWNERSHIP_MAX; o++)
                cr_assert_eq(ownership_from_string(ownership_to_string(o)), o);
        cr_assert_eq(ownership_from_string("auto"), OWNERSHIP_MAP);
        cr_assert_lt(ownership_from_string("off"), 0);
}

Test(tables, v1_controller_names)
{
        cr_assert_str_eq(cgroup_v1_name(CG_V1_MEMORY), "memory");
        cr_assert_str_eq(cgroup_v1_name(CG_V1_CPU), "cpu");
        cr_assert_str_eq(cgroup_v1_name(CG_V1_CPUACCT), "cpuacct");
        cr_assert_str_eq(cgroup_v1_name(CG_V1_PIDS), "pids");
        cr_assert_null(cgroup_v1_name(_CG_V1_MAX));
}

static int parse(struct settings *s, char **argv)
{
        int argc = 0;

        while (argv[argc])
                argc++;
        *s = (struct settings) {};
        return settings_parse_argv(s, argc, argv);
}

Test(args, limits_and_cgroup_options)
{
        struct settings s;
        char *ok[] = { "berth", "-D", "/t", "--memory-max=64M", "--cpu-quota=20%", "--tasks-max=50",
                       "--cpu-weight=300", "--cgroup=cgroupfs", NULL };

        cr_assert_eq(parse(&s, ok), 1);
        cr_assert_eq(s.limits.memory_max, UINT64_C(64) << 20);
        cr_assert_eq(s.limits.cpu_quota, 20);
        cr_assert_eq(s.limits.tasks_max, 50);
        cr_assert_eq(s.limits.cpu_weight, 300);
        cr_assert_eq(s.cgroup, CGROUP_CGROUPFS);
        settings_done(&s);
}

Test(args, bad_limits_are_refused)
{
        struct settings s;
        char *bad[][5] = {
                { "berth", "-D", "/t", "--memory-max=12Q", NULL },
                { "berth", "-D", "/t", "--cpu-quota=0", NULL },
                { "berth", "-D", "/t", "--cpu-quota=abc%", NULL },
                { "berth", "-D", "/t", "--tasks-max=0", NULL },
                { "berth", "-D", "/t", "--cpu-weight=0", NULL },
                { "berth", "-D", "/t", "--cpu-weight=10001", NULL },
                { "berth", "-D", "/t", "--cgroup=lxc", NULL },
                { "berth", "-D", "/t", "--slice=machine", NULL },
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                cr_assert_lt(parse(&s, bad[i]), 0, "%s was accepted", bad[i][3]);
                settings_done(&s);
        }
}

Test(args, keep_unit_goes_with_systemd_and_no_limits)
{
        struct settings s;
        char *ok[] = { "berth", "-D", "/t", "--keep-unit", NULL };
        char *with_limit[] = { "berth", "-D", "/t", "--keep-unit", "--memory-max=1G", NULL };
        char *with_cgroupfs[] = { "berth", "-D", "/t", "--keep-unit", "--cgroup=cgroupfs", NULL };

        cr_assert_eq(parse(&s, ok), 1);
        cr_assert(s.keep_unit);
        cr_assert_eq(s.cgroup, CGROUP_SYSTEMD);
        settings_done(&s);
        cr_assert_lt(parse(&s, with_limit), 0);
        settings_done(&s);
        cr_assert_lt(parse(&s, with_cgroupfs), 0);
        settings_done(&s);
}

/* Properties by systemd's names: the values each takes, what it says of
 * one it does not, and the text it writes back. */
Test(limits_assign, systemd_names_and_values)
{
        struct cgroup_limits lim = {};
        char why_buf[256], text[256];
        const char *why;

        cr_assert_eq(limits_assign(&lim, "MemoryMax", "1G", why_buf, sizeof(why_buf), &why), 0);
        cr_assert_eq(lim.memory_max, UINT64_C(1) << 30);
        cr_assert_eq(limits_assign(&lim, "CPUQuota", "150%", why_buf, sizeof(why_buf), &why), 0);
        cr_assert_eq(lim.cpu_quota, 150);
        cr_assert_eq(limits_assign(&lim, "AllowedCPUs", "0-1,3", why_buf, sizeof(why_buf), &why), 0);
        cr_assert(CPU_ISSET(3, &lim.cpuset_cpus) && !CPU_ISSET(2, &lim.cpuset_cpus));
        cr_assert_eq(limits_format(&lim, LIMIT_ALLOWED_CPUS, text, sizeof(text)), 5);
        cr_assert_str_eq(text, "0-1,3");
        /* 1000-based, as systemd reads I/O caps; MAJ:MIN as the device:
         * a block device of this host that is no partition. */
        char dev[300] = "", value[400], want[400];
        DIR *d = opendir("/sys/dev/block");
        struct dirent *de;
        while (d && (de = readdir(d)) && !dev[0]) {
                char part[300];
                snprintf(part, sizeof(part), "/sys/dev/block/%s/partition", de->d_name);
                if (de->d_name[0] != '.' && access(part, F_OK) < 0)
                        snprintf(dev, sizeof(dev), "%s", de->d_name);
        }
        if (d)
                closedir(d);
        cr_assert(dev[0], "no block device here");
        snprintf(value, sizeof(value), "%s 10M", dev);
        cr_assert_eq(limits_assign(&lim, "IOWriteBandwidthMax", value, why_buf, sizeof(why_buf), &why), 0, "%s", why);
        cr_assert_eq(lim.n_io, 1);
        cr_assert_eq(lim.io[0].max[LIMIT_IO_WRITE_BANDWIDTH_MAX - LIMIT_IO_FIRST], 10000000);
        snprintf(value, sizeof(value), "%s 500", dev);
        cr_assert_eq(limits_assign(&lim, "IOReadIOPSMax", value, why_buf, sizeof(why_buf), &why), 0);
        cr_assert_eq(lim.n_io, 1, "one device, two caps");
        limits_format(&lim, LIMIT_IO_WRITE_BANDWIDTH_MAX, text, sizeof(text));
        snprintf(want, sizeof(want), "%s 10000000", dev);
        cr_assert_str_eq(text, want);
        /* infinity lifts a limit but stays assigned (set-property writes it). */
        cr_assert_eq(limits_assign(&lim, "MemoryMax", "infinity", why_buf, sizeof(why_buf), &why), 0);
        cr_assert_eq(lim.memory_max, 0);
        cr_assert(limits_has(&lim, LIMIT_MEMORY_MAX));
        limits_format(&lim, LIMIT_MEMORY_MAX, text, sizeof(text));
        cr_assert_str_eq(text, "infinity");
        cr_assert(!limits_has(&lim, LIMIT_TASKS_MAX));
}

Test(limits_assign, refusals_say_what_was_expected)
{
        struct cgroup_limits lim = {};
        char why_buf[256];
        const char *why;

        cr_assert_eq(limits_assign(&lim, "MemoryLimit", "1G", why_buf, sizeof(why_buf), &why), -ENOENT);
        cr_assert(strstr(why, "not a property berth knows"), "%s", why);
        cr_assert_eq(limits_assign(&lim, "CPUWeight", "0", why_buf, sizeof(why_buf), &why), -EINVAL);
        cr_assert_str_eq(why, "expected 1 to 10000");
        cr_assert_eq(limits_assign(&lim, "IOWriteBandwidthMax", "/dev/null 1M", why_buf, sizeof(why_buf), &why),
                     -ENOTBLK);
        cr_assert_str_eq(why, "/dev/null is not a block device, nor on one");
        cr_assert_eq(limits_assign(&lim, "IOWriteBandwidthMax", "10M", why_buf, sizeof(why_buf), &why), -EINVAL);
        cr_assert(strstr(why, "expected a block device and bytes per second"), "%s", why);
        cr_assert_eq(limits_assign(&lim, "AllowedCPUs", "2-1", why_buf, sizeof(why_buf), &why), -EINVAL);
        cr_assert_eq(lim.set, 0, "nothing refused is assigned");
}

/* set-property's changes onto a machine's limits: what is assigned, lifts
 * too; the rest as it was. */
Test(limits_merge, assigned_fields_only)
{
        struct cgroup_limits dst = {}, src = {};
        char why_buf[256];
        const char *why;

        cr_assert_eq(limits_assign(&dst, "MemoryMax", "1G", why_buf, sizeof(why_buf), &why), 0);
        cr_assert_eq(limits_assign(&dst, "TasksMax", "50", why_buf, sizeof(why_buf), &why), 0);
        cr_assert_eq(limits_assign(&src, "MemoryMax", "infinity", why_buf, sizeof(why_buf), &why), 0);
        cr_assert_eq(limits_assign(&src, "CPUQuota", "20%", why_buf, sizeof(why_buf), &why), 0);
        cr_assert_eq(limits_merge(&dst, &src), 0);
        cr_expect_eq(dst.memory_max, 0);
        cr_expect_eq(dst.tasks_max, 50);
        cr_expect_eq(dst.cpu_quota, 20);
        cr_expect(limits_has(&dst, LIMIT_CPU_QUOTA) && limits_has(&dst, LIMIT_TASKS_MAX));
}
