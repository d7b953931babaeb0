/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* How far berth-import is, for berthd's Transfer object: lines
 * "progress PHASE BYTES TOTAL FILES" on fd (TOTAL 0 when unknown), at
 * most five a second and once more at each phase's end. */
struct progress {
        int fd;                 /* -1: none */
        const char *phase;      /* "unpacking", "copying", "verifying", "packing" */
        uint64_t bytes, total, files;
        uint64_t base;          /* bytes of the earlier parts (layers) of this phase */
        uint64_t last_usec;
};

void progress_start(struct progress *p, const char *phase, uint64_t total);
/* A line when the last is 200 ms old. */
void progress_tick(struct progress *p);
/* A line now. */
void progress_flush(struct progress *p);
