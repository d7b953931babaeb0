/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* berth-oci create: the container's namespaces, cgroup and root made,
 * its process left waiting for start (oci-child.c), ROOT/ID/state.json
 * written; then create ends and the process is its caller's (a
 * subreaper's: conmon, containerd's shim) to reap. */
struct oci_create_opts {
        const char *root;       /* --root */
        const char *id;
        const char *bundle;
        const char *pid_file;
        const char *console_socket;
        int console_fd;         /* >= 0: a socket of run's own, connected, in place of --console-socket */
        bool no_pivot;
        bool no_new_keyring;
        bool systemd_cgroup;    /* --systemd-cgroup */
        int preserve_fds;
};

/* 0, or -errno after one log line saying what failed; nothing is left
 * behind on failure (the state directory, the cgroup, the process). */
int oci_create(const struct oci_create_opts *o);

/* The machine name the container's cgroup is made under (berth-NAME):
 * the ID where it is a valid machine name, else oci- and a hash of it. */
void oci_machine_name(const char *id, char *ret, size_t size);
