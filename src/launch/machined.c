/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The machine made known to systemd-machined where systemd is PID 1, as
 * systemd-nspawn does (berth-bus register: the launcher itself links no
 * D-Bus), so that machinectl, systemd-run -M and journalctl -M find it;
 * unregistered when it ends. Elsewhere nothing is run: no cost. */
#include "machined.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup-internal.h"
#include "cleanup.h"
#include "helper-run.h"
#include "log.h"
#include "programs.h"
#include "util.h"

/* machined is here, or installed for the bus to start: without either
 * (a systemd host without systemd-container) nothing is run at all. */
static bool machined_installed(void)
{
        struct stat st;

        return stat("/run/systemd/machines", &st) == 0 ||
               stat("/usr/share/dbus-1/system-services/org.freedesktop.machine1.service", &st) == 0;
}

int machined_register(struct launcher *l)
{
        _cleanup_free_ char *helper = NULL;
        char name[128], uuid[64], leader[32], root[4200], ifindex[32], err[512] = "";

        if (l->s->register_mode == REGISTER_NO || !cgroup_systemd_running() || !machined_installed() ||
            program_find("berth-bus", &helper) < 0)
                return 0;
        snprintf(name, sizeof(name), "--name=%s", l->name);
        snprintf(uuid, sizeof(uuid), "--uuid=%s", l->m.uuid);
        snprintf(leader, sizeof(leader), "--leader=%d", (int) l->leader);
        snprintf(root, sizeof(root), "--root=%s", l->s->directory ? l->s->directory : "");
        snprintf(ifindex, sizeof(ifindex), "--ifindex=%u", l->host_ifindex);
        char *argv[] = { "berth-bus", "register", name, uuid, leader, root, ifindex, NULL };
        int r = helper_run(helper, argv, err, sizeof(err));
        if (r == 0) {
                l->machined_registered = true;
                return 0;
        }
        if (r == 2)
                return 0;       /* no machined here: berthd's registration is the one */
        if (l->s->register_mode == REGISTER_YES)
                return log_error_ret(-EPERM, "machine %s: %s (--register=yes)", l->name, err[0] ? err : "berth-bus failed");
        log_warning("machine %s: %s; it runs unregistered there", l->name, err[0] ? err : "berth-bus failed");
        return 0;
}

void machined_unregister(struct launcher *l)
{
        _cleanup_free_ char *helper = NULL;
        char name[128], err[512] = "";

        if (!l->machined_registered || program_find("berth-bus", &helper) < 0)
                return;
        l->machined_registered = false;
        snprintf(name, sizeof(name), "--name=%s", l->name);
        char *argv[] = { "berth-bus", "unregister", name, NULL };
        if (helper_run(helper, argv, err, sizeof(err)) != 0)
                log_warning("machine %s: %s", l->name, err[0] ? err : "berth-bus unregister failed");
}
