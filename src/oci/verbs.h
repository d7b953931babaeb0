/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "oci-state.h"
#include "signals.h"

/* Each returns 0, or -errno after one log line (runc's wording). */
int oci_verb_state(const char *root, const char *id);
int oci_verb_start(const char *root, const char *id);
/* signal: a name or number (NULL: SIGTERM); all: every process of the
 * container's cgroup. */
int oci_verb_kill(const char *root, const char *id, const char *signal, bool all);
int oci_verb_delete(const char *root, const char *id, bool force);
/* The cgroup2 freezer: pause (true) or resume. */
int oci_verb_pause(const char *root, const char *id, bool pause);
/* --format json: the PIDs; else ps(1)'s table (ps_args: its options,
 * -ef by default) cut to the container's processes, as runc's. */
int oci_verb_ps(const char *root, const char *id, bool json, char **ps_args);
int oci_verb_list(const char *root, bool json, bool quiet);
