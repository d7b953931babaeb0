/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-bus register / unregister: a machine made known to
 * systemd-machined, as systemd-nspawn makes its containers known, so that
 * machinectl, systemd-run -M and journalctl -M find it.
 *
 *   berth-bus register --name=NAME --uuid=HEX --leader=PID --root=DIR [--ifindex=N]
 *   berth-bus unregister --name=NAME
 *
 * register: RegisterMachineWithNetwork (berth made the machine's scope
 * itself, so machined takes the unit its leader is in). Exit status: 0
 * registered, 1 machined refused (one line on stderr says why), 2 no
 * machined on the bus (neither running nor activatable). */
#include "machined-register.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#define MD_NAME "org.freedesktop.machine1"
#define MD_PATH "/org/freedesktop/machine1"
#define MD_MANAGER "org.freedesktop.machine1.Manager"

/* machined runs, or would be started by the bus. */
static bool machined_here(sd_bus *bus)
{
        char **active = NULL, **activatable = NULL;
        bool found = false;

        if (sd_bus_list_names(bus, &active, &activatable) < 0)
                return false;
        for (char **n = active; n && *n; n++)
                found = found || strcmp(*n, MD_NAME) == 0;
        for (char **n = activatable; n && *n; n++)
                found = found || strcmp(*n, MD_NAME) == 0;
        for (char **n = active; n && *n; n++)
                free(*n);
        for (char **n = activatable; n && *n; n++)
                free(*n);
        free(active);
        free(activatable);
        return found;
}

static int parse_uuid(const char *s, uint8_t id[16])
{
        size_t k = 0;

        for (const char *p = s; *p && k < 32; p++) {
                if (*p == '-')
                        continue;
                int v = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
                if (v < 0)
                        return -EINVAL;
                id[k / 2] = (uint8_t) (k % 2 ? id[k / 2] | v : v << 4);
                k++;
        }
        return k == 32 ? 0 : -EINVAL;
}

/* machined's message without its final full stop, for a line of ours. */
static const char *text(const sd_bus_error *e, int r, char *buf, size_t size)
{
        snprintf(buf, size, "%s", e->message ? e->message : strerror(-r));
        size_t n = strlen(buf);
        if (n > 0 && buf[n - 1] == '.')
                buf[n - 1] = 0;
        return buf;
}

static int call(const char *name, const char *uuid, uint32_t leader, const char *root, int32_t ifindex)
{
        char buf[512];
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL;
        sd_bus *bus = NULL;
        uint8_t id[16] = {};
        int r, status = 1;

        if (uuid && parse_uuid(uuid, id) < 0) {
                fprintf(stderr, "berth-bus: bad UUID %s\n", uuid);
                return 1;
        }
        r = sd_bus_open_system(&bus);
        if (r < 0 || !machined_here(bus)) {
                fprintf(stderr, "no systemd-machined on the system bus\n");
                sd_bus_unref(bus);
                return 2;
        }
        if (!uuid) {
                r = sd_bus_call_method(bus, MD_NAME, MD_PATH, MD_MANAGER, "UnregisterMachine", &e, NULL, "s", name);
                /* Gone already: machined noticed its leader's end. */
                if (r < 0 && !sd_bus_error_has_name(&e, "org.freedesktop.machine1.NoSuchMachine"))
                        fprintf(stderr, "systemd-machined did not unregister %s: %s\n", name,
                                text(&e, r, buf, sizeof(buf)));
                else
                        status = 0;
                goto out;
        }
        r = sd_bus_message_new_method_call(bus, &m, MD_NAME, MD_PATH, MD_MANAGER, "RegisterMachineWithNetwork");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r >= 0)
                r = sd_bus_message_append_array(m, 'y', id, sizeof(id));
        if (r >= 0)
                r = sd_bus_message_append(m, "ssus", "berth", "container", leader, root);
        if (r >= 0)
                r = sd_bus_message_append_array(m, 'i', &ifindex, ifindex > 0 ? sizeof(ifindex) : 0);
        if (r >= 0)
                r = sd_bus_call(bus, m, 0, &e, NULL);
        if (r < 0)
                fprintf(stderr, "systemd-machined refused to register %s (%s)\n", name, text(&e, r, buf, sizeof(buf)));
        else
                status = 0;
out:
        sd_bus_message_unref(m);
        sd_bus_error_free(&e);
        sd_bus_flush_close_unref(bus);
        return status;
}

int machined_register_main(int argc, char **argv, bool unregister)
{
        static const struct option options[] = {
                { "name", required_argument, NULL, 'n' },
                { "uuid", required_argument, NULL, 'u' },
                { "leader", required_argument, NULL, 'l' },
                { "root", required_argument, NULL, 'r' },
                { "ifindex", required_argument, NULL, 'i' },
                {}
        };
        const char *name = NULL, *uuid = NULL, *root = "";
        unsigned long leader = 0;
        long ifindex = 0;
        int c;

        optind = 2;
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                if (c == 'n')
                        name = optarg;
                else if (c == 'u')
                        uuid = optarg;
                else if (c == 'l')
                        leader = strtoul(optarg, NULL, 10);
                else if (c == 'r')
                        root = optarg;
                else if (c == 'i')
                        ifindex = strtol(optarg, NULL, 10);
                else
                        return 1;
        }
        if (!name || (!unregister && (!uuid || !leader))) {
                fprintf(stderr, "berth-bus: %s needs --name%s\n", unregister ? "unregister" : "register",
                        unregister ? "" : ", --uuid and --leader");
                return 1;
        }
        return call(name, unregister ? NULL : uuid, (uint32_t) leader, root, (int32_t) ifindex);
}
