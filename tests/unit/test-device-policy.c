/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The device program, run here by a small interpreter of the instructions
 * it uses, on what the kernel would ask it; and the default allow-list.
 * (The integration test devices has the kernel run it.) */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>

#include "cgroup-internal.h"
#include "devices.h"

/* 1: allowed, 0: refused, -1: an instruction this interpreter (and the
 * program) does not use, or a jump out of the program. */
static int run(const struct bpf_insn *p, int n, uint32_t ctx[3])
{
        uint64_t r[11] = { 0 };

        for (int pc = 0; pc >= 0 && pc < n; pc++) {
                const struct bpf_insn *i = &p[pc];
                uint64_t src = (i->code & BPF_X) ? r[i->src_reg] : (uint64_t) (uint32_t) i->imm;

                switch (i->code) {
                case BPF_LDX | BPF_W | BPF_MEM:
                        if (i->src_reg != BPF_REG_1 || i->off % 4 || i->off > 8)
                                return -1;
                        r[i->dst_reg] = ctx[i->off / 4];
                        break;
                case BPF_ALU | BPF_AND | BPF_K:
                        r[i->dst_reg] = (uint32_t) (r[i->dst_reg] & src);
                        break;
                case BPF_ALU | BPF_RSH | BPF_K:
                        r[i->dst_reg] = (uint32_t) r[i->dst_reg] >> src;
                        break;
                case BPF_ALU | BPF_MOV | BPF_K:
                case BPF_ALU | BPF_MOV | BPF_X:
                        r[i->dst_reg] = (uint32_t) src;
                        break;
                case BPF_JMP | BPF_JNE | BPF_K:
                case BPF_JMP | BPF_JNE | BPF_X:
                        if (r[i->dst_reg] != src)
                                pc += i->off;
                        break;
                case BPF_JMP | BPF_EXIT:
                        return (int) r[BPF_REG_0];
                default:
                        return -1;
                }
        }
        return -1;
}

static const struct cgroup_device list[] = {
        { 'c', 1, 3, CGROUP_DEVICE_READ | CGROUP_DEVICE_WRITE | CGROUP_DEVICE_MKNOD },
        { 'c', 136, CGROUP_DEVICE_ANY, CGROUP_DEVICE_READ | CGROUP_DEVICE_WRITE },
        { 'b', 7, 0, CGROUP_DEVICE_READ },
};

static int ask(char type, uint32_t major, uint32_t minor, unsigned access)
{
        struct bpf_insn p[64];
        int n = cgroup_devices_program(list, 3, p, 64);
        uint32_t ctx[3] = { (access << 16) | (type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR), major, minor };

        cr_assert_gt(n, 0);
        return run(p, n, ctx);
}

Test(devices_program, allows_what_is_listed_with_its_access)
{
        cr_expect_eq(ask('c', 1, 3, BPF_DEVCG_ACC_READ), 1);
        cr_expect_eq(ask('c', 1, 3, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE), 1);
        cr_expect_eq(ask('c', 1, 3, BPF_DEVCG_ACC_MKNOD), 1);
        cr_expect_eq(ask('c', 136, 0, BPF_DEVCG_ACC_WRITE), 1);
        cr_expect_eq(ask('c', 136, 4711, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE), 1, "every minor of pts");
        cr_expect_eq(ask('b', 7, 0, BPF_DEVCG_ACC_READ), 1);
}

Test(devices_program, refuses_the_rest)
{
        cr_expect_eq(ask('c', 136, 0, BPF_DEVCG_ACC_MKNOD), 0, "pts may not be made");
        cr_expect_eq(ask('b', 7, 0, BPF_DEVCG_ACC_WRITE), 0, "read-only");
        cr_expect_eq(ask('b', 7, 0, BPF_DEVCG_ACC_MKNOD), 0);
        cr_expect_eq(ask('b', 7, 1, BPF_DEVCG_ACC_READ), 0, "another minor");
        cr_expect_eq(ask('b', 1, 3, BPF_DEVCG_ACC_READ), 0, "a block device of null's numbers");
        cr_expect_eq(ask('c', 7, 0, BPF_DEVCG_ACC_READ), 0, "a char device of loop0's numbers");
        cr_expect_eq(ask('c', 1, 1, BPF_DEVCG_ACC_READ), 0, "/dev/mem");
        cr_expect_eq(ask('c', 5, 1, BPF_DEVCG_ACC_READ), 0, "the host's console");
}

Test(devices_program, an_empty_list_refuses_everything_and_a_short_buffer_is_refused)
{
        struct bpf_insn p[16];
        uint32_t ctx[3] = { (BPF_DEVCG_ACC_READ << 16) | BPF_DEVCG_DEV_CHAR, 1, 3 };
        int n = cgroup_devices_program(NULL, 0, p, 16);

        cr_assert_gt(n, 0);
        cr_expect_eq(run(p, n, ctx), 0);
        cr_expect_eq(cgroup_devices_program(list, 3, p, 16), -E2BIG);
}

Test(devices_allow_list, the_default_dev_and_no_more)
{
        struct settings s = {};
        struct machine_devices none = MACHINE_DEVICES_INIT;
        struct cgroup_device *d = NULL;
        size_t n = 0;
        bool null = false, pts = false, console = false;

        cr_assert_eq(devices_allow_list(&s, &none, &d, &n), 0);
        for (size_t i = 0; i < n; i++) {
                null |= d[i].type == 'c' && d[i].major == 1 && d[i].minor == 3;
                pts |= d[i].type == 'c' && d[i].major == 136 && d[i].minor == CGROUP_DEVICE_ANY &&
                       !(d[i].access & CGROUP_DEVICE_MKNOD);
                console |= d[i].type == 'c' && d[i].major == 5 && d[i].minor == 1;
                cr_expect_neq(d[i].type, 'b', "no block device by default");
        }
        cr_expect(null && pts && !console);
        cr_expect_eq(n, 8);
        free(d);
}
