/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "progress.h"

/* The store's image name (a tree or a layered image, merged) as a
 * tarball written to dest (a new file, or "-": the descriptor on
 * standard input, as berthd hands it), compressed as dest's name says.
 * Logs one line and returns -errno. */
int export_tar(const char *name, const char *dest, struct progress *p);
