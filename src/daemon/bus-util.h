/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

struct machine;
struct manager;

#define BERTH_ERROR_NO_SUCH_MACHINE "org.berth.machine1.NoSuchMachine"
#define BERTH_ERROR_MACHINE_EXISTS "org.berth.machine1.MachineExists"
#define BERTH_ERROR_NO_SUCH_IMAGE "org.berth.machine1.NoSuchImage"
#define BERTH_ERROR_START_FAILED "org.berth.machine1.StartFailed"
#define BERTH_ERROR_NO_SUCH_USER "org.berth.machine1.NoSuchUser"
#define BERTH_ERROR_IMAGE_EXISTS "org.berth.machine1.ImageExists"
#define BERTH_ERROR_NO_SUCH_TRANSFER "org.berth.machine1.NoSuchTransfer"
#define BERTH_ERROR_IMAGE_BUSY "org.berth.machine1.ImageBusy"
#define BERTH_ERROR_IMAGE_READ_ONLY "org.berth.machine1.ImageReadOnly"

#define MANAGER_PATH "/org/berth/machine1"
#define MANAGER_IFACE "org.berth.machine1.Manager"
#define IMAGE_PREFIX "/org/berth/machine1/image"
#define MACHINED_IMAGE_PREFIX "/org/freedesktop/machine1/image"

/* The helpers the bus faces (manager-bus.c, machine-bus.c) share. */

/* The caller runs as root (its credentials, not only the bus policy), or
 * AccessDenied. */
int bus_require_root(sd_bus_message *msg, sd_bus_error *error);
/* name is a valid machine name, or InvalidArgs saying why not. */
int bus_check_machine_name(const char *name, sd_bus_error *error);
/* The running machine name, or InvalidArgs / NoSuchMachine. */
int bus_find_machine(struct manager *m, const char *name, sd_bus_error *error, struct machine **ret);
/* A method's next argument, a machine name, as the running machine. */
int bus_read_machine(sd_bus_message *msg, struct manager *m, sd_bus_error *error, struct machine **ret);
