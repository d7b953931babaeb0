/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysprobe CALL...: makes each system call named (with harmless
 * arguments) and prints "CALL=ok" or "CALL=ERRNONAME", one line each.
 * Static, so that test-seccomp.c can bind it into any tree and see
 * what a machine's system-call filter answers. Some of these change the
 * system where nothing refuses them (mount, reboot, the clock): it runs
 * only inside a machine ($container set, as berth sets it for PID 1). */
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/landlock.h>
#include <linux/openat2.h>
#include <linux/reboot.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#define X32 0x40000000L

#if defined(__x86_64__)
/* A call of the i386 ABI, from 64-bit code; in a child, since a kernel
 * without IA-32 emulation answers int $0x80 with SIGSEGV. */
static long i386_call(long nr, long a, long b)
{
        long ret = nr;

        __asm__ volatile("int $0x80" : "+a"(ret) : "b"(a), "c"(b) : "memory");
        return ret;
}
#endif

static long clone3_child(void)
{
        struct clone_args args = { .exit_signal = SIGCHLD };
        long pid = syscall(SYS_clone3, &args, sizeof(args));

        if (pid == 0)
                _exit(0);
        if (pid > 0)
                (void) waitpid((pid_t) pid, NULL, 0);
        return pid;
}

/* >= 0: the call's result; -errno. */
static long call(const char *name)
{
        struct open_how how = { .flags = O_RDONLY | O_DIRECTORY };
        struct timespec ts;
        uint32_t allow = SECCOMP_RET_ALLOW;
        long r;

#define IS(n) (strcmp(name, n) == 0)
        if (IS("kexec_load"))
                r = syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0UL);
        else if (IS("kexec_file_load"))
                r = syscall(SYS_kexec_file_load, -1, -1, 0UL, "", 0UL);
        else if (IS("init_module"))
                r = syscall(SYS_init_module, NULL, 0UL, "");
        else if (IS("finit_module"))
                r = syscall(SYS_finit_module, -1, "", 0);
        else if (IS("delete_module"))
                r = syscall(SYS_delete_module, "berth-no-such-module", 0);
        else if (IS("swapon"))
                r = syscall(SYS_swapon, "/berth-no-such-file", 0);
        else if (IS("swapoff"))
                r = syscall(SYS_swapoff, "/berth-no-such-file");
        else if (IS("ioperm"))
                r = syscall(SYS_ioperm, 0x80UL, 1UL, 1);
        else if (IS("iopl"))
                r = syscall(SYS_iopl, 3);
        else if (IS("reboot-kexec"))
                r = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_KEXEC, NULL);
        else if (IS("reboot-cad-on"))
                r = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_ON, NULL);
        else if (IS("reboot-poweroff"))
                r = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_POWER_OFF, NULL);
        else if (IS("open_by_handle_at"))
                r = syscall(SYS_open_by_handle_at, -1, NULL, 0);
        else if (IS("perf_event_open"))
                r = syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0UL);
        else if (IS("clock_settime"))
                r = clock_gettime(CLOCK_REALTIME, &ts) < 0 ? -1 : syscall(SYS_clock_settime, CLOCK_REALTIME, &ts);
        else if (IS("syslog"))
                r = syscall(SYS_syslog, 10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
        else if (IS("acct"))
                r = syscall(SYS_acct, NULL);
        else if (IS("bpf"))
                r = syscall(SYS_bpf, 0, NULL, 0);
        else if (IS("personality-linux32")) {
                r = syscall(SYS_personality, PER_LINUX32);
                (void) syscall(SYS_personality, PER_LINUX);
        } else if (IS("personality-no-aslr"))
                r = syscall(SYS_personality, PER_LINUX | ADDR_NO_RANDOMIZE);
        else if (IS("userfaultfd"))
                r = syscall(SYS_userfaultfd, O_CLOEXEC);
        else if (IS("userfaultfd-user"))
                r = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
        else if (IS("io_uring_setup"))
                r = syscall(SYS_io_uring_setup, 1, NULL);
        else if (IS("unknown"))
                r = syscall(1000);
        else if (IS("x32-kexec_load"))
                r = syscall(X32 | 528);
        else if (IS("x32-unknown"))
                r = syscall(X32 | 1000);
        else if (IS("landlock_create_ruleset"))
                r = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
        else if (IS("openat2"))
                r = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));
        else if (IS("clone3"))
                r = clone3_child();
        else if (IS("pidfd_open"))
                r = syscall(SYS_pidfd_open, getpid(), 0);
        else if (IS("keyctl"))
                r = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1);
        else if (IS("seccomp"))
                r = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &allow);
        else if (IS("open_tree"))
                r = syscall(SYS_open_tree, AT_FDCWD, "/", 1 /* OPEN_TREE_CLONE */ | O_CLOEXEC);
        else if (IS("mount"))
                r = syscall(SYS_mount, "none", "/tmp", "tmpfs", 0UL, NULL);
        else {
                fprintf(stderr, "sysprobe: unknown probe %s\n", name);
                exit(2);
        }
        return r < 0 ? -errno : r;
}

static void report(const char *name, long r)
{
        const char *e = r < 0 ? strerrorname_np((int) -r) : NULL;

        if (r >= 0)
                printf("%s=ok\n", name);
        else if (e)
                printf("%s=%s\n", name, e);
        else
                printf("%s=errno%ld\n", name, -r);
}

#if defined(__x86_64__)
static void report_i386(const char *name, long nr)
{
        int p[2], status;
        long r = -ENOSYS;
        pid_t pid;

        if (pipe(p) < 0)
                exit(1);
        pid = fork();
        if (pid == 0) {
                r = i386_call(nr, 0, 0);
                (void) !write(p[1], &r, sizeof(r));
                _exit(0);
        }
        close(p[1]);
        if (pid < 0 || read(p[0], &r, sizeof(r)) != sizeof(r)) {
                (void) waitpid(pid, &status, 0);
                printf("%s=no-ia32\n", name);
                return;
        }
        (void) waitpid(pid, &status, 0);
        report(name, r);
}
#endif

int main(int argc, char **argv)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (!getenv("container")) {
                fprintf(stderr, "sysprobe: runs inside a machine only ($container is not set)\n");
                return 2;
        }
        for (int i = 1; i < argc; i++) {
#if defined(__x86_64__)
                if (strcmp(argv[i], "i386-kexec_load") == 0) {
                        report_i386(argv[i], 283);
                        continue;
                }
                if (strcmp(argv[i], "i386-unknown") == 0) {
                        report_i386(argv[i], 1000);
                        continue;
                }
                if (strcmp(argv[i], "i386-getpid") == 0) {
                        report_i386(argv[i], 20);
                        continue;
                }
#endif
                report(argv[i], call(argv[i]));
        }
        return 0;
}
