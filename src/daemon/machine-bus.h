/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

struct machine;
struct manager;

#define MACHINE_BUS_PREFIX "/org/berth/machine1/machine"

/* /org/berth/machine1/machine/NAME, the name escaped as sd_bus_path_encode()
 * does. */
int machine_bus_path(const char *name, char **ret);
/* The machine whose object path is path (its name encoded below prefix)
 * into *found: 1, or 0 for none; and every machine's path below prefix
 * (berthd's objects, and machined's names of them in machined-bus.c). */
int bus_machine_lookup(struct manager *m, const char *prefix, const char *path, void **found);
int bus_machine_nodes(struct manager *m, const char *prefix, char ***nodes);
/* Replies for berthd's objects and machined's names of them alike: a
 * machine's path below prefix; ListMachines' a(ssso) below prefix. */
int bus_reply_machine_path(sd_bus_message *msg, const char *prefix, const char *name);
int bus_reply_machine_list(sd_bus_message *msg, struct manager *m, const char *prefix);
/* The machine's os-release as a{ss} (empty when it cannot be read). */
int bus_append_os_release(sd_bus_message *m, const struct machine *mach);
/* Publish every machine of m at its path. */
int machine_bus_setup(sd_bus *bus, struct manager *m);
/* PropertiesChanged for what a state file's rewrite changes. */
void machine_bus_state_changed(sd_bus *bus, const struct machine *mach);

/* The Machine's methods (userdata: the machine), also for the Manager's
 * methods that take a machine's name first. */
int bus_machine_method_poweroff(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_machine_method_reboot(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_machine_method_terminate(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_machine_method_freeze(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_machine_method_thaw(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_machine_method_set_properties(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_machine_method_kill(sd_bus_message *msg, void *userdata, sd_bus_error *error);

/* The Machine's properties and GetAddresses (userdata: the machine), for
 * machined's Machine objects too (machined-bus.c), whose names and types
 * they share. */
int bus_machine_property_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error);
int bus_machine_property_u32(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error);
int bus_machine_property_id(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error);
int bus_machine_property_timestamp(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error);
int bus_machine_property_ifaces(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error);
int bus_machine_property_os_release(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error);
int bus_machine_method_get_addresses(sd_bus_message *msg, void *userdata, sd_bus_error *error);
