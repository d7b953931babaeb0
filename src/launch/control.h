/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "launcher.h"

/* The launcher's control socket (control.c): made once the machine's
 * cgroup is, removed at the end; one request per connection. */
int control_open(struct launcher *l);
void control_handle(struct launcher *l);
void control_close(struct launcher *l);
