/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --device=PATH[:rwm]: what is taken and what is refused, before anything
 * is made. */
#include <criterion/criterion.h>
#include <errno.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "args.h"
#include "cleanup.h"
#include "cgroup.h"
#include "settings.h"
#include "util.h"

#include "args-test.h"

TestSuite(device, .init = setup, .fini = teardown);

#define RWM (CGROUP_DEVICE_READ | CGROUP_DEVICE_WRITE | CGROUP_DEVICE_MKNOD)

Test(device, access_letters)
{
        unsigned a = 0;
        char bad = 1;

        cr_assert_eq(device_access_from_string("rwm", &a, &bad), 0);
        cr_assert_eq(a, RWM);
        cr_assert_eq(device_access_from_string("mr", &a, &bad), 0);
        cr_assert_eq(a, CGROUP_DEVICE_READ | CGROUP_DEVICE_MKNOD);
        cr_assert_eq(device_access_from_string("w", &a, &bad), 0);
        cr_assert_eq(a, CGROUP_DEVICE_WRITE);
        cr_assert_eq(device_access_from_string("rx", &a, &bad), -EINVAL);
        cr_assert_eq(bad, 'x');
        cr_assert_eq(device_access_from_string("rwr", &a, &bad), -EINVAL);
        cr_assert_eq(bad, 'r', "a letter twice");
        cr_assert_eq(device_access_from_string("", &a, &bad), -EINVAL);
        cr_assert_eq(bad, 0);
        cr_assert_eq(a, CGROUP_DEVICE_WRITE, "a refused text must not be stored");
}

/* A node every Linux host has that the machine's /dev does not. */
static const char *host_node(void)
{
        static const char *const nodes[] = { "/dev/fuse", "/dev/loop-control", "/dev/kmsg", "/dev/mem" };
        struct stat st;

        for (size_t i = 0; i < ELEMENTSOF(nodes); i++)
                if (lstat(nodes[i], &st) == 0 && S_ISCHR(st.st_mode))
                        return nodes[i];
        cr_skip_test("no device node to pass");
        return NULL;
}

Test(device, path_and_access_taken_with_the_node)
{
        const char *node = host_node();
        char a1[64], a2[64], a3[64];
        struct settings s = {};
        struct stat st;

        cr_assert_eq(stat(node, &st), 0);
        snprintf(a1, sizeof(a1), "--device=%s", node);
        snprintf(a2, sizeof(a2), "--device=%s:r", node);
        snprintf(a3, sizeof(a3), "--device=%s rw", node);      /* systemd's spelling */
        cr_assert_eq(parse(&s, ARGV("-D", "/t", a1)), 1);
        cr_assert_eq(s.n_devices, 1);
        cr_assert_str_eq(s.devices[0].path, node);
        cr_assert_eq(s.devices[0].access, RWM, "rwm by default");
        cr_assert(S_ISCHR(s.devices[0].mode));
        cr_assert_eq(s.devices[0].mode & 0777, st.st_mode & 0777);
        cr_assert_eq(s.devices[0].rdev, st.st_rdev);
        settings_done(&s);
        /* The same path again: the last one counts. */
        cr_assert_eq(parse(&s, ARGV("-D", "/t", a1, a2)), 1);
        cr_assert_eq(s.n_devices, 1);
        cr_assert_eq(s.devices[0].access, CGROUP_DEVICE_READ);
        settings_done(&s);
        cr_assert_eq(parse(&s, ARGV("-D", "/t", a3)), 1);
        cr_assert_eq(s.devices[0].access, CGROUP_DEVICE_READ | CGROUP_DEVICE_WRITE);
        settings_done(&s);
}

Test(device, refused_before_anything_is_made)
{
        const char *node = host_node();
        char bad_mode[64], empty_mode[64], twice[64];
        const char *bad[] = {
                "--device=/dev/berth-test-no-such-node",
                "--device=/dev/berth-test-no-such-node:rw",
                "--device=dev/null",            /* relative */
                "--device=/tmp",                /* not below /dev */
                "--device=/dev/",
                "--device=/dev/../dev/zero",
                "--device=/dev//zero",
                "--device=/dev/null",           /* the machine's own */
                "--device=/dev/stdin",          /* a symlink, and the machine's own */
                "--device=/dev/pts/ptmx",
                "--device=",
                bad_mode,
                empty_mode,
                twice,
        };

        snprintf(bad_mode, sizeof(bad_mode), "--device=%s:rx", node);
        snprintf(empty_mode, sizeof(empty_mode), "--device=%s:", node);
        snprintf(twice, sizeof(twice), "--device=%s:ww", node);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct settings s = {};
                cr_assert_lt(parse(&s, ARGV("-D", "/t", (char *) bad[i])), 0, "%s accepted", bad[i]);
                cr_assert_eq(s.n_devices, 0, "%s added a device", bad[i]);
                settings_done(&s);
        }
}
