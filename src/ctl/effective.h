/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* show --effective NAME...: each machine's merged settings and where each
 * came from, from the launcher; 0, or -errno after it (or we) said why. */
int show_effective(char **names, unsigned n);
