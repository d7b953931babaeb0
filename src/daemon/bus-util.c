/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-util.h"

#include <sys/types.h>

#include "manager.h"
#include "name.h"

/* The policy file already keeps non-root callers from changing anything;
 * the daemon does not rely on it alone. */
int bus_require_root(sd_bus_message *msg, sd_bus_error *error)
{
        sd_bus_creds *creds = NULL;
        uid_t euid;
        int r;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &euid);
        sd_bus_creds_unref(creds);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot tell who is calling: %m");
        if (euid != 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "only root may change machines");
        return 0;
}

int bus_check_machine_name(const char *name, sd_bus_error *error)
{
        const char *why = machine_name_problem(name);

        if (why)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "invalid machine name '%s': %s", name,
                                         why);
        return 0;
}

int bus_find_machine(struct manager *m, const char *name, sd_bus_error *error, struct machine **ret)
{
        struct machine *mach;
        int r = bus_check_machine_name(name, error);

        if (r < 0)
                return r;
        mach = manager_find(m, name);
        if (!mach)
                return sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_MACHINE, "no machine %s is running", name);
        *ret = mach;
        return 0;
}

int bus_read_machine(sd_bus_message *msg, struct manager *m, sd_bus_error *error, struct machine **ret)
{
        const char *name;
        int r = sd_bus_message_read(msg, "s", &name);

        if (r < 0)
                return r;
        return bus_find_machine(m, name, error, ret);
}
