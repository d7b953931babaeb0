/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* enable, disable: berth@NAME.service into machines.target (or out of it)
 * through systemd's own calls, as machinectl enable does for
 * systemd-nspawn@NAME.service, so that the machine starts at boot; with
 * --now also started (berthd's StartMachine, which starts that unit) or
 * powered off. Only where systemd is the service manager. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bus.h"
#include "log.h"
#include "util.h"
#include "verbs.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define ETC_MACHINES_TARGET "/etc/systemd/system/machines.target"

/* systemd's own, which Debian ships in systemd-container: written where
 * the host has none, so that berth@.service's WantedBy= means something. */
static const char machines_target[] =
        "# Written by berthctl enable: this host had no machines.target\n"
        "# (Debian ships it in systemd-container).\n"
        "[Unit]\n"
        "Description=Containers\n"
        "Documentation=man:systemd.special(7)\n"
        "Before=multi-user.target\n"
        "\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n";

static bool no_systemd(const sd_bus_error *e)
{
        return sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
               sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER);
}

/* 1 when systemd knows machines.target, 0 when it has no such unit file. */
static int have_machines_target(struct ctl *c)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(c->bus, SD_DEST, SD_PATH, SD_MANAGER, "GetUnitFileState", &e, NULL, "s",
                                   "machines.target");

        if (r >= 0)
                return 1;
        if (no_systemd(&e))
                return log_error_ret(-EOPNOTSUPP, "enable needs systemd as the service manager (it puts "
                                     "berth@NAME.service into machines.target): there is none on this bus");
        if (sd_bus_error_get_errno(&e) == ENOENT || sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit"))
                return 0;
        return ctl_log_error(&e, r, "asking systemd for machines.target");
}

static int write_machines_target(struct ctl *c)
{
        if (c->remote)
                return log_error_ret(-EOPNOTSUPP, "the host has no machines.target (systemd-container has it): "
                                     "install that there, berthctl writes none over -H");
        _cleanup_close_ int fd = open(ETC_MACHINES_TARGET, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
                return log_error_errno(-errno, "writing %s", ETC_MACHINES_TARGET);
        if (write(fd, machines_target, sizeof(machines_target) - 1) != (ssize_t) sizeof(machines_target) - 1)
                return log_error_errno(-errno, "writing %s", ETC_MACHINES_TARGET);
        if (!c->quiet)
                fprintf(stderr, "Wrote %s: this host had none.\n", ETC_MACHINES_TARGET);
        return 0;
}

/* The symlinks systemd made or removed, as systemctl prints them. */
static int print_changes(struct ctl *c, sd_bus_message *reply)
{
        const char *type, *path, *source;
        int r = sd_bus_message_enter_container(reply, 'a', "(sss)");

        while (r >= 0 && (r = sd_bus_message_read(reply, "(sss)", &type, &path, &source)) > 0)
                if (!c->quiet && streq(type, "symlink"))
                        fprintf(stderr, "Created symlink %s → %s.\n", path, source);
                else if (!c->quiet && streq(type, "unlink"))
                        fprintf(stderr, "Removed \"%s\".\n", path);
        return r < 0 ? r : sd_bus_message_exit_container(reply);
}

static int unit_files(struct ctl *c, bool enable, char **units)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        int r = sd_bus_message_new_method_call(c->bus, &m, SD_DEST, SD_PATH, SD_MANAGER,
                                               enable ? "EnableUnitFiles" : "DisableUnitFiles");

        if (r >= 0)
                r = sd_bus_message_append_strv(m, units);
        if (r >= 0)
                r = enable ? sd_bus_message_append(m, "bb", 0, 1) : sd_bus_message_append(m, "b", 0);
        if (r < 0)
                return log_error_errno(r, "building the call");
        r = sd_bus_call(c->bus, m, 0, &e, &reply);
        if (r < 0 && no_systemd(&e))
                return log_error_ret(-EOPNOTSUPP, "%s needs systemd as the service manager (it puts "
                                     "berth@NAME.service into machines.target): there is none on this bus",
                                     enable ? "enable" : "disable");
        if (r < 0)
                return ctl_log_error(&e, r, "%s %s", enable ? "enabling" : "disabling", units[0]);
        if (enable && (r = sd_bus_message_skip(reply, "b")) < 0)
                return log_error_errno(r, "reading systemd's answer");
        r = print_changes(c, reply);
        if (r < 0)
                return log_error_errno(r, "reading systemd's answer");
        r = sd_bus_call_method(c->bus, SD_DEST, SD_PATH, SD_MANAGER, "Reload", &e, NULL, NULL);
        return r < 0 ? ctl_log_error(&e, r, "reloading systemd") : 0;
}

static int enable_disable(struct ctl *c, char **names, unsigned n, bool enable)
{
        char units[64][80];
        char *list[66];
        size_t k = 0;
        int r;

        if (n > 64)
                return log_error_ret(-E2BIG, "at most 64 machines at once");
        for (unsigned i = 0; i < n; i++) {
                snprintf(units[i], sizeof(units[i]), "berth@%s.service", names[i]);
                list[k++] = units[i];
        }
        /* machines.target itself, as machinectl enable does: it may have
         * been disabled, and the machines want it. */
        if (enable) {
                r = have_machines_target(c);
                if (r == 0 && (r = write_machines_target(c)) >= 0)
                        r = sd_bus_call_method(c->bus, SD_DEST, SD_PATH, SD_MANAGER, "Reload", NULL, NULL, NULL);
                if (r < 0)
                        return r;
                list[k++] = "machines.target";
        }
        list[k] = NULL;
        r = unit_files(c, enable, list);
        if (r < 0 || !c->now)
                return r;
        return enable ? verb_start(c, names, n) : verb_poweroff(c, names, n);
}

int verb_enable(struct ctl *c, char **names, unsigned n)
{
        return enable_disable(c, names, n, true);
}

int verb_disable(struct ctl *c, char **names, unsigned n)
{
        return enable_disable(c, names, n, false);
}
