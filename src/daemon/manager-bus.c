/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bus face of the manager: org.berth.machine1.Manager. Each method
 * checks its arguments and the caller, calls the mechanism, replies. */
#include "manager-bus.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus-util.h"
#include "cleanup.h"
#include "config.h"
#include "copy-bus.h"
#include "image-bus.h"
#include "image-ops-bus.h"
#include "transfer-bus.h"
#include "machine-bus.h"
#include "manager.h"
#include "paths.h"
#include "shell.h"
#include "util.h"


/* A reply naming the object of mach. */
static int reply_machine_path(sd_bus_message *msg, const struct machine *mach)
{
        return bus_reply_machine_path(msg, MACHINE_BUS_PREFIX, mach->name);
}

static int method_list(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return bus_reply_machine_list(msg, userdata, MACHINE_BUS_PREFIX);
}

static int method_get(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct machine *mach;
        int r = bus_read_machine(msg, userdata, error, &mach);

        if (r < 0)
                return r;
        return reply_machine_path(msg, mach);
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
        return reply_machine_path(msg, mach);
}

static void start_done(struct machine *mach, const char *name, const char *error, void *userdata)
{
        sd_bus_message *msg = userdata;

        if (!mach || reply_machine_path(msg, mach) < 0)
                (void) sd_bus_reply_method_errorf(msg, BERTH_ERROR_START_FAILED, "machine %s did not start: %s",
                                                  name, error ? error : "no memory");
}

static void message_unref(void *msg)
{
        sd_bus_message_unref(msg);
}

static int method_start(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        const char *name;
        int r = sd_bus_message_read(msg, "s", &name);

        if (r < 0)
                return r;
        r = bus_check_machine_name(name, error);
        if (r < 0)
                return r;
        r = bus_require_root(msg, error);
        if (r < 0)
                return r;
        r = manager_start_machine(userdata, name, start_done, message_unref, sd_bus_message_ref(msg));
        if (r >= 0)
                return 1;       /* the reply comes once it registered */
        sd_bus_message_unref(msg);
        if (r == -EEXIST)
                return sd_bus_error_setf(error, BERTH_ERROR_MACHINE_EXISTS, "machine %s is already running", name);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_IMAGE,
                                         "no image for machine %s (neither %s/images/%s nor an Image= in its "
                                         ".berth file)", name, berth_state_dir(), name);
        return sd_bus_error_set_errnof(error, r, "starting machine %s: %m", name);
}

/* Poweroff, Reboot, Terminate, Kill by name: the Machine object's methods. */
static int method_by_name(sd_bus_message *msg, void *userdata, sd_bus_error *error,
                          sd_bus_message_handler_t machine_method)
{
        struct machine *mach;
        int r = bus_read_machine(msg, userdata, error, &mach);

        if (r < 0)
                return r;
        return machine_method(msg, mach, error);
}

static int method_poweroff(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return method_by_name(msg, userdata, error, bus_machine_method_poweroff);
}

static int method_reboot(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return method_by_name(msg, userdata, error, bus_machine_method_reboot);
}

static int method_terminate(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return method_by_name(msg, userdata, error, bus_machine_method_terminate);
}

static int method_freeze(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return method_by_name(msg, userdata, error, bus_machine_method_freeze);
}

static int method_thaw(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return method_by_name(msg, userdata, error, bus_machine_method_thaw);
}

static int method_set_properties(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return method_by_name(msg, userdata, error, bus_machine_method_set_properties);
}

static int method_kill(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return method_by_name(msg, userdata, error, bus_machine_method_kill);
}

/* Login and shell ------------------------------------------------------ */

static int read_strv(sd_bus_message *msg, char ***ret)
{
        _cleanup_strv_ char **l = calloc(1, sizeof(char *));
        const char *s;
        int r;

        if (!l)
                return -ENOMEM;
        r = sd_bus_message_enter_container(msg, 'a', "s");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(msg, "s", &s)) > 0)
                if (strv_push(&l, s) < 0)
                        return -ENOMEM;
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(msg);
        if (r < 0)
                return r;
        *ret = take_ptr(l);
        return 0;
}

/* name, user, path, args, env: as systemd-machined takes them. An empty
 * path is the user's shell, empty args are just the path. */
static int read_process(sd_bus_message *msg, struct manager *m, sd_bus_error *error, struct machine **ret_m,
                        struct machine_process *p, char ***argv_store, char ***env_store)
{
        const char *name, *user, *path;
        int r = sd_bus_message_read(msg, "sss", &name, &user, &path);

        if (r < 0)
                return r;
        r = read_strv(msg, argv_store);
        if (r >= 0)
                r = read_strv(msg, env_store);
        if (r < 0)
                return r;
        r = bus_find_machine(m, name, error, ret_m);
        if (r < 0)
                return r;
        if (!*path)
                path = "/bin/sh";
        if (path[0] != '/')
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "'%s' is not an absolute path", path);
        if (!(*argv_store)[0]) {
                if (strv_push(argv_store, path) < 0)
                        return -ENOMEM;
        } else {
                /* argv[0] is the path to execute, whatever args[0] says. */
                char *copy = strdup(path);
                if (!copy)
                        return -ENOMEM;
                free((*argv_store)[0]);
                (*argv_store)[0] = copy;
        }
        for (char **e = *env_store; *e; e++)
                if (!strchr(*e, '=') || **e == '=')
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "bad environment entry '%s'", *e);
        *p = (struct machine_process) { .user = user, .argv = *argv_store, .env = *env_store,
                                        .stdio = { -1, -1, -1 } };
        return 1;
}

static int spawn_error(sd_bus_error *error, struct machine *mach, int r, const char *text)
{
        if (r == -ESRCH)
                return sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_USER, "machine %s: %s", mach->name, text);
        return sd_bus_error_set_errnof(error, r, "machine %s: %s: %m", mach->name, text);
}

int bus_open_machine_login(sd_bus_message *msg, struct manager *m, sd_bus_error *error)
{
        struct machine *mach;
        struct machine_process p = { .login = true, .stdio = { -1, -1, -1 } };
        _cleanup_free_ char *pty = NULL;
        _cleanup_close_ int master = -EBADF, exit_fd = -EBADF;
        char text[256];
        int r = bus_read_machine(msg, m, error, &mach);

        if (r < 0)
                return r;
        r = bus_require_root(msg, error);
        if (r < 0)
                return r;
        r = machine_spawn(mach, &p, &master, &pty, &exit_fd, text, sizeof(text));
        if (r < 0)
                return spawn_error(error, mach, r, text);
        return sd_bus_reply_method_return(msg, "hs", master, pty);
}

static int method_open_login(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return bus_open_machine_login(msg, userdata, error);
}

int bus_open_machine_shell(sd_bus_message *msg, struct manager *m, bool with_status, sd_bus_error *error)
{
        _cleanup_strv_ char **argv = NULL, **env = NULL;
        _cleanup_free_ char *pty = NULL;
        _cleanup_close_ int master = -EBADF, exit_fd = -EBADF;
        struct machine_process p;
        struct machine *mach;
        char text[256];
        int r = read_process(msg, m, error, &mach, &p, &argv, &env);

        if (r <= 0)
                return r;
        r = bus_require_root(msg, error);
        if (r < 0)
                return r;
        r = machine_spawn(mach, &p, &master, &pty, &exit_fd, text, sizeof(text));
        if (r < 0)
                return spawn_error(error, mach, r, text);
        if (!with_status)
                return sd_bus_reply_method_return(msg, "hs", master, pty);
        return sd_bus_reply_method_return(msg, "hsh", master, pty, exit_fd);
}

static int method_open_shell(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return bus_open_machine_shell(msg, userdata, true, error);
}

struct running_command {
        sd_bus_message *reply_to;
        sd_event_source *source;
        int exit_fd;
};

static int on_command_exit(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct running_command *c = userdata;

        (void) sd_bus_reply_method_return(c->reply_to, "i", (int32_t) machine_process_status(fd));
        sd_bus_message_unref(c->reply_to);
        sd_event_source_disable_unref(c->source);
        close(c->exit_fd);
        free(c);
        return 0;
}

static int method_run_command(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct manager *m = userdata;
        _cleanup_strv_ char **argv = NULL, **env = NULL;
        struct running_command *c;
        struct machine_process p;
        struct machine *mach;
        int in, out, err, exit_fd = -1, r;
        char text[256];

        r = read_process(msg, userdata, error, &mach, &p, &argv, &env);
        if (r <= 0)
                return r;
        r = sd_bus_message_read(msg, "hhh", &in, &out, &err);
        if (r < 0)
                return r;
        r = bus_require_root(msg, error);
        if (r < 0)
                return r;
        p.stdio[0] = in, p.stdio[1] = out, p.stdio[2] = err;
        r = machine_spawn(mach, &p, NULL, NULL, &exit_fd, text, sizeof(text));
        if (r < 0)
                return spawn_error(error, mach, r, text);
        c = calloc(1, sizeof(*c));
        if (!c) {
                close(exit_fd);
                return -ENOMEM;
        }
        c->exit_fd = exit_fd;
        c->reply_to = sd_bus_message_ref(msg);
        r = sd_event_add_io(m->event, &c->source, exit_fd, EPOLLIN, on_command_exit, c);
        if (r < 0) {
                sd_bus_message_unref(c->reply_to);
                close(exit_fd);
                free(c);
                return r;
        }
        return 1;       /* the reply comes when the command ends */
}

/* What berthd is and where it looks: berthctl show without a name. */
static int property_manager_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct manager *m = userdata;
        _cleanup_free_ char *images = NULL;

        if (streq(property, "Version"))
                return sd_bus_message_append(reply, "s", BERTH_VERSION);
        if (streq(property, "Launcher"))
                return sd_bus_message_append(reply, "s", m->launcher ? m->launcher : "");
        if (streq(property, "RuntimeDirectory"))
                return sd_bus_message_append(reply, "s", berth_runtime_dir());
        if (asprintf(&images, "%s/images", berth_state_dir()) < 0)
                return -ENOMEM;
        return sd_bus_message_append(reply, "s", images);
}

static int property_n_machines(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct manager *m = userdata;

        return sd_bus_message_append(reply, "u", (uint32_t) m->n_machines);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_manager_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Launcher", "s", property_manager_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ImageDirectory", "s", property_manager_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("RuntimeDirectory", "s", property_manager_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("NMachines", "u", property_n_machines, 0, 0),
        SD_BUS_METHOD_WITH_ARGS("ListMachines", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssso)", machines), method_list,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListImages", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssbttto)", images),
                                bus_method_list_images, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetImage", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", image), bus_method_get_image,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RemoveImage", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, bus_method_remove_image,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RenameImage", SD_BUS_ARGS("s", name, "s", new_name), SD_BUS_NO_RESULT,
                                bus_method_rename_image, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("MarkImageReadOnly", SD_BUS_ARGS("s", name, "b", read_only), SD_BUS_NO_RESULT,
                                bus_method_mark_image_read_only, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CloneImage", SD_BUS_ARGS("s", name, "s", new_name, "b", read_only),
                                SD_BUS_RESULT("u", transfer_id, "o", transfer_path), bus_method_clone_image,
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
        SD_BUS_METHOD_WITH_ARGS("FreezeMachine", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_freeze,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ThawMachine", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_thaw,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetMachineProperties", SD_BUS_ARGS("s", name, "b", runtime, "as", properties),
                                SD_BUS_NO_RESULT, method_set_properties, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("OpenMachineLogin", SD_BUS_ARGS("s", name), SD_BUS_RESULT("h", pty, "s", pty_path),
                                method_open_login, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("OpenMachineShell",
                                SD_BUS_ARGS("s", name, "s", user, "s", path, "as", args, "as", environment),
                                SD_BUS_RESULT("h", pty, "s", pty_path, "h", status), method_open_shell,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RunMachineCommand",
                                SD_BUS_ARGS("s", name, "s", user, "s", path, "as", args, "as", environment, "h",
                                            stdin, "h", stdout, "h", stderr),
                                SD_BUS_RESULT("i", status), method_run_command, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("BindMountMachine",
                                SD_BUS_ARGS("s", name, "s", source, "s", destination, "b", read_only, "b", mkdir),
                                SD_BUS_NO_RESULT, bus_method_bind_mount, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("UnbindMountMachine", SD_BUS_ARGS("s", name, "s", destination), SD_BUS_NO_RESULT,
                                bus_method_unbind_mount, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CopyToMachine", SD_BUS_ARGS("s", name, "s", source, "s", destination),
                                SD_BUS_NO_RESULT, bus_method_copy_to, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CopyFromMachine", SD_BUS_ARGS("s", name, "s", source, "s", destination),
                                SD_BUS_NO_RESULT, bus_method_copy_from, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CopyToMachineWithFlags",
                                SD_BUS_ARGS("s", name, "s", source, "s", destination, "t", flags), SD_BUS_NO_RESULT,
                                bus_method_copy_to_with_flags, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CopyFromMachineWithFlags",
                                SD_BUS_ARGS("s", name, "s", source, "s", destination, "t", flags), SD_BUS_NO_RESULT,
                                bus_method_copy_from_with_flags, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ImportTar", SD_BUS_ARGS("h", fd, "s", name),
                                SD_BUS_RESULT("u", transfer_id, "o", transfer_path), bus_method_import_tar,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ImportFileSystem", SD_BUS_ARGS("h", fd, "s", name),
                                SD_BUS_RESULT("u", transfer_id, "o", transfer_path), bus_method_import_fs,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ImportRaw", SD_BUS_ARGS("h", fd, "s", name),
                                SD_BUS_RESULT("u", transfer_id, "o", transfer_path), bus_method_import_raw,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ImportOCI", SD_BUS_ARGS("s", source, "s", name),
                                SD_BUS_RESULT("u", transfer_id, "o", transfer_path), bus_method_import_oci,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ExportTar", SD_BUS_ARGS("s", name, "h", fd),
                                SD_BUS_RESULT("u", transfer_id, "o", transfer_path), bus_method_export_tar,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListTransfers", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(usssdo)", transfers),
                                bus_method_list_transfers, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CancelTransfer", SD_BUS_ARGS("u", transfer_id), SD_BUS_NO_RESULT,
                                bus_method_cancel_transfer, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("MachineNew", SD_BUS_ARGS("s", machine, "o", path), 0),
        SD_BUS_SIGNAL_WITH_ARGS("MachineRemoved", SD_BUS_ARGS("s", machine, "o", path), 0),
        SD_BUS_SIGNAL_WITH_ARGS("ImageNew", SD_BUS_ARGS("s", image, "o", path), 0),
        SD_BUS_SIGNAL_WITH_ARGS("ImageRemoved", SD_BUS_ARGS("s", image, "o", path), 0),
        SD_BUS_SIGNAL_WITH_ARGS("TransferNew", SD_BUS_ARGS("u", transfer_id, "o", transfer_path), 0),
        SD_BUS_SIGNAL_WITH_ARGS("TransferRemoved",
                                SD_BUS_ARGS("u", transfer_id, "o", transfer_path, "s", result, "s", message), 0),
        SD_BUS_VTABLE_END
};

static void on_machine_new(struct manager *m, struct machine *mach, void *userdata)
{
        _cleanup_free_ char *path = NULL;

        if (machine_bus_path(mach->name, &path) >= 0)
                (void) sd_bus_emit_signal(userdata, MANAGER_PATH, MANAGER_IFACE, "MachineNew", "so", mach->name,
                                          path);
}

static void on_machine_removed(struct manager *m, struct machine *mach, void *userdata)
{
        _cleanup_free_ char *path = NULL;

        if (machine_bus_path(mach->name, &path) >= 0)
                (void) sd_bus_emit_signal(userdata, MANAGER_PATH, MANAGER_IFACE, "MachineRemoved", "so",
                                          mach->name, path);
}

static void on_machine_changed(struct manager *m, struct machine *mach, void *userdata)
{
        machine_bus_state_changed(userdata, mach);
}

static const struct manager_events bus_events = {
        .machine_new = on_machine_new,
        .machine_removed = on_machine_removed,
        .machine_changed = on_machine_changed,
};

int manager_bus_setup(struct manager *m, sd_bus *bus)
{
        int r = sd_bus_add_object_vtable(bus, NULL, MANAGER_PATH, MANAGER_IFACE, manager_vtable, m);
        if (r < 0)
                return r;
        r = machine_bus_setup(bus, m);
        if (r >= 0)
                r = image_bus_setup(bus, m);
        if (r >= 0)
                r = transfer_bus_setup(bus, m);
        if (r < 0)
                return r;
        m->events = &bus_events;
        m->events_userdata = bus;
        return 0;
}
