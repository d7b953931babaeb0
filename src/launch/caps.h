/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

struct settings;

#define CAPS_ALL UINT64_MAX

/* berth's default set: what an OS container needs (caps.c). */
uint64_t caps_default(void);
/* The capabilities a machine keeps: berth's default set, plus
 * --capability, minus --drop-capability (which wins, as in nspawn).
 * Everything else leaves the bounding set of PID 1 and so of every
 * process in the machine. */
uint64_t caps_machine_keep(const struct settings *s);

/* A capability's number from its kernel name, in any case, with or
 * without "CAP_" (CAP_NET_ADMIN, net_admin); -EINVAL for none. */
int capability_from_name(const char *name);
/* "CAP_NET_ADMIN" for 12; NULL past the names berth knows. */
const char *capability_to_name(unsigned cap);
/* How many names there are: 0 .. capability_count() - 1. */
unsigned capability_count(void);
