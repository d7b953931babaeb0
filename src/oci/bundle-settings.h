/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "spec.h"

struct settings;

/* The spec as the launcher's settings for machine name (each field
 * through the option that does it: --directory, --setenv, --user,
 * --private-users, --capability, ...; linux.resources as the limits;
 * the mounts' options checked, the mounts left to the container's
 * process, which makes them in the spec's order). On failure why says
 * which field, in one line; -EOPNOTSUPP for one berth-oci does not
 * implement yet (named, never dropped). */
int oci_to_settings(const struct oci_spec *spec, const char *name, struct settings *s, char *why, size_t why_size);
