/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container state of runtime.md as berth-oci keeps and prints it. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>

#include "oci-cgroup.h"
#include "oci-state.h"

Test(oci_state, ids_as_runc_takes_them)
{
        char why[256];

        cr_expect(oci_id_valid("web-1_a.b+c", why, sizeof(why)));
        cr_expect(!oci_id_valid("a/b", why, sizeof(why)));
        cr_expect(strstr(why, "invalid container ID a/b"), "%s", why);
        cr_expect(!oci_id_valid("..", why, sizeof(why)));
        cr_expect(!oci_id_valid("", why, sizeof(why)));
        cr_expect(!oci_id_valid("sp ace", why, sizeof(why)));
}

/* The spec's keys with their types, and back. */
Test(oci_state, json_round_trip)
{
        char *annotations[] = { "org.berth.system-container=true", NULL };
        struct oci_state st = { .oci_version = "1.0.2", .id = "c1", .status = OCI_CREATED, .pid = 4242,
                                .bundle = "/srv/b", .annotations = annotations, .start_time = 4241, .cgroup = "/sys/fs/cgroup/unified/x",
                                .created = "2026-12-03T17:00:00Z" }, back;
        char *text = oci_state_to_json(&st, OCI_STATE_INTERNAL);

        cr_assert_not_null(text);
        cr_expect(strstr(text, "\"ociVersion\":\"1.0.2\"") && strstr(text, "\"id\":\"c1\"") &&
                  strstr(text, "\"status\":\"created\"") && strstr(text, "\"pid\":4242") &&
                  strstr(text, "\"bundle\":\"/srv/b\"") &&
                  strstr(text, "\"annotations\":{\"org.berth.system-container\":\"true\"}"), "%s", text);
        cr_assert_eq(oci_state_from_json(text, &back), 0);
        cr_expect_str_eq(back.id, "c1");
        cr_expect_eq(back.status, OCI_CREATED);
        cr_expect_eq(back.pid, 4242);
        cr_expect_eq(back.start_time, 4241);
        cr_expect_str_eq(back.cgroup, "/sys/fs/cgroup/unified/x");
        cr_expect_str_eq(back.annotations[0], "org.berth.system-container=true");
        cr_expect_str_eq(back.created, "2026-12-03T17:00:00Z");
        oci_state_done(&back);
        free(text);
        cr_expect_eq(oci_state_from_json("{\"id\": \"x\"}", &back), -EBADMSG);
        cr_expect_eq(oci_state_from_json("nonsense", &back), -EBADMSG);
}

Test(oci_state, saved_and_loaded_under_root)
{
        char root[] = "/tmp/berth-oci-state.XXXXXX", path[128];
        struct oci_state st = { .id = "c2", .status = OCI_RUNNING, .pid = 7, .bundle = "/b" }, back;

        cr_assert_not_null(mkdtemp(root));
        cr_assert_eq(oci_state_save(root, &st), 0);
        cr_assert_eq(oci_state_load(root, "c2", &back), 0);
        cr_expect_eq(back.status, OCI_RUNNING);
        cr_expect_str_eq(back.oci_version, "1.0.2");
        oci_state_done(&back);
        cr_expect_eq(oci_state_load(root, "nosuch", &back), -ENOENT);
        snprintf(path, sizeof(path), "%s/c2/state.json", root);
        cr_expect_eq(unlink(path), 0);
        snprintf(path, sizeof(path), "%s/c2", root);
        cr_expect_eq(rmdir(path), 0);
        cr_expect_eq(rmdir(root), 0, "something else was left in the root");
}

/* linux.cgroupsPath: a path as it is; systemd's slice:prefix:name where
 * systemd would put the scope. */
Test(oci_cgroup, cgroups_path_forms)
{
        char *p;

        cr_assert_eq(oci_cgroups_path("/libpod_parent/libpod-abc", false, &p), 0);
        cr_expect_str_eq(p, "/libpod_parent/libpod-abc");
        free(p);
        cr_assert_eq(oci_cgroups_path("machine.slice:libpod:abc", true, &p), 0);
        cr_expect_str_eq(p, "/machine.slice/libpod-abc.scope");
        free(p);
        cr_assert_eq(oci_cgroups_path("user-1000.slice:cri:x", true, &p), 0);
        cr_expect_str_eq(p, "/user.slice/user-1000.slice/cri-x.scope");
        free(p);
        cr_assert_eq(oci_cgroups_path(":p:n", true, &p), 0);
        cr_expect_str_eq(p, "/system.slice/p-n.scope");
        free(p);
        cr_assert_eq(oci_cgroups_path(NULL, false, &p), 0);
        cr_expect_null(p);
        cr_expect_eq(oci_cgroups_path("machine.slice:libpod:abc", false, &p), -EINVAL);
        cr_expect_eq(oci_cgroups_path("/a/b", true, &p), -EINVAL);
        cr_expect_eq(oci_cgroups_path("nope:p:n", true, &p), -EINVAL);
}
