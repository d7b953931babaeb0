/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Disk I/O: a weight and per-device caps, in cgroup2's io controller where
 * it is delegated to the machine's cgroup (io.weight, io.max), else in the
 * v1 blkio hierarchy (blkio.bfq.weight, which only devices scheduled by
 * BFQ heed, and blkio.throttle.*, which throttles direct I/O: v1 does not
 * charge buffered writes to the cgroup that dirtied the pages). v1's
 * throttling is not hierarchical (6.18: a cap on berth-NAME does not
 * reach berth-NAME/payload), so there the knobs go into payload/, which
 * the machine cannot make children of. */
#include "cgroup-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

static const char *const v2_keys[N_IO_MAX] = { "rbps", "wbps", "riops", "wiops" };
static const char *const v1_files[N_IO_MAX] = {
        "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
        "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device",
};

/* systemd's IOWeight= range onto BFQ's 1..1000, 100 staying 100. */
static unsigned bfq_weight(unsigned w)
{
        return w <= 100 ? w : 100 + (w - 100) * 900 / 9900;
}

static int write_at(const char *dir, const char *file, const char *value, char *what, size_t size)
{
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        snprintf(what, size, "writing %s to %s/%s", value, dir, file);
        if (fd < 0)
                return -errno;
        return write_string_at(fd, file, value);
}

static int apply_v2(const char *dir, const struct cgroup_limits *lim, bool all, char *what, size_t size)
{
        char v[256];
        int r;

        if (lim->io_weight || (all && limits_has(lim, LIMIT_IO_WEIGHT))) {
                snprintf(v, sizeof(v), "default %u", lim->io_weight ?: 100);
                r = write_at(dir, "io.weight", v, what, size);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < lim->n_io; i++) {
                const struct io_device_limit *d = &lim->io[i];
                size_t len = (size_t) snprintf(v, sizeof(v), "%u:%u", major(d->dev), minor(d->dev));

                if (!d->assigned)
                        continue;
                for (unsigned k = 0; k < N_IO_MAX && len < sizeof(v); k++) {
                        if (!(d->assigned & (1u << k)))
                                continue;
                        if (d->max[k])
                                len += (size_t) snprintf(v + len, sizeof(v) - len, " %s=%" PRIu64, v2_keys[k],
                                                         d->max[k]);
                        else
                                len += (size_t) snprintf(v + len, sizeof(v) - len, " %s=max", v2_keys[k]);
                }
                r = write_at(dir, "io.max", v, what, size);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int apply_v1(const char *dir, const struct cgroup_limits *lim, bool all, char *what, size_t size)
{
        char v[128];
        int r;

        if (lim->io_weight || (all && limits_has(lim, LIMIT_IO_WEIGHT))) {
                snprintf(v, sizeof(v), "%u", bfq_weight(lim->io_weight ?: 100));
                r = write_at(dir, "blkio.bfq.weight", v, what, size);
                if (r == -ENOENT) {
                        snprintf(what, size, "blkio.bfq.weight, the only I/O weight of v1 (BFQ's)");
                        return -EOPNOTSUPP;
                }
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < lim->n_io; i++)
                for (unsigned k = 0; k < N_IO_MAX; k++) {
                        const struct io_device_limit *d = &lim->io[i];

                        /* 0 removes the device's rule. */
                        if (!(d->assigned & (1u << k)) || (!d->max[k] && !all))
                                continue;
                        snprintf(v, sizeof(v), "%u:%u %" PRIu64, major(d->dev), minor(d->dev), d->max[k]);
                        r = write_at(dir, v1_files[k], v, what, size);
                        if (r < 0)
                                return r;
                }
        return 0;
}

int cgroup_io_apply(struct machine_cgroup *cg, const struct cgroup_limits *lim, const char *machine, bool all,
                    join_v1_fn join_v1, char *what, size_t size)
{
        bool any = lim && (lim->io_weight || lim->n_io || (all && limits_has(lim, LIMIT_IO_WEIGHT)));
        int r;

        if (!any)
                return 0;
        if (cg->path && cgroup2_has_controller(cg->path, "io"))
                return apply_v2(cg->path, lim, all, what, size);
        if (!cg->v1[CG_V1_BLKIO]) {
                snprintf(what, size, "finding an io controller");
                if (!join_v1)
                        return -EOPNOTSUPP;
                r = join_v1(cg, CG_V1_BLKIO, machine);
                if (r == -ENOENT)
                        r = -EOPNOTSUPP;
                if (r < 0)
                        return r;
        }
        char payload[4200];
        snprintf(payload, sizeof(payload), "%s/payload", cg->v1[CG_V1_BLKIO]);
        return apply_v1(payload, lim, all, what, size);
}
