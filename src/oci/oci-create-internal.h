/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Between the parts of berth-oci create: oci-create.c (the course),
 * oci-handed.c (the root and binds the host clones for the process) and
 * oci-create-hooks.c (createRuntime's hooks and the state for the
 * process's own). */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgroup.h"
#include "name.h"
#include "oci-child.h"
#include "oci-create.h"
#include "settings.h"
#include "spec.h"
#include "sync.h"
#include "uidrange.h"

struct create {
        const struct oci_create_opts *o;
        char *bundle;           /* absolute */
        char *dir;              /* ROOT/ID, once claimed */
        struct oci_spec spec;
        struct settings s;
        char name[MACHINE_NAME_MAX + 1];
        struct machine_cgroup cg;
        struct cgroup_device *devices;
        size_t n_devices;
        struct oci_child child;
        char *staging;
        char *cgroup_at;        /* linux.cgroupsPath, as the cgroup's path (cg.at) */
        bool idmap_root;        /* berth made the user namespace: the root is idmapped into it */
        struct uid_range range; /* the range it picked for it */
        int term_signal;
        bool wrote_pid_file;
        int console_fd;         /* connected to --console-socket */
        pid_t pid;
        int pidfd;
        int sync_fd;
};

/* The root (idmapped where berth made the user namespace), then each bind
 * in the spec's order: only the host may clone its mounts. */
int oci_create_handed_mounts(struct create *c, int fds[SYNC_MAX_FDS], size_t *ret_n);
/* prestart and createRuntime, then the state (creating, created) to the
 * process for createContainer and startContainer (SYNC_GO, two memfds). */
int oci_create_run_hooks(struct create *c);
