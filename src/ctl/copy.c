/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* copy-to, copy-from: berthd's CopyToMachineWithFlags and
 * CopyFromMachineWithFlags; bind, unbind: BindMountMachine and
 * UnbindMountMachine; as machinectl's verbs. The machine's paths are
 * absolute; the host's may be relative to the working directory. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "log.h"
#include "util.h"
#include "verbs.h"

#define COPY_REPLACE 1ULL
#define COPY_MKDIR 2ULL

/* A host path made absolute against the working directory, not resolved
 * (a link at its end is copied as a link). */
static int host_path(const char *path, char *buf, size_t size)
{
        char cwd[PATH_MAX];

        if (path[0] == '/')
                return snprintf(buf, size, "%s", path) < (int) size ? 0 : -ENAMETOOLONG;
        if (!getcwd(cwd, sizeof(cwd)))
                return -errno;
        return snprintf(buf, size, "%s/%s", cwd, path) < (int) size ? 0 : -ENAMETOOLONG;
}

static int copy(struct ctl *c, char **args, unsigned n, bool in)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *name = args[0], *machine_path = in ? (n > 2 ? args[2] : args[1]) : args[1];
        char host[PATH_MAX];
        int r = host_path(in ? args[1] : (n > 2 ? args[2] : args[1]), host, sizeof(host));

        if (r < 0)
                return log_error_errno(r, "%s", in ? args[1] : args[n - 1]);
        if (in && n == 2)
                machine_path = host;    /* the same path inside */
        if (machine_path[0] != '/')
                return log_error_ret(-EINVAL, "%s: a path inside machine %s is absolute", machine_path, name);
        uint64_t flags = (c->force ? COPY_REPLACE : 0) | (c->mkdir ? COPY_MKDIR : 0);
        r = sd_bus_call_method(c->bus, BERTH_BUS, BERTH_PATH, BERTH_MANAGER,
                               in ? "CopyToMachineWithFlags" : "CopyFromMachineWithFlags", &e, NULL, "ssst", name,
                               in ? host : machine_path, in ? machine_path : host, flags);
        if (r < 0)
                return ctl_log_error(&e, r, "machine %s: copying %s %s", name, in ? host : machine_path,
                                     in ? "in" : "out");
        return 0;
}

int verb_copy_to(struct ctl *c, char **args, unsigned n)
{
        return copy(c, args, n, true);
}

int verb_copy_from(struct ctl *c, char **args, unsigned n)
{
        return copy(c, args, n, false);
}

int verb_bind(struct ctl *c, char **args, unsigned n)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        char host[PATH_MAX];
        int r = host_path(args[1], host, sizeof(host));

        if (r < 0)
                return log_error_errno(r, "%s", args[1]);
        const char *inside = n > 2 ? args[2] : host;
        if (inside[0] != '/')
                return log_error_ret(-EINVAL, "%s: a path inside machine %s is absolute", inside, args[0]);
        r = sd_bus_call_method(c->bus, BERTH_BUS, BERTH_PATH, BERTH_MANAGER, "BindMountMachine", &e, NULL, "sssbb",
                               args[0], host, inside, (int) c->read_only, (int) c->mkdir);
        if (r < 0)
                return ctl_log_error(&e, r, "machine %s: binding %s", args[0], host);
        return 0;
}

int verb_unbind(struct ctl *c, char **args, unsigned n)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        if (args[1][0] != '/')
                return log_error_ret(-EINVAL, "%s: a path inside machine %s is absolute", args[1], args[0]);
        r = sd_bus_call_method(c->bus, BERTH_BUS, BERTH_PATH, BERTH_MANAGER, "UnbindMountMachine", &e, NULL, "ss",
                               args[0], args[1]);
        if (r < 0)
                return ctl_log_error(&e, r, "machine %s: unbinding %s", args[0], args[1]);
        return 0;
}
