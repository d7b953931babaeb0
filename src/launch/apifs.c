/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "apifs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "mnt.h"

#define ATTR_NOSUID_NODEV_NOEXEC (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

/* A new mount of fstype on the directory name of dir_fd, made first when
 * make is set. name is one component, opened without following a symlink:
 * what berth mounts lands there or nowhere. Returns the mount's fd, which
 * is the root of the attached file system, so that what goes inside it is
 * reached from it and never through the tree again. */
static int mount_new_on(int dir_fd, const char *name, bool make, const char *fstype, const char *const *options,
                        unsigned attrs)
{
        _cleanup_close_ int fd = mnt_new(fstype, options, attrs, NULL), target = -EBADF;
        int r;

        if (fd < 0)
                return fd;
        if (make && mkdirat(dir_fd, name, 0755) < 0 && errno != EEXIST)
                return -errno;
        target = openat(dir_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (target < 0)
                return -errno;
        r = mnt_attach(fd, target);
        if (r < 0)
                return r;
        return take_fd(&fd);
}

/* The API mount points at the top of the root, where berth mounts file
 * systems of its own. Each must be a directory of the tree itself: a
 * symlink there would take the mount, and everything berth then does
 * inside it, somewhere else — with /proc -> / a fresh procfs over the
 * machine's root without any of the read-only parts and masks below.
 * berth follows no symlink here. systemd-nspawn does: it resolves these
 * paths inside the tree (chase() with CHASE_PREFIX_ROOT), mounts on
 * whatever the link leads to, skips the mount when that is already a
 * mount point (the root is one), and makes a dangling link's target.
 *
 * /proc, /sys and /dev are refused when they are not directories. No
 * distribution ships them as anything but empty directories; a link there
 * is a broken or hostile tree, and the user is told instead of the
 * machine's layer being rewritten behind their back.
 *
 * /run and /tmp, when symlinks, are replaced by a directory in the
 * machine's own layer (unlinked through the overlay, which whites out the
 * lower layer's link, and made again): trees do lay them out as links
 * (/tmp -> var/tmp on embedded systems with a volatile /var, /run ->
 * var/run in trees from before /run), and since berth puts a fresh tmpfs
 * on both, nothing the link leads to would be seen anyway. Their init
 * wants /run and /tmp of their own, not a tmpfs over /var/tmp. A file, a
 * device or a socket there is refused all the same: it is the machine's
 * data, not berth's to delete. */
static const struct {
        const char *name;
        bool replace_symlink;
} api_points[] = {
        { "proc", false }, { "sys", false }, { "dev", false }, { "run", true }, { "tmp", true },
};

static void describe_entry(int dir_fd, const char *name, const struct stat *st, char *buf, size_t size)
{
        char target[256];
        ssize_t n;

        switch (st->st_mode & S_IFMT) {
        case S_IFLNK:
                n = readlinkat(dir_fd, name, target, sizeof(target) - 1);
                target[n > 0 ? n : 0] = 0;
                snprintf(buf, size, "a symlink to %s", target);
                break;
        case S_IFREG:
                snprintf(buf, size, "a regular file");
                break;
        case S_IFCHR:
                snprintf(buf, size, "a character device");
                break;
        case S_IFBLK:
                snprintf(buf, size, "a block device");
                break;
        case S_IFIFO:
                snprintf(buf, size, "a FIFO");
                break;
        case S_IFSOCK:
                snprintf(buf, size, "a socket");
                break;
        default:
                snprintf(buf, size, "not a directory");
        }
}

/* An overlayfs whiteout: the entry is deleted in this layer. */
static bool is_whiteout(const struct stat *st)
{
        return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

int apifs_prepare_points(int root_fd, int layer_fd, struct apifs_refusal *ret)
{
        struct stat st[ELEMENTSOF(api_points)];
        bool missing[ELEMENTSOF(api_points)];

        /* Everything is checked before anything is changed: a refused tree
         * leaves the machine's layer as it was. */
        for (size_t i = 0; i < ELEMENTSOF(api_points); i++) {
                const char *name = api_points[i].name;
                struct stat lst;

                missing[i] = fstatat(root_fd, name, &st[i], AT_SYMLINK_NOFOLLOW) < 0;
                if (missing[i] && errno != ENOENT)
                        return -errno;
                if (missing[i] || S_ISDIR(st[i].st_mode) || (S_ISLNK(st[i].st_mode) && api_points[i].replace_symlink))
                        continue;
                if (ret) {
                        *ret = (struct apifs_refusal) {
                                .name = name,
                                .in_layer = layer_fd >= 0 && fstatat(layer_fd, name, &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
                                            !is_whiteout(&lst),
                        };
                        describe_entry(root_fd, name, &st[i], ret->what, sizeof(ret->what));
                }
                return -ENOTDIR;
        }
        for (size_t i = 0; i < ELEMENTSOF(api_points); i++) {
                const char *name = api_points[i].name;

                if (!missing[i] && S_ISDIR(st[i].st_mode))
                        continue;
                if (!missing[i] && unlinkat(root_fd, name, 0) < 0)
                        return -errno;
                if (mkdirat(root_fd, name, 0755) < 0)
                        return -errno;
        }
        return 0;
}

/* Bind path onto itself read-only. Missing paths are fine: kernels differ. */
static int remount_read_only(int dir_fd, const char *path)
{
        _cleanup_close_ int target = openat(dir_fd, path, O_PATH | O_CLOEXEC | O_NOFOLLOW);
        _cleanup_close_ int m = -EBADF;
        int r;

        if (target < 0)
                return errno == ENOENT ? 0 : -errno;
        m = mnt_clone(target, "", true);
        if (m < 0)
                return m;
        r = mnt_set_read_only(m, true);
        if (r < 0)
                return r;
        return mnt_attach(m, target);
}

/* Files that show the host's kernel memory, keys or timers: cover with /dev/null. */
static const char *const proc_masked_files[] = {
        "kcore", "keys", "key-users", "timer_list", "sched_debug", "latency_stats",
        "kallsyms", "kmsg", "kpagecount", "kpageflags", "kpagecgroup",
};
static const char *const proc_masked_dirs[] = { "acpi", "scsi" };
static const char *const proc_read_only[] = { "sysrq-trigger", "bus", "fs", "irq" };

static int mask_file(int proc_fd, const char *name, int null_fd)
{
        _cleanup_close_ int target = openat(proc_fd, name, O_PATH | O_CLOEXEC | O_NOFOLLOW);
        _cleanup_close_ int m = -EBADF;

        if (target < 0)
                return errno == ENOENT ? 0 : -errno;
        m = mnt_clone(null_fd, "", false);
        if (m < 0)
                return m;
        return mnt_attach(m, target);
}

static int mask_dir(int proc_fd, const char *name)
{
        _cleanup_close_ int target = openat(proc_fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        _cleanup_close_ int m = -EBADF;
        static const char *const opts[] = { "mode=0555", "size=0", NULL };

        if (target < 0)
                return errno == ENOENT ? 0 : -errno;
        m = mnt_new("tmpfs", opts, ATTR_NOSUID_NODEV_NOEXEC | MOUNT_ATTR_RDONLY, NULL);
        if (m < 0)
                return m;
        return mnt_attach(m, target);
}

int apifs_mount_proc(int root_fd)
{
        _cleanup_close_ int proc_fd = -EBADF, net = -EBADF, null_fd = -EBADF;
        int r;

        proc_fd = mount_new_on(root_fd, "proc", false, "proc", NULL, ATTR_NOSUID_NODEV_NOEXEC);
        if (proc_fd < 0)
                return proc_fd;

        /* /proc/sys read-only, but its net/ belongs to the machine's own
         * network namespace and stays writable: clone it before. */
        net = mnt_clone(proc_fd, "sys/net", false);
        r = remount_read_only(proc_fd, "sys");
        if (r < 0)
                return r;
        if (net >= 0) {
                _cleanup_close_ int t = openat(proc_fd, "sys/net", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (t < 0)
                        return -errno;
                r = mnt_attach(net, t);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(proc_read_only); i++) {
                r = remount_read_only(proc_fd, proc_read_only[i]);
                if (r < 0)
                        return r;
        }

        null_fd = open("/dev/null", O_PATH | O_CLOEXEC);
        if (null_fd < 0)
                return -errno;
        for (size_t i = 0; i < ELEMENTSOF(proc_masked_files); i++) {
                r = mask_file(proc_fd, proc_masked_files[i], null_fd);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(proc_masked_dirs); i++) {
                r = mask_dir(proc_fd, proc_masked_dirs[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

int apifs_sysfs_new(void)
{
        return mnt_new("sysfs", NULL, ATTR_NOSUID_NODEV_NOEXEC | MOUNT_ATTR_RDONLY, NULL);
}

int apifs_mount_sys(int root_fd, bool with_cgroup, int sysfs_fd)
{
        _cleanup_close_ int sys_fd = -EBADF, fs_fd = -EBADF, cg = -EBADF;

        /* A read-only /sys tells udevd, networkd and PID 1 that there is no
         * device management to do here. */
        if (sysfs_fd >= 0) {
                _cleanup_close_ int target = openat(root_fd, "sys", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                int r = target < 0 ? -errno : mnt_attach(sysfs_fd, target);
                if (r < 0)
                        return r;
                sys_fd = openat(root_fd, "sys", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sys_fd < 0)
                        return -errno;
        } else
                sys_fd = mount_new_on(root_fd, "sys", false, "sysfs", NULL, ATTR_NOSUID_NODEV_NOEXEC | MOUNT_ATTR_RDONLY);
        if (sys_fd < 0 || !with_cgroup)
                return sys_fd < 0 ? sys_fd : 0;
        fs_fd = openat(sys_fd, "fs", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fs_fd < 0)
                return -errno;
        /* Mounted from inside the machine's cgroup namespace: its root is the
         * machine's own cgroup, and it is the machine's to write. */
        cg = mount_new_on(fs_fd, "cgroup", false, "cgroup2", NULL, ATTR_NOSUID_NODEV_NOEXEC);
        return cg < 0 ? cg : 0;
}

int apifs_mount_run_tmp(int root_fd)
{
        static const char *const run_opts[] = { "mode=0755", "size=20%", "nr_inodes=800k", NULL };
        static const char *const tmp_opts[] = { "mode=1777", NULL };
        _cleanup_close_ int run = -EBADF, tmp = -EBADF;

        run = mount_new_on(root_fd, "run", false, "tmpfs", run_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
        if (run < 0)
                return run;
        tmp = mount_new_on(root_fd, "tmp", false, "tmpfs", tmp_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
        return tmp < 0 ? tmp : 0;
}

static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };

int apifs_make_node(int dev_fd, const char *name)
{
        _cleanup_close_ int host = -EBADF, m = -EBADF, target = -EBADF;
        struct stat st;
        char path[32];

        snprintf(path, sizeof(path), "/dev/%s", name);
        host = open(path, O_PATH | O_CLOEXEC);
        if (host < 0)
                return -errno;
        if (fstat(host, &st) < 0)
                return -errno;
        if (!S_ISCHR(st.st_mode))
                return -ENODEV;
        if (mknodat(dev_fd, name, S_IFCHR | 0666, st.st_rdev) == 0)
                return 0;
        if (errno != EPERM)
                return -errno;
        /* No mknod (a user namespace): bind the host's node instead. */
        target = openat(dev_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (target < 0)
                return -errno;
        m = mnt_clone(host, "", false);
        if (m < 0)
                return m;
        return mnt_attach(m, target);
}

int apifs_mount_dev(int root_fd)
{
        static const char *const dev_opts[] = { "mode=0755", "size=4m", "nr_inodes=64k", NULL };
        static const char *const pts_opts[] = { "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL };
        static const char *const shm_opts[] = { "mode=1777", NULL };
        static const struct {
                const char *name, *target;
        } links[] = {
                { "ptmx", "pts/ptmx" },
                { "fd", "/proc/self/fd" },
                { "stdin", "/proc/self/fd/0" },
                { "stdout", "/proc/self/fd/1" },
                { "stderr", "/proc/self/fd/2" },
        };
        _cleanup_close_ int dev_fd = -EBADF, pts = -EBADF, shm = -EBADF;
        int r;

        dev_fd = mount_new_on(root_fd, "dev", false, "tmpfs", dev_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
        if (dev_fd < 0)
                return dev_fd;
        for (size_t i = 0; i < ELEMENTSOF(dev_nodes); i++) {
                r = apifs_make_node(dev_fd, dev_nodes[i]);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(links); i++)
                if (symlinkat(links[i].target, dev_fd, links[i].name) < 0)
                        return -errno;
        pts = mount_new_on(dev_fd, "pts", true, "devpts", pts_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
        if (pts < 0)
                return pts;
        shm = mount_new_on(dev_fd, "shm", true, "tmpfs", shm_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
        return shm < 0 ? shm : 0;
}
