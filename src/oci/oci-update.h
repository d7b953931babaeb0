/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* berth-oci update [--resources FILE|-] [--memory N] [--memory-swap N] [--pids-limit N]
 * [--cpu-quota N] [--cpu-period N] [--cpu-share N] [--cpuset-cpus L]
 * [--cpuset-mems L] [--blkio-weight N] ID (argv[0] is "update"). 0, or
 * -errno after one log line. */
int oci_update(const char *root, int argc, char **argv);
