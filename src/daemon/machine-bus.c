/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bus face of a machine: org.berth.machine1.Machine at
 * /org/berth/machine1/machine/NAME. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgutil.h"
#include "cleanup.h"
#include "manager.h"
#include "osrelease.h"
#include "util.h"

#define MACHINE_PREFIX "/org/berth/machine1/machine"
#define MACHINE_IFACE "org.berth.machine1.Machine"

int bus_require_root(sd_bus_message *msg, sd_bus_error *error);

int machine_bus_path(const char *name, char **ret)
{
        return sd_bus_path_encode(MACHINE_PREFIX, name, ret);
}

static int find_machine(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                        sd_bus_error *error)
{
        struct manager *m = userdata;
        _cleanup_free_ char *name = NULL;
        struct machine *mach;

        if (sd_bus_path_decode(path, MACHINE_PREFIX, &name) <= 0)
                return 0;
        mach = manager_find(m, name);
        if (!mach)
                return 0;
        *found = mach;
        return 1;
}

static int enumerate_machines(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error)
{
        struct manager *m = userdata;
        char **l = calloc(m->n_machines + 1, sizeof(char *));

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_machines; i++)
                if (!(l[i] = strdup(m->machines[i]->path))) {
                        strv_free(l);
                        return -ENOMEM;
                }
        *nodes = l;
        return 1;
}

/* The mechanism behind Poweroff/Reboot/Terminate/Kill, by object or by name. */
int machine_bus_act(sd_bus_message *msg, struct machine *mach, const char *what, sd_bus_error *error)
{
        int r;

        if (streq(what, "kill")) {
                const char *who;
                int32_t sig;
                int whom;

                r = sd_bus_message_read(msg, "si", &who, &sig);
                if (r < 0)
                        return r;
                /* Only what machined takes: an empty who is no target. */
                whom = kill_whom_from_string(who);
                if (whom < 0)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "invalid kill target '%s' for machine %s: expected \"leader\" or "
                                                 "\"all\"", who, mach->name);
                if (sig <= 0 || sig >= _NSIG)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "invalid signal %d for machine %s", sig, mach->name);
                r = bus_require_root(msg, error);
                if (r < 0)
                        return r;
                r = machine_kill(mach, whom, sig);
        } else {
                r = bus_require_root(msg, error);
                if (r < 0)
                        return r;
                r = streq(what, "poweroff") ? machine_poweroff(mach)
                  : streq(what, "reboot")   ? machine_reboot(mach)
                                            : machine_terminate(mach);
        }
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot %s machine %s: %m", what, mach->name);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_poweroff(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return machine_bus_act(msg, userdata, "poweroff", error);
}

static int method_reboot(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return machine_bus_act(msg, userdata, "reboot", error);
}

static int method_terminate(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return machine_bus_act(msg, userdata, "terminate", error);
}

static int method_kill(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return machine_bus_act(msg, userdata, "kill", error);
}

static int property_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct machine *m = userdata;
        const char *v = streq(property, "Name") ? m->name
                      : streq(property, "Class") ? "container"
                      : streq(property, "Service") ? "berth"
                      : streq(property, "State") ? m->state
                      : streq(property, "RootDirectory") ? m->root
                      : streq(property, "Image") ? m->root
                      : streq(property, "Init") ? m->init
                      : streq(property, "ControlGroup") ? m->cgroup
                      : streq(property, "StopStep") ? m->stop
                                                        : "";

        return sd_bus_message_append(reply, "s", v);
}

static int property_u32(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct machine *m = userdata;
        uint32_t v = streq(property, "Leader") ? (uint32_t) m->leader
                   : streq(property, "Supervisor") ? (uint32_t) m->supervisor
                                                   : m->uid_shift;

        return sd_bus_message_append(reply, "u", v);
}

static int property_id(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct machine *m = userdata;
        uint8_t id[16] = {};
        size_t n = 0;

        if (uuid_parse(m->uuid, id) >= 0)
                n = 16;
        return sd_bus_message_append_array(reply, 'y', id, n);
}

static int property_timestamp(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct machine *m = userdata;

        return sd_bus_message_append(reply, "t", m->timestamp);
}

static int property_ifaces(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        /* Machines have only lo so far: no host-side interfaces. */
        return sd_bus_message_append_array(reply, 'i', NULL, 0);
}

/* The memory the machine uses, or its limit (-1: no limit, or not
 * counted): cgroup2's, else the v1 memory controller's that the launcher
 * named (hybrid hosts). */
static int64_t machine_memory(const struct machine *m, bool limit)
{
        int64_t v;

        if (m->cgroup[0] && (v = cg_read_number(m->cgroup, limit ? "memory.max" : "memory.current", NULL)) >= 0) {
                /* memory.max says "max" without a limit (strtoll: 0). */
                if (limit && v == 0)
                        return -1;
                return v;
        }
        if (!m->cgroup_memory[0])
                return -1;
        v = cg_read_number(m->cgroup_memory, limit ? "memory.limit_in_bytes" : "memory.usage_in_bytes", NULL);
        /* v1 says "no limit" with the largest page count it has. */
        if (limit && v >= INT64_C(1) << 62)
                return -1;
        return v;
}

/* What the machine's cgroup counts, read when asked; UINT64_MAX: unknown
 * (no memory controller in cgroup2 on a hybrid host, say). */
static int property_usage(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct machine *m = userdata;
        int64_t v = -1;

        if (streq(property, "MemoryCurrent"))
                v = machine_memory(m, false);
        else if (streq(property, "MemoryMax"))
                v = machine_memory(m, true);
        else if (m->cgroup[0] && streq(property, "CPUUsageNSec")) {
                v = cg_read_number(m->cgroup, "cpu.stat", "usage_usec");
                if (v >= 0)
                        v *= 1000;
        } else if (m->cgroup[0] && streq(property, "TasksCurrent")) {
                _cleanup_close_ int fd = open(m->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                v = fd < 0 ? -1 : cg_count_threads(fd);
        }
        return sd_bus_message_append(reply, "t", v < 0 ? UINT64_MAX : (uint64_t) v);
}

/* The machine's os-release, as its PID 1 sees its root: resolved inside
 * that root, so that the machine's symlinks cannot point berthd at the
 * host's files. */
static int property_os_release(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct machine *m = userdata;
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int root = -EBADF;
        char file[64], *state, *key, *value;
        int r;

        snprintf(file, sizeof(file), "/proc/%d/root", (int) m->leader);
        root = open(file, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root >= 0)
                (void) os_release_read(root, &text);
        r = sd_bus_message_open_container(reply, 'a', "{ss}");
        state = text;
        while (r >= 0 && state && os_release_next(&state, &key, &value) > 0)
                r = sd_bus_message_append(reply, "{ss}", key, value);
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

/* The machine's IP addresses, as its own network namespace has them: a
 * helper enters it and lists them (getifaddrs), one "family address ifname"
 * line each. */
static int machine_addresses(struct machine *m, char **ret)
{
        char path[64];
        int p[2];
        pid_t child;
        _cleanup_close_ int ns = -EBADF;
        _cleanup_free_ char *text = NULL;

        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) m->leader);
        ns = open(path, O_RDONLY | O_CLOEXEC);
        if (ns < 0)
                return -errno;
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        child = fork();
        if (child < 0) {
                close(p[0]), close(p[1]);
                return -errno;
        }
        if (child == 0) {
                struct ifaddrs *ifa = NULL;
                if (setns(ns, CLONE_NEWNET) < 0 || getifaddrs(&ifa) < 0)
                        _exit(1);
                for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
                        char buf[INET6_ADDRSTRLEN];
                        int af = i->ifa_addr ? i->ifa_addr->sa_family : 0;
                        const void *a = af == AF_INET ? (void *) &((struct sockaddr_in *) i->ifa_addr)->sin_addr
                                      : af == AF_INET6 ? (void *) &((struct sockaddr_in6 *) i->ifa_addr)->sin6_addr
                                                       : NULL;
                        if (a && inet_ntop(af, a, buf, sizeof(buf)))
                                dprintf(p[1], "%d %s %s\n", af, buf, i->ifa_name);
                }
                _exit(0);
        }
        close(p[1]);
        text = malloc(16384);
        ssize_t n = text ? read_full(p[0], text, 16383) : -ENOMEM;
        close(p[0]);
        (void) waitpid(child, NULL, 0);
        if (n < 0)
                return (int) n;
        text[n] = 0;
        *ret = take_ptr(text);
        return 0;
}

static int method_get_addresses(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct machine *m = userdata;
        _cleanup_free_ char *text = NULL;
        sd_bus_message *reply = NULL;
        int r = machine_addresses(m, &text);

        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "reading the addresses of machine %s: %m", m->name);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(iay)");
        for (char *l = strtok(text, "\n"); r >= 0 && l; l = strtok(NULL, "\n")) {
                char addr[INET6_ADDRSTRLEN + 1] = "";
                unsigned char bin[16];
                int af;
                if (sscanf(l, "%d %46s", &af, addr) != 2 || inet_pton(af, addr, bin) != 1)
                        continue;
                r = sd_bus_message_open_container(reply, 'r', "iay");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "i", af);
                if (r >= 0)
                        r = sd_bus_message_append_array(reply, 'y', bin, af == AF_INET ? 4 : 16);
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
        SD_BUS_METHOD("Poweroff", NULL, NULL, method_poweroff, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Reboot", NULL, NULL, method_reboot, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Terminate", NULL, NULL, method_terminate, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Kill", SD_BUS_ARGS("s", who, "i", signal), SD_BUS_NO_RESULT, method_kill,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetAddresses", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(iay)", addresses),
                                method_get_addresses, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_PROPERTY("Name", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Id", "ay", property_id, 0, 0),
        SD_BUS_PROPERTY("Class", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Service", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Leader", "u", property_u32, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Supervisor", "u", property_u32, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("State", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("RootDirectory", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Image", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Init", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ControlGroup", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Timestamp", "t", property_timestamp, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("UIDShift", "u", property_u32, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("NetworkInterfaces", "ai", property_ifaces, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("OSRelease", "a{ss}", property_os_release, 0, 0),
        SD_BUS_PROPERTY("StopStep", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MemoryCurrent", "t", property_usage, 0, 0),
        SD_BUS_PROPERTY("MemoryMax", "t", property_usage, 0, 0),
        SD_BUS_PROPERTY("CPUUsageNSec", "t", property_usage, 0, 0),
        SD_BUS_PROPERTY("TasksCurrent", "t", property_usage, 0, 0),
        SD_BUS_VTABLE_END
};

int machine_bus_setup(struct manager *m)
{
        int r = sd_bus_add_fallback_vtable(m->bus, NULL, MACHINE_PREFIX, MACHINE_IFACE, machine_vtable,
                                           find_machine, m);
        if (r < 0)
                return r;
        r = sd_bus_add_node_enumerator(m->bus, NULL, MACHINE_PREFIX, enumerate_machines, m);
        if (r < 0)
                return r;
        return sd_bus_add_object_manager(m->bus, NULL, "/org/berth/machine1");
}

void machine_bus_send_new(struct manager *m, struct machine *mach)
{
        (void) sd_bus_emit_signal(m->bus, "/org/berth/machine1", "org.berth.machine1.Manager", "MachineNew", "so",
                                  mach->name, mach->path);
}

void machine_bus_send_removed(struct manager *m, struct machine *mach)
{
        (void) sd_bus_emit_signal(m->bus, "/org/berth/machine1", "org.berth.machine1.Manager", "MachineRemoved",
                                  "so", mach->name, mach->path);
}

void machine_bus_state_changed(struct manager *m, struct machine *mach)
{
        (void) sd_bus_emit_properties_changed(m->bus, mach->path, MACHINE_IFACE, "State", "Leader",
                                              "ControlGroup", "StopStep", NULL);
}
