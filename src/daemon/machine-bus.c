/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bus face of a machine: org.berth.machine1.Machine at
 * /org/berth/machine1/machine/NAME. Each method checks its arguments and
 * the caller, calls the mechanism (machine.c), replies. */
#include "machine-bus.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
#include "cleanup.h"
#include "manager.h"
#include "osrelease.h"
#include "util.h"

#define MACHINE_IFACE "org.berth.machine1.Machine"

int machine_bus_path(const char *name, char **ret)
{
        return sd_bus_path_encode(MACHINE_BUS_PREFIX, name, ret);
}

int bus_machine_lookup(struct manager *m, const char *prefix, const char *path, void **found)
{
        _cleanup_free_ char *name = NULL;
        struct machine *mach;

        if (sd_bus_path_decode(path, prefix, &name) <= 0 || !(mach = manager_find(m, name)))
                return 0;
        *found = mach;
        return 1;
}

int bus_reply_machine_path(sd_bus_message *msg, const char *prefix, const char *name)
{
        _cleanup_free_ char *path = NULL;
        int r = sd_bus_path_encode(prefix, name, &path);

        return r < 0 ? r : sd_bus_reply_method_return(msg, "o", path);
}

int bus_reply_machine_list(sd_bus_message *msg, struct manager *m, const char *prefix)
{
        sd_bus_message *reply = NULL;
        int r = sd_bus_message_new_method_return(msg, &reply);

        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssso)");
        for (size_t i = 0; r >= 0 && i < m->n_machines; i++) {
                _cleanup_free_ char *path = NULL;
                r = sd_bus_path_encode(prefix, m->machines[i]->name, &path);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "(ssso)", m->machines[i]->name, "container", "berth",
                                                  path);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

int bus_append_os_release(sd_bus_message *m, const struct machine *mach)
{
        _cleanup_free_ char *text = NULL;
        char *state, *key, *value;
        int r;

        (void) machine_os_release(mach, &text);
        r = sd_bus_message_open_container(m, 'a', "{ss}");
        state = text;
        while (r >= 0 && state && os_release_next(&state, &key, &value) > 0)
                r = sd_bus_message_append(m, "{ss}", key, value);
        return r < 0 ? r : sd_bus_message_close_container(m);
}

int bus_machine_nodes(struct manager *m, const char *prefix, char ***nodes)
{
        _cleanup_strv_ char **l = calloc(m->n_machines + 1, sizeof(char *));

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_machines; i++)
                if (sd_bus_path_encode(prefix, m->machines[i]->name, &l[i]) < 0)
                        return -ENOMEM;
        *nodes = take_ptr(l);
        return 1;
}

static int find_machine(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                        sd_bus_error *error)
{
        return bus_machine_lookup(userdata, MACHINE_BUS_PREFIX, path, found);
}

static int enumerate_machines(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error)
{
        return bus_machine_nodes(userdata, MACHINE_BUS_PREFIX, nodes);
}

/* Poweroff, Reboot, Terminate: no arguments, root only. */
static int method_act(sd_bus_message *msg, struct machine *mach, int (*act)(struct machine *mach), const char *what,
                      sd_bus_error *error)
{
        int r = bus_require_root(msg, error);

        if (r < 0)
                return r;
        r = act(mach);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot %s machine %s: %m", what, mach->name);
        return sd_bus_reply_method_return(msg, NULL);
}

int bus_machine_method_poweroff(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return method_act(msg, userdata, machine_poweroff, "poweroff", error);
}

int bus_machine_method_reboot(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return method_act(msg, userdata, machine_reboot, "reboot", error);
}

int bus_machine_method_terminate(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return method_act(msg, userdata, machine_terminate, "terminate", error);
}

static int method_freeze_thaw(sd_bus_message *msg, struct machine *mach, bool freeze, sd_bus_error *error)
{
        int r = bus_require_root(msg, error);

        if (r < 0)
                return r;
        r = machine_freeze(mach, freeze);
        machine_bus_state_changed(sd_bus_message_get_bus(msg), mach);
        if (r == -ESHUTDOWN)
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "machine %s is stopping: there is nothing to freeze",
                                         mach->name);
        if (r == -EOPNOTSUPP)
                return sd_bus_error_setf(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                         "machine %s has no cgroup2 cgroup with cgroup.freeze (kernel 5.2 and later "
                                         "have it): it cannot be frozen", mach->name);
        if (r == -ETIMEDOUT)
                return sd_bus_error_setf(error, SD_BUS_ERROR_TIMEOUT,
                                         "machine %s: not every process %s within 5 s", mach->name,
                                         freeze ? "froze" : "thawed");
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot %s machine %s: %m", freeze ? "freeze" : "thaw",
                                               mach->name);
        return sd_bus_reply_method_return(msg, NULL);
}

int bus_machine_method_freeze(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return method_freeze_thaw(msg, userdata, true, error);
}

int bus_machine_method_thaw(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return method_freeze_thaw(msg, userdata, false, error);
}

int bus_machine_method_set_properties(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct machine *mach = userdata;
        _cleanup_strv_ char **l = NULL;
        char why[1200];
        int runtime, r;

        r = sd_bus_message_read(msg, "b", &runtime);
        if (r < 0)
                return r;
        r = sd_bus_message_read_strv(msg, &l);
        if (r < 0)
                return r;
        r = bus_require_root(msg, error);
        if (r < 0)
                return r;
        r = machine_set_properties(mach, l, runtime, why, sizeof(why));
        /* The caller names the machine (berthctl: "machine NAME: ..."). */
        if (r == -EINVAL)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s", why);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "%s", why[0] ? why : strerror(-r));
        return sd_bus_reply_method_return(msg, NULL);
}

int bus_machine_method_kill(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct machine *mach = userdata;
        const char *who;
        int32_t sig;
        int whom, r;

        r = sd_bus_message_read(msg, "si", &who, &sig);
        if (r < 0)
                return r;
        /* Only what machined takes: an empty who is no target. */
        whom = kill_whom_from_string(who);
        if (whom < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "invalid kill target '%s' for machine %s: expected \"leader\" or \"all\"",
                                         who, mach->name);
        if (sig <= 0 || sig >= _NSIG)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "invalid signal %d for machine %s", sig,
                                         mach->name);
        r = bus_require_root(msg, error);
        if (r < 0)
                return r;
        r = machine_kill(mach, whom, sig);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot kill machine %s: %m", mach->name);
        return sd_bus_reply_method_return(msg, NULL);
}

/* State: machined's view has opening, running and closing only (a frozen
 * machine runs, for machinectl); berthd's says frozen too. */
int bus_machine_property_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct machine *m = userdata;
        const char *v = streq(property, "Name") ? m->name
                      : streq(property, "Class") ? "container"
                      : streq(property, "Service") ? "berth"
                      : streq(property, "State") ? (streq(interface, MACHINE_IFACE) ? machine_state_name(m) : m->state)
                      : streq(property, "RootDirectory") ? m->root
                      : streq(property, "Image") ? m->root
                      : streq(property, "Init") ? m->init
                      : streq(property, "InitKind") ? m->init_kind
                      : streq(property, "ControlGroup") ? m->cgroup
                      : streq(property, "StopStep") ? m->stop
                      : streq(property, "Ports") ? m->ports
                      : streq(property, "ResolvConf") ? m->resolv_conf
                      : streq(property, "Timezone") ? m->timezone
                                                        : "";

        return sd_bus_message_append(reply, "s", v);
}

int bus_machine_property_u32(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct machine *m = userdata;
        uint32_t v = streq(property, "Leader") ? (uint32_t) m->leader
                   : streq(property, "Supervisor") ? (uint32_t) m->supervisor
                                                   : m->uid_shift;

        return sd_bus_message_append(reply, "u", v);
}

int bus_machine_property_id(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct machine *m = userdata;
        uint8_t id[16] = {};
        size_t n = 0;

        if (uuid_parse(m->uuid, id) >= 0)
                n = 16;
        return sd_bus_message_append_array(reply, 'y', id, n);
}

int bus_machine_property_timestamp(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct machine *m = userdata;

        return sd_bus_message_append(reply, "t", m->timestamp);
}

int bus_machine_property_ifaces(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct machine *m = userdata;
        int32_t index = (int32_t) m->host_ifindex;

        /* As machined: the host side of the machine's links. */
        return sd_bus_message_append_array(reply, 'i', &index, m->host_ifindex ? sizeof(index) : 0);
}

/* UINT64_MAX: not counted, or (MemoryMax) no limit. */
static int property_usage(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        enum machine_counter c = streq(property, "MemoryCurrent") ? MACHINE_MEMORY_CURRENT
                               : streq(property, "NetworkBytesReceived") ? MACHINE_NET_RX
                               : streq(property, "NetworkBytesSent") ? MACHINE_NET_TX
                               : streq(property, "MemoryMax")     ? MACHINE_MEMORY_MAX
                               : streq(property, "CPUUsageNSec")  ? MACHINE_CPU_USAGE_NSEC
                               : streq(property, "MemoryPeak")    ? MACHINE_MEMORY_PEAK
                               : streq(property, "OOMKills")      ? MACHINE_OOM_KILLS
                               : streq(property, "IOReadBytes")   ? MACHINE_IO_READ
                               : streq(property, "IOWriteBytes")  ? MACHINE_IO_WRITE
                                                                  : MACHINE_TASKS_CURRENT;
        int64_t v = machine_counter(userdata, c);

        return sd_bus_message_append(reply, "t", v < 0 ? UINT64_MAX : (uint64_t) v);
}

/* Empty when the machine's os-release cannot be read. */
int bus_machine_property_os_release(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        return bus_append_os_release(reply, userdata);
}

int bus_machine_method_get_addresses(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct machine *m = userdata;
        _cleanup_free_ struct machine_address *l = NULL;
        sd_bus_message *reply = NULL;
        size_t n;
        int r = machine_addresses(m, &l, &n);

        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "reading the addresses of machine %s: %m", m->name);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(iay)");
        for (size_t i = 0; r >= 0 && i < n; i++) {
                r = sd_bus_message_open_container(reply, 'r', "iay");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "i", l[i].family);
                if (r >= 0)
                        r = sd_bus_message_append_array(reply, 'y', l[i].bytes, l[i].family == AF_INET ? 4 : 16);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

static const sd_bus_vtable machine_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Poweroff", NULL, NULL, bus_machine_method_poweroff, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Reboot", NULL, NULL, bus_machine_method_reboot, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Terminate", NULL, NULL, bus_machine_method_terminate, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Kill", SD_BUS_ARGS("s", who, "i", signal), SD_BUS_NO_RESULT, bus_machine_method_kill,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Freeze", NULL, NULL, bus_machine_method_freeze, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetProperties", SD_BUS_ARGS("b", runtime, "as", properties), SD_BUS_NO_RESULT,
                                bus_machine_method_set_properties, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Thaw", NULL, NULL, bus_machine_method_thaw, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetAddresses", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(iay)", addresses),
                                bus_machine_method_get_addresses, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_PROPERTY("Name", "s", bus_machine_property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Id", "ay", bus_machine_property_id, 0, 0),
        SD_BUS_PROPERTY("Class", "s", bus_machine_property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Service", "s", bus_machine_property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Leader", "u", bus_machine_property_u32, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Supervisor", "u", bus_machine_property_u32, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("State", "s", bus_machine_property_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("RootDirectory", "s", bus_machine_property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Image", "s", bus_machine_property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Init", "s", bus_machine_property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("InitKind", "s", bus_machine_property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ControlGroup", "s", bus_machine_property_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Timestamp", "t", bus_machine_property_timestamp, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("UIDShift", "u", bus_machine_property_u32, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("NetworkInterfaces", "ai", bus_machine_property_ifaces, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("OSRelease", "a{ss}", bus_machine_property_os_release, 0, 0),
        SD_BUS_PROPERTY("StopStep", "s", bus_machine_property_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Ports", "s", bus_machine_property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ResolvConf", "s", bus_machine_property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Timezone", "s", bus_machine_property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("NetworkBytesReceived", "t", property_usage, 0, 0),
        SD_BUS_PROPERTY("NetworkBytesSent", "t", property_usage, 0, 0),
        SD_BUS_PROPERTY("MemoryCurrent", "t", property_usage, 0, 0),
        SD_BUS_PROPERTY("MemoryMax", "t", property_usage, 0, 0),
        SD_BUS_PROPERTY("CPUUsageNSec", "t", property_usage, 0, 0),
        SD_BUS_PROPERTY("TasksCurrent", "t", property_usage, 0, 0),
        SD_BUS_PROPERTY("MemoryPeak", "t", property_usage, 0, 0),
        SD_BUS_PROPERTY("OOMKills", "t", property_usage, 0, 0),
        SD_BUS_PROPERTY("IOReadBytes", "t", property_usage, 0, 0),
        SD_BUS_PROPERTY("IOWriteBytes", "t", property_usage, 0, 0),
        SD_BUS_VTABLE_END
};

int machine_bus_setup(sd_bus *bus, struct manager *m)
{
        int r = sd_bus_add_fallback_vtable(bus, NULL, MACHINE_BUS_PREFIX, MACHINE_IFACE, machine_vtable, find_machine, m);
        if (r < 0)
                return r;
        r = sd_bus_add_node_enumerator(bus, NULL, MACHINE_BUS_PREFIX, enumerate_machines, m);
        if (r < 0)
                return r;
        return sd_bus_add_object_manager(bus, NULL, "/org/berth/machine1");
}

void machine_bus_state_changed(sd_bus *bus, const struct machine *mach)
{
        _cleanup_free_ char *path = NULL;

        if (machine_bus_path(mach->name, &path) >= 0)
                (void) sd_bus_emit_properties_changed(bus, path, MACHINE_IFACE, "State", "Leader", "ControlGroup",
                                                      "StopStep", NULL);
}
