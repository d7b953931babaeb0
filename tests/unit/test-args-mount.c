/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The launcher's mount options: --bind, --bind-ro, --tmpfs. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "cleanup.h"
#include "settings.h"
#include "util.h"

#include "args-test.h"

TestSuite(args, .init = setup, .fini = teardown);

Test(args, bind_src_dst_and_src_alone)
{
        struct settings s = {};
        char want[PATH_MAX + 32], arg[PATH_MAX + 16], arg2[PATH_MAX + 16];

        snprintf(arg, sizeof(arg), "--bind=%s:/mnt/data", tmp);
        snprintf(arg2, sizeof(arg2), "--bind=%s/sub", tmp);
        cr_assert_eq(parse(&s, ARGV("-D", "/t", arg, arg2)), 1);
        cr_assert_eq(s.n_binds, 2);
        cr_assert_str_eq(s.binds[0].source, tmp_real);
        cr_assert_str_eq(s.binds[0].target, "/mnt/data");
        cr_assert_not(s.binds[0].read_only);
        snprintf(want, sizeof(want), "%s/sub", tmp_real);
        cr_assert_str_eq(s.binds[1].source, want);
        /* SRC alone: mounted at the same path inside. */
        cr_assert_str_eq(s.binds[1].target, arg2 + strlen("--bind="));
        cr_assert_not(s.binds[1].read_only);
        settings_done(&s);

        /* A relative source is made absolute (and canonical). */
        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--bind", "sub/../sub:/x")), 1);
        cr_assert_eq(s.n_binds, 1);
        cr_assert_str_eq(s.binds[0].source, want);
        cr_assert_str_eq(s.binds[0].target, "/x");
        settings_done(&s);
}

Test(args, bind_ro)
{
        struct settings s = {};
        char arg[PATH_MAX + 16];

        snprintf(arg, sizeof(arg), "--bind-ro=%s:/ro", tmp);
        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--bind=sub:/rw", arg)), 1);
        cr_assert_eq(s.n_binds, 2);
        cr_assert_str_eq(s.binds[0].target, "/rw");
        cr_assert_not(s.binds[0].read_only);
        cr_assert_str_eq(s.binds[1].target, "/ro");
        cr_assert(s.binds[1].read_only);
        settings_done(&s);
}

Test(args, bind_invalid)
{
        const char *bad[] = {
                "--bind=sub:relative/dst",      /* relative destination */
                "--bind=sub:dst",
                "--bind=sub",                   /* relative SRC alone: relative DST */
                "--bind-ro=sub:rel",
                "--bind=:/x",                   /* empty source */
                "--bind=sub:",                  /* empty destination */
                "--bind=",
                "--bind=/nonexistent/berth-test-source:/x",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct settings s = {};
                cr_assert_lt(parse(&s, ARGV("-D", "/t", (char *) bad[i])), 0, "%s accepted", bad[i]);
                cr_assert_eq(s.n_binds, 0, "%s added a bind", bad[i]);
                settings_done(&s);
        }
}

static void assert_tmpfs(const struct tmpfs *t, const char *target, const char *options, unsigned attrs)
{
        char joined[512] = "";

        for (char **o = t->options; o && *o; o++)
                snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s", joined[0] ? "," : "", *o);
        cr_assert_str_eq(t->target, target);
        cr_assert_str_eq(joined, options, "%s: options %s, not %s", target, joined, options);
        cr_assert_eq(t->attrs, attrs, "%s: attrs %#x, not %#x", target, t->attrs, attrs);
}

Test(args, tmpfs)
{
        const unsigned def = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
        struct settings s = {};

        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--tmpfs=/var/tmp", "--tmpfs", "/scratch", "--tmpfs=/empty:")), 1);
        cr_assert_eq(s.n_tmpfs, 3);
        assert_tmpfs(&s.tmpfs[0], "/var/tmp", "mode=0755", def);
        assert_tmpfs(&s.tmpfs[1], "/scratch", "mode=0755", def);
        assert_tmpfs(&s.tmpfs[2], "/empty", "mode=0755", def);
        settings_done(&s);

        cr_assert_lt(parse(&s, ARGV("-D", "/t", "--tmpfs=var/tmp")), 0);
        cr_assert_null(s.tmpfs);
        cr_assert_eq(s.n_tmpfs, 0);
        settings_done(&s);
        cr_assert_lt(parse(&s, ARGV("-D", "/t", "--tmpfs=")), 0);
        settings_done(&s);
}

/* nspawn's --tmpfs=PATH:OPTIONS: with options, the kernel's mode (1777)
 * unless mode= says otherwise. */
Test(args, tmpfs_options)
{
        const unsigned def = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
        struct settings s = {};

        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--tmpfs=/scratch:size=1M",
                                    "--tmpfs=/a:mode=0700,size=10%,nr_inodes=1k,uid=1000,gid=5,huge=never,inode64",
                                    "--tmpfs=/b:ro,noexec,noatime,nr_blocks=16",
                                    "--tmpfs=/c:suid,exec,strictatime,nodiratime,ro,rw,nodev,nosuid,relatime,diratime")),
                     1);
        cr_assert_eq(s.n_tmpfs, 4);
        assert_tmpfs(&s.tmpfs[0], "/scratch", "size=1M", def);
        assert_tmpfs(&s.tmpfs[1], "/a", "mode=0700,size=10%,nr_inodes=1k,uid=1000,gid=5,huge=never,inode64", def);
        assert_tmpfs(&s.tmpfs[2], "/b", "nr_blocks=16",
                     def | MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOATIME);
        assert_tmpfs(&s.tmpfs[3], "/c", "", def | MOUNT_ATTR_RELATIME);
        settings_done(&s);

        /* "\:" is a colon of the path, "\\" a backslash. */
        cr_assert_eq(parse(&s, ARGV("-D", "/t", "--tmpfs=/with\\:colon:mode=1777", "--tmpfs=/back\\\\slash")), 1);
        assert_tmpfs(&s.tmpfs[0], "/with:colon", "mode=1777", def);
        assert_tmpfs(&s.tmpfs[1], "/back\\slash", "mode=0755", def);
        settings_done(&s);
}

Test(args, tmpfs_options_refused)
{
        /* The one line names the option and what is known instead. */
        assert_refused_saying(ARGV("-D", "/t", "--tmpfs=/scratch:size=1M,bogus"), "unknown option 'bogus'");
        assert_refused_saying(ARGV("-D", "/t", "--tmpfs=/scratch:bogus=1"), "unknown option 'bogus=1'");
        assert_refused_saying(ARGV("-D", "/t", "--tmpfs=/scratch:dev"), "unknown option 'dev' (known: mode=");
        /* A flag with a value, a value without one. */
        assert_refused_saying(ARGV("-D", "/t", "--tmpfs=/scratch:ro=1"), "ro takes no value");
        assert_refused_saying(ARGV("-D", "/t", "--tmpfs=/scratch:size"), "size= needs a value, bytes");
        assert_refused_saying(ARGV("-D", "/t", "--tmpfs=/scratch:mode=0800"), "mode=0800 expects an octal mode");
        assert_refused_saying(ARGV("-D", "/t", "--tmpfs=/scratch:mode=17777"), "mode=17777 expects");
        assert_refused_saying(ARGV("-D", "/t", "--tmpfs=/scratch:mode="), "mode= expects");
        assert_refused_saying(ARGV("-D", "/t", "--tmpfs=/scratch:size=1MB"), "size=1MB expects bytes");
        assert_refused_saying(ARGV("-D", "/t", "--tmpfs=/scratch:size=-1"), "size=-1 expects");
        assert_refused_saying(ARGV("-D", "/t", "--tmpfs=/scratch:nr_inodes=1%"), "nr_inodes=1% expects");
        assert_refused_saying(ARGV("-D", "/t", "--tmpfs=/scratch:uid=root"), "uid=root expects a numeric user ID");
        assert_refused_saying(ARGV("-D", "/t", "--tmpfs=/scratch:huge=sometimes"), "huge=sometimes expects");
        assert_refused_saying(ARGV("-D", "/t", "--tmpfs=scratch:size=1M"), "scratch is not an absolute path");
        assert_refused_saying(ARGV("-D", "/t", "--tmpfs=/"), "cannot replace the machine's root");
        assert_refused_saying(ARGV("-D", "/t", "--tmpfs=//:size=1M"), "cannot replace the machine's root");
}
