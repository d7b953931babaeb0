/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "runit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "util.h"

int runit_stage(pid_t leader)
{
        _cleanup_free_ char *children = NULL;
        char path[64];
        int stage = 0, r;

        snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int) leader, (int) leader);
        r = read_file_at(AT_FDCWD, path, &children, 4096);
        if (r < 0)
                return r;
        for (char *save = NULL, *pid = strtok_r(children, " \n", &save); pid; pid = strtok_r(NULL, " \n", &save)) {
                _cleanup_free_ char *comm = NULL;
                snprintf(path, sizeof(path), "/proc/%s/comm", pid);
                if (read_file_at(AT_FDCWD, path, &comm, 64) < 0)
                        continue;
                comm[strcspn(comm, "\n")] = 0;
                if (streq(comm, "1") || streq(comm, "2") || streq(comm, "3"))
                        stage = comm[0] - '0';
                else if (streq(comm, "runsvdir"))
                        stage = 2;
        }
        return stage;
}
