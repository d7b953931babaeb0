/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* The capabilities a machine keeps; everything else leaves the bounding set
 * of PID 1 and so of every process in the machine. */
uint64_t caps_machine_keep(void);
int caps_drop_bounding(uint64_t keep);
