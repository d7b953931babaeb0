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
#include "tree.h"

#define ATTR_NOSUID_NODEV_NOEXEC (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

static int mount_new_at(int root_fd, const char *path, const char *fstype, const char *const *options,
                        unsigned attrs)
{
        _cleanup_close_ int fd = mnt_new(fstype, options, attrs, NULL);

        if (fd < 0)
                return fd;
        return mnt_attach_dir(fd, root_fd, path);
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

        r = mount_new_at(root_fd, "proc", "proc", NULL, ATTR_NOSUID_NODEV_NOEXEC);
        if (r < 0)
                return r;
        proc_fd = tree_open(root_fd, "proc", O_PATH | O_DIRECTORY);
        if (proc_fd < 0)
                return proc_fd;

        /* /proc/sys read-only, but its net/ belongs to the machine's own
         * network namespace and stays writable: clone it before. */
        net = mnt_clone(proc_fd, "sys/net", false);
        r = remount_read_only(proc_fd, "sys");
        if (r < 0)
                return r;
        if (net >= 0) {
                _cleanup_close_ int t = openat(proc_fd, "sys/net", O_PATH | O_DIRECTORY | O_CLOEXEC);
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

int apifs_mount_sys(int root_fd, bool with_cgroup)
{
        int r;

        /* A read-only /sys tells udevd, networkd and PID 1 that there is no
         * device management to do here. */
        r = mount_new_at(root_fd, "sys", "sysfs", NULL, ATTR_NOSUID_NODEV_NOEXEC | MOUNT_ATTR_RDONLY);
        if (r < 0 || !with_cgroup)
                return r;
        /* Mounted from inside the machine's cgroup namespace: its root is the
         * machine's own cgroup, and it is the machine's to write. */
        return mount_new_at(root_fd, "sys/fs/cgroup", "cgroup2", NULL, ATTR_NOSUID_NODEV_NOEXEC);
}

int apifs_mount_run_tmp(int root_fd)
{
        static const char *const run_opts[] = { "mode=0755", "size=20%", "nr_inodes=800k", NULL };
        static const char *const tmp_opts[] = { "mode=1777", NULL };
        int r;

        r = mount_new_at(root_fd, "run", "tmpfs", run_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
        if (r < 0)
                return r;
        return mount_new_at(root_fd, "tmp", "tmpfs", tmp_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
}

static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };

static int make_node(int dev_fd, const char *name)
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
        _cleanup_close_ int dev_fd = -EBADF;
        int r;

        r = mount_new_at(root_fd, "dev", "tmpfs", dev_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
        if (r < 0)
                return r;
        dev_fd = tree_open(root_fd, "dev", O_PATH | O_DIRECTORY);
        if (dev_fd < 0)
                return dev_fd;
        for (size_t i = 0; i < ELEMENTSOF(dev_nodes); i++) {
                r = make_node(dev_fd, dev_nodes[i]);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(links); i++)
                if (symlinkat(links[i].target, dev_fd, links[i].name) < 0)
                        return -errno;
        r = mount_new_at(root_fd, "dev/pts", "devpts", pts_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
        if (r < 0)
                return r;
        return mount_new_at(root_fd, "dev/shm", "tmpfs", shm_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
}
