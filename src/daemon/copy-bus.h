/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

/* The Manager's CopyToMachine(s name, s source, s destination),
 * CopyFromMachine(sss) and their *WithFlags(ssst) forms (flag 1: replace
 * what is there, as machined's; 2: make the destination's parents),
 * answered when berth-copy has ended. */
int bus_method_copy_to(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_copy_from(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_copy_to_with_flags(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_copy_from_with_flags(sd_bus_message *msg, void *userdata, sd_bus_error *error);
/* BindMountMachine(s name, s source, s destination, b read_only, b mkdir),
 * machined's signature; UnbindMountMachine(s name, s destination). */
int bus_method_bind_mount(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_unbind_mount(sd_bus_message *msg, void *userdata, sd_bus_error *error);
