/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A bundle's spec as the launcher's settings: each field given to the
 * option that does the same thing, through that option's own parser, so
 * that berth-oci and berth check and apply a value alike (one mechanism,
 * two front ends). What the launcher has no option for yet is refused by
 * name rather than dropped. */
#include "bundle-settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "mount-opts.h"
#include "cleanup.h"
#include "options.h"
#include "settings.h"
#include "util.h"

static int set(struct settings *s, const char *option, const char *value, char *why, size_t why_size)
{
        const struct option_def *o = option_by_name(option);
        struct assignment a = { .opt = o, .as = o, .value = value, .source = SOURCE_COMMAND_LINE };
        int r;

        if (!o) {
                snprintf(why, why_size, "internal error: no option --%s", option);
                return -EINVAL;
        }
        a.opt = option_target(o);
        r = assignment_parse(s, &a);
        if (r < 0) {
                snprintf(why, why_size, "--%s=%s from the bundle's config.json was refused", option, value ?: "");
                return r;
        }
        return settings_note(s, &a);
}

/* The mounts stay the spec's, made in its order by the container's
 * process (oci-child.c): only their options are checked here. */
static int check_mounts(const struct oci_spec *spec, char *why, size_t why_size)
{
        for (size_t i = 0; i < spec->n_mounts; i++) {
                struct oci_mount_opts o;
                int r = oci_mount_opts_parse(&spec->mounts[i], &o, why, why_size);

                if (r < 0)
                        return r;
                oci_mount_opts_done(&o);
        }
        return 0;
}

/* The bounding set as berth's default set plus --capability, minus
 * --drop-capability. */
static int convert_caps(const struct oci_spec *spec, struct settings *s, char *why, size_t why_size)
{
        uint64_t want = spec->process.caps[OCI_CAP_BOUNDING], def = caps_default();

        if (!spec->process.caps_given[OCI_CAP_BOUNDING])
                return 0;
        for (int pass = 0; pass < 2; pass++) {
                uint64_t bits = pass == 0 ? want & ~def : def & ~want;
                _cleanup_free_ char *list = NULL;
                size_t size = 0;
                FILE *f = open_memstream(&list, &size);
                int r;

                if (!f)
                        return -ENOMEM;
                for (unsigned c = 0; c < 64; c++)
                        if (bits & (UINT64_C(1) << c))
                                fprintf(f, "%s%s", ftell(f) ? "," : "", capability_to_name(c));
                if (fclose(f) != 0)
                        return -ENOMEM;
                if (!*list)
                        continue;
                r = set(s, pass == 0 ? "capability" : "drop-capability", list, why, why_size);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* What the launcher cannot do yet: named, so that nothing is silently
 * left out of what a caller asked for. */
static int refuse_unimplemented(const struct oci_spec *spec, char *why, size_t why_size)
{
        const char *what = spec->ns[OCI_NS_MOUNT].path ? "a mount namespace path"
                         : NULL;

        if (!what)
                return 0;
        snprintf(why, why_size, "%s is not implemented by berth-oci yet", what);
        return -EOPNOTSUPP;
}

static int convert_users(const struct oci_spec *spec, struct settings *s, char *why, size_t why_size)
{
        char value[64];

        if (!spec->ns[OCI_NS_USER].wanted && (spec->n_uid_maps || spec->n_gid_maps)) {
                snprintf(why, why_size, "linux.uidMappings given, but linux.namespaces has no user namespace");
                return -EINVAL;
        }
        /* Joined by path: its maps are its own, none are written; for the
         * launcher's settings no range of berth's. */
        if (!spec->ns[OCI_NS_USER].wanted || spec->ns[OCI_NS_USER].path)
                return set(s, "private-users", "no", why, why_size);
        if (spec->n_uid_maps == 0) {
                snprintf(why, why_size, "a user namespace without linux.uidMappings: berth-oci picks no range "
                         "for it yet");
                return -EOPNOTSUPP;
        }
        if (spec->n_uid_maps == 0)
                return set(s, "private-users", "pick", why, why_size);
        /* berth maps one range onto 0..: the spec's form of it. */
        if (spec->n_uid_maps != 1 || spec->n_gid_maps != 1 || spec->uid_maps[0].container_id != 0 ||
            spec->gid_maps[0].container_id != 0 || spec->uid_maps[0].host_id != spec->gid_maps[0].host_id ||
            spec->uid_maps[0].size != spec->gid_maps[0].size) {
                snprintf(why, why_size, "linux.uidMappings/gidMappings: berth-oci maps one range, the same for "
                         "users and groups, onto container ID 0");
                return -EOPNOTSUPP;
        }
        snprintf(value, sizeof(value), "%u:%u", spec->uid_maps[0].host_id, spec->uid_maps[0].size);
        return set(s, "private-users", value, why, why_size);
}

int oci_to_settings(const struct oci_spec *spec, const char *name, struct settings *s, char *why, size_t why_size)
{
        char user[32];
        int r;

        why[0] = 0;
        /* runtime.md: a container without a process may be created (and
         * deleted); start refuses it. */
        r = refuse_unimplemented(spec, why, why_size);
        if (r >= 0)
                r = set(s, "name", name, why, why_size);
        if (r >= 0)
                r = set(s, "directory", spec->root_path, why, why_size);
        if (r >= 0 && spec->hostname && *spec->hostname)
                r = set(s, "hostname", spec->hostname, why, why_size);
        if (r >= 0 && spec->process.present)
                r = set(s, "chdir", spec->process.cwd, why, why_size);
        snprintf(user, sizeof(user), "%u:%u", spec->process.uid, spec->process.gid);
        if (r >= 0 && spec->process.present && (spec->process.uid || spec->process.gid))
                r = set(s, "user", user, why, why_size);
        for (char **e = spec->process.env; r >= 0 && e && *e; e++)
                r = set(s, "setenv", *e, why, why_size);
        if (r >= 0 && spec->process.no_new_privileges)
                r = set(s, "no-new-privileges", "yes", why, why_size);
        if (r >= 0)
                r = convert_users(spec, s, why, why_size);
        if (r >= 0 && spec->ns[OCI_NS_NETWORK].path)
                r = set(s, "network-namespace-path", spec->ns[OCI_NS_NETWORK].path, why, why_size);
        else if (r >= 0 && spec->ns[OCI_NS_NETWORK].wanted)
                r = set(s, "private-network", "yes", why, why_size);
        if (r >= 0)
                r = convert_caps(spec, s, why, why_size);
        if (r >= 0)
                r = check_mounts(spec, why, why_size);
        if (r < 0)
                return r;
        s->limits = spec->limits;
        if (!spec->process.present)
                return 0;
        strv_free(s->argv);
        s->argv = strv_copy(spec->process.args);
        return s->argv ? 0 : -ENOMEM;
}
