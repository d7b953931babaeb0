/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <systemd/sd-bus.h>

struct manager;

/* Publish org.berth.machine1.Manager and the machines' objects on bus,
 * and send the registry's events there. */
int manager_bus_setup(struct manager *m, sd_bus *bus);

/* OpenMachineLogin(s) → h s, and OpenMachineShell(s s s as as) → h s
 * [h status]: also machined's (machined-bus.c), which has no status fd. */
int bus_open_machine_login(sd_bus_message *msg, struct manager *m, sd_bus_error *error);
int bus_open_machine_shell(sd_bus_message *msg, struct manager *m, bool with_status, sd_bus_error *error);
