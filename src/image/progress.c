/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "progress.h"

#include <stdio.h>
#include <time.h>

static uint64_t now_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

void progress_start(struct progress *p, const char *phase, uint64_t total)
{
        p->phase = phase;
        p->total = total;
        p->bytes = p->files = p->base = 0;
        progress_flush(p);
}

void progress_flush(struct progress *p)
{
        if (p->fd < 0)
                return;
        p->last_usec = now_usec();
        /* A line in one write: berthd reads them as they come. */
        dprintf(p->fd, "progress %s %llu %llu %llu\n", p->phase, (unsigned long long) p->bytes,
                (unsigned long long) p->total, (unsigned long long) p->files);
}

void progress_tick(struct progress *p)
{
        if (p->fd >= 0 && now_usec() - p->last_usec >= 200000)
                progress_flush(p);
}
