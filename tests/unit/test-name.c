/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <criterion/criterion.h>
#include <string.h>

#include "name.h"

Test(machine_name, accepts_ordinary_names)
{
        cr_assert(machine_name_valid("web"));
        cr_assert(machine_name_valid("web-1.example_2"));
        cr_assert(machine_name_valid("A"));
}

Test(machine_name, rejects_path_tricks)
{
        cr_assert_not(machine_name_valid("../etc"));
        cr_assert_not(machine_name_valid("a/b"));
        cr_assert_not(machine_name_valid("a..b"));
        cr_assert_not(machine_name_valid(".hidden"));
        cr_assert_not(machine_name_valid(""));
        cr_assert_not(machine_name_valid(NULL));
        cr_assert_str_eq(machine_name_problem("a/b"), "it contains '/'");
        cr_assert_str_eq(machine_name_problem("x..y"), "it contains '..'");
}

Test(machine_name, length_limit)
{
        char name[80];

        memset(name, 'a', 64);
        name[64] = 0;
        cr_assert(machine_name_valid(name));
        name[64] = 'a';
        name[65] = 0;
        cr_assert_not(machine_name_valid(name));
        cr_assert_str_eq(machine_name_problem(name), "it is longer than 64 characters");
}

Test(machine_name, rejects_control_characters)
{
        cr_assert_not(machine_name_valid("we\nb"));
        cr_assert_not(machine_name_valid("we\tb"));
        cr_assert_str_eq(machine_name_problem("a\x7f"), "it contains a control character");
}

Test(machine_name, derived_from_paths)
{
        char buf[65];

        cr_assert_eq(machine_name_from_path("/var/lib/berth/images/debian", buf, sizeof(buf)), 0);
        cr_assert_str_eq(buf, "debian");
        cr_assert_eq(machine_name_from_path("/srv/trees/my tree/", buf, sizeof(buf)), 0);
        cr_assert_str_eq(buf, "my-tree");
        cr_assert_lt(machine_name_from_path("/", buf, sizeof(buf)), 0);
}
