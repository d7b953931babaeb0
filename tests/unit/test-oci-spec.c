/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.json as berth-oci reads it: one test per clause of config.md and
 * config-linux.md that the parser implements. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "bundle-settings.h"
#include "oci-system.h"
#include "caps.h"
#include "settings.h"
#include "spec.h"

static const char full[] =
        "{\"ociVersion\": \"1.0.2\","
        " \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
        " \"hostname\": \"box\", \"domainname\": \"example\","
        " \"process\": {\"terminal\": true, \"consoleSize\": {\"height\": 25, \"width\": 80},"
        "   \"user\": {\"uid\": 1000, \"gid\": 100, \"additionalGids\": [5, 6]},"
        "   \"args\": [\"/bin/sh\", \"-c\", \"exit 3\"], \"env\": [\"PATH=/bin\", \"TERM=xterm\"], \"cwd\": \"/tmp\","
        "   \"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_CHOWN\"], \"effective\": [\"CAP_KILL\"]},"
        "   \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": 4096}],"
        "   \"noNewPrivileges\": true, \"oomScoreAdj\": 100},"
        " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
        "   {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"/srv\", \"options\": [\"rbind\", \"ro\"]}],"
        " \"annotations\": {\"org.berth.system-container\": \"true\"},"
        " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\", \"path\": \"/run/netns/x\"},"
        "   {\"type\": \"mount\"}, {\"type\": \"user\"}],"
        "   \"uidMappings\": [{\"containerID\": 0, \"hostID\": 300000, \"size\": 65536}],"
        "   \"gidMappings\": [{\"containerID\": 0, \"hostID\": 300000, \"size\": 65536}],"
        "   \"resources\": {\"memory\": {\"limit\": 268435456}, \"cpu\": {\"quota\": 50000, \"period\": 100000,"
        "     \"shares\": 1024, \"cpus\": \"0\"}, \"pids\": {\"limit\": 77}, \"blockIO\": {\"weight\": 500}},"
        "   \"cgroupsPath\": \"/berth/x\", \"maskedPaths\": [\"/proc/kcore\"], \"readonlyPaths\": [\"/proc/sys\"],"
        "   \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}, \"rootfsPropagation\": \"private\"}}";

Test(oci_spec, every_field_berth_reads)
{
        struct oci_spec s;
        char why[512];

        cr_assert_eq(oci_spec_parse(full, "/b", &s, why, sizeof(why)), 0, "%s", why);
        cr_expect_str_eq(s.oci_version, "1.0.2");
        /* root.path relative to the bundle. */
        cr_expect_str_eq(s.root_path, "/b/rootfs");
        cr_expect(s.root_readonly);
        cr_expect_str_eq(s.hostname, "box");
        cr_expect_str_eq(s.domainname, "example");
        cr_expect(s.process.present && s.process.terminal);
        cr_expect(s.process.console_height == 25 && s.process.console_width == 80);
        cr_expect(s.process.uid == 1000 && s.process.gid == 100);
        cr_expect(s.process.n_additional_gids == 2 && s.process.additional_gids[1] == 6);
        cr_expect_str_eq(s.process.args[2], "exit 3");
        cr_expect_null(s.process.args[3]);
        cr_expect_str_eq(s.process.env[1], "TERM=xterm");
        cr_expect_str_eq(s.process.cwd, "/tmp");
        cr_expect(s.process.caps_given[OCI_CAP_BOUNDING] && !s.process.caps_given[OCI_CAP_AMBIENT]);
        cr_expect_eq(s.process.caps[OCI_CAP_BOUNDING], (1ULL << 5) | (1ULL << 0));    /* CAP_KILL, CAP_CHOWN */
        cr_expect(s.process.n_rlimits == 1 && s.process.rlimits[0].resource == RLIMIT_NOFILE &&
                  s.process.rlimits[0].soft == 1024 && s.process.rlimits[0].hard == 4096);
        cr_expect(s.process.no_new_privileges);
        cr_expect(s.process.has_oom_score_adj && s.process.oom_score_adj == 100);
        cr_expect_eq(s.n_mounts, 2);
        cr_expect_str_eq(s.mounts[1].source, "/srv");
        cr_expect_str_eq(s.mounts[1].options[1], "ro");
        cr_expect_null(s.mounts[0].options);
        cr_expect_str_eq(oci_spec_annotation(&s, "org.berth.system-container"), "true");
        cr_expect(s.ns[OCI_NS_PID].wanted && !s.ns[OCI_NS_PID].path);
        cr_expect_str_eq(s.ns[OCI_NS_NETWORK].path, "/run/netns/x");
        cr_expect(!s.ns[OCI_NS_IPC].wanted);
        cr_expect(s.n_uid_maps == 1 && s.uid_maps[0].host_id == 300000 && s.uid_maps[0].size == 65536);
        cr_expect_eq(s.n_gid_maps, 1);
        cr_expect_str_eq(s.cgroups_path, "/berth/x");
        cr_expect_str_eq(s.masked_paths[0], "/proc/kcore");
        cr_expect_str_eq(s.readonly_paths[0], "/proc/sys");
        cr_expect_str_eq(s.sysctl[0], "net.ipv4.ip_forward=1");
        cr_expect_str_eq(s.rootfs_propagation, "private");
        oci_spec_done(&s);
}

/* linux.resources as berth's limits, converted as crun and systemd do. */
Test(oci_spec, resources_become_berths_limits)
{
        struct oci_spec s;
        char why[512];

        cr_assert_eq(oci_spec_parse(full, "/b", &s, why, sizeof(why)), 0, "%s", why);
        cr_expect_eq(s.limits.memory_max, 268435456);
        cr_expect_eq(s.limits.cpu_quota, 50);
        cr_expect_eq(s.limits.cpu_weight, 39, "shares 1024: weight %u", s.limits.cpu_weight);
        cr_expect(limits_has(&s.limits, LIMIT_ALLOWED_CPUS) && CPU_ISSET(0, &s.limits.cpuset_cpus));
        cr_expect_eq(s.limits.tasks_max, 77);
        cr_expect_eq(s.limits.io_weight, 4950, "blkio weight 500: IOWeight %u", s.limits.io_weight);
        oci_spec_done(&s);
}

/* No process: valid for create (the spec makes it optional), marked. */
Test(oci_spec, process_is_optional)
{
        struct oci_spec s;
        char why[512];

        cr_assert_eq(oci_spec_parse("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"/r\"}}", "/b", &s, why,
                                    sizeof(why)),
                     0, "%s", why);
        cr_expect(!s.process.present);
        cr_expect_str_eq(s.root_path, "/r");
        oci_spec_done(&s);
}

/* What is wrong, in one line naming the field. */
Test(oci_spec, errors_name_the_field)
{
        static const struct {
                const char *json, *why;
                int r;
        } cases[] = {
                { "{", "config.json: ", -EINVAL },
                { "[]", "config.json: expected an object", -EINVAL },
                { "{\"root\": {\"path\": \"r\"}}", "ociVersion: required", -EINVAL },
                { "{\"ociVersion\": \"2.0.0\", \"root\": {\"path\": \"r\"}}",
                  "ociVersion 2.0.0: this runtime implements the 1.x specification only", -EPROTONOSUPPORT },
                { "{\"ociVersion\": \"1.0.0\"}", "root: required on Linux", -EINVAL },
                { "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": 5}}", "root.path: expected string", -EINVAL },
                { "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, \"process\": {\"user\": {}, "
                  "\"args\": [], \"cwd\": \"/\"}}",
                  "process.args: at least the program is required", -EINVAL },
                { "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, \"process\": {\"user\": {}, "
                  "\"args\": [\"x\"], \"cwd\": \"tmp\"}}",
                  "process.cwd: required, an absolute path", -EINVAL },
                { "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, \"process\": {\"user\": {}, "
                  "\"args\": [\"x\"], \"cwd\": \"/\", \"capabilities\": {\"bounding\": [\"CAP_LOOK\"]}}}",
                  "process.capabilities.bounding: unknown capability CAP_LOOK", -EINVAL },
                { "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, \"process\": {\"user\": {}, "
                  "\"args\": [\"x\"], \"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_FOO\", \"soft\": 1, "
                  "\"hard\": 1}]}}",
                  "process.rlimits[0]: unknown type RLIMIT_FOO", -EINVAL },
                { "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, \"linux\": {\"namespaces\": "
                  "[{\"type\": \"pid\"}, {\"type\": \"pid\"}]}}",
                  "linux.namespaces: pid given twice", -EINVAL },
                { "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, \"linux\": {\"namespaces\": "
                  "[{\"type\": \"galaxy\"}]}}",
                  "linux.namespaces[0]: unknown type galaxy", -EINVAL },
                { "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, \"mounts\": [{\"destination\": "
                  "\"data\"}]}",
                  "mounts[0].destination: required, an absolute path", -EINVAL },
                { "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, \"linux\": {\"resources\": "
                  "{\"blockIO\": {\"weight\": 5}}}}",
                  "linux.resources.blockIO.weight: 5 is not 10 to 1000", -EINVAL },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct oci_spec s;
                char why[512];
                int r = oci_spec_parse(cases[i].json, "/b", &s, why, sizeof(why));

                cr_expect_eq(r, cases[i].r, "%s: %d (%s)", cases[i].json, r, why);
                cr_expect(strncmp(why, cases[i].why, strlen(cases[i].why)) == 0, "%s: %s", cases[i].json, why);
                cr_expect_null(strchr(why, '\n'), "%s", why);
        }
}

/* The spec as the launcher's settings, each field through its option. */
Test(oci_settings, fields_through_the_launchers_options)
{
        static const char json[] =
                "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"/srv/rootfs\"}, \"hostname\": \"box\","
                " \"process\": {\"user\": {\"uid\": 1000, \"gid\": 100}, \"args\": [\"/bin/sh\", \"-c\", \"exit 3\"],"
                "   \"env\": [\"PATH=/bin\"], \"cwd\": \"/tmp\", \"noNewPrivileges\": true,"
                "   \"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_NET_ADMIN\"]}},"
                " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
                "   {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"/srv\", \"options\": [\"rbind\", \"ro\"]},"
                "   {\"destination\": \"/scratch\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"}],"
                " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": \"user\"}],"
                "   \"uidMappings\": [{\"containerID\": 0, \"hostID\": 300000, \"size\": 65536}],"
                "   \"gidMappings\": [{\"containerID\": 0, \"hostID\": 300000, \"size\": 65536}],"
                "   \"resources\": {\"memory\": {\"limit\": 268435456}, \"pids\": {\"limit\": 77}}}}";
        struct oci_spec spec;
        struct settings s = {};
        char why[512];

        cr_assert_eq(oci_spec_parse(json, "/b", &spec, why, sizeof(why)), 0, "%s", why);
        cr_assert_eq(oci_to_settings(&spec, "c1", &s, why, sizeof(why)), 0, "%s", why);
        cr_expect_str_eq(s.name, "c1");
        cr_expect_str_eq(s.directory, "/srv/rootfs");
        cr_expect_str_eq(s.hostname, "box");
        cr_expect_str_eq(s.chdir, "/tmp");
        cr_expect_str_eq(s.user, "1000:100");
        cr_expect_str_eq(s.setenv[0], "PATH=/bin");
        cr_expect_str_eq(s.argv[2], "exit 3");
        cr_expect(s.no_new_privileges);
        cr_expect(s.private_users == PRIVATE_USERS_FIXED && s.users_base == 300000 && s.users_size == 65536);
        cr_expect(s.private_network);
        /* The mounts stay the spec's, for the container's process. */
        cr_expect_eq(s.n_binds, 0);
        cr_expect_eq(s.n_tmpfs, 0);
        /* The exact bounding set: berth's default, plus and minus. */
        cr_expect_eq(caps_machine_keep(&s), (1ULL << 5) | (1ULL << 12), "%#llx",
                     (unsigned long long) caps_machine_keep(&s));
        cr_expect_eq(s.limits.memory_max, 268435456);
        cr_expect_eq(s.limits.tasks_max, 77);
        settings_done(&s);
        oci_spec_done(&spec);
}

/* No user namespace in the spec: none for berth either; what berth-oci
 * cannot do yet is refused by name. */
Test(oci_settings, refusals_name_the_field)
{
        static const struct {
                const char *json, *why;
        } cases[] = {
                { "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"/r\"}, \"process\": {\"user\": {}, "
                  "\"args\": [\"x\"], \"cwd\": \"/\"}, \"linux\": {\"namespaces\": [{\"type\": \"mount\", "
                  "\"path\": \"/proc/1/ns/mnt\"}]}}",
                  "a mount namespace path is not implemented by berth-oci yet" },
                { "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"/r\"}, \"process\": {\"user\": {}, "
                  "\"args\": [\"x\"], \"cwd\": \"/\"}, \"mounts\": [{\"destination\": \"/m\", \"type\": \"tmpfs\", "
                  "\"options\": [\"sync\"]}]}",
                  "mount /m: option sync is not supported by berth-oci" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct oci_spec spec;
                struct settings s = {};
                char why[512];

                cr_assert_eq(oci_spec_parse(cases[i].json, "/b", &spec, why, sizeof(why)), 0, "%s", why);
                cr_expect_lt(oci_to_settings(&spec, "c1", &s, why, sizeof(why)), 0, "%s", cases[i].json);
                cr_expect_str_eq(why, cases[i].why);
                settings_done(&s);
                oci_spec_done(&spec);
        }
        struct oci_spec spec;
        struct settings s = {};
        char why[512];
        cr_assert_eq(oci_spec_parse("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"/r\"}, \"process\": "
                                    "{\"user\": {}, \"args\": [\"x\"], \"cwd\": \"/\"}}",
                                    "/b", &spec, why, sizeof(why)),
                     0, "%s", why);
        cr_assert_eq(oci_to_settings(&spec, "c2", &s, why, sizeof(why)), 0, "%s", why);
        cr_expect_eq(s.private_users, PRIVATE_USERS_NO);
        cr_expect_null(s.user);
        settings_done(&s);
        oci_spec_done(&spec);
}

/* What linux.resources asks and berth does not apply is named, for
 * create's warning; what it applies and zero values are not. */
Test(oci_resources, unapplied_fields_are_named)
{
        static const char json[] =
                "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"/r\"}, \"linux\": {\"resources\": {"
                "\"memory\": {\"limit\": 1048576, \"swap\": 2097152, \"swappiness\": 0},"
                " \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 1}], \"network\": {}}}}";
        struct oci_spec spec;
        char why[256];

        cr_assert_eq(oci_spec_parse(json, "/b", &spec, why, sizeof(why)), 0, "%s", why);
        cr_assert_not_null(spec.resources_unapplied);
        cr_expect_str_eq(spec.resources_unapplied[0], "hugepageLimits");
        cr_expect_null(spec.resources_unapplied[1]);
        /* memory.swap is applied (as memsw), not named. */
        cr_expect_eq(spec.memory_swap, 2097152);
        cr_expect_eq(spec.limits.memory_max, 1048576);
        oci_spec_done(&spec);
}

/* System-container mode: by annotation or an init as the process; the
 * stop signal SIGRTMIN+3 when that init, followed through the root's
 * links (relative and absolute), is systemd. */
Test(oci_system, detection_and_stop_signal)
{
        char root[] = "/tmp/berth-oci-system.XXXXXX", path[256], json[1024];
        struct oci_spec spec;
        struct oci_system sys;
        char why[256];

        cr_assert_not_null(mkdtemp(root));
        snprintf(path, sizeof(path), "mkdir -p %s/sbin %s/lib/systemd %s/bin && ln -s ../lib/systemd/systemd %s/sbin/init"
                 " && ln -s /bin/busybox %s/bin/init", root, root, root, root, root);
        cr_assert_eq(system(path), 0);
        snprintf(json, sizeof(json), "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"%s\"}, \"process\": "
                 "{\"args\": [\"/sbin/init\"], \"cwd\": \"/\", \"user\": {}}}", root);
        cr_assert_eq(oci_spec_parse(json, "/b", &spec, why, sizeof(why)), 0, "%s", why);
        cr_expect(oci_system_container(&spec));
        cr_assert_eq(oci_system_adjust(&spec, &sys), 0);
        cr_expect(sys.own_userns && spec.ns[OCI_NS_USER].wanted && spec.ns[OCI_NS_CGROUP].wanted);
        cr_expect_eq(sys.term_signal, SIGRTMIN + 3);
        oci_spec_done(&spec);
        snprintf(json, sizeof(json), "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"%s\"}, \"process\": "
                 "{\"args\": [\"/bin/init\"], \"cwd\": \"/\", \"user\": {}}, \"annotations\": "
                 "{\"org.berth.system-container\": \"true\"}}", root);
        cr_assert_eq(oci_spec_parse(json, "/b", &spec, why, sizeof(why)), 0, "%s", why);
        cr_expect(oci_system_container(&spec));
        cr_assert_eq(oci_system_adjust(&spec, &sys), 0);
        cr_expect_eq(sys.term_signal, 0);
        oci_spec_done(&spec);
        snprintf(json, sizeof(json), "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"%s\"}, \"process\": "
                 "{\"args\": [\"/sbin/init\"], \"cwd\": \"/\", \"user\": {}}, \"annotations\": "
                 "{\"org.berth.system-container\": \"false\"}}", root);
        cr_assert_eq(oci_spec_parse(json, "/b", &spec, why, sizeof(why)), 0, "%s", why);
        cr_expect(!oci_system_container(&spec));
        oci_spec_done(&spec);
        snprintf(path, sizeof(path), "rm -rf %s", root);
        (void) !system(path);
}
