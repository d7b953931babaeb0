/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The system-call filter's groups, its default, and --system-call-filter=. */
#include <errno.h>

#include "args-test.h"
#include "caps.h"
#include "config.h"
#include "seccomp-build.h"
#include "seccomp-policy.h"
#include "syscall-filter.h"
#include "syscall-groups.h"

TestSuite(syscall_filter, .init = setup, .fini = teardown);

static int find(const char *name, void *userdata)
{
        return strcmp(name, userdata) == 0 ? 1 : 0;
}

static bool in_group(const char *group, const char *call)
{
        return syscall_group_expand(group, find, (void *) call) == 1;
}

Test(syscall_filter, groups_have_systemds_names_and_nest)
{
        cr_assert_not_null(syscall_group_find("@basic-io"));
        cr_assert_null(syscall_group_find("@no-such-group"));
        cr_assert_null(syscall_group_find("read"));
        cr_assert(in_group("@mount", "mount"));
        cr_assert(in_group("@default", "seccomp"), "@default takes @sandbox in");
        cr_assert(in_group("@privileged", "reboot"), "through @reboot");
        cr_assert(!in_group("@basic-io", "mount"));
        cr_assert(in_group("openat2", "openat2"), "a name is itself");
        cr_assert_eq(syscall_group_expand("@no-such-group", find, "x"), -ENOENT);
        for (size_t i = 0; i < syscall_groups_size; i++) {
                cr_assert_eq(syscall_groups[i].name[0], '@');
                for (const char *const *m = syscall_groups[i].members; *m; m++)
                        cr_assert((*m)[0] != '@' || syscall_group_find(*m), "%s names %s", syscall_groups[i].name,
                                  *m);
        }
}

struct list {
        char names[8192];
};

static int append(const char *name, void *userdata)
{
        struct list *l = userdata;
        size_t n = strlen(l->names);

        snprintf(l->names + n, sizeof(l->names) - n, " %s ", name);
        return 0;
}

static bool allows(const struct seccomp_spec *spec, const char *call)
{
        static struct list l;
        char w[64];

        l.names[0] = 0;
        cr_assert_eq(seccomp_spec_list(spec, append, &l), 0);
        snprintf(w, sizeof(w), " %s ", call);
        return strstr(l.names, w) != NULL;
}

Test(syscall_filter, the_default_allows_what_workloads_need_and_not_more)
{
        struct seccomp_spec spec = { .caps = caps_default(), .userns = true };

        for (const char *const *c = (const char *const[]) { "openat2", "clone3", "pidfd_open", "pidfd_send_signal",
                                                           "keyctl", "add_key", "landlock_create_ruleset",
                                                           "seccomp", "mount", "ptrace", "reboot", "mlock", NULL };
             *c; c++)
                cr_expect(allows(&spec, *c), "%s", *c);
        for (const char *const *c = (const char *const[]) { "kexec_load", "init_module", "swapon", "ioperm",
                                                           "clock_settime", "syslog", "acct", "bpf", "vhangup",
                                                           "perf_event_open", "open_by_handle_at",
                                                           "io_uring_setup", "quotactl", NULL };
             *c; c++)
                cr_expect(!allows(&spec, *c), "%s", *c);
        /* A capability the machine keeps brings its calls. */
        spec.caps |= UINT64_C(1) << 25;      /* CAP_SYS_TIME */
        cr_expect(allows(&spec, "clock_settime"));
        cr_assert_neq(seccomp_policy_caps_mask() & (UINT64_C(1) << 25), 0);
}

Test(syscall_filter, additions_and_removals)
{
        char *allow[] = { "io_uring_setup", "@swap", NULL }, *deny[] = { "@mount", "keyctl", NULL };
        struct seccomp_spec spec = { .caps = caps_default(), .userns = true, .allow = allow, .deny = deny };

        cr_expect(allows(&spec, "io_uring_setup"), "a name puts back what the default leaves out");
        cr_expect(!allows(&spec, "io_uring_enter"));
        cr_expect(allows(&spec, "swapon"));
        cr_expect(!allows(&spec, "mount"));
        cr_expect(!allows(&spec, "pivot_root"));
        cr_expect(!allows(&spec, "keyctl"));
        cr_expect(allows(&spec, "add_key"));
        /* A removal wins over an addition. */
        char *both[] = { "keyctl", NULL };
        spec.allow = both;
        cr_expect(!allows(&spec, "keyctl"));
}

Test(syscall_filter, arguments_and_the_mount_api_without_a_user_namespace)
{
        const struct seccomp_arg_rule *a = seccomp_policy_arg_rule("reboot");

        cr_assert_not_null(a);
        cr_expect_eq(a->arg, 2);
        cr_expect_eq(a->n_values, 4);
        cr_assert_not_null(seccomp_policy_arg_rule("personality"));
        cr_assert_not_null(seccomp_policy_arg_rule("userfaultfd"));
        cr_assert_null(seccomp_policy_arg_rule("read"));
        cr_expect(seccomp_policy_nosys_without_userns("open_tree"));
        cr_expect(seccomp_policy_nosys_without_userns("move_mount"));
        cr_expect(!seccomp_policy_nosys_without_userns("mount"));
        cr_expect(seccomp_policy_excluded("io_uring_enter"));
        cr_expect(!seccomp_policy_excluded("io_setup"));
}

/* The program made at build time is the one libseccomp makes now. */
Test(syscall_filter, the_built_in_default_is_what_libseccomp_builds)
{
        const struct { bool userns; const struct seccomp_program *p; } cases[] = {
                { true, &seccomp_default_userns }, { false, &seccomp_default_no_userns } };

        cr_assert_eq(seccomp_default_caps, caps_default());
        for (size_t i = 0; i < 2; i++) {
                struct seccomp_spec spec = { .caps = caps_default(), .userns = cases[i].userns };
                struct sock_filter *insns = NULL;
                uint32_t arches[4];
                size_t n = seccomp_arches(BERTH_CPU_FAMILY, arches), len = 0;

                cr_assert_eq(seccomp_build(&spec, arches, n, &insns, &len), 0);
                cr_assert_eq(len, cases[i].p->len);
                cr_assert_eq(memcmp(insns, cases[i].p->insns, len * sizeof(*insns)), 0);
                free(insns);
        }
}

Test(syscall_filter, option_adds_removes_and_resets)
{
        struct settings s = {};

        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--system-call-filter=io_uring_setup @swap",
                                    "--system-call-filter=~@mount keyctl", "--", "/bin/true")), 1);
        cr_assert_eq(strv_length(s.syscall_allow), 2);
        cr_assert_str_eq(s.syscall_allow[1], "@swap");
        cr_assert_eq(strv_length(s.syscall_deny), 2);
        cr_assert_str_eq(s.syscall_deny[0], "@mount");
        settings_done(&s);

        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--system-call-filter=@swap", "--system-call-filter=~mount",
                                    "--system-call-filter=", "--system-call-filter=acct")), 1);
        cr_assert_eq(strv_length(s.syscall_allow), 1);
        cr_assert_str_eq(s.syscall_allow[0], "acct");
        cr_assert_null(s.syscall_deny);
        settings_done(&s);
}

Test(syscall_filter, refused_values_are_one_line_naming_them)
{
        assert_refused_saying(ARGV("-D", "/t", "--system-call-filter=nosuchcall"),
                              "berth: --system-call-filter=nosuchcall: nosuchcall is not a system call this berth "
                              "knows (berth --system-call-filter=help lists them)\n");
        assert_refused_saying(ARGV("-D", "/t", "--system-call-filter=~read @nosuch"),
                              "berth: --system-call-filter=~read @nosuch: @nosuch is not a group of system calls");
        assert_refused_saying(ARGV("-D", "/t", "--system-call-filter=~"),
                              "berth: --system-call-filter=~: expected system calls or @groups after ~\n");
        assert_refused_saying(ARGV("-D", "/t", "--system-call-filter='read"),
                              "berth: --system-call-filter='read: a quote is not closed\n");
}

Test(syscall_filter, help_lists_the_groups_and_the_allowed_calls)
{
        struct settings s = {};
        static char out[65536];

        cr_assert_eq(parse_capturing(&s, ARGV("--system-call-filter=help"), out, sizeof(out)), 0);
        cr_expect(strstr(out, "  @mount "), "%s", out);
        cr_expect(strstr(out, " openat2 "), "%s", out);
        cr_expect(!strstr(out, " kexec_load "), "%s", out);
        cr_expect(strstr(out, "reboot       the machine's own restart"), "%s", out);
        settings_done(&s);
}
