/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* ^] three times within a second: how a user leaves a relayed terminal
 * (the launcher's console, berthctl's shell and login), as machinectl. */
struct escape {
        unsigned count;
        struct timespec first;
};

/* Feed what the user typed; true once the escape is complete. */
bool escape_seen(struct escape *e, const char *buf, size_t n);
