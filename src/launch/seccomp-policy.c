/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The machine's default system-call filter: systemd-nspawn's allow-list
 * for an OS container (what systemd, a C library and the usual daemons
 * call), with the calls of a capability only where the machine keeps
 * it, and the changes issue 13 asked for. Everything the kernel has and
 * this list does not allow returns EPERM; a call newer than the filter
 * (unknown to the libseccomp berth was built with) returns ENOSYS, so
 * that C libraries fall back as they do on an older kernel.
 *
 * Refused, as nspawn, crun and Docker's default profile agree: kernel
 * modules, kexec, ioperm/iopl and PCI configuration, swap, the clock,
 * syslog(2), acct, bpf, perf_event_open, lookup_dcookie, fanotify,
 * open_by_handle_at (it reaches files by handle, past the machine's
 * root), quotactl, nfsservctl, vhangup, the CPU-emulation and obsolete
 * calls. Allowed where nspawn refuses, because real workloads need
 * them: the keyring calls (runc, podman, sshd's pam_keyinit; the
 * machine's keyrings are its own: its user namespace has its own user
 * keyrings and names, PID 1 a session keyring of its own) and mlock
 * (gpg, databases; RLIMIT_MEMLOCK bounds it). Landlock and seccomp
 * stay allowed, so that systemd's own SystemCallFilter= works inside. */
#include "seccomp-policy.h"

#include <linux/capability.h>
#include <stddef.h>
#include <string.h>

#include "cleanup.h"
#include "util.h"

#define CAP(c) (UINT64_C(1) << (c))
#define NO_CAP (-1)

static const struct {
        int cap;                /* NO_CAP: always */
        const char *name;
} defaults[] = {
        { NO_CAP, "@default" },
        { NO_CAP, "@aio" },
        { NO_CAP, "@basic-io" },
        { NO_CAP, "@chown" },
        { NO_CAP, "@file-system" },
        { NO_CAP, "@io-event" },
        { NO_CAP, "@ipc" },
        { NO_CAP, "@keyring" },
        { NO_CAP, "@memlock" },
        { NO_CAP, "@mount" },
        { NO_CAP, "@network-io" },
        { NO_CAP, "@process" },
        { NO_CAP, "@resources" },
        { NO_CAP, "@sandbox" },
        { NO_CAP, "@setuid" },
        { NO_CAP, "@signal" },
        { NO_CAP, "@sync" },
        { NO_CAP, "@timer" },
        { CAP_SYS_TIME, "@clock" },
        { CAP_SYS_MODULE, "@module" },
        { CAP_SYS_RAWIO, "@raw-io" },
        /* What nspawn adds outside the groups. */
        { NO_CAP, "arm_fadvise64_64" },
        { NO_CAP, "capget" },
        { NO_CAP, "capset" },
        { NO_CAP, "copy_file_range" },
        { NO_CAP, "fadvise64" },
        { NO_CAP, "fadvise64_64" },
        { NO_CAP, "flock" },
        { NO_CAP, "get_mempolicy" },
        { NO_CAP, "getcpu" },
        { NO_CAP, "getpriority" },
        { NO_CAP, "ioctl" },
        { NO_CAP, "ioprio_get" },
        { NO_CAP, "kcmp" },
        { NO_CAP, "madvise" },
        { NO_CAP, "mincore" },
        { NO_CAP, "mremap" },
        { NO_CAP, "name_to_handle_at" },
        { NO_CAP, "oldolduname" },
        { NO_CAP, "olduname" },
        { NO_CAP, "personality" },
        { NO_CAP, "readahead" },
        { NO_CAP, "readdir" },
        { NO_CAP, "remap_file_pages" },
        { NO_CAP, "sched_get_priority_max" },
        { NO_CAP, "sched_get_priority_min" },
        { NO_CAP, "sched_getattr" },
        { NO_CAP, "sched_getparam" },
        { NO_CAP, "sched_getscheduler" },
        { NO_CAP, "sched_rr_get_interval" },
        { NO_CAP, "sched_rr_get_interval_time64" },
        { NO_CAP, "sendfile" },
        { NO_CAP, "sendfile64" },
        { NO_CAP, "setdomainname" },
        { NO_CAP, "setfsgid" },
        { NO_CAP, "setfsgid32" },
        { NO_CAP, "setfsuid" },
        { NO_CAP, "setfsuid32" },
        { NO_CAP, "sethostname" },
        { NO_CAP, "setpgid" },
        { NO_CAP, "setsid" },
        { NO_CAP, "splice" },
        { NO_CAP, "sysinfo" },
        { NO_CAP, "tee" },
        { NO_CAP, "umask" },
        { NO_CAP, "uname" },
        { NO_CAP, "userfaultfd" },
        { NO_CAP, "vmsplice" },
        /* One call each, with the capability that makes it useful. */
        { CAP_SYS_PACCT, "acct" },
        { CAP_SYS_PTRACE, "ptrace" },
        { CAP_SYS_PTRACE, "pidfd_getfd" },
        { CAP_SYS_BOOT, "reboot" },
        { CAP_SYSLOG, "syslog" },
};

int seccomp_policy_defaults(uint64_t caps, int (*f)(const char *name, void *userdata), void *userdata)
{
        for (size_t i = 0; i < ELEMENTSOF(defaults); i++) {
                if (defaults[i].cap != NO_CAP && !(caps & CAP(defaults[i].cap)))
                        continue;
                int r = f(defaults[i].name, userdata);
                if (r != 0)
                        return r;
        }
        return 0;
}

uint64_t seccomp_policy_caps_mask(void)
{
        uint64_t m = 0;

        for (size_t i = 0; i < ELEMENTSOF(defaults); i++)
                if (defaults[i].cap != NO_CAP)
                        m |= CAP(defaults[i].cap);
        return m;
}

bool seccomp_policy_excluded(const char *name)
{
        /* io_uring: the biggest source of kernel privilege escalations
         * of late (Docker, containerd and Android refuse it too), and the
         * operations it submits never pass this filter. A machine that
         * needs it says --system-call-filter='io_uring_setup
         * io_uring_enter io_uring_register'. EPERM is what a host with
         * kernel.io_uring_disabled=2 answers, which its users handle. */
        return startswith(name, "io_uring_");
}

/* reboot(2) in a PID namespace ends its PID 1 (restart: SIGHUP,
 * power-off and halt: SIGINT) and reaches no further; every other
 * command (kexec, suspend, Ctrl-Alt-Del) is the host's business. */
static const uint32_t reboot_cmds[] = {
        0x01234567,     /* LINUX_REBOOT_CMD_RESTART */
        0xA1B2C3D4,     /* LINUX_REBOOT_CMD_RESTART2 */
        0x4321FEDC,     /* LINUX_REBOOT_CMD_POWER_OFF */
        0xCDEF0123,     /* LINUX_REBOOT_CMD_HALT */
};

/* The personalities a 32-bit userland and uname26 need (Docker's list),
 * and the query; not READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE and the like. */
static const uint32_t personalities[] = { 0x0, 0x0008, 0x20000, 0x20008, 0xffffffff };

/* UFFD_USER_MODE_ONLY: faults of user space only, what the kernel lets
 * an unprivileged caller have (vm.unprivileged_userfaultfd=0); a
 * kernel-mode fault handler is what exploits stretch races with. */
static const uint32_t uffd_user_mode_only[] = { 1 };

static const struct seccomp_arg_rule arg_rules[] = {
        { "reboot", 2, 0xffffffff, reboot_cmds, ELEMENTSOF(reboot_cmds), "the machine's own restart, power-off, halt" },
        { "personality", 0, 0xffffffff, personalities, ELEMENTSOF(personalities), "Linux, 32-bit Linux, uname26" },
        { "userfaultfd", 0, 1, uffd_user_mode_only, 1, "with UFFD_USER_MODE_ONLY" },
};

const struct seccomp_arg_rule *seccomp_policy_arg_rule(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(arg_rules); i++)
                if (streq(arg_rules[i].name, name))
                        return &arg_rules[i];
        return NULL;
}

bool seccomp_policy_nosys_without_userns(const char *name)
{
        /* Without a user namespace the machine's root holds CAP_SYS_ADMIN
         * over the host's mount namespace, and these take a mount or a
         * superblock from any file descriptor, one of the host's too
         * (open_tree clones it, move_mount attaches it, fspick
         * reconfigures it), where mount(2) works on the machine's own
         * mounts only. In a user namespace the kernel refuses that. */
        static const char *const calls[] = { "open_tree", "open_tree_attr", "move_mount", "fspick" };

        for (size_t i = 0; i < ELEMENTSOF(calls); i++)
                if (streq(calls[i], name))
                        return true;
        return false;
}
