/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "oci-identity.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CAP(c) (UINT64_C(1) << (c))

static int capset_sets(uint64_t effective, uint64_t permitted, uint64_t inheritable)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {
                { (uint32_t) effective, (uint32_t) permitted, (uint32_t) inheritable },
                { (uint32_t) (effective >> 32), (uint32_t) (permitted >> 32), (uint32_t) (inheritable >> 32) },
        };

        return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

/* The permitted set now: what the sets may hold (a set of berth's, with
 * bits for capabilities this kernel lacks, is cut down to it). */
static uint64_t permitted_now(void)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {};

        if (syscall(SYS_capget, &h, d) < 0)
                return 0;
        return d[0].permitted | ((uint64_t) d[1].permitted << 32);
}

static int fail(char *what, size_t size, const char *step, int r)
{
        snprintf(what, size, "%s", step);
        return r;
}

int oci_identity_apply(const struct oci_process *p, uint64_t bounding, char *what, size_t what_size)
{
        bool any = false;
        uint64_t sets[_OCI_CAP_SET_MAX];

        for (int i = 0; i < _OCI_CAP_SET_MAX; i++)
                any = any || p->caps_given[i];
        uint64_t known = permitted_now();
        for (int i = 0; i < _OCI_CAP_SET_MAX; i++)
                sets[i] = known & (p->caps_given[i] ? p->caps[i] : (!any && i != OCI_CAP_AMBIENT) ? bounding : 0);
        /* The bounding set is the launcher's (caps_machine_keep): the spec's
         * bounding set, through --capability and --drop-capability. */
        for (unsigned c = 0; c < 64; c++)
                if (!(bounding & CAP(c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
                        return fail(what, what_size, "dropping from the bounding set", -errno);
        /* Keep the permitted set across the change of user IDs. */
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return fail(what, what_size, "keeping capabilities across setuid", -errno);
        if (setgroups(p->n_additional_gids, (const gid_t *) p->additional_gids) < 0)
                return fail(what, what_size, "setting process.user.additionalGids", -errno);
        if (setresgid(p->gid, p->gid, p->gid) < 0)
                return fail(what, what_size, "setting process.user.gid", -errno);
        if (setresuid(p->uid, p->uid, p->uid) < 0)
                return fail(what, what_size, "setting process.user.uid", -errno);
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return fail(what, what_size, "keeping capabilities across setuid", -errno);
        int r = capset_sets(sets[OCI_CAP_EFFECTIVE], sets[OCI_CAP_PERMITTED], sets[OCI_CAP_INHERITABLE]);
        if (r < 0)
                return fail(what, what_size, "setting process.capabilities (effective, permitted, inheritable)", r);
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return fail(what, what_size, "clearing the ambient set", -errno);
        for (unsigned c = 0; c < 64; c++)
                if ((sets[OCI_CAP_AMBIENT] & CAP(c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
                        return fail(what, what_size, "raising process.capabilities.ambient", -errno);
        return 0;
}
