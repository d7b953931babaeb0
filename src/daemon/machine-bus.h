/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

struct machine;
struct manager;

/* /org/berth/machine1/machine/NAME, the name escaped as sd_bus_path_encode()
 * does. */
int machine_bus_path(const char *name, char **ret);
/* Publish every machine of m at its path. */
int machine_bus_setup(sd_bus *bus, struct manager *m);
/* PropertiesChanged for what a state file's rewrite changes. */
void machine_bus_state_changed(sd_bus *bus, const struct machine *mach);

/* The Machine's methods (userdata: the machine), also for the Manager's
 * methods that take a machine's name first. */
int bus_machine_method_poweroff(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_machine_method_reboot(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_machine_method_terminate(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_machine_method_kill(sd_bus_message *msg, void *userdata, sd_bus_error *error);
