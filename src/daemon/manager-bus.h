/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

struct manager;

/* Publish org.berth.machine1.Manager and the machines' objects on bus,
 * and send the registry's events there. */
int manager_bus_setup(struct manager *m, sd_bus *bus);
