/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgroup.h"
#include "settings.h"

/* The device nodes a machine gets beyond the default /dev: those of
 * --device, and in a user namespace the host's /dev/fuse and /dev/net/tun
 * (FUSE mounts and TUN links are the machine's own there: the kernel lets
 * a user namespace's root have them). The launcher makes them on a tmpfs
 * of its own in the host's user namespace — a node on a file system the
 * machine mounts in its own is never opened (the kernel makes it nodev),
 * and there the machine could not make it — owned as on the host, or by
 * the machine's root in a user namespace, and hands each in as a bind. */
struct machine_devices {
        struct device *list;    /* owned copies */
        size_t n;
        int fd;                 /* the tmpfs with node i as "i"; -1: none */
};

#define MACHINE_DEVICES_INIT { .fd = -1 }

/* Make the nodes; root is the host UID of the machine's root with a user
 * namespace (userns). */
int devices_prepare(const struct settings *s, bool userns, uid_t root, struct machine_devices *ret);
/* A bind of node i, for one boot. */
int devices_clone(const struct machine_devices *d, size_t i);
void devices_done(struct machine_devices *d);

/* The devices a machine may use (its cgroup's device policy): those of
 * the default /dev — null, zero, full, random, urandom, tty, ptmx and the
 * pseudo terminals of its own devpts (its /dev/console is one of them) —,
 * each device node a --bind brings in, and d's. Into *ret (malloc'd),
 * with their number in *ret_n. */
int devices_allow_list(const struct settings *s, const struct machine_devices *d, struct cgroup_device **ret,
                       size_t *ret_n);
