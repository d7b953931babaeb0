/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A machine's session keyring and capabilities.
 *
 * A session keyring is inherited across fork and exec, and whoever holds
 * it "possesses" every key in it: the possessor's permissions count
 * whatever the key's owner, user namespace or not. Without a keyring of
 * its own, the machine would reach every key of the launcher's session
 * (the login's, the service manager's), and a process let in later every
 * key of its caller's (berthd's). The process and thread keyrings need
 * nothing: fork does not pass the process keyring on, exec drops the
 * thread keyring.
 *
 * The user keyring (@u) and the user-session keyring (@us) are the
 * kernel's per UID and, since Linux 5.3, per user namespace too: in the
 * machine's own user namespace its root has its own. Without one
 * (--private-users=no) the machine's root is the host's root, and so are
 * its @u, @us and persistent keyrings, by reference (KEY_SPEC_USER_KEYRING
 * or a serial number) though not by a search from the session keyring. No
 * keyring call can change that; berth(1) says so. */
#include "privs.h"

#include <errno.h>
#include <sys/fsuid.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

#define CAP(c) (UINT64_C(1) << (c))

int privs_new_session_keyring(void)
{
        /* An anonymous one (no name): a named keyring would be joined if it
         * exists, and keyring names are shared by everything in a user
         * namespace (the host's, without one of the machine's own). */
        if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL, 0, 0, 0) < 0)
                return errno == ENOSYS ? 0 : -errno;
        return 0;
}

static unsigned cap_last(void)
{
        _cleanup_free_ char *s = NULL;
        unsigned v;

        if (read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", &s, 16) < 0)
                return CAP_LAST_CAP;
        s[strcspn(s, "\n")] = 0;
        if (parse_uint(s, &v) < 0 || v > 63)
                return CAP_LAST_CAP;
        return v;
}

/* A dropped capability must not come back at exec either: root's new
 * permitted set is (inheritable & the file's inheritable) | bounding, and
 * a root file's inheritable set is full. Without a user namespace the
 * inheritable set is the caller's own, whatever its caller gave it; a new
 * user namespace starts with an empty one. */
static int drop_inheritable(uint64_t keep)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};

        if (syscall(SYS_capget, &h, d) < 0)
                return -errno;
        d[0].inheritable &= (uint32_t) keep;
        d[1].inheritable &= (uint32_t) (keep >> 32);
        if (syscall(SYS_capset, &h, d) < 0)
                return -errno;
        return 0;
}

int privs_drop_caps(uint64_t keep)
{
        unsigned last = cap_last();
        int r;

        for (unsigned c = 0; c <= last; c++) {
                if (keep & CAP(c))
                        continue;
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
                        return -errno;
        }
        r = drop_inheritable(keep);
        if (r < 0)
                return r;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return -errno;
        return 0;
}

int privs_fs_ids(uid_t uid, gid_t gid)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};

        /* setfs*id() cannot fail in a way it reports: check by asking. */
        (void) setfsgid(gid);
        (void) setfsuid(uid);
        if ((uid_t) setfsuid((uid_t) -1) != uid || (gid_t) setfsgid((gid_t) -1) != gid)
                return -EPERM;
        /* Leaving fsuid 0 took the file capabilities out of the effective
         * set; they are still permitted. */
        if (syscall(SYS_capget, &h, d) < 0)
                return -errno;
        d[0].effective = d[0].permitted;
        d[1].effective = d[1].permitted;
        return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}
