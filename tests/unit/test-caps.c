/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --capability, --drop-capability and --no-new-privileges: the names,
 * the lists, the set a machine keeps, and the refusals (caps.c,
 * option-parse.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <string.h>

#include "caps.h"
#include "settings.h"
#include "util.h"

#include "args-test.h"

TestSuite(caps, .init = setup, .fini = teardown);

#define BIT(c) (UINT64_C(1) << (c))

Test(caps, names_are_the_kernels_in_any_case_with_or_without_the_prefix)
{
        cr_assert_eq(capability_from_name("CAP_NET_ADMIN"), CAP_NET_ADMIN);
        cr_assert_eq(capability_from_name("net_admin"), CAP_NET_ADMIN);
        cr_assert_eq(capability_from_name("Cap_Sys_Time"), CAP_SYS_TIME);
        cr_assert_eq(capability_from_name("chown"), 0);
        cr_assert_eq(capability_from_name("checkpoint_restore"), 40);
        cr_assert_eq(capability_from_name("CAP_"), -EINVAL);
        cr_assert_eq(capability_from_name(""), -EINVAL);
        cr_assert_eq(capability_from_name("CAP_CAP_CHOWN"), -EINVAL);
        cr_assert_eq(capability_from_name("net_admin "), -EINVAL);
        cr_assert_eq(capability_from_name("12"), -EINVAL);
        /* Every name there is, both ways, in the kernel's order. */
        cr_assert_eq(capability_count(), CAP_LAST_CAP + 1);
        for (unsigned c = 0; c < capability_count(); c++) {
                const char *n = capability_to_name(c);
                cr_assert_not_null(n, "no name for %u", c);
                cr_assert(startswith(n, "CAP_"), "%s", n);
                cr_assert_eq(capability_from_name(n), (int) c, "%s", n);
        }
        cr_assert_null(capability_to_name(capability_count()));
}

Test(caps, the_default_set_and_what_the_options_change)
{
        struct settings s = {};
        uint64_t def;

        cr_assert_eq(parse(&s, ARGV("-D", "/t")), 1);
        cr_assert_eq(s.caps_add, 0);
        cr_assert_eq(s.caps_drop, 0);
        cr_assert_not(s.no_new_privileges);
        def = caps_machine_keep(&s);
        cr_assert_neq(def & BIT(CAP_SYS_ADMIN), 0);
        cr_assert_neq(def & BIT(CAP_NET_ADMIN), 0);
        cr_assert_eq(def & (BIT(CAP_SYS_MODULE) | BIT(CAP_SYS_TIME) | BIT(CAP_AUDIT_WRITE) | BIT(CAP_BPF)), 0);
        settings_done(&s);

        /* Commas, blanks, and every option given counts. */
        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--capability=CAP_SYS_TIME,sys_rawio", "--capability",
                                    "ipc_lock bpf", "--drop-capability=net_raw,CAP_MKNOD,")), 1);
        cr_assert_eq(s.caps_add, BIT(CAP_SYS_TIME) | BIT(CAP_SYS_RAWIO) | BIT(CAP_IPC_LOCK) | BIT(CAP_BPF));
        cr_assert_eq(s.caps_drop, BIT(CAP_NET_RAW) | BIT(CAP_MKNOD));
        cr_assert_eq(caps_machine_keep(&s), (def | s.caps_add) & ~s.caps_drop);
        settings_done(&s);

        /* all, and a drop wins over an add of the same capability. */
        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--capability=all", "--drop-capability=sys_module")), 1);
        cr_assert_eq(caps_machine_keep(&s), ~BIT(CAP_SYS_MODULE));
        settings_done(&s);
        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--capability=sys_time", "--drop-capability=all")), 1);
        cr_assert_eq(caps_machine_keep(&s), 0);
        settings_done(&s);
}

Test(caps, help_lists_the_names_and_starts_nothing)
{
        struct settings s = {};
        char out[4096];

        cr_assert_eq(parse_capturing(&s, ARGV("-D", "/t", "--capability=help"), out, sizeof(out)), 0);
        cr_assert(startswith(out, "CAP_CHOWN\nCAP_DAC_OVERRIDE\n"), "%s", out);
        cr_assert(strstr(out, "\nCAP_CHECKPOINT_RESTORE\n"), "%s", out);
        settings_done(&s);
        /* As in nspawn, for either option. */
        cr_assert_eq(parse_capturing(&s, ARGV("-D", "/t", "--drop-capability=help"), out, sizeof(out)), 0);
        cr_assert(startswith(out, "CAP_CHOWN\n"), "%s", out);
        settings_done(&s);
}

Test(caps, unknown_names_are_one_line_naming_them)
{
        assert_says(ARGV("-D", "/t", "--capability=CAP_NET_ADMIN,CAP_FROB"),
                    "berth: --capability=CAP_NET_ADMIN,CAP_FROB: unknown capability 'CAP_FROB' (berth "
                    "--capability=help lists them)\n");
        assert_refused_saying(ARGV("-D", "/t", "--drop-capability=frob"), "unknown capability 'frob'");
        assert_refused_saying(ARGV("-D", "/t", "--capability=help,chown"), "unknown capability 'help'");
        assert_refused_saying(ARGV("-D", "/t", "--capability=alll"), "unknown capability 'alll'");
        assert_refused_saying(ARGV("-D", "/t", "--capability="), "--capability=: expected capability names");
        assert_refused_saying(ARGV("-D", "/t", "--drop-capability=, ,"), "expected capability names");
        assert_refused_saying(ARGV("-D", "/t", "--capability"), "option --capability needs a value");
}

Test(caps, no_new_privileges_with_or_without_a_value)
{
        struct settings s = {};

        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--no-new-privileges")), 1);
        cr_assert(s.no_new_privileges);
        cr_assert_null(s.argv[0]);
        settings_done(&s);
        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--no-new-privileges=yes", "--no-new-privileges=off")), 1);
        cr_assert_not(s.no_new_privileges);
        settings_done(&s);
        /* A value only after '=': a word after it is the command. */
        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--no-new-privileges", "no")), 1);
        cr_assert(s.no_new_privileges);
        cr_assert_str_eq(s.argv[0], "no");
        settings_done(&s);
        assert_says(ARGV("-D", "/t", "--no-new-privileges=maybe"),
                    "berth: --no-new-privileges=maybe: expected yes or no\n");
}

/* The system-call filter follows the set: the calls that are safe only
 * with a capability come with it (--system-call-filter=help shows it). */
Test(caps, the_filter_follows_the_capabilities)
{
        static char out[65536];
        struct settings s = {};

        cr_assert_eq(parse_capturing(&s, ARGV("-D", "/t", "--system-call-filter=help"), out, sizeof(out)), 0);
        cr_assert_null(strstr(out, " clock_settime "), "%s", out);
        settings_done(&s);
        cr_assert_eq(parse_capturing(&s, ARGV("-D", "/t", "--capability=sys_time", "--system-call-filter=help"), out,
                                     sizeof(out)), 0);
        cr_assert_not_null(strstr(out, " clock_settime "), "%s", out);
        settings_done(&s);
}
