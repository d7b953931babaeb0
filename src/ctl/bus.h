/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <systemd/sd-bus.h>

#include "ctl.h"

/* The system bus, or with -H the system bus of HOST over SSH. */
int ctl_connect(struct ctl *c);

/* The text a user sees for a failed call: the error's message, or a
 * plainer one for what the bus itself says (berthd not running, refused
 * by the bus policy). */
const char *ctl_error_text(const sd_bus_error *e, int r);
/* Log "CONTEXT: TEXT" as one line and return r. */
int ctl_log_error(const sd_bus_error *e, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The machine is gone: berthd says so, or its object vanished. */
bool ctl_error_is_gone(const sd_bus_error *e);
/* berthd is not on the bus, or left it without answering (a restart). */
bool ctl_error_is_berthd_away(const sd_bus_error *e);

/* GetMachine: the machine's object path. */
int ctl_machine_path(struct ctl *c, const char *name, sd_bus_error *e, char **ret);
/* Every property of a machine object, as a JSON object keyed by the
 * property names. */
/* ListMachines, and fn for each machine of the answer (name, class,
 * service, object path) until one returns < 0. */
typedef int (*ctl_machine_fn)(struct ctl *c, const char *name, const char *class, const char *service,
                              const char *path, void *userdata);
int ctl_for_each_machine(struct ctl *c, ctl_machine_fn fn, void *userdata);
int ctl_machine_properties(struct ctl *c, const char *path, sd_bus_error *e, json_object **ret);
/* Every property of the image NAME (GetImage, then its object). */
int ctl_image_properties(struct ctl *c, const char *name, sd_bus_error *e, json_object **ret);
/* berthd's own properties, those of the manager object. */
int ctl_manager_properties(struct ctl *c, sd_bus_error *e, json_object **ret);
/* One string property of a machine object. */
int ctl_machine_string(struct ctl *c, const char *path, const char *property, sd_bus_error *e, char **ret);

/* Read an a{sv} dictionary into a JSON object: numbers, strings and
 * booleans as such, arrays of them as arrays, "ay" as a hex string (the
 * machine ID); values of other types are left out. */
int ctl_properties_to_json(sd_bus_message *m, json_object **ret);
