/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a machine's device policy allows (cgroup-devices.c applies it). */
#include "devices.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cleanup.h"
#include "util.h"

#define RW (CGROUP_DEVICE_READ | CGROUP_DEVICE_WRITE)
#define RWM (RW | CGROUP_DEVICE_MKNOD)

/* As systemd-nspawn's scope has it: the nodes of the default /dev may be
 * made too (a service's PrivateDevices= makes its own /dev of them), the
 * terminals only opened. Not the host's console, 5:1: the machine's
 * /dev/console is a pseudo terminal of its own. */
static const struct cgroup_device base[] = {
        { 'c', 1, 3, RWM },                     /* null */
        { 'c', 1, 5, RWM },                     /* zero */
        { 'c', 1, 7, RWM },                     /* full */
        { 'c', 1, 8, RWM },                     /* random */
        { 'c', 1, 9, RWM },                     /* urandom */
        { 'c', 5, 0, RWM },                     /* tty */
        { 'c', 5, 2, RW },                      /* ptmx */
        { 'c', 136, CGROUP_DEVICE_ANY, RW },    /* pts/N, the console */
};

int devices_allow_list(const struct settings *s, struct cgroup_device **ret, size_t *ret_n)
{
        struct cgroup_device *d = calloc(ELEMENTSOF(base) + s->n_binds, sizeof(*d));
        size_t n = 0;

        if (!d)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(base); i++)
                d[n++] = base[i];
        /* A device node bound in is one the user meant the machine to use:
         * open it, not make more of it. */
        for (size_t i = 0; i < s->n_binds; i++) {
                struct stat st;

                if (stat(s->binds[i].source, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
                        continue;
                d[n++] = (struct cgroup_device) {
                        .type = S_ISBLK(st.st_mode) ? 'b' : 'c',
                        .major = major(st.st_rdev),
                        .minor = minor(st.st_rdev),
                        .access = s->binds[i].read_only ? CGROUP_DEVICE_READ : RW,
                };
        }
        *ret = d;
        *ret_n = n;
        return 0;
}
