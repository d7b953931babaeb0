/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cgutil.h"
#include "cleanup.h"

Test(cgutil, list_has_whole_words_only)
{
        cr_assert(cg_list_has("rw,memory", "memory"));
        cr_assert(cg_list_has("cpu,cpuacct", "cpu"));
        cr_assert(cg_list_has("cpu,cpuacct", "cpuacct"));
        cr_assert(cg_list_has("pids", "pids"));
        cr_assert_not(cg_list_has("rw,memoryx", "memory"));
        cr_assert_not(cg_list_has("rw,xmemory", "memory"));
        cr_assert_not(cg_list_has("cpuacct", "cpu"));
        cr_assert_not(cg_list_has("", "cpu"));
        cr_assert_not(cg_list_has(NULL, "cpu"));
        cr_assert_not(cg_list_has("rw,,", "cpu"));
}

Test(cgutil, cgroup2_mount_point_is_a_directory_or_none)
{
        _cleanup_free_ char *mp = NULL;
        struct stat st;
        int r = cgroup2_mount_point(&mp);

        if (r == -EOPNOTSUPP)
                cr_skip_test("no cgroup2 hierarchy is mounted here");
        cr_assert_eq(r, 0);
        cr_assert_eq(mp[0], '/', "%s", mp);
        cr_assert_eq(stat(mp, &st), 0, "%s", mp);
        cr_assert(S_ISDIR(st.st_mode), "%s", mp);
}

Test(cgutil, v1_mount_point_of_no_such_controller)
{
        char *mp = NULL;

        cr_assert_eq(cgroup_v1_mount_point("no-such-controller", &mp), -EOPNOTSUPP);
        cr_assert_null(mp);
}
