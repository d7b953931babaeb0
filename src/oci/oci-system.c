/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* System-container mode: what an operating system's init needs that an
 * OCI spec does not say, added to the spec before it becomes the
 * launcher's settings — as berth gives it to every machine it boots. A
 * user namespace of its own with a private range of 65536 IDs (when the
 * spec has none), the root idmapped into it (nothing chowned), a cgroup
 * namespace with a writable cgroup2 /sys/fs/cgroup (its payload/ the
 * container root's), /run and /tmp as tmpfs, container= in the
 * environment, and the stop signal its init wants for kill SIGTERM. */
#include "oci-system.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

#define ANNOTATION "org.berth.system-container"

static const char *const init_programs[] = {
        "/sbin/init", "/usr/sbin/init", "/lib/systemd/systemd", "/usr/lib/systemd/systemd",
};

bool oci_system_container(const struct oci_spec *spec)
{
        const char *a = oci_spec_annotation(spec, ANNOTATION);

        if (a)
                return streq(a, "true") || streq(a, "1") || streq(a, "yes");
        if (!spec->process.args || !spec->process.args[0])
                return false;
        for (size_t i = 0; i < ELEMENTSOF(init_programs); i++)
                if (streq(spec->process.args[0], init_programs[i]))
                        return true;
        const char *base = strrchr(spec->process.args[0], '/');
        return streq(base ? base + 1 : spec->process.args[0], "systemd");
}

/* Whether args[0], followed inside the root (a link such as /sbin/init
 * -> /lib/systemd/systemd), is systemd. */
static bool runs_systemd(const struct oci_spec *spec)
{
        char prog[PATH_MAX], path[PATH_MAX], target[PATH_MAX];

        snprintf(prog, sizeof(prog), "%s", spec->process.args[0]);
        for (int depth = 0; depth < 8; depth++) {
                const char *base = strrchr(prog, '/');
                if (streq(base ? base + 1 : prog, "systemd"))
                        return true;
                snprintf(path, sizeof(path), "%s%s%s", spec->root_path, prog[0] == '/' ? "" : "/", prog);
                ssize_t n = readlink(path, target, sizeof(target) - 1);
                if (n <= 0)
                        return false;
                target[n] = 0;
                /* A relative link is relative to its directory inside the root. */
                if (target[0] != '/' && base)
                        snprintf(path, sizeof(path), "%.*s/%s", (int) (base - prog), prog, target);
                else
                        snprintf(path, sizeof(path), "%s", target);
                snprintf(prog, sizeof(prog), "%s", path);
        }
        return false;
}

static bool has_mount(const struct oci_spec *spec, const char *dest)
{
        for (size_t i = 0; i < spec->n_mounts; i++)
                if (streq(spec->mounts[i].destination, dest))
                        return true;
        return false;
}

static int add_mount(struct oci_spec *spec, const char *dest, const char *type, const char *const *options)
{
        struct oci_mount *m = realloc(spec->mounts, (spec->n_mounts + 1) * sizeof(*m));

        if (!m)
                return -ENOMEM;
        spec->mounts = m;
        m = &spec->mounts[spec->n_mounts];
        *m = (struct oci_mount) { .destination = strdup(dest), .type = strdup(type), .source = strdup(type),
                                  .options = strv_copy((char *const *) options) };
        if (!m->destination || !m->type || !m->source || !m->options)
                return -ENOMEM;
        spec->n_mounts++;
        return 0;
}

/* The cgroup mount writable: the container's root manages its subtree. */
static void cgroup_rw(struct oci_spec *spec)
{
        for (size_t i = 0; i < spec->n_mounts; i++) {
                struct oci_mount *m = &spec->mounts[i];
                if (!m->type || (!streq(m->type, "cgroup") && !streq(m->type, "cgroup2")))
                        continue;
                for (char **o = m->options; o && *o; o++)
                        if (streq(*o, "ro")) {
                                free(*o);
                                *o = strdup("rw");
                        }
        }
}

static bool has_env(const struct oci_spec *spec, const char *name)
{
        size_t len = strlen(name);

        for (char **e = spec->process.env; e && *e; e++)
                if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
                        return true;
        return false;
}

int oci_system_adjust(struct oci_spec *spec, struct oci_system *ret)
{
        static const char *const run_opts[] = { "nosuid", "nodev", "mode=755", NULL };
        static const char *const tmp_opts[] = { "nosuid", "nodev", "mode=1777", NULL };
        static const char *const cg_opts[] = { "nosuid", "nodev", "noexec", "rw", NULL };
        int r = 0;

        *ret = (struct oci_system) {};
        ret->own_userns = !spec->ns[OCI_NS_USER].wanted;
        if (ret->own_userns)
                spec->ns[OCI_NS_USER].wanted = true;
        spec->ns[OCI_NS_CGROUP].wanted = true;
        cgroup_rw(spec);
        if (!has_mount(spec, "/sys/fs/cgroup"))
                r = add_mount(spec, "/sys/fs/cgroup", "cgroup", cg_opts);
        if (r >= 0 && !has_mount(spec, "/run"))
                r = add_mount(spec, "/run", "tmpfs", run_opts);
        if (r >= 0 && !has_mount(spec, "/tmp"))
                r = add_mount(spec, "/tmp", "tmpfs", tmp_opts);
        if (r >= 0 && !has_env(spec, "container"))
                r = strv_push(&spec->process.env, "container=berth-oci");
        if (r < 0)
                return r;
        ret->term_signal = runs_systemd(spec) ? SIGRTMIN + 3 : 0;
        return 0;
}

int oci_system_set_range(struct oci_spec *spec, uid_t base, uint32_t size)
{
        free(spec->uid_maps);
        free(spec->gid_maps);
        spec->uid_maps = malloc(sizeof(struct oci_id_map));
        spec->gid_maps = malloc(sizeof(struct oci_id_map));
        if (!spec->uid_maps || !spec->gid_maps)
                return -ENOMEM;
        spec->uid_maps[0] = spec->gid_maps[0] = (struct oci_id_map) { 0, base, size };
        spec->n_uid_maps = spec->n_gid_maps = 1;
        return 0;
}
