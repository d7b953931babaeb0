/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

struct launcher;

/* The machine's network beyond lo (netpool.h plans it, berth-net makes
 * it): prepared once per launcher (plan, claims, the forwarding check, a
 * sweep of what a killed launcher of the same name left), set up for each
 * boot once PID 1's namespaces exist, and taken down when PID 1 is gone. */
int network_prepare(struct launcher *l);
int network_up(struct launcher *l);
/* PID 1 runs in the machine's root: zone names into /etc/hosts. */
void network_started(struct launcher *l);
void network_down(struct launcher *l);
void network_release(struct launcher *l);
