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
 * cheap (loading and attaching it takes some 0.15 ms); joining the v1
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
#define RULE_MAX_INSNS 8

/* The context is struct bpf_cgroup_dev_ctx: access_type (the device type
 * in the low 16 bits, the access asked for above), major, minor. Each rule
 * skips to the next unless type, major (and minor) match and the access
 * asked for is all allowed; the end refuses. */
int cgroup_devices_program(const struct cgroup_device *d, size_t n, struct bpf_insn *p, size_t max)
{
        size_t k = 0;

        if (max < 8 + n * RULE_MAX_INSNS)
                return -E2BIG;
        p[k++] = INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_1, 0, 0);
        p[k++] = INSN(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);     /* r2: type */
        p[k++] = INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_3, BPF_REG_1, 0, 0);
        p[k++] = INSN(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);         /* r3: access */
        p[k++] = INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_4, BPF_REG_1, 4, 0);  /* r4: major */
        p[k++] = INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_5, BPF_REG_1, 8, 0);  /* r5: minor */
        for (size_t i = 0; i < n; i++) {
                bool any = d[i].minor == CGROUP_DEVICE_ANY;
                short rest = any ? 6 : 7;       /* instructions after the first */

                p[k++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, rest,
                              d[i].type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
                p[k++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, rest - 1, (int32_t) d[i].major);
                if (!any)
                        p[k++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, rest - 2, (int32_t) d[i].minor);
                p[k++] = INSN(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
                p[k++] = INSN(BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, (int32_t) d[i].access);
                p[k++] = INSN(BPF_JMP | BPF_JNE | BPF_X, BPF_REG_1, BPF_REG_3, 2, 0);
                p[k++] = INSN(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
                p[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        }
        p[k++] = INSN(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
        p[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        return (int) k;
}

static int attach_program(struct machine_cgroup *cg)
{
        _cleanup_free_ struct bpf_insn *insns = NULL;
        _cleanup_close_ int prog = -EBADF, dir = -EBADF;
        size_t max = 8 + cg->n_devices * RULE_MAX_INSNS;
        union bpf_attr load = {}, attach = {};
        int n;

        insns = calloc(max, sizeof(*insns));
        if (!insns)
                return -ENOMEM;
        n = cgroup_devices_program(cg->devices, cg->n_devices, insns, max);
        if (n < 0)
                return n;
        load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        load.insns = (uint64_t) (uintptr_t) insns;
        load.insn_cnt = (uint32_t) n;
        load.license = (uint64_t) (uintptr_t) "GPL";
        snprintf(load.prog_name, sizeof(load.prog_name), "berth_devices");
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
        if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof(attach)) < 0)
                return -errno;
        return 0;
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
