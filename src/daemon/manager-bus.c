/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bus face of the manager: org.berth.machine1.Manager. Each method
 * checks its arguments and the caller, calls the mechanism, replies. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
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

int bus_find_machine(struct manager *m, const char *name, sd_bus_error *error, struct machine **ret)
{
        const char *why = machine_name_problem(name);

        if (why)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "invalid machine name '%s': %s", name,
                                         why);
        *ret = manager_find(m, name);
        if (!*ret)
                return sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_MACHINE, "no machine %s is running", name);
        return 0;
}

static int method_list(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct manager *m = userdata;
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssso)");
        for (size_t i = 0; r >= 0 && i < m->n_machines; i++)
                r = sd_bus_message_append(reply, "(ssso)", m->machines[i]->name, "container", "berth",
                                          m->machines[i]->path);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

static int method_get(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct machine *mach;
        const char *name;
        int r = sd_bus_message_read(msg, "s", &name);

        if (r < 0)
                return r;
        r = bus_find_machine(userdata, name, error, &mach);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "o", mach->path);
}

static int method_get_by_pid(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct machine *mach;
        uint32_t pid;
        int r = sd_bus_message_read(msg, "u", &pid);

        if (r < 0)
                return r;
        mach = manager_find_by_pid(userdata, (pid_t) pid);
        if (!mach)
                return sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_MACHINE, "PID %u belongs to no machine", pid);
        return sd_bus_reply_method_return(msg, "o", mach->path);
}

static int method_start(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        const char *name, *why;
        int r = sd_bus_message_read(msg, "s", &name);

        if (r < 0)
                return r;
        why = machine_name_problem(name);
        if (why)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "invalid machine name '%s': %s", name,
                                         why);
        r = bus_require_root(msg, error);
        if (r < 0)
                return r;
        return manager_start_machine(userdata, name, msg, error);
}

/* Poweroff, Reboot, Terminate by name: the Machine object's methods do the work. */
int machine_bus_act(sd_bus_message *msg, struct machine *mach, const char *what, sd_bus_error *error);

static int method_by_name(sd_bus_message *msg, void *userdata, sd_bus_error *error, const char *what)
{
        struct machine *mach;
        const char *name;
        int r = sd_bus_message_read(msg, "s", &name);

        if (r < 0)
                return r;
        r = bus_find_machine(userdata, name, error, &mach);
        if (r < 0)
                return r;
        return machine_bus_act(msg, mach, what, error);
}

static int method_poweroff(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return method_by_name(msg, userdata, error, "poweroff");
}

static int method_reboot(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return method_by_name(msg, userdata, error, "reboot");
}

static int method_terminate(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return method_by_name(msg, userdata, error, "terminate");
}

static int method_kill(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return method_by_name(msg, userdata, error, "kill");
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("ListMachines", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssso)", machines), method_list,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetMachine", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", machine), method_get,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetMachineByPID", SD_BUS_ARGS("u", pid), SD_BUS_RESULT("o", machine),
                                method_get_by_pid, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("StartMachine", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", machine), method_start,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("PoweroffMachine", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_poweroff,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RebootMachine", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_reboot,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("TerminateMachine", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_terminate,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("KillMachine", SD_BUS_ARGS("s", name, "s", who, "i", signal), SD_BUS_NO_RESULT,
                                method_kill, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("MachineNew", SD_BUS_ARGS("s", machine, "o", path), 0),
        SD_BUS_SIGNAL_WITH_ARGS("MachineRemoved", SD_BUS_ARGS("s", machine, "o", path), 0),
        SD_BUS_VTABLE_END
};

int machine_bus_setup(struct manager *m);

int manager_bus_setup(struct manager *m)
{
        int r = sd_bus_add_object_vtable(m->bus, NULL, "/org/berth/machine1", "org.berth.machine1.Manager",
                                         manager_vtable, m);
        if (r < 0)
                return r;
        return machine_bus_setup(m);
}
