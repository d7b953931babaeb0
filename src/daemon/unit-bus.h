/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

struct manager;

/* Where systemd is PID 1, start machines as berth@NAME.service over bus
 * and follow the jobs; elsewhere berthd runs the launchers itself. */
int unit_bus_setup(struct manager *m, sd_bus *bus);
