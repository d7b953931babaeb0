/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "settings.h"

/* A layered image (-i NAME.layers, -M NAME): reads its manifest and fills
 * s->layers_root and s->layers (top first); the machine's overlay takes
 * the layers themselves as its lower layers. s->directory becomes the
 * manifest's path, for messages and the state file. Logs one line and
 * returns -errno. */
int image_layers_attach(struct settings *s);
/* The layers merged by a read-only overlay that is never attached
 * anywhere (nothing to unmount, also after a SIGKILL), for the checks
 * that read the tree before the machine's own overlay exists (init,
 * shell, /etc). The fd, or -errno after one line. */
int image_layers_merged(const struct settings *s);
