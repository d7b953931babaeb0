/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "options.h"
#include "settings.h"

/* The precedence of a source under a --settings= mode: higher wins. */
int settings_rank(enum setting_source source, enum settings_mode mode);

/* --show-settings: every setting of the machine name, its value and
 * where it came from, on stdout (settings-show.c). etc and image are
 * the files looked at (NULL: none). */
void settings_show(const struct settings *s, const char *name, const char *etc, const char *image);
