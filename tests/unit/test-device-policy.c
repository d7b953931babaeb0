/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The device program and its map's entries, run here by a small
 * interpreter of the instructions it uses, on what the kernel would ask
 * it; and the default allow-list.
 * (The integration test devices has the kernel run it.) */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>

#include "cgroup-internal.h"
#include "cleanup.h"
#include "devices.h"

/* The map, as the test's entries. */
static struct cgroup_device_key keys[16];
static uint32_t values[16];
static size_t n_entries;

static uint32_t *lookup(const struct cgroup_device_key *key)
{
        for (size_t i = 0; i < n_entries; i++)
                if (memcmp(&keys[i], key, sizeof(*key)) == 0)
                        return &values[i];
        return NULL;
}

/* 1: allowed, 0: refused, -1: an instruction this interpreter (and the
 * program) does not use, or a jump out of the program. Registers hold
 * real pointers: to ctx, to the stack, to a map value. */
static int run(const struct bpf_insn *p, int n, uint32_t ctx[3])
{
        uint64_t r[11] = { 0 }, stack[64];

        r[BPF_REG_1] = (uintptr_t) ctx;
        r[BPF_REG_10] = (uintptr_t) (stack + 64);
        for (int pc = 0; pc >= 0 && pc < n; pc++) {
                const struct bpf_insn *i = &p[pc];
                uint64_t src = BPF_SRC(i->code) == BPF_X ? r[i->src_reg] : (uint64_t) (int64_t) i->imm;

                switch (i->code) {
                case BPF_LDX | BPF_W | BPF_MEM:
                        r[i->dst_reg] = *(uint32_t *) (uintptr_t) (r[i->src_reg] + (int64_t) i->off);
                        break;
                case BPF_STX | BPF_W | BPF_MEM:
                        *(uint32_t *) (uintptr_t) (r[i->dst_reg] + (int64_t) i->off) = (uint32_t) r[i->src_reg];
                        break;
                case BPF_ST | BPF_W | BPF_MEM:
                        *(uint32_t *) (uintptr_t) (r[i->dst_reg] + (int64_t) i->off) = (uint32_t) i->imm;
                        break;
                case BPF_LD | BPF_DW | BPF_IMM:
                        if (i->src_reg != BPF_PSEUDO_MAP_FD || i->imm != 42)
                                return -1;
                        r[i->dst_reg] = 42;
                        pc++;
                        break;
                case BPF_JMP | BPF_CALL:
                        if (i->imm != BPF_FUNC_map_lookup_elem || r[BPF_REG_1] != 42)
                                return -1;
                        r[BPF_REG_0] = (uintptr_t) lookup((const struct cgroup_device_key *) (uintptr_t) r[BPF_REG_2]);
                        break;
                case BPF_ALU64 | BPF_MOV | BPF_X:
                        r[i->dst_reg] = src;
                        break;
                case BPF_ALU64 | BPF_ADD | BPF_K:
                        r[i->dst_reg] += src;
                        break;
                case BPF_ALU | BPF_MOV | BPF_K:
                case BPF_ALU | BPF_MOV | BPF_X:
                        r[i->dst_reg] = (uint32_t) src;
                        break;
                case BPF_ALU | BPF_AND | BPF_K:
                case BPF_ALU | BPF_AND | BPF_X:
                        r[i->dst_reg] = (uint32_t) (r[i->dst_reg] & src);
                        break;
                case BPF_ALU | BPF_RSH | BPF_K:
                        r[i->dst_reg] = (uint32_t) r[i->dst_reg] >> src;
                        break;
                case BPF_JMP | BPF_JNE | BPF_K:
                case BPF_JMP | BPF_JNE | BPF_X:
                        if (r[i->dst_reg] != src)
                                pc += i->off;
                        break;
                case BPF_JMP | BPF_JEQ | BPF_K:
                        if (r[i->dst_reg] == src)
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

#define RW (CGROUP_DEVICE_READ | CGROUP_DEVICE_WRITE)
#define RWM (RW | CGROUP_DEVICE_MKNOD)

static const struct cgroup_device list[] = {
        { 'c', 1, 3, RWM },
        { 'c', 136, CGROUP_DEVICE_ANY, RW },
        { 'b', 7, 0, CGROUP_DEVICE_READ },
        { 'c', 136, 5, CGROUP_DEVICE_MKNOD },   /* more for one of the major's */
        { 'b', 7, 0, CGROUP_DEVICE_WRITE },     /* the same node again: both count */
};

static int ask(char type, uint32_t major, uint32_t minor, unsigned access)
{
        struct bpf_insn p[CGROUP_DEVICES_PROGRAM_INSNS];
        int n = cgroup_devices_program(42, p, ELEMENTSOF(p));
        uint32_t ctx[3] = { (access << 16) | (type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR), major, minor };

        n_entries = cgroup_devices_entries(list, ELEMENTSOF(list), keys, values);
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
        cr_expect_eq(ask('c', 136, 5, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD), 1,
                     "a node's access and its major's");
        cr_expect_eq(ask('b', 7, 0, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE), 1, "a node listed twice");
}

Test(devices_program, refuses_the_rest)
{
        cr_expect_eq(ask('c', 136, 0, BPF_DEVCG_ACC_MKNOD), 0, "pts may not be made");
        cr_expect_eq(ask('b', 7, 0, BPF_DEVCG_ACC_MKNOD), 0);
        cr_expect_eq(ask('b', 7, 1, BPF_DEVCG_ACC_READ), 0, "another minor");
        cr_expect_eq(ask('b', 1, 3, BPF_DEVCG_ACC_READ), 0, "a block device of null's numbers");
        cr_expect_eq(ask('c', 7, 0, BPF_DEVCG_ACC_READ), 0, "a char device of loop0's numbers");
        cr_expect_eq(ask('c', 1, 1, BPF_DEVCG_ACC_READ), 0, "/dev/mem");
        cr_expect_eq(ask('c', 5, 1, BPF_DEVCG_ACC_READ), 0, "the host's console");
}

Test(devices_program, entries_are_merged_and_a_short_buffer_is_refused)
{
        struct bpf_insn p[CGROUP_DEVICES_PROGRAM_INSNS - 1];

        cr_expect_eq(cgroup_devices_entries(list, ELEMENTSOF(list), keys, values), 4);
        cr_expect_eq(cgroup_devices_entries(NULL, 0, keys, values), 0);
        cr_expect_eq(cgroup_devices_program(42, p, ELEMENTSOF(p)), -E2BIG);
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
