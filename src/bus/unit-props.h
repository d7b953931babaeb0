/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "resources.h"

/* The limits as systemd unit properties, (sv) entries into an open
 * a(sv) container: for a new scope only the limits that are set to
 * something (all: also those lifted, as "infinity", for
 * SetUnitProperties). */
int bus_append_limits(sd_bus_message *m, const struct cgroup_limits *lim, bool all);
