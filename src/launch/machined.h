/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "launcher.h"

/* Once PID 1 runs: register with systemd-machined where systemd is PID 1
 * and machined is there. A refusal is one warning line under
 * --register=auto, an error (-EPERM) under --register=yes. */
int machined_register(struct launcher *l);
/* When the boot ends: unregister what machined_register() registered. */
void machined_unregister(struct launcher *l);
