/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "log.h"

/* --log PATH (NULL: stderr) and --log-format text|json; 0, or -1 after
 * saying why on stderr. */
int oci_log_setup(const char *path, const char *format);
