/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "spec.h"

struct settings;

/* The spec of container id as the launcher's settings (each field through
 * the option that does it: --directory, --setenv, --bind, --private-users,
 * --capability, ...; linux.resources as the limits). On failure why says
 * which field, in one line; -EOPNOTSUPP for one berth-oci does not
 * implement yet (named, never dropped). */
int oci_to_settings(const struct oci_spec *spec, const char *id, struct settings *s, char *why, size_t why_size);
