/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "hooks.h"
#include "resources.h"

/* A bundle's config.json (the OCI runtime spec, config.md and
 * config-linux.md) as plain C data, read with json-c and checked: what
 * berth-oci turns into the launcher's settings. Strings are malloc'd;
 * string lists are NULL-terminated. */

enum oci_ns {
        OCI_NS_PID,
        OCI_NS_NETWORK,
        OCI_NS_MOUNT,
        OCI_NS_IPC,
        OCI_NS_UTS,
        OCI_NS_USER,
        OCI_NS_CGROUP,
        OCI_NS_TIME,
        _OCI_NS_MAX,
};

struct oci_namespace {
        bool wanted;            /* listed in linux.namespaces */
        char *path;             /* join this one (NULL: a new one) */
};

struct oci_id_map {
        uint32_t container_id, host_id, size;
};

struct oci_mount {
        char *destination, *type, *source;
        char **options;
};

struct oci_rlimit {
        int resource;           /* RLIMIT_* */
        uint64_t soft, hard;
};

enum oci_cap_set {
        OCI_CAP_BOUNDING,
        OCI_CAP_EFFECTIVE,
        OCI_CAP_INHERITABLE,
        OCI_CAP_PERMITTED,
        OCI_CAP_AMBIENT,
        _OCI_CAP_SET_MAX,
};

struct oci_process {
        bool present;           /* the config has a process (start needs one) */
        bool terminal;
        unsigned console_height, console_width;
        uint32_t uid, gid;
        uint32_t *additional_gids;
        size_t n_additional_gids;
        char **args, **env;
        char *cwd;
        bool caps_given[_OCI_CAP_SET_MAX];
        uint64_t caps[_OCI_CAP_SET_MAX];        /* 1 << CAP_* */
        struct oci_rlimit *rlimits;
        size_t n_rlimits;
        bool no_new_privileges;
        bool has_oom_score_adj;
        int oom_score_adj;
        char *apparmor_profile, *selinux_label;
};

/* linux.devices: a node the container gets at path. */
struct oci_device {
        char *path;
        char type;              /* 'c', 'b' or 'p' (a FIFO) */
        uint32_t major, minor;
        mode_t mode;            /* fileMode: permission bits */
        uid_t uid;
        gid_t gid;
};

struct oci_spec {
        char *oci_version;
        char *root_path;        /* absolute: made so against the bundle */
        bool root_readonly;
        char *hostname, *domainname;
        struct oci_process process;
        struct oci_mount *mounts;
        size_t n_mounts;
        struct oci_namespace ns[_OCI_NS_MAX];
        struct oci_id_map *uid_maps, *gid_maps;
        size_t n_uid_maps, n_gid_maps;
        struct cgroup_limits limits;    /* linux.resources, by berth's own limits */
        char **resources_unapplied;     /* what of it berth does not apply: create warns */
        int64_t memory_swap;    /* linux.resources.memory.swap: memory and swap, bytes; 0: none, -1: unlimited */
        char *cgroups_path;
        char **masked_paths, **readonly_paths;
        char **sysctl;          /* "key=value" */
        char **annotations;     /* "key=value" */
        char *rootfs_propagation;
        /* Present, and not read yet: berth-oci refuses them by name
         * (bundle-settings.c) rather than run without them. */
        struct oci_hooks hooks;
        char *seccomp_json;     /* linux.seccomp as it was, for oci-seccomp.c; NULL: none */
        struct oci_device *devices;
        size_t n_devices;
        /* linux.resources.devices as an allow-list beyond the default one
         * (devices_allow_list), or devices_all: no device policy. */
        struct cgroup_device *device_rules;
        size_t n_device_rules;
        bool devices_all;
        /* linux.timeOffsets of a new time namespace: monotonic, boottime. */
        struct oci_time_offset {
                bool set;
                int64_t secs;
                uint32_t nanosecs;
        } time_offsets[2];
        int personality;        /* linux.personality's domain: PER_LINUX or PER_LINUX32; -1: none */
        bool has_intel_rdt;     /* ignored with a warning, as the issue of Intel RDT allows */
};

/* Parse text (the config.json of the bundle directory bundle) into *ret.
 * On failure why (one line, as runc's errors read) says what is wrong;
 * -EINVAL for a config that is not valid, -EPROTONOSUPPORT for an
 * ociVersion of another major than 1. */
int oci_spec_parse(const char *text, const char *bundle, struct oci_spec *ret, char *why, size_t why_size);
/* Read BUNDLE/config.json and parse it. */
int oci_spec_load(const char *bundle, struct oci_spec *ret, char *why, size_t why_size);
void oci_spec_done(struct oci_spec *s);
/* A process object alone (berth-oci exec --process FILE). */
int oci_process_parse_text(const char *text, struct oci_process *ret, char *why, size_t why_size);
void oci_process_done(struct oci_process *p);

const char *oci_ns_name(enum oci_ns ns);
/* The value of annotation key, or NULL. */
const char *oci_spec_annotation(const struct oci_spec *s, const char *key);

/* linux.resources (a json-c object) into lim (oci-resources.c). */
struct json_object;
int oci_resources_parse(struct json_object *res, struct cgroup_limits *lim, char *why, size_t why_size);
/* What of it berth does not apply (memory.swap, hugepageLimits, ...),
 * added to *ret by name. */
int oci_resources_unapplied(struct json_object *res, char ***ret);
/* memory.swap (memory and swap together, as runc's and v1's); 0: none. */
int64_t oci_resources_swap(struct json_object *res);
