/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "machine.h"

struct bind_request {
        const char *source;     /* the host's path (not for unbind) */
        const char *target;     /* absolute, inside the machine */
        bool read_only, mkdir, unbind;
};

/* Mount b->source on b->target in the running machine m (idmapped into
 * its user namespace when it has one), or take what is mounted at
 * b->target away (unbind). -errno with one line in err. */
int machine_bind(const struct machine *m, const struct bind_request *b, char *err, size_t err_size);
