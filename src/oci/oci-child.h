/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "spec.h"
#include "syscall-filter.h"

/* What berth-oci create decided, handed to the container's process by
 * fork (read-only there). */
struct oci_child {
        const struct oci_spec *spec;
        bool userns;            /* born in a user namespace of its own: become its root after the maps */
        bool cgroupns;          /* linux.namespaces has cgroup: rooted at its cgroup */
        bool mntns;
        /* A user namespace joined by path (join_userns >= 0): the process
         * joins it first and makes the others itself, so that they are
         * that namespace's; a new time namespace it makes itself too, its
         * offsets set (unshare_flags; with a new PID or time namespace its
         * child is the container's process, whose PID it sends as
         * SYNC_PID). */
        int join_userns;
        unsigned long unshare_flags;
        bool utsns;
        bool no_pivot;          /* --no-pivot: MS_MOVE and chroot (a root on a ramfs) */
        const char *staging;    /* an empty directory the root is attached on (opened in its mount namespace) */
        int fifo_fd;            /* ROOT/ID/exec.fifo, opened read-write: start writes a byte */
        int preserve_fds;       /* --preserve-fds: 3 .. 3+N-1 stay open */
        uint64_t bounding;      /* the capabilities it may keep (caps_machine_keep) */
        struct seccomp_program filter;  /* linux.seccomp's; len 0: none */
        unsigned filter_flags;
        bool new_keyring;       /* not --no-new-keyring: a session keyring of its own */
};

/* GO carries the root (a mount of root.path, idmapped where berth made
 * the user namespace), then one mount per bind of spec->mounts in order.
 * Reports each failure on sync_fd, then SYNC_READY, then waits for start
 * on fifo_fd and execs process.args. */
/* With hooks to run in the container, it asks create for the state
 * (SYNC_HOOKS) once its mounts are made: createContainer runs then,
 * startContainer after start. */
_Noreturn void oci_child_run(const struct oci_child *c, int sync_fd);
