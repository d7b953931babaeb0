/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "escape.h"

#define ESCAPE_CHAR 0x1d        /* ^] */

bool escape_seen(struct escape *e, const char *buf, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                struct timespec now;

                if (buf[i] != ESCAPE_CHAR) {
                        e->count = 0;
                        continue;
                }
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (e->count == 0 || (now.tv_sec - e->first.tv_sec) * 1000000000L +
                                                     (now.tv_nsec - e->first.tv_nsec) > 1000000000L) {
                        e->count = 0;
                        e->first = now;
                }
                if (++e->count >= 3)
                        return true;
        }
        return false;
}
