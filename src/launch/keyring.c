/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The machine's session keyring. A session keyring is inherited across
 * fork and exec, and whoever holds it "possesses" every key in it: the
 * possessor's permissions count whatever the key's owner, user namespace
 * or not. Without a keyring of its own, the machine would reach every key
 * of the launcher's session (the login's, the service manager's). The
 * process and thread keyrings need nothing: fork does not pass the
 * process keyring on, exec drops the thread keyring.
 *
 * The user keyring (@u) and the user-session keyring (@us) are the
 * kernel's per UID and, since Linux 5.3, per user namespace too: in the
 * machine's own user namespace its root has its own. Without one
 * (--private-users=no) the machine's root is the host's root, and so are
 * its @u, @us and persistent keyrings, by reference (KEY_SPEC_USER_KEYRING
 * or a serial number) though not by a search from the session keyring. No
 * keyring call can change that; berth(1) says so. */
#include "keyring.h"

#include <errno.h>
#include <linux/keyctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int keyring_new_session(void)
{
        /* An anonymous one (no name): a named keyring would be joined if it
         * exists, and keyring names are shared by everything in a user
         * namespace (the host's, without one of the machine's own). */
        if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL, 0, 0, 0) < 0)
                return errno == ENOSYS ? 0 : -errno;
        return 0;
}
