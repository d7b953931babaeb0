/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

struct manager;

/* org.berth.machine1.Image objects, /org/berth/machine1/image/NAME, one
 * per image of the store (src/image/store.h), read when asked; and the
 * Manager's ListImages and GetImage. */
int image_bus_setup(sd_bus *bus, struct manager *m);
int bus_method_list_images(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_get_image(sd_bus_message *msg, void *userdata, sd_bus_error *error);
/* The same two with the objects under prefix (machined's names too), and
 * an Image object's properties (its path decoded under either prefix). */
int bus_list_images(sd_bus_message *msg, const char *prefix, sd_bus_error *error);
int bus_get_image(sd_bus_message *msg, const char *prefix, sd_bus_error *error);
int bus_image_property(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error);
/* An Image object's lookup under either prefix (userdata: the manager). */
int bus_image_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                   sd_bus_error *error);
