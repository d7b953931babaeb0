/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-oci update: a running container's linux.resources changed, from
 * --resources FILE (or - for stdin) or runc's flags, through the same
 * reading of linux.resources as create's and the launcher's cgroup
 * backend (cgroup_set, as berthctl set-property uses it). A v1 hierarchy
 * joined now for a new limit goes into the state, for delete. */
#include "oci-update.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "log.h"
#include "name.h"
#include "oci-cgroup.h"
#include "oci-create.h"
#include "oci-proc.h"
#include "oci-state.h"
#include "spec.h"
#include "util.h"

/* runc update's flags, each the linux.resources field it sets. */
static const struct {
        const char *flag, *object, *field;
        bool string;
} flags[] = {
        { "memory", "memory", "limit", false },         { "memory-swap", "memory", "swap", false },
        { "pids-limit", "pids", "limit", false },
        { "cpu-quota", "cpu", "quota", false },         { "cpu-period", "cpu", "period", false },
        { "cpu-share", "cpu", "shares", false },        { "cpuset-cpus", "cpu", "cpus", true },
        { "cpuset-mems", "cpu", "mems", true },         { "blkio-weight", "blockIO", "weight", false },
};

static int set_field(json_object *res, size_t i, const char *value)
{
        json_object *o = NULL;
        char *end;

        if (!json_object_object_get_ex(res, flags[i].object, &o)) {
                o = json_object_new_object();
                json_object_object_add(res, flags[i].object, o);
        }
        if (flags[i].string) {
                json_object_object_add(o, flags[i].field, json_object_new_string(value));
                return 0;
        }
        errno = 0;
        long long n = strtoll(value, &end, 10);
        if (errno || *end || end == value)
                return log_error_ret(-EINVAL, "--%s %s: not a number", flags[i].flag, value);
        json_object_object_add(o, flags[i].field, json_object_new_int64(n));
        return 0;
}

static int read_resources(const char *path, json_object **ret)
{
        _cleanup_free_ char *text = NULL;
        int r = read_file_at(AT_FDCWD, streq(path, "-") ? "/dev/stdin" : path, &text, 1 << 20);

        if (r < 0)
                return log_error_errno(r, "--resources %s", path);
        *ret = json_tokener_parse(text);
        if (!*ret || !json_object_is_type(*ret, json_type_object))
                return log_error_ret(-EINVAL, "--resources %s: not a JSON object", path);
        return 0;
}

static int parse(int argc, char **argv, json_object **res, const char **ret_id)
{
        struct option opts[ELEMENTSOF(flags) + 2] = {};
        int c;

        for (size_t i = 0; i < ELEMENTSOF(flags); i++)
                opts[i] = (struct option) { flags[i].flag, required_argument, NULL, 0x100 + (int) i };
        opts[ELEMENTSOF(flags)] = (struct option) { "resources", required_argument, NULL, 'r' };
        *res = json_object_new_object();
        optind = 1;
        while ((c = getopt_long(argc, argv, "+r:", opts, NULL)) >= 0) {
                int r;
                if (c == 'r') {
                        json_object_put(*res);
                        r = read_resources(optarg, res);
                } else if (c >= 0x100 && c < 0x100 + (int) ELEMENTSOF(flags))
                        r = set_field(*res, (size_t) (c - 0x100), optarg);
                else
                        r = -EINVAL;
                if (r < 0)
                        return r;
        }
        if (optind != argc - 1)
                return log_error_ret(-EINVAL, "update: exactly one container ID is needed");
        *ret_id = argv[optind];
        return 0;
}

int oci_update(const char *root, int argc, char **argv)
{
        struct machine_cgroup cg = {};
        struct cgroup_limits changes = {};
        struct oci_state st = {};
        _cleanup_strv_ char **v1 = NULL;
        json_object *res = NULL;
        const char *id = NULL;
        char why[512], name[MACHINE_NAME_MAX + 1];
        int r;

        r = parse(argc, argv, &res, &id);
        if (r >= 0 && (r = oci_resources_parse(res, &changes, why, sizeof(why))) < 0)
                log_error("%s", why);
        _cleanup_strv_ char **unapplied = NULL;
        if (r >= 0 && oci_resources_unapplied(res, &unapplied) >= 0 && unapplied) {
                _cleanup_free_ char *list = strv_join(unapplied, ", ");
                log_warning("container %s: %s: not applied by berth-oci, continuing", id, list ?: "");
        }
        if (r >= 0 && (r = oci_state_load(root, id, &st)) < 0)
                r = r == -ENOENT ? log_error_ret(r, "container does not exist")
                                 : log_error_errno(r, "reading the state of container %s", id);
        if (r >= 0 && oci_status_now(root, &st) == OCI_STOPPED)
                r = log_error_ret(-EINVAL, "container not running");
        if (r >= 0 && !st.cgroup)
                r = log_error_ret(-EOPNOTSUPP, "container %s has no cgroup", id);
        if (r >= 0) {
                oci_machine_name(id, name, sizeof(name));
                r = oci_cgroup_adopt(&st, name, &cg);
        }
        if (r >= 0) {
                /* What is joined now takes the container's processes along. */
                cg.live = true;
                r = cgroup_set(&cg, &changes, name);
                if (r < 0)
                        log_error_errno(r, "container %s: %s", id, cg.what[0] ? cg.what : "changing its limits");
        }
        int64_t swap = r >= 0 ? oci_resources_swap(res) : 0;
        if (r >= 0 && swap) {
                uint64_t limit = limits_has(&changes, LIMIT_MEMORY_MAX) ? changes.memory_max
                                                                         : oci_cgroup_memory_limit(&cg);
                r = oci_cgroup_swap(&cg, swap, limit);
                if (r == -EOPNOTSUPP)
                        r = 0, log_warning("container %s: memory.swap: no memory controller with swap accounting "
                                           "here, not applied, continuing", id);
                else if (r < 0)
                        log_error_errno(r, "container %s: memory.swap %lld (memory and swap together, not below "
                                        "the memory limit %llu)", id, (long long) swap, (unsigned long long) limit);
        }
        if (r >= 0 && (r = oci_cgroup_v1_lines(&cg, &v1)) < 0)
                log_oom();
        if (r >= 0) {
                strv_free(st.cgroup_v1);
                st.cgroup_v1 = take_ptr(v1);
                if ((r = oci_state_save(root, &st)) < 0)
                        log_error_errno(r, "writing the state of container %s", id);
        }
        cgroup_done(&cg);
        oci_state_done(&st);
        json_object_put(res);
        return r;
}
