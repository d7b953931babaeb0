/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The machine's device policy: it may open (and make) the devices of its
 * allow-list and no other. Without a user namespace the machine keeps
 * CAP_MKNOD where it counts, in the host's user namespace, and could make
 * and open any node (the host's disks, /dev/mem); in one, it cannot make
 * nodes, but could still open one a bind or a file system brings in.
 *
 * The policy is a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the
 * machine's cgroup2 cgroup, as systemd and crun do it. The kernel runs it
 * for every process in that cgroup and below on hybrid hosts too, where
 * the v1 devices controller exists beside it: it asks both, and either
 * can refuse (checked on the 6.18 hybrid build hosts). The program is
 * cheap (making its map, loading and attaching it takes some 0.12 ms);
 * joining the v1
 * devices controller would cost the machine's first process a migration,
 * and with it an RCU grace period (8 to 15 ms here). So the v1 controller
 * is used only where no program can be attached (a kernel without
 * CONFIG_CGROUP_BPF, or bpf(2) refused to berth, as a container's seccomp
 * profile does). The policy goes on the machine's cgroup, not on payload/:
 * payload/ is the root of the machine's cgroup namespace, which a machine
 * without a user namespace (CAP_SYS_ADMIN) could reach to detach it. */
#include "cgroup-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

#define INSN(c, d, s, o, i) ((struct bpf_insn) { .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

size_t cgroup_devices_entries(const struct cgroup_device *d, size_t n, struct cgroup_device_key *keys,
                              uint32_t *access)
{
        size_t k = 0;

        for (size_t i = 0; i < n; i++) {
                struct cgroup_device_key key = {
                        .type = d[i].type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR,
                        .major = d[i].major,
                        .minor = d[i].minor,
                };
                size_t j;

                for (j = 0; j < k && memcmp(&keys[j], &key, sizeof(key)) != 0; j++)
                        ;
                if (j == k) {
                        keys[k] = key;
                        access[k++] = 0;
                }
                access[j] |= d[i].access;
        }
        /* The program takes the first entry it finds, a node's before its
         * major's: the major's access counts for the node too. */
        for (size_t i = 0; i < k; i++)
                for (size_t j = 0; j < k; j++)
                        if (keys[j].minor == CGROUP_DEVICE_ANY && keys[i].minor != CGROUP_DEVICE_ANY &&
                            keys[j].type == keys[i].type && keys[j].major == keys[i].major)
                                access[i] |= access[j];
        return k;
}

/* The context is struct bpf_cgroup_dev_ctx: access_type (the device type
 * in the low 16 bits, the access asked for above), major, minor. The
 * allowed access is looked up in the map by (type, major, minor), then by
 * (type, major, any); what is asked for must all be allowed. One program
 * for any list: a comparison per device costs the verifier some 35 us per
 * device (0.35 ms for the ten of a default machine), the lookups 0.1 ms
 * in all. */
int cgroup_devices_program(int map_fd, struct bpf_insn *p, size_t max)
{
        size_t k = 0;

        if (max < CGROUP_DEVICES_PROGRAM_INSNS)
                return -E2BIG;
        p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0);        /* r6: ctx */
        p[k++] = INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_6, 0, 0);
        p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_7, BPF_REG_2, 0, 0);
        p[k++] = INSN(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_7, 0, 0, 16);                 /* r7: access asked for */
        p[k++] = INSN(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
        p[k++] = INSN(BPF_STX | BPF_W | BPF_MEM, BPF_REG_10, BPF_REG_2, -12, 0);       /* key: type, */
        p[k++] = INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_6, 4, 0);
        p[k++] = INSN(BPF_STX | BPF_W | BPF_MEM, BPF_REG_10, BPF_REG_2, -8, 0);        /* major, */
        p[k++] = INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_6, 8, 0);
        p[k++] = INSN(BPF_STX | BPF_W | BPF_MEM, BPF_REG_10, BPF_REG_2, -4, 0);        /* minor */
        for (int any = 0; any < 2; any++) {
                if (any)
                        p[k++] = INSN(BPF_ST | BPF_W | BPF_MEM, BPF_REG_10, 0, -4, (int32_t) CGROUP_DEVICE_ANY);
                p[k++] = INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, map_fd);
                p[k++] = INSN(0, 0, 0, 0, 0);
                p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0);
                p[k++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -12);
                p[k++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
                /* Found: on to the check (7 on), past the second lookup.
                 * Not found the second time: refused (5 on). */
                p[k++] = any ? INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 5, 0)
                             : INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, 7, 0);
        }
        p[k++] = INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_1, BPF_REG_0, 0, 0);          /* allowed */
        p[k++] = INSN(BPF_ALU | BPF_AND | BPF_X, BPF_REG_1, BPF_REG_7, 0, 0);
        p[k++] = INSN(BPF_JMP | BPF_JNE | BPF_X, BPF_REG_1, BPF_REG_7, 2, 0);
        p[k++] = INSN(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
        p[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        p[k++] = INSN(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
        p[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        return (int) k;
}

static int bpf(int cmd, union bpf_attr *attr)
{
        return syscall(SYS_bpf, cmd, attr, sizeof(*attr)) < 0 ? -errno : 0;
}

/* The allow-list as a hash map, for the program. */
static int make_map(const struct cgroup_device *d, size_t n)
{
        _cleanup_free_ struct cgroup_device_key *keys = calloc(n ?: 1, sizeof(*keys));
        _cleanup_free_ uint32_t *access = calloc(n ?: 1, sizeof(*access));
        _cleanup_close_ int fd = -EBADF;
        union bpf_attr create = {
                .map_type = BPF_MAP_TYPE_HASH,
                .key_size = sizeof(struct cgroup_device_key),
                .value_size = sizeof(uint32_t),
        }, batch = {};
        int r;

        if (!keys || !access)
                return -ENOMEM;
        create.max_entries = (uint32_t) cgroup_devices_entries(d, n, keys, access);
        if (create.max_entries == 0)
                create.max_entries = 1;         /* an empty map refuses everything */
        snprintf(create.map_name, sizeof(create.map_name), "berth_devices");
        fd = (int) syscall(SYS_bpf, BPF_MAP_CREATE, &create, sizeof(create));
        if (fd < 0)
                return -errno;
        batch.batch.map_fd = (uint32_t) fd;
        batch.batch.keys = (uint64_t) (uintptr_t) keys;
        batch.batch.values = (uint64_t) (uintptr_t) access;
        batch.batch.count = n ? create.max_entries : 0;
        if (batch.batch.count > 0 && (r = bpf(BPF_MAP_UPDATE_BATCH, &batch)) < 0)
                return r;
        return take_fd(&fd);
}

static int attach_program(struct machine_cgroup *cg)
{
        struct bpf_insn insns[CGROUP_DEVICES_PROGRAM_INSNS];
        _cleanup_close_ int map = -EBADF, prog = -EBADF, dir = -EBADF;
        union bpf_attr load = {}, attach = {};
        int n;

        map = make_map(cg->devices, cg->n_devices);
        if (map < 0)
                return map;
        n = cgroup_devices_program(map, insns, ELEMENTSOF(insns));
        if (n < 0)
                return n;
        load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        load.insns = (uint64_t) (uintptr_t) insns;
        load.insn_cnt = (uint32_t) n;
        load.license = (uint64_t) (uintptr_t) "GPL";
        snprintf(load.prog_name, sizeof(load.prog_name), "berth_devices");
        /* The program holds the map from here on. */
        prog = (int) syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load));
        if (prog < 0)
                return -errno;
        dir = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return -errno;
        /* ALLOW_MULTI: the machine's own manager may add programs of its
         * own below (systemd's DeviceAllow=); the kernel asks each, ours
         * included. Attached, the program lives as long as the cgroup. */
        attach.target_fd = (uint32_t) dir;
        attach.attach_bpf_fd = (uint32_t) prog;
        attach.attach_type = BPF_CGROUP_DEVICE;
        attach.attach_flags = BPF_F_ALLOW_MULTI;
        return bpf(BPF_PROG_ATTACH, &attach);
}

static int v1_write(int fd, const struct cgroup_device *d, size_t n)
{
        /* "a" is refused once the cgroup has children. */
        int r = write_string_at(fd, "devices.deny", "a");

        for (size_t i = 0; r >= 0 && i < n; i++) {
                char line[64], minor[16];

                if (d[i].minor == CGROUP_DEVICE_ANY)
                        snprintf(minor, sizeof(minor), "*");
                else
                        snprintf(minor, sizeof(minor), "%u", d[i].minor);
                snprintf(line, sizeof(line), "%c %u:%s %s%s%s", d[i].type, d[i].major, minor,
                         d[i].access & CGROUP_DEVICE_READ ? "r" : "", d[i].access & CGROUP_DEVICE_WRITE ? "w" : "",
                         d[i].access & CGROUP_DEVICE_MKNOD ? "m" : "");
                r = write_string_at(fd, "devices.allow", line);
        }
        return r;
}

/* berth-NAME in the v1 devices hierarchy with the lists, then payload/,
 * which starts with its parent's lists and can never have more: the
 * machine (without a user namespace) could mount that hierarchy, rooted
 * at payload/, but not reach berth-NAME. */
static int v1_apply(struct machine_cgroup *cg, const char *machine)
{
        _cleanup_close_ int fd = cgroup_v1_make(cg, CG_V1_DEVICES, machine);
        int r;

        if (fd < 0)
                return fd;
        r = v1_write(fd, cg->devices, cg->n_devices);
        if (r >= 0)
                r = cgroup_dir_mkdir(fd, "payload");
        if (r < 0) {
                _cleanup_close_ int pfd = -EBADF, vfd = -EBADF;
                const char *leaf;

                /* A half-written list would refuse the machine /dev/null. */
                if (cgroup_dir_open_with_parent(cg->v1[CG_V1_DEVICES], &pfd, &vfd, &leaf) >= 0 && vfd >= 0)
                        (void) cgroup_v1_remove(pfd, leaf, vfd, false);
                free(cg->v1[CG_V1_DEVICES]);
                cg->v1[CG_V1_DEVICES] = NULL;
        }
        return r;
}

int cgroup_devices_apply(struct machine_cgroup *cg, const char *machine)
{
        int r, v1;

        if (!cg->devices || !cg->path)
                return 0;
        r = attach_program(cg);
        if (r >= 0)
                return 0;
        snprintf(cg->what, sizeof(cg->what), "attaching a device program to %s: %s", cg->path, strerror(-r));
        /* systemd's scope is systemd's to put into v1 hierarchies. */
        if (cg->ops != &cgroup_fs_ops)
                return r;
        v1 = v1_apply(cg, machine);
        if (v1 == -EOPNOTSUPP)
                return r;
        if (v1 < 0) {
                size_t len = strlen(cg->what);
                snprintf(cg->what + len, sizeof(cg->what) - len, "; and in the v1 devices controller: %s",
                         strerror(-v1));
                return v1;
        }
        cg->devices_v1 = true;
        cg->what[0] = 0;
        return 0;
}
