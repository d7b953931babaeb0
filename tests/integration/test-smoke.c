/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

TestSuite(smoke, .init = it_setup, .fini = it_teardown);

Test(smoke, command_runs_as_pid2_and_status_comes_back)
{
        const char *tree = it_busybox_tree();
        struct it_result r = it_berth_run(30, "-D", tree, "--name", "smoke", "-x", "--",
                                          "/bin/sh", "-c", "echo hi $$; exit 3", NULL);

        cr_assert_eq(r.status, 3, "status %d, stderr: %s", r.status, r.err);
        cr_assert_str_eq(r.out, "hi 2\n");
        char *left = it_leftovers("smoke", tree);
        cr_assert_null(left, "%s", left);
        it_result_free(&r);
}
