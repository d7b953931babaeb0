/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "settings.h"

/* -i/--image=FILE: the raw disk image's root file system, mounted
 * read-only by berth-image on RUNTIMEDIR/images/mnt-PID for as long as
 * this launcher runs, becomes the machine's tree (s->directory); -i gave
 * the machine the file's name without .raw when none was given.
 * Mounts of launchers that are gone (a SIGKILL) are removed first. Logs
 * one line and returns -errno. */
int image_raw_attach(struct settings *s, char **ret_mount);
/* Detaches the mount (its loop device goes with it) and removes the
 * directory. */
void image_raw_detach(char *mount);
