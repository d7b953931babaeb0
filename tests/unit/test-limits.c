/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>

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
