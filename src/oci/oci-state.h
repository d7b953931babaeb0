/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A container's state as runtime.md defines it, kept by berth-oci in
 * ROOT/ID/state.json (ROOT: --root, /run/berth-oci by default), written
 * whole and renamed into place; `state ID` prints it. */

enum oci_status {
        OCI_CREATING,
        OCI_CREATED,
        OCI_RUNNING,
        OCI_STOPPED,
        OCI_PAUSED,     /* runc's: frozen (pause) */
        _OCI_STATUS_MAX,
};

struct oci_state {
        char *oci_version;
        char *id;
        enum oci_status status;
        pid_t pid;              /* the container's process on the host; 0 once stopped */
        char *bundle;           /* absolute */
        char **annotations;     /* "key=value", NULL-terminated; may be NULL */
        char *created;          /* RFC 3339, as runc's state says "created" */
        /* berth-oci's own, in the saved file only (under "berth"). */
        unsigned long long start_time;  /* pid's, /proc/PID/stat: a reused PID is not the container */
        char *cgroup;           /* its cgroup2 cgroup, absolute; NULL: none */
        char *cgroup_at;        /* linux.cgroupsPath as made (cg->at); NULL: berth-NAME */
        unsigned long long cgroup_id;   /* that cgroup's inode */
        char **cgroup_v1;       /* "CONTROLLER=PATH" for each v1 cgroup it joined */
        int term_signal;        /* what kill SIGTERM sends (its init's stop signal); 0: SIGTERM */
        char *notify_socket;    /* the NOTIFY_SOCKET create was given, for start's READY=1; NULL: none */
        bool no_process;        /* config.json has none: create was allowed, start is not */
        uid_t uid_base;         /* the ID range berth claimed for it (system-container mode); 0: none */
        char *hooks;            /* config.json's hooks object, for start's and delete's; NULL: none */
        unsigned seccomp_flags; /* for ROOT/ID/seccomp.bpf, exec's filter (when there is one) */
};

const char *oci_status_to_string(enum oci_status s);
int oci_status_from_string(const char *s);

/* runc's rule for an ID: letters, digits, '_', '+', '-' and '.', not
 * "." or "..", at most 1024 characters. On failure why says why. */
bool oci_id_valid(const char *id, char *why, size_t why_size);

/* The state as JSON text, with the spec's keys (ociVersion, id, status,
 * pid, bundle, annotations) and runc's created; with internal, berth's
 * own under "berth" too (the saved file); malloc'd. */
enum {
        OCI_STATE_PRETTY = 1 << 0,
        OCI_STATE_INTERNAL = 1 << 1,
};
char *oci_state_to_json(const struct oci_state *st, unsigned flags);
/* Back from that text; -EBADMSG when it is not one. */
int oci_state_from_json(const char *text, struct oci_state *ret);
void oci_state_done(struct oci_state *st);

/* ROOT/ID/state.json: written to a temporary file and renamed over it;
 * read back; -ENOENT when the container does not exist. */
int oci_state_save(const char *root, const struct oci_state *st);
int oci_state_load(const char *root, const char *id, struct oci_state *ret);
