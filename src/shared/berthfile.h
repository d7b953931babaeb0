/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A machine's settings file, CONFIGDIR/NAME.berth (/etc/berth, or
 * BERTH_CONFIG_DIR): INI, "[Section]" and "Key=Value" lines, '#' and ';'
 * comments. Of it berth reads, so far: [Exec] KillSignal=, PoweroffSignal=,
 * RebootSignal= (the launcher) and [Exec] Image= (berthd). */

/* The value of Key in Section (the last one given), malloc'd into *ret:
 * 1 found, 0 not there (or no file), -errno. */
int berthfile_get(const char *machine, const char *section, const char *key, char **ret);
