/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "programs.h"

Test(programs, a_name_that_is_none_of_berths_programs)
{
        char *p = NULL;

        cr_assert_eq(program_find("sh", &p), -EINVAL);
        cr_assert_eq(program_find("../launch/berth", &p), -EINVAL);
        cr_assert_null(p);
}

Test(programs, an_absolute_berth_launcher_is_taken_as_given)
{
        _cleanup_free_ char *p = NULL;

        cr_assert_eq(setenv("BERTH_LAUNCHER", "/nonexistent/berth", 1), 0);
        cr_assert_eq(program_find("berth", &p), 0);
        cr_assert_str_eq(p, "/nonexistent/berth");
}

Test(programs, berth_launcher_overrides_berth_only)
{
        _cleanup_free_ char *p = NULL;

        cr_assert_eq(setenv("BERTH_LAUNCHER", "/nonexistent/berth", 1), 0);
        if (access(BERTH_LIBEXECDIR "/berth-stub", X_OK) == 0)
                cr_skip_test("berth is installed here");
        cr_assert_eq(program_find("berth-stub", &p), -ENOENT);
        cr_assert_null(p);
}

Test(programs, a_relative_berth_launcher_is_ignored)
{
        _cleanup_free_ char *p = NULL;

        cr_assert_eq(setenv("BERTH_LAUNCHER", "berth", 1), 0);
        if (access(BERTH_BINDIR "/berth", X_OK) == 0)
                cr_skip_test("berth is installed here");
        /* Beside this test there is none, nor in ../launch or ../bin. */
        cr_assert_eq(program_find("berth", &p), -ENOENT);
        cr_assert_null(p);
}
