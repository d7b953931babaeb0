/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.freedesktop.machine1, for the stock machinectl on a host where
 * systemd-machined does not run: the part of machined's API that
 * machinectl 252 uses for machines, with machined's paths, signatures and
 * error names, on berthd's own mechanism (the same calls as
 * org.berth.machine1's). Machines are /org/freedesktop/machine1/machine/NAME
 * with org.freedesktop.machine1.Machine. */
#include "machined-bus.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
#include "cleanup.h"
#include "image-bus.h"
#include "image-ops-bus.h"
#include "log.h"
#include "machine-bus.h"
#include "manager-bus.h"
#include "manager.h"
#include "shell.h"
#include "util.h"

#define MD_NAME "org.freedesktop.machine1"
#define MD_PATH "/org/freedesktop/machine1"
#define MD_MANAGER "org.freedesktop.machine1.Manager"
#define MD_MACHINE "org.freedesktop.machine1.Machine"
#define MD_MACHINE_PREFIX "/org/freedesktop/machine1/machine"
#define MD_ERROR_NO_SUCH_MACHINE "org.freedesktop.machine1.NoSuchMachine"
#define MD_ERROR_NO_MACHINE_FOR_PID "org.freedesktop.machine1.NoMachineForPID"

/* berthd's error names as machined's, where machined has one. */
static int as_machined(int r, sd_bus_error *error)
{
        if (r < 0 && sd_bus_error_has_name(error, BERTH_ERROR_NO_SUCH_MACHINE)) {
                _cleanup_free_ char *text = strdup(error->message ? error->message : "no such machine");
                sd_bus_error_free(error);
                return sd_bus_error_setf(error, MD_ERROR_NO_SUCH_MACHINE, "%s", text ? text : "no such machine");
        }
        return r;
}

static int find(struct manager *m, const char *name, sd_bus_error *error, struct machine **ret)
{
        return as_machined(bus_find_machine(m, name, error, ret), error);
}

static int reply_path(sd_bus_message *msg, const char *name)
{
        return bus_reply_machine_path(msg, MD_MACHINE_PREFIX, name);
}

static int method_list(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return bus_reply_machine_list(msg, userdata, MD_MACHINE_PREFIX);
}

static int method_get(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct machine *mach;
        const char *name;
        int r = sd_bus_message_read(msg, "s", &name);

        if (r < 0 || (r = find(userdata, name, error, &mach)) < 0)
                return r;
        return reply_path(msg, mach->name);
}

static int method_get_by_pid(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        uint32_t pid;
        int r = sd_bus_message_read(msg, "u", &pid);

        if (r < 0)
                return r;
        if (pid == 0) {         /* machined: the caller's own */
                sd_bus_creds *creds = NULL;
                pid_t p = 0;
                r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_PID, &creds);
                if (r >= 0)
                        r = sd_bus_creds_get_pid(creds, &p);
                sd_bus_creds_unref(creds);
                if (r < 0)
                        return r;
                pid = (uint32_t) p;
        }
        struct machine *mach = manager_find_by_pid(userdata, (pid_t) pid);
        if (!mach)
                return sd_bus_error_setf(error, MD_ERROR_NO_MACHINE_FOR_PID, "PID %u does not belong to any known "
                                         "machine", pid);
        return reply_path(msg, mach->name);
}

/* machinectl poweroff and reboot are KillMachine(leader, SIGRTMIN+4) and
 * (leader, SIGINT): systemd's signals. berthd knows how each machine's
 * init wants to be told, so these become its poweroff and reboot. */
static int kill_machine(sd_bus_message *msg, struct machine *mach, const char *who, int32_t sig,
                        sd_bus_error *error)
{
        int r = bus_require_root(msg, error);
        int whom = kill_whom_from_string(who[0] ? who : "all");

        if (r < 0)
                return r;
        if (whom < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "invalid who: %s (leader or all)", who);
        if (sig <= 0 || sig >= _NSIG)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "invalid signal %d", sig);
        if (whom == KILL_LEADER && sig == SIGRTMIN + 4)
                r = machine_poweroff(mach);
        else if (whom == KILL_LEADER && sig == SIGINT)
                r = machine_reboot(mach);
        else
                r = machine_kill(mach, whom, sig);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot signal machine %s: %m", mach->name);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_kill(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct machine *mach;
        const char *name, *who;
        int32_t sig;
        int r = sd_bus_message_read(msg, "ssi", &name, &who, &sig);

        if (r < 0 || (r = find(userdata, name, error, &mach)) < 0)
                return r;
        return kill_machine(msg, mach, who, sig, error);
}

static int terminate(sd_bus_message *msg, struct machine *mach, sd_bus_error *error)
{
        int r = bus_require_root(msg, error);

        if (r < 0)
                return r;
        r = machine_terminate(mach);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot terminate machine %s: %m", mach->name);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_terminate(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct machine *mach;
        const char *name;
        int r = sd_bus_message_read(msg, "s", &name);

        if (r < 0 || (r = find(userdata, name, error, &mach)) < 0)
                return r;
        return terminate(msg, mach, error);
}

static int reply_os_release(sd_bus_message *msg, struct machine *mach)
{
        sd_bus_message *reply = NULL;
        int r = sd_bus_message_new_method_return(msg, &reply);

        if (r >= 0)
                r = bus_append_os_release(reply, mach);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

/* GetMachineAddresses, GetMachineOSRelease, GetMachineUIDShift: the
 * Manager's forms of the Machine's methods, the name first. */
static int by_name(sd_bus_message *msg, void *userdata, sd_bus_error *error, int (*call)(sd_bus_message *, void *,
                                                                                         sd_bus_error *))
{
        struct machine *mach;
        const char *name;
        int r = sd_bus_message_read(msg, "s", &name);

        if (r < 0 || (r = find(userdata, name, error, &mach)) < 0)
                return r;
        return call(msg, mach, error);
}

static int machine_os_release_call(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return reply_os_release(msg, userdata);
}

static int machine_uid_shift_call(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct machine *mach = userdata;

        return sd_bus_reply_method_return(msg, "u", (uint32_t) (mach->uid_range ? mach->uid_shift : 0));
}

static int machine_terminate_call(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return terminate(msg, userdata, error);
}

static int machine_kill_call(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        const char *who;
        int32_t sig;
        int r = sd_bus_message_read(msg, "si", &who, &sig);

        return r < 0 ? r : kill_machine(msg, userdata, who, sig, error);
}

static int method_addresses(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return by_name(msg, userdata, error, bus_machine_method_get_addresses);
}

static int method_os_release(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return by_name(msg, userdata, error, machine_os_release_call);
}

static int method_uid_shift(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return by_name(msg, userdata, error, machine_uid_shift_call);
}

static int method_open_login(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return as_machined(bus_open_machine_login(msg, userdata, error), error);
}

static int method_open_shell(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return as_machined(bus_open_machine_shell(msg, userdata, false, error), error);
}

/* A PTY of the machine's own devpts with nothing on it: its master, and
 * its slave's path inside for the caller to open there. */
static int method_open_pty(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct machine_process p = { .pty_only = true, .stdio = { -1, -1, -1 } };
        _cleanup_free_ char *pty = NULL;
        _cleanup_close_ int master = -EBADF, exit_fd = -EBADF;
        struct machine *mach;
        const char *name;
        char text[256];
        int r = sd_bus_message_read(msg, "s", &name);

        if (r < 0 || (r = find(userdata, name, error, &mach)) < 0 || (r = bus_require_root(msg, error)) < 0)
                return r;
        r = machine_spawn(mach, &p, &master, &pty, &exit_fd, text, sizeof(text));
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "machine %s: %s", mach->name, text);
        return sd_bus_reply_method_return(msg, "hs", master, pty);
}

static int method_list_images(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return bus_list_images(msg, MACHINED_IMAGE_PREFIX, error);
}

static int method_get_image(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return bus_get_image(msg, MACHINED_IMAGE_PREFIX, error);
}

static int method_clone_image(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return bus_clone_image(msg, userdata, true, error);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("ListMachines", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssso)", machines), method_list,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetMachine", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", machine), method_get,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetMachineByPID", SD_BUS_ARGS("u", pid), SD_BUS_RESULT("o", machine),
                                method_get_by_pid, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("TerminateMachine", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_terminate,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("KillMachine", SD_BUS_ARGS("s", name, "s", who, "i", signal), SD_BUS_NO_RESULT,
                                method_kill, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetMachineAddresses", SD_BUS_ARGS("s", name), SD_BUS_RESULT("a(iay)", addresses),
                                method_addresses, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetMachineOSRelease", SD_BUS_ARGS("s", name), SD_BUS_RESULT("a{ss}", fields),
                                method_os_release, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetMachineUIDShift", SD_BUS_ARGS("s", name), SD_BUS_RESULT("u", shift),
                                method_uid_shift, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("OpenMachineLogin", SD_BUS_ARGS("s", name), SD_BUS_RESULT("h", pty, "s", pty_path),
                                method_open_login, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("OpenMachinePTY", SD_BUS_ARGS("s", name), SD_BUS_RESULT("h", pty, "s", pty_path),
                                method_open_pty, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("OpenMachineShell",
                                SD_BUS_ARGS("s", name, "s", user, "s", path, "as", args, "as", environment),
                                SD_BUS_RESULT("h", pty, "s", pty_path), method_open_shell,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListImages", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssbttto)", images),
                                method_list_images, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetImage", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", image), method_get_image,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RemoveImage", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, bus_method_remove_image,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RenameImage", SD_BUS_ARGS("s", name, "s", new_name), SD_BUS_NO_RESULT,
                                bus_method_rename_image, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("MarkImageReadOnly", SD_BUS_ARGS("s", name, "b", read_only), SD_BUS_NO_RESULT,
                                bus_method_mark_image_read_only, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CloneImage", SD_BUS_ARGS("s", name, "s", new_name, "b", read_only),
                                SD_BUS_NO_RESULT, method_clone_image, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

static int property_no_limit(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        return sd_bus_message_append(reply, "t", UINT64_MAX);
}

static const sd_bus_vtable image_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", bus_image_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Path", "s", bus_image_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Type", "s", bus_image_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ReadOnly", "b", bus_image_property, 0, 0),
        SD_BUS_PROPERTY("CreationTimestamp", "t", bus_image_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ModificationTimestamp", "t", bus_image_property, 0, 0),
        SD_BUS_PROPERTY("Usage", "t", bus_image_property, 0, 0),
        SD_BUS_PROPERTY("Limit", "t", property_no_limit, 0, 0),
        SD_BUS_PROPERTY("UsageExclusive", "t", bus_image_property, 0, 0),
        SD_BUS_PROPERTY("LimitExclusive", "t", property_no_limit, 0, 0),
        SD_BUS_VTABLE_END
};

static int property_empty(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        return sd_bus_message_append(reply, "s", "");
}

static int property_zero(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        return sd_bus_message_append(reply, "t", (uint64_t) 0);
}

static const sd_bus_vtable machine_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", bus_machine_property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Id", "ay", bus_machine_property_id, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Timestamp", "t", bus_machine_property_timestamp, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("TimestampMonotonic", "t", property_zero, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Service", "s", bus_machine_property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Unit", "s", property_empty, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Leader", "u", bus_machine_property_u32, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Class", "s", bus_machine_property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("RootDirectory", "s", bus_machine_property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("NetworkInterfaces", "ai", bus_machine_property_ifaces, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("State", "s", bus_machine_property_string, 0, 0),
        SD_BUS_METHOD("Terminate", NULL, NULL, machine_terminate_call, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Kill", SD_BUS_ARGS("s", who, "i", signal), SD_BUS_NO_RESULT, machine_kill_call,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetAddresses", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(iay)", addresses),
                                bus_machine_method_get_addresses, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetOSRelease", SD_BUS_NO_ARGS, SD_BUS_RESULT("a{ss}", fields),
                                machine_os_release_call, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetUIDShift", SD_BUS_NO_ARGS, SD_BUS_RESULT("u", shift), machine_uid_shift_call,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

static int find_machine(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                        sd_bus_error *error)
{
        return bus_machine_lookup(userdata, MD_MACHINE_PREFIX, path, found);
}

static int enumerate(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error)
{
        return bus_machine_nodes(userdata, MD_MACHINE_PREFIX, nodes);
}

const char *machined_compat_to_string(enum machined_compat c)
{
        return c == MACHINED_COMPAT_YES ? "yes" : c == MACHINED_COMPAT_NO ? "no" : "auto";
}

int machined_compat_from_string(const char *s)
{
        for (int c = 0; c < _MACHINED_COMPAT_MAX; c++)
                if (streq(s, machined_compat_to_string(c)))
                        return c;
        return -EINVAL;
}

/* The name is taken by another (machined), or would be started on demand
 * (machined activatable): auto leaves it alone. */
static bool name_wanted_elsewhere(sd_bus *bus)
{
        _cleanup_strv_ char **active = NULL, **activatable = NULL;

        if (sd_bus_list_names(bus, &active, &activatable) < 0)
                return true;
        for (char **n = active; n && *n; n++)
                if (streq(*n, MD_NAME))
                        return true;
        for (char **n = activatable; n && *n; n++)
                if (streq(*n, MD_NAME))
                        return true;
        return false;
}

int machined_bus_setup(sd_bus *bus, struct manager *m, enum machined_compat mode)
{
        int r;

        if (mode == MACHINED_COMPAT_NO)
                return 0;
        if (mode == MACHINED_COMPAT_AUTO && name_wanted_elsewhere(bus)) {
                log_info("%s is systemd-machined's here: machinectl talks to it, not to berthd", MD_NAME);
                return 0;
        }
        r = sd_bus_add_object_vtable(bus, NULL, MD_PATH, MD_MANAGER, manager_vtable, m);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(bus, NULL, MD_MACHINE_PREFIX, MD_MACHINE, machine_vtable, find_machine,
                                               m);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(bus, NULL, MD_MACHINE_PREFIX, enumerate, m);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(bus, NULL, MACHINED_IMAGE_PREFIX, "org.freedesktop.machine1.Image",
                                               image_vtable, bus_image_find, m);
        if (r >= 0)
                r = sd_bus_request_name(bus, MD_NAME, 0);
        if (r < 0 && mode == MACHINED_COMPAT_AUTO) {
                log_info("not answering for machinectl: cannot take %s: %s", MD_NAME, strerror(-r));
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "taking %s (--machined-compat=yes)", MD_NAME);
        log_info("answering machinectl as %s", MD_NAME);
        return 1;
}
