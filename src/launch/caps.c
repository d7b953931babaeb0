/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "caps.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "cleanup.h"
#include "util.h"

#define CAP(c) (UINT64_C(1) << (c))

uint64_t caps_machine_keep(void)
{
        /* What an OS container needs (as systemd-nspawn grants), plus
         * NET_ADMIN for its own network namespace. Not kept, among others:
         * SYS_MODULE, SYS_RAWIO, SYS_TIME, MAC_ADMIN, MAC_OVERRIDE, SYSLOG,
         * WAKE_ALARM, BLOCK_SUSPEND, SYS_PACCT, BPF, PERFMON, and the audit
         * ones (so journald-audit does not fail the boot). */
        return CAP(CAP_CHOWN) | CAP(CAP_DAC_OVERRIDE) | CAP(CAP_DAC_READ_SEARCH) | CAP(CAP_FOWNER) |
               CAP(CAP_FSETID) | CAP(CAP_IPC_OWNER) | CAP(CAP_KILL) | CAP(CAP_LEASE) |
               CAP(CAP_LINUX_IMMUTABLE) | CAP(CAP_MKNOD) | CAP(CAP_NET_ADMIN) | CAP(CAP_NET_BIND_SERVICE) |
               CAP(CAP_NET_BROADCAST) | CAP(CAP_NET_RAW) | CAP(CAP_SETFCAP) | CAP(CAP_SETGID) |
               CAP(CAP_SETPCAP) | CAP(CAP_SETUID) | CAP(CAP_SYS_ADMIN) | CAP(CAP_SYS_BOOT) |
               CAP(CAP_SYS_CHROOT) | CAP(CAP_SYS_NICE) | CAP(CAP_SYS_PTRACE) | CAP(CAP_SYS_RESOURCE) |
               CAP(CAP_SYS_TTY_CONFIG);
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

int caps_drop_bounding(uint64_t keep)
{
        unsigned last = cap_last();

        for (unsigned c = 0; c <= last; c++) {
                if (keep & CAP(c))
                        continue;
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
                        return -errno;
        }
        return 0;
}
