/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

struct manager;

/* berthd --machined-compat: whether it also answers as
 * org.freedesktop.machine1 for the stock machinectl. auto: when that name
 * is neither taken nor activatable (no systemd-machined here). */
enum machined_compat {
        MACHINED_COMPAT_AUTO,
        MACHINED_COMPAT_YES,
        MACHINED_COMPAT_NO,
        _MACHINED_COMPAT_MAX,
};

const char *machined_compat_to_string(enum machined_compat c);
int machined_compat_from_string(const char *s);

/* Publish machined's Manager and Machine objects and take its name, as
 * mode says: 1 when berthd answers for it, 0 when it does not, -errno
 * (logged) when mode is yes and the name cannot be taken. After
 * sd_bus_attach_event() and berthd's own name. */
int machined_bus_setup(sd_bus *bus, struct manager *m, enum machined_compat mode);
