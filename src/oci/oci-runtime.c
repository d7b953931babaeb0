/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What berth-oci says about itself (features), the default config.json
 * (spec), and runc run's foreground wait. */
#include "oci-runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "config.h"
#include "cleanup.h"
#include "log.h"
#include "oci-proc.h"
#include "oci-state.h"
#include "util.h"
#include "verbs.h"

static json_object *strings(const char *const *list)
{
        json_object *a = json_object_new_array();

        for (size_t i = 0; a && list[i]; i++)
                json_object_array_add(a, json_object_new_string(list[i]));
        return a;
}

static int print(json_object *o)
{
        if (!o)
                return log_oom();
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                 JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        return 0;
}

int oci_print_features(void)
{
        static const char *const mount_options[] = {
                "ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec", "noatime", "relatime",
                "strictatime", "norelatime", "atime", "nodiratime", "diratime", "nosymfollow", "symfollow",
                "bind", "rbind", "idmap", "ridmap", "private", "rprivate", "shared", "rshared", "slave",
                "rslave", "unbindable", "runbindable", NULL,
        };
        static const char *const namespaces[] = { "cgroup", "ipc", "mount", "network", "pid", "user", "uts", "time",
                                                  NULL };
        static const char *const hooks[] = { "prestart", "createRuntime", "createContainer", "startContainer",
                                              "poststart", "poststop", NULL };
        static const char *const actions[] = { "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
                                                "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
                                                "SCMP_ACT_TRACE", "SCMP_ACT_TRAP", NULL };
        static const char *const operators[] = { "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
                                                  "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", NULL };
        json_object *o = json_object_new_object(), *lx = json_object_new_object();
        json_object *caps = json_object_new_array(), *cg = json_object_new_object();
        json_object *off = json_object_new_object(), *ann = json_object_new_object();
        json_object *sc = json_object_new_object();

        if (!o || !lx || !caps || !cg || !off || !ann || !sc)
                return log_oom();
        json_object_object_add(o, "ociVersionMin", json_object_new_string("1.0.0"));
        json_object_object_add(o, "ociVersionMax", json_object_new_string("1.1.0"));
        json_object_object_add(o, "hooks", strings(hooks));
        json_object_object_add(o, "mountOptions", strings(mount_options));
        json_object_object_add(lx, "namespaces", strings(namespaces));
        for (unsigned c = 0; c < capability_count(); c++)
                json_object_array_add(caps, json_object_new_string(capability_to_name(c)));
        json_object_object_add(lx, "capabilities", caps);
        json_object_object_add(cg, "v1", json_object_new_boolean(true));
        json_object_object_add(cg, "v2", json_object_new_boolean(true));
        json_object_object_add(cg, "systemd", json_object_new_boolean(false));
        json_object_object_add(cg, "systemdUser", json_object_new_boolean(false));
        json_object_object_add(lx, "cgroup", cg);
        json_object_object_add(off, "enabled", json_object_new_boolean(false));
        json_object_object_add(sc, "enabled", json_object_new_boolean(true));
        json_object_object_add(sc, "actions", strings(actions));
        json_object_object_add(sc, "operators", strings(operators));
        json_object_object_add(lx, "seccomp", sc);
        json_object_object_add(lx, "apparmor", json_object_get(off));
        json_object_object_add(lx, "selinux", off);
        json_object_object_add(o, "linux", lx);
        json_object_object_add(ann, "io.github.berth.version", json_object_new_string(BERTH_VERSION));
        json_object_object_add(ann, "org.berth.system-container", json_object_new_string("true|false"));
        json_object_object_add(o, "annotations", ann);
        return print(o);
}

/* runc spec's default, with berth's name: a shell on a terminal, in all
 * namespaces but the user's, with the usual API file systems. */
static const char default_spec[] =
        "{\n"
        "  \"ociVersion\": \"1.0.2\",\n"
        "  \"process\": {\n"
        "    \"terminal\": true,\n"
        "    \"user\": { \"uid\": 0, \"gid\": 0 },\n"
        "    \"args\": [ \"sh\" ],\n"
        "    \"env\": [ \"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\", \"TERM=xterm\" ],\n"
        "    \"cwd\": \"/\",\n"
        "    \"capabilities\": {\n"
        "      \"bounding\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ],\n"
        "      \"effective\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ],\n"
        "      \"permitted\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ]\n"
        "    },\n"
        "    \"rlimits\": [ { \"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024 } ],\n"
        "    \"noNewPrivileges\": true\n"
        "  },\n"
        "  \"root\": { \"path\": \"rootfs\", \"readonly\": true },\n"
        "  \"hostname\": \"berth\",\n"
        "  \"mounts\": [\n"
        "    { \"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\" },\n"
        "    { \"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
        "      \"options\": [ \"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\" ] },\n"
        "    { \"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\",\n"
        "      \"options\": [ \"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\", \"gid=5\" ] },\n"
        "    { \"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\",\n"
        "      \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\" ] },\n"
        "    { \"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\",\n"
        "      \"options\": [ \"nosuid\", \"noexec\", \"nodev\" ] },\n"
        "    { \"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\",\n"
        "      \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"ro\" ] },\n"
        "    { \"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\",\n"
        "      \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\" ] }\n"
        "  ],\n"
        "  \"linux\": {\n"
        "    \"namespaces\": [ { \"type\": \"pid\" }, { \"type\": \"network\" }, { \"type\": \"ipc\" },\n"
        "                    { \"type\": \"uts\" }, { \"type\": \"mount\" }, { \"type\": \"cgroup\" } ],\n"
        "    \"maskedPaths\": [ \"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\",\n"
        "                     \"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\",\n"
        "                     \"/proc/sched_debug\", \"/sys/firmware\", \"/proc/scsi\" ],\n"
        "    \"readonlyPaths\": [ \"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\", \"/proc/sysrq-trigger\" ]\n"
        "  }\n"
        "}\n";

int oci_write_default_spec(int argc, char **argv)
{
        static const struct option opts[] = { { "bundle", required_argument, NULL, 'b' },
                                              { "rootless", no_argument, NULL, 'r' }, {} };
        _cleanup_free_ char *path = NULL;
        const char *bundle = ".";
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "+b:", opts, NULL)) >= 0)
                if (c == 'b')
                        bundle = optarg;
                else if (c == 'r')
                        return log_error_ret(-EOPNOTSUPP, "--rootless: berth-oci runs as root only");
                else
                        return -EINVAL;
        path = strjoin(bundle, "/config.json", NULL);
        if (!path)
                return log_oom();
        if (access(path, F_OK) == 0)
                return log_error_ret(-EEXIST, "File %s exists. Remove it first", path);
        int r = write_file_at(AT_FDCWD, path, default_spec, 0644);
        return r < 0 ? log_error_errno(r, "writing %s", path) : 0;
}

int prctl_subreaper(void)
{
        return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

int oci_wait_and_delete(const char *root, const char *id)
{
        struct oci_state st;
        int status = 0, r;

        r = oci_state_load(root, id, &st);
        if (r < 0)
                return log_error_errno(r, "reading the state of container %s", id);
        while (waitpid(st.pid, &status, 0) < 0)
                if (errno != EINTR) {
                        r = log_error_errno(-errno, "waiting for container %s", id);
                        break;
                }
        oci_state_done(&st);
        (void) oci_verb_delete(root, id, true);
        if (r < 0)
                return r;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
