/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

struct manager;

/* org.berth.machine1.Transfer objects, /org/berth/machine1/transfer/ID,
 * one per running import (transfer.h); the Manager's Import* calls,
 * ListTransfers and CancelTransfer; TransferNew, TransferRemoved and,
 * when an import made an image, ImageNew. */
int transfer_bus_setup(sd_bus *bus, struct manager *m);
/* Starts berth-import VERB SOURCE NAME and answers msg with the
 * transfer's id and path: the caller is root, the name valid and free
 * (berth-import checks it again, for a race). */
int bus_transfer_start(sd_bus_message *msg, struct manager *m, const char *verb, const char *source, const char *name,
                       int in_fd, sd_bus_error *error);
/* The same; with wait the call is answered (empty, or an error with
 * berth-import's line) only when the transfer ends. */
int transfer_start_call(sd_bus_message *msg, struct manager *m, const char *verb, const char *source,
                        const char *name, int in_fd, bool wait, sd_bus_error *error);
int bus_method_import_tar(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_import_fs(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_import_raw(sd_bus_message *msg, void *userdata, sd_bus_error *error);
/* ExportTar(s name, h fd): the image's tree as a tarball written to fd. */
int bus_method_export_tar(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_import_oci(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_list_transfers(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_method_cancel_transfer(sd_bus_message *msg, void *userdata, sd_bus_error *error);
