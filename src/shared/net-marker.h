/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* RUNTIMEDIR/net/rules-NAME: there while berth-net has links and rules of
 * the machine in, holding what `berth-net down NAME` needs (--veth=,
 * --zone-bridge=), a line each. Written by the launcher, read by the next
 * start of the name and by berthd after a SIGKILL. */

#define NET_MARKER_ARGS_MAX 8

void net_marker_path(const char *machine, char *buf, size_t size);
/* argv for berth-net down, its strings in *ret_text (free it): 0, or
 * -ENOENT without a marker. */
int net_marker_down_argv(const char *machine, char **ret_text, char *argv[NET_MARKER_ARGS_MAX]);
