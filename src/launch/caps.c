/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "caps.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "settings.h"
#include "util.h"

#define CAP(c) (UINT64_C(1) << (c))

/* The kernel's names (include/uapi/linux/capability.h), by number. */
static const char *const cap_names[] = {
        [CAP_CHOWN] = "CAP_CHOWN",
        [CAP_DAC_OVERRIDE] = "CAP_DAC_OVERRIDE",
        [CAP_DAC_READ_SEARCH] = "CAP_DAC_READ_SEARCH",
        [CAP_FOWNER] = "CAP_FOWNER",
        [CAP_FSETID] = "CAP_FSETID",
        [CAP_KILL] = "CAP_KILL",
        [CAP_SETGID] = "CAP_SETGID",
        [CAP_SETUID] = "CAP_SETUID",
        [CAP_SETPCAP] = "CAP_SETPCAP",
        [CAP_LINUX_IMMUTABLE] = "CAP_LINUX_IMMUTABLE",
        [CAP_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE",
        [CAP_NET_BROADCAST] = "CAP_NET_BROADCAST",
        [CAP_NET_ADMIN] = "CAP_NET_ADMIN",
        [CAP_NET_RAW] = "CAP_NET_RAW",
        [CAP_IPC_LOCK] = "CAP_IPC_LOCK",
        [CAP_IPC_OWNER] = "CAP_IPC_OWNER",
        [CAP_SYS_MODULE] = "CAP_SYS_MODULE",
        [CAP_SYS_RAWIO] = "CAP_SYS_RAWIO",
        [CAP_SYS_CHROOT] = "CAP_SYS_CHROOT",
        [CAP_SYS_PTRACE] = "CAP_SYS_PTRACE",
        [CAP_SYS_PACCT] = "CAP_SYS_PACCT",
        [CAP_SYS_ADMIN] = "CAP_SYS_ADMIN",
        [CAP_SYS_BOOT] = "CAP_SYS_BOOT",
        [CAP_SYS_NICE] = "CAP_SYS_NICE",
        [CAP_SYS_RESOURCE] = "CAP_SYS_RESOURCE",
        [CAP_SYS_TIME] = "CAP_SYS_TIME",
        [CAP_SYS_TTY_CONFIG] = "CAP_SYS_TTY_CONFIG",
        [CAP_MKNOD] = "CAP_MKNOD",
        [CAP_LEASE] = "CAP_LEASE",
        [CAP_AUDIT_WRITE] = "CAP_AUDIT_WRITE",
        [CAP_AUDIT_CONTROL] = "CAP_AUDIT_CONTROL",
        [CAP_SETFCAP] = "CAP_SETFCAP",
        [CAP_MAC_OVERRIDE] = "CAP_MAC_OVERRIDE",
        [CAP_MAC_ADMIN] = "CAP_MAC_ADMIN",
        [CAP_SYSLOG] = "CAP_SYSLOG",
        [CAP_WAKE_ALARM] = "CAP_WAKE_ALARM",
        [CAP_BLOCK_SUSPEND] = "CAP_BLOCK_SUSPEND",
        [CAP_AUDIT_READ] = "CAP_AUDIT_READ",
        [38] = "CAP_PERFMON",
        [39] = "CAP_BPF",
        [40] = "CAP_CHECKPOINT_RESTORE",
};

unsigned capability_count(void)
{
        return ELEMENTSOF(cap_names);
}

const char *capability_to_name(unsigned cap)
{
        return cap < ELEMENTSOF(cap_names) ? cap_names[cap] : NULL;
}

int capability_from_name(const char *name)
{
        const char *bare = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;

        for (unsigned c = 0; c < ELEMENTSOF(cap_names); c++)
                if (strcasecmp(bare, cap_names[c] + 4) == 0)
                        return (int) c;
        return -EINVAL;
}

/* What an OS container needs (as systemd-nspawn grants), plus NET_ADMIN
 * for its own network namespace. Not kept, among others: SYS_MODULE,
 * SYS_RAWIO, SYS_TIME, MAC_ADMIN, MAC_OVERRIDE, SYSLOG, WAKE_ALARM,
 * BLOCK_SUSPEND, SYS_PACCT, BPF, PERFMON, and the audit ones (so
 * journald-audit does not fail the boot). */
uint64_t caps_default(void)
{
        return CAP(CAP_CHOWN) | CAP(CAP_DAC_OVERRIDE) | CAP(CAP_DAC_READ_SEARCH) | CAP(CAP_FOWNER) |
               CAP(CAP_FSETID) | CAP(CAP_IPC_OWNER) | CAP(CAP_KILL) | CAP(CAP_LEASE) |
               CAP(CAP_LINUX_IMMUTABLE) | CAP(CAP_MKNOD) | CAP(CAP_NET_ADMIN) | CAP(CAP_NET_BIND_SERVICE) |
               CAP(CAP_NET_BROADCAST) | CAP(CAP_NET_RAW) | CAP(CAP_SETFCAP) | CAP(CAP_SETGID) |
               CAP(CAP_SETPCAP) | CAP(CAP_SETUID) | CAP(CAP_SYS_ADMIN) | CAP(CAP_SYS_BOOT) |
               CAP(CAP_SYS_CHROOT) | CAP(CAP_SYS_NICE) | CAP(CAP_SYS_PTRACE) | CAP(CAP_SYS_RESOURCE) |
               CAP(CAP_SYS_TTY_CONFIG);
}

uint64_t caps_machine_keep(const struct settings *s)
{
        return (caps_default() | s->caps_add) & ~s->caps_drop;
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
 * inheritable set is berth's own, whatever its caller gave it; a new user
 * namespace starts with an empty one. */
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

int caps_drop(uint64_t keep)
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
