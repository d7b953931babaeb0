/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The groups of system calls, with systemd's names and meanings
 * (systemd.exec(5), SystemCallFilter=), so that what a user knows from
 * a unit file or systemd-nspawn holds here. */
#include "syscall-groups.h"

#include <errno.h>
#include <string.h>

#include "cleanup.h"
#include "util.h"

#define LIST(...) ((const char *const[]) { __VA_ARGS__, NULL })

const struct syscall_group syscall_groups[] = {
        { "@default", "What every process needs (always allowed by systemd)",
          LIST("@sandbox", "arch_prctl", "brk", "cacheflush", "clock_getres", "clock_getres_time64",
               "clock_gettime", "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "execve", "exit",
               "exit_group", "futex", "futex_time64", "futex_waitv", "get_robust_list", "get_thread_area",
               "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32",
               "getpgid", "getpgrp", "getpid", "getppid", "getrandom", "getresgid", "getresgid32", "getresuid",
               "getresuid32", "getrlimit", "getsid", "gettid", "gettimeofday", "getuid", "getuid32",
               "lsm_get_self_attr", "lsm_list_modules", "membarrier", "mmap", "mmap2", "mprotect", "mseal",
               "munmap", "nanosleep", "pause", "prlimit64", "restart_syscall", "riscv_flush_icache",
               "riscv_hwprobe", "rseq", "rt_sigreturn", "sched_getaffinity", "sched_yield", "set_robust_list",
               "set_thread_area", "set_tid_address", "set_tls", "sigreturn", "time", "ugetrlimit",
               "uretprobe") },
        { "@aio", "Asynchronous I/O, io_uring included",
          LIST("io_cancel", "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64", "io_setup",
               "io_submit", "io_uring_enter", "io_uring_register", "io_uring_setup") },
        { "@basic-io", "Reading, writing, seeking, duplicating and closing file descriptors",
          LIST("_llseek", "close", "close_range", "dup", "dup2", "dup3", "llseek", "lseek", "pread64", "preadv",
               "preadv2", "pwrite64", "pwritev", "pwritev2", "read", "readv", "write", "writev") },
        { "@chown", "Changing the owner of files",
          LIST("chown", "chown32", "fchown", "fchown32", "fchownat", "lchown", "lchown32") },
        { "@clock", "Setting the system clock",
          LIST("adjtimex", "clock_adjtime", "clock_adjtime64", "clock_settime", "clock_settime64",
               "settimeofday") },
        { "@cpu-emulation", "CPU emulation (vm86, LDT changes)",
          LIST("modify_ldt", "subpage_prot", "switch_endian", "vm86", "vm86old") },
        { "@debug", "Debugging, performance monitoring and tracing",
          LIST("lookup_dcookie", "perf_event_open", "pidfd_getfd", "ptrace", "rtas", "s390_runtime_instr",
               "sys_debug_setcontext") },
        { "@file-system", "File system operations",
          LIST("access", "chdir", "chmod", "close", "creat", "faccessat", "faccessat2", "fallocate", "fchdir",
               "fchmod", "fchmodat", "fchmodat2", "fcntl", "fcntl64", "fgetxattr", "file_getattr",
               "file_setattr", "flistxattr", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat",
               "fstatat64", "fstatfs", "fstatfs64", "ftruncate", "ftruncate64", "futimesat", "getcwd",
               "getdents", "getdents64", "getxattr", "getxattrat", "inotify_add_watch", "inotify_init",
               "inotify_init1", "inotify_rm_watch", "lgetxattr", "link", "linkat", "listmount", "listxattr",
               "listxattrat", "llistxattr", "lremovexattr", "lsetxattr", "lstat", "lstat64", "mkdir", "mkdirat",
               "mknod", "mknodat", "newfstat", "newfstatat", "oldfstat", "oldlstat", "oldstat", "open",
               "open_tree", "openat", "openat2", "readlink", "readlinkat", "removexattr", "removexattrat",
               "rename", "renameat", "renameat2", "rmdir", "setxattr", "setxattrat", "stat", "stat64", "statfs",
               "statfs64", "statmount", "statx", "symlink", "symlinkat", "truncate", "truncate64", "unlink",
               "unlinkat", "utime", "utimensat", "utimensat_time64", "utimes") },
        { "@io-event", "Event loops: poll, select, epoll, eventfd",
          LIST("_newselect", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
               "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "poll", "ppoll",
               "ppoll_time64", "pselect6", "pselect6_time64", "select") },
        { "@ipc", "SysV IPC, POSIX message queues, pipes, memfds",
          LIST("ipc", "memfd_create", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
               "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "msgctl", "msgget",
               "msgrcv", "msgsnd", "pipe", "pipe2", "process_madvise", "process_vm_readv", "process_vm_writev",
               "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "shmat", "shmctl", "shmdt",
               "shmget") },
        { "@keyring", "The kernel's keyrings", LIST("add_key", "keyctl", "request_key") },
        { "@memlock", "Locking memory", LIST("mlock", "mlock2", "mlockall", "munlock", "munlockall") },
        { "@module", "Loading and unloading kernel modules", LIST("delete_module", "finit_module", "init_module") },
        { "@mount", "Mounting and unmounting file systems, the mount API included",
          LIST("chroot", "fsconfig", "fsmount", "fsopen", "fspick", "mount", "mount_setattr", "move_mount",
               "open_tree_attr", "pivot_root", "umount", "umount2") },
        { "@network-io", "Sockets",
          LIST("accept", "accept4", "bind", "connect", "getpeername", "getsockname", "getsockopt", "listen",
               "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "send", "sendmmsg", "sendmsg",
               "sendto", "setsockopt", "shutdown", "socket", "socketcall", "socketpair") },
        { "@obsolete", "Unusual, obsolete or unimplemented calls",
          LIST("_sysctl", "afs_syscall", "bdflush", "break", "create_module", "ftime", "get_kernel_syms",
               "getpmsg", "gtty", "idle", "lock", "mpx", "prof", "profil", "putpmsg", "query_module", "security",
               "sgetmask", "ssetmask", "stime", "stty", "sysfs", "tuxcall", "ulimit", "uselib", "ustat",
               "vserver") },
        { "@pkey", "Memory protection keys", LIST("pkey_alloc", "pkey_free", "pkey_mprotect") },
        { "@privileged", "Calls that need a capability",
          LIST("@chown", "@clock", "@module", "@raw-io", "@reboot", "@swap", "_sysctl", "acct", "bpf", "capset",
               "chroot", "fanotify_init", "fanotify_mark", "nfsservctl", "open_by_handle_at", "pivot_root",
               "quotactl", "quotactl_fd", "setdomainname", "setfsuid", "setfsuid32", "setgroups", "setgroups32",
               "sethostname", "setresuid", "setresuid32", "setreuid", "setreuid32", "setuid", "setuid32",
               "vhangup") },
        { "@process", "Processes: creating, executing, signalling, waiting, namespaces",
          LIST("capget", "clone", "clone3", "execveat", "fork", "getrusage", "kill", "pidfd_open",
               "pidfd_send_signal", "prctl", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "setns", "swapcontext",
               "tgkill", "times", "tkill", "unshare", "vfork", "wait4", "waitid", "waitpid") },
        { "@raw-io", "Raw I/O ports and PCI configuration space",
          LIST("ioperm", "iopl", "pciconfig_iobase", "pciconfig_read", "pciconfig_write", "s390_pci_mmio_read",
               "s390_pci_mmio_write") },
        { "@reboot", "Rebooting and kexec", LIST("kexec_file_load", "kexec_load", "reboot") },
        { "@resources", "Scheduling, priorities, memory policy, resource limits",
          LIST("ioprio_set", "mbind", "migrate_pages", "move_pages", "nice", "sched_setaffinity",
               "sched_setattr", "sched_setparam", "sched_setscheduler", "set_mempolicy",
               "set_mempolicy_home_node", "setpriority", "setrlimit") },
        { "@sandbox", "Sandboxing oneself: Landlock and seccomp",
          LIST("landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "seccomp") },
        { "@setuid", "Changing user and group IDs",
          LIST("setgid", "setgid32", "setgroups", "setgroups32", "setregid", "setregid32", "setresgid",
               "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32", "setuid", "setuid32") },
        { "@signal", "Signal handling",
          LIST("rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigsuspend", "rt_sigtimedwait",
               "rt_sigtimedwait_time64", "sigaction", "sigaltstack", "signal", "signalfd", "signalfd4",
               "sigpending", "sigprocmask", "sigsuspend") },
        { "@swap", "Turning swap on and off", LIST("swapoff", "swapon") },
        { "@sync", "Flushing files and memory to storage",
          LIST("fdatasync", "fsync", "msync", "sync", "sync_file_range", "sync_file_range2", "syncfs") },
        { "@timer", "Timers and alarms",
          LIST("alarm", "getitimer", "setitimer", "timer_create", "timer_delete", "timer_getoverrun",
               "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create",
               "timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times") },
};

const size_t syscall_groups_size = ELEMENTSOF(syscall_groups);

const struct syscall_group *syscall_group_find(const char *name)
{
        for (size_t i = 0; name && i < syscall_groups_size; i++)
                if (streq(syscall_groups[i].name, name))
                        return &syscall_groups[i];
        return NULL;
}

int syscall_group_expand(const char *name, int (*f)(const char *syscall, void *userdata), void *userdata)
{
        const struct syscall_group *g;

        if (name[0] != '@')
                return f(name, userdata);
        g = syscall_group_find(name);
        if (!g)
                return -ENOENT;
        for (const char *const *m = g->members; *m; m++) {
                int r = syscall_group_expand(*m, f, userdata);
                if (r != 0)
                        return r;
        }
        return 0;
}
