/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "net-marker.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "paths.h"
#include "util.h"

void net_marker_path(const char *machine, char *buf, size_t size)
{
        snprintf(buf, size, "%s/net/rules-%s", berth_runtime_dir(), machine);
}

int net_marker_down_argv(const char *machine, char **ret_text, char *argv[NET_MARKER_ARGS_MAX])
{
        char path[4200];
        size_t n = 3;
        int r;

        net_marker_path(machine, path, sizeof(path));
        r = read_file_at(AT_FDCWD, path, ret_text, 4096);
        if (r < 0)
                return r;
        argv[0] = (char *) "berth-net", argv[1] = (char *) "down", argv[2] = (char *) machine;
        for (char *save = NULL, *l = strtok_r(*ret_text, "\n", &save); l && n < NET_MARKER_ARGS_MAX - 1;
             l = strtok_r(NULL, "\n", &save))
                if (startswith(l, "--veth=") || startswith(l, "--zone-bridge="))
                        argv[n++] = l;
        argv[n] = NULL;
        return 0;
}
