/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "settings.h"

struct assignment;

/* The parts of the command line parser that live outside args.c; each logs
 * its own problem and returns -errno. */

/* path made absolute (against the current directory, or resolved when it
 * must exist) into *ret, replacing what was there. */
int args_absolute_path(const char *what, const char *path, bool must_exist, char **ret);
/* --bind=SRC[:DST[:OPTIONS]] and --bind-ro=... */
int args_parse_bind(struct settings *s, const struct assignment *a, bool read_only);
/* --tmpfs=PATH[:OPTIONS] */
int args_parse_tmpfs(struct settings *s, const struct assignment *a);
/* --device=PATH[:rwm] (args-device.c) */
int args_parse_device(struct settings *s, const struct assignment *a);
/* "rwm", "r", ...: CGROUP_DEVICE_* bits; -EINVAL with *ret_bad the first
 * letter that is not one (or 0 for an empty text). */
int device_access_from_string(const char *text, unsigned *ret, char *ret_bad);
