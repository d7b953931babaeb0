/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

struct manager;
struct transfer;

/* The Manager's RemoveImage, RenameImage, MarkImageReadOnly and
 * CloneImage (a layered image at once, the other kinds copied by a
 * transfer); a change to an image a running machine uses is refused
 * (ImageBusy) with the machine's name. */
int bus_method_remove_image(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_rename_image(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_mark_image_read_only(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_clone_image(sd_bus_message *msg, void *userdata, sd_bus_error *error);
/* CloneImage(s s b); wait: answered empty once the copy is made, as
 * machined's is (else its transfer's id and path, 0 and / when at once). */
int bus_clone_image(sd_bus_message *msg, struct manager *m, bool wait, sd_bus_error *error);
/* Removes the layers no image names when an image went and no import
 * other than ending runs (NULL: none is ending). */
void image_bus_collect_layers(struct manager *m, const struct transfer *ending);
