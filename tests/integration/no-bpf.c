/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* no-bpf PROGRAM [ARG...]: run PROGRAM with bpf(2) refused (EPERM), as a
 * container's seccomp profile refuses it, for the tests of what berth does
 * without a device program (test-devices.c). */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        struct sock_filter f[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_bpf, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

        if (argc < 2) {
                fprintf(stderr, "usage: no-bpf PROGRAM [ARG...]\n");
                return 2;
        }
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
                perror("no-bpf: installing the filter");
                return 2;
        }
        execv(argv[1], argv + 1);
        perror(argv[1]);
        return 127;
}
