/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "oci-proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgutil.h"
#include "cleanup.h"
#include "util.h"

int oci_proc_start_time(pid_t pid, unsigned long long *ret)
{
        char state;

        return proc_stat_fields(pid, &state, ret);
}

bool oci_proc_alive(const struct oci_state *st)
{
        unsigned long long start;
        char state;

        if (st->pid <= 0 || proc_stat_fields(st->pid, &state, &start) < 0)
                return false;
        return start == st->start_time && state != 'Z' && state != 'X';
}

uint64_t oci_proc_cap_bounding(pid_t pid)
{
        _cleanup_free_ char *text = NULL;
        char path[64];
        const char *b;

        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        if (read_file_at(AT_FDCWD, path, &text, 1 << 16) < 0 || !(b = strstr(text, "\nCapBnd:\t")))
                return 0;
        return strtoull(b + 9, NULL, 16);
}

void oci_now_rfc3339(char *buf, size_t size)
{
        struct timespec ts;
        struct tm tm;
        char base[32];

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf, size, "%s.%09ldZ", base, ts.tv_nsec);
}

enum oci_status oci_status_now(const char *root, const struct oci_state *st)
{
        char path[4200];

        if (!oci_proc_alive(st))
                return OCI_STOPPED;
        snprintf(path, sizeof(path), "%s/%s/exec.fifo", root, st->id);
        if (access(path, F_OK) == 0)
                return OCI_CREATED;
        if (st->cgroup && cg_frozen(st->cgroup) > 0)
                return OCI_PAUSED;
        return OCI_RUNNING;
}
