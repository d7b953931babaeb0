/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's process, as berth-oci create forks it into its new
 * namespaces: it waits until create has put it into its cgroup and
 * written its ID maps, builds the root from the spec (the root, then
 * each mount in order, /dev's nodes, the console), pivots into it, sets
 * sysctls, read-only and masked paths, its user and capabilities, says
 * it is ready, and waits for start before it execs process.args. The
 * mounts go through the launcher's own helpers (mnt.c, tree.c). */
#include "oci-child.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "apifs.h"
#include "cgutil.h"
#include "cleanup.h"
#include "hooks.h"
#include "console.h"
#include "copy.h"
#include "mnt.h"
#include "mount-opts.h"
#include "oci-identity.h"
#include "oci-process.h"
#include "privs.h"
#include "signals.h"
#include "sync.h"
#include "tree.h"
#include "userns.h"
#include "util.h"

struct handed {
        int fds[SYNC_MAX_FDS];
        size_t n, next;
};

static int take(struct handed *h)
{
        return h->next < h->n ? h->fds[h->next++] : -EBADF;
}

/* This process's cgroup2 cgroup as the host's hierarchy has it. */
static int clone_own_cgroup(void)
{
        _cleanup_free_ char *mount = NULL, *text = NULL, *path = NULL;
        const char *line;
        int r = cgroup2_mount_point(&mount);

        if (r < 0)
                return r;
        r = read_file_at(AT_FDCWD, "/proc/self/cgroup", &text, 1 << 16);
        if (r < 0)
                return r;
        line = strstr(text, "0::");
        if (line != text && (!line || line[-1] != '\n'))
                return -ENOENT;
        line += 3;
        if (asprintf(&path, "%s%.*s", mount, (int) strcspn(line, "\n"), line) < 0)
                return -ENOMEM;
        return mnt_clone(AT_FDCWD, path, false);
}

/* tmpcopyup: what the mount point holds, into the new tmpfs first. */
static int copy_up(int root_fd, const char *dest, int mnt_fd)
{
        _cleanup_close_ int dir = tree_open(root_fd, dest, O_RDONLY | O_DIRECTORY);
        /* The mount's fd is a path only: its root, opened for real. */
        _cleanup_close_ int tmpfs_fd = openat(mnt_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *e;
        int r;

        if (dir == -ENOENT)
                return 0;
        if (dir < 0)
                return dir;
        if (tmpfs_fd < 0)
                return -errno;
        d = fdopendir(dup(dir));
        if (!d)
                return -errno;
        while ((e = readdir(d)))
                if (!streq(e->d_name, ".") && !streq(e->d_name, "..") &&
                    (r = copy_entry_any(dir, e->d_name, tmpfs_fd, e->d_name, dest, NULL, NULL)) < 0)
                        return r;
        /* The tmpfs's root as the directory was (mode, owner). */
        struct stat st;
        if (fstat(dir, &st) < 0 || fchmod(tmpfs_fd, st.st_mode & 07777) < 0)
                return -errno;
        (void) fchown(tmpfs_fd, st.st_uid, st.st_gid);
        return 0;
}

/* A mount of a file system (not a bind) on dest, made first. */
static void mount_fs(const struct oci_mount *m, const struct oci_mount_opts *o, int root_fd, int sync_fd)
{
        _cleanup_strv_ char **data = strv_copy(o->data);
        _cleanup_close_ int fd = -EBADF;
        struct mnt_error err = {};
        const char *type = m->type;
        int r;

        if (!data)
                SYNC_FAIL(sync_fd, -ENOMEM, "mounting %s", m->destination);
        /* On a hybrid host too: the container's own cgroup2, rooted at its
         * cgroup by its cgroup namespace. */
        if (streq(type, "cgroup"))
                type = "cgroup2";
        if (m->source && *m->source) {
                _cleanup_free_ char *src = strjoin("source=", m->source, NULL);
                if (!src || strv_push(&data, src) < 0)
                        SYNC_FAIL(sync_fd, -ENOMEM, "mounting %s", m->destination);
        }
        fd = mnt_new(type, (const char *const *) data, o->attr_set, &err);
        if (fd == -EPERM && streq(type, "sysfs"))
                /* A network namespace the container's user namespace does
                 * not own (joined by path): the host's /sys, as runc does. */
                fd = mnt_clone(AT_FDCWD, "/sys", true);
        if (fd == -EPERM && streq(type, "cgroup2"))
                /* The host's cgroup namespace, from a user namespace: its
                 * own cgroup of the host's hierarchy, bound. */
                fd = clone_own_cgroup();
        if (fd < 0)
                SYNC_FAIL(sync_fd, fd, "mounting %s on %s%s%s%s", type, m->destination, err.text[0] ? " (" : "",
                          err.text, err.text[0] ? ")" : "");
        r = mnt_set_attrs(fd, o->attr_set, o->attr_clr, 0, true);
        if (r >= 0 && o->tmpcopyup)
                r = copy_up(root_fd, m->destination, fd);
        if (r >= 0)
                r = mnt_attach_dir(fd, root_fd, m->destination);
        if (r >= 0)
                r = mnt_set_attrs(fd, 0, 0, o->propagation, o->propagation_recursive);
        if (r < 0)
                SYNC_FAIL(sync_fd, r, "mounting %s on %s", type, m->destination);
}

static void mount_bind(const struct oci_mount *m, const struct oci_mount_opts *o, struct handed *h, int root_fd,
                       int sync_fd)
{
        _cleanup_close_ int src = take(h);
        struct stat st;
        int r;

        if (src < 0 || fstat(src, &st) < 0)
                SYNC_FAIL(sync_fd, src < 0 ? -EBADF : -errno, "binding %s", m->source);
        r = S_ISDIR(st.st_mode) ? mnt_attach_dir(src, root_fd, m->destination)
                                : mnt_attach_file(src, root_fd, m->destination);
        if (r >= 0)
                r = mnt_set_attrs(src, 0, 0, o->propagation, o->propagation_recursive);
        if (r < 0)
                SYNC_FAIL(sync_fd, r, "binding %s on %s", m->source, m->destination);
}

static void mount_all(const struct oci_spec *spec, struct handed *h, int root_fd, int sync_fd)
{
        for (size_t i = 0; i < spec->n_mounts; i++) {
                const struct oci_mount *m = &spec->mounts[i];
                struct oci_mount_opts o;
                char why[256];
                int r = oci_mount_opts_parse(m, &o, why, sizeof(why));

                if (r < 0)
                        SYNC_FAIL(sync_fd, 0, "%s", why);
                if (o.bind)
                        mount_bind(m, &o, h, root_fd, sync_fd);
                else
                        mount_fs(m, &o, root_fd, sync_fd);
                oci_mount_opts_done(&o);
        }
}

/* linux.devices: made with mknod, or where that is not allowed (a user
 * namespace) the host's node of that path bound, when it is the same. */
static void make_devices(const struct oci_spec *spec, int root_fd, int sync_fd)
{
        for (size_t i = 0; i < spec->n_devices; i++) {
                const struct oci_device *d = &spec->devices[i];
                _cleanup_free_ char *dir = strdup(d->path);
                char *slash = dir ? strrchr(dir, '/') : NULL;
                mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
                int r;

                if (!slash)
                        SYNC_FAIL(sync_fd, -ENOMEM, "linux.devices %s", d->path);
                *slash = 0;
                _cleanup_close_ int dfd = tree_mkdir_p(root_fd, dir[0] ? dir : "/", 0755);
                if (dfd < 0)
                        SYNC_FAIL(sync_fd, dfd, "linux.devices %s", d->path);
                if (mknodat(dfd, slash + 1, type | d->mode, makedev(d->major, d->minor)) == 0) {
                        if (fchownat(dfd, slash + 1, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
                                SYNC_FAIL(sync_fd, -errno, "linux.devices %s: its owner", d->path);
                        continue;
                }
                if (errno != EPERM)
                        SYNC_FAIL(sync_fd, -errno, "linux.devices %s", d->path);
                struct stat st;
                if (stat(d->path, &st) < 0 || (st.st_mode & S_IFMT) != type ||
                    (type != S_IFIFO && st.st_rdev != makedev(d->major, d->minor)))
                        SYNC_FAIL(sync_fd, 0, "linux.devices %s: a user namespace makes no device nodes, and the "
                                  "host has none that is the same at that path to bind", d->path);
                _cleanup_close_ int m = mnt_clone(AT_FDCWD, d->path, false);
                r = m < 0 ? m : mnt_attach_file(m, root_fd, d->path);
                if (r < 0)
                        SYNC_FAIL(sync_fd, r, "linux.devices %s: binding the host's node", d->path);
        }
}

/* The devices and links config-linux.md says every container has, where
 * the mounts left them out. */
static void default_dev(int root_fd, int sync_fd)
{
        static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
        static const struct {
                const char *name, *target;
        } links[] = {
                { "fd", "/proc/self/fd" },       { "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
                { "stderr", "/proc/self/fd/2" }, { "ptmx", "pts/ptmx" },         { "core", "/proc/kcore" },
        };
        _cleanup_close_ int dev = tree_open(root_fd, "dev", O_PATH | O_DIRECTORY);

        if (dev < 0)
                return;
        for (size_t i = 0; i < ELEMENTSOF(nodes); i++) {
                int r = faccessat(dev, nodes[i], F_OK, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : apifs_make_node(dev, nodes[i]);
                if (r < 0)
                        SYNC_FAIL(sync_fd, r, "making /dev/%s", nodes[i]);
        }
        for (size_t i = 0; i < ELEMENTSOF(links); i++) {
                if (streq(links[i].name, "ptmx") && faccessat(dev, "pts/ptmx", F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (symlinkat(links[i].target, dev, links[i].name) < 0 && errno != EEXIST)
                        SYNC_FAIL(sync_fd, -errno, "linking /dev/%s", links[i].name);
        }
}

static void enter_root(const struct oci_child *c, int root_fd, int sync_fd)
{
        bool rec;
        long prop = oci_propagation_parse(c->spec->rootfs_propagation, &rec);

        if (fchdir(root_fd) < 0)
                SYNC_FAIL(sync_fd, -errno, "entering the root");
        if (c->no_pivot) {
                if (mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0)
                        SYNC_FAIL(sync_fd, -errno, "moving the root onto / (--no-pivot)");
        } else {
                /* "." as both: the old root lands under the new one and is
                 * detached right away. */
                if (syscall(SYS_pivot_root, ".", ".") < 0)
                        SYNC_FAIL(sync_fd, -errno, "pivoting into the root");
                if (umount2(".", MNT_DETACH) < 0)
                        SYNC_FAIL(sync_fd, -errno, "detaching the old root");
        }
        if (chdir("/") < 0)
                SYNC_FAIL(sync_fd, -errno, "entering the root");
        if (prop > 0 && mount(NULL, "/", NULL, (unsigned long) prop | (rec ? MS_REC : 0), NULL) < 0)
                SYNC_FAIL(sync_fd, -errno, "linux.rootfsPropagation %s", c->spec->rootfs_propagation);
}

static void write_sysctls(char **sysctl, int sync_fd)
{
        for (char **kv = sysctl; kv && *kv; kv++) {
                _cleanup_free_ char *path = NULL;
                const char *eq = strchr(*kv, '=');
                int r;

                if (asprintf(&path, "/proc/sys/%.*s", (int) (eq - *kv), *kv) < 0)
                        SYNC_FAIL(sync_fd, -ENOMEM, "linux.sysctl");
                for (char *p = path + strlen("/proc/sys/"); *p; p++)
                        if (*p == '.')
                                *p = '/';
                r = write_file_at(AT_FDCWD, path, eq + 1, 0644);
                if (r < 0)
                        SYNC_FAIL(sync_fd, r, "linux.sysctl %.*s", (int) (eq - *kv), *kv);
        }
}

static void readonly_paths(char **paths, int sync_fd)
{
        for (char **p = paths; p && *p; p++) {
                _cleanup_close_ int t = open(*p, O_PATH | O_CLOEXEC), m = -EBADF;
                int r;

                if (t < 0 && errno == ENOENT)
                        continue;
                m = t < 0 ? -errno : mnt_clone(t, "", true);
                r = m < 0 ? m : mnt_set_read_only(m, true);
                if (r >= 0)
                        r = mnt_attach(m, t);
                if (r < 0)
                        SYNC_FAIL(sync_fd, r, "linux.readonlyPaths %s", *p);
        }
}

static void masked_paths(char **paths, int sync_fd)
{
        static const char *const empty[] = { "mode=0555", "size=0", NULL };

        for (char **p = paths; p && *p; p++) {
                _cleanup_close_ int t = open(*p, O_PATH | O_CLOEXEC), m = -EBADF;
                struct stat st;
                int r;

                if (t < 0 && errno == ENOENT)
                        continue;
                if (t < 0 || fstat(t, &st) < 0)
                        SYNC_FAIL(sync_fd, -errno, "linux.maskedPaths %s", *p);
                if (S_ISDIR(st.st_mode))
                        m = mnt_new("tmpfs", empty, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                                            MOUNT_ATTR_NOEXEC, NULL);
                else
                        m = mnt_clone(AT_FDCWD, "/dev/null", false);
                r = m < 0 ? m : mnt_attach(m, t);
                if (r < 0)
                        SYNC_FAIL(sync_fd, r, "linux.maskedPaths %s", *p);
        }
}

static int open_terminal(const struct oci_child *c, int root_fd, int sync_fd)
{
        int master = -EBADF, slave = -EBADF;
        struct winsize ws = { .ws_row = (unsigned short) c->spec->process.console_height,
                              .ws_col = (unsigned short) c->spec->process.console_width };
        int r = console_pty_open(root_fd, &master, &slave);

        if (r < 0)
                SYNC_FAIL(sync_fd, r, "making the container's terminal (its /dev/pts/ptmx)");
        if ((ws.ws_row || ws.ws_col) && ioctl(master, TIOCSWINSZ, &ws) < 0)
                SYNC_FAIL(sync_fd, -errno, "setting process.consoleSize");
        r = sync_send(sync_fd, SYNC_CONSOLE_FDS, &master, 1);
        safe_close(master);
        if (r < 0)
                _exit(1);
        return slave;
}

/* Ready: create may end now, and the process must outlive it. Then wait
 * for the byte start writes; an end of file (all writers gone) means
 * delete came first. */
static void wait_for_start(const struct oci_child *c, int sync_fd)
{
        char b;

        if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0)
                SYNC_FAIL(sync_fd, -errno, "clearing the parent-death signal");
        if (sync_send(sync_fd, SYNC_READY, NULL, 0) < 0)
                _exit(1);
        safe_close(sync_fd);
        for (;;) {
                ssize_t n = read(c->fifo_fd, &b, 1);
                if (n == 1)
                        break;
                if (n < 0 && errno == EINTR)
                        continue;
                _exit(1);
        }
}

/* A memfd's text, the whole of it. */
static char *memfd_text(int fd)
{
        struct stat st;
        char *t;

        if (fstat(fd, &st) < 0 || !(t = calloc(1, (size_t) st.st_size + 1)))
                return NULL;
        if (pread(fd, t, (size_t) st.st_size, 0) != st.st_size) {
                free(t);
                return NULL;
        }
        return t;
}

static bool hooks_inside(const struct oci_hooks *h)
{
        return h->n[OCI_HOOK_PRESTART] || h->n[OCI_HOOK_CREATE_RUNTIME] || h->n[OCI_HOOK_CREATE_CONTAINER] ||
               h->n[OCI_HOOK_START_CONTAINER];
}

/* createRuntime by create, then createContainer here, both before the
 * pivot; returns the state for startContainer (NULL: no hooks). */
static char *create_hooks(const struct oci_child *c, int sync_fd)
{
        int fds[SYNC_MAX_FDS];
        size_t n = 0;
        struct sync_msg m;
        char why[512];

        if (!hooks_inside(&c->spec->hooks))
                return NULL;
        if (sync_send(sync_fd, SYNC_HOOKS, NULL, 0) < 0 || sync_recv(sync_fd, &m, fds, &n) <= 0 ||
            m.type != SYNC_GO || n != 2)
                _exit(1);
        _cleanup_free_ char *creating = memfd_text(fds[0]);
        char *created = memfd_text(fds[1]);
        close(fds[0]);
        close(fds[1]);
        if (!creating || !created)
                SYNC_FAIL(sync_fd, -ENOMEM, "reading the state for the hooks");
        if (oci_hooks_run(&c->spec->hooks, OCI_HOOK_CREATE_CONTAINER, creating, why, sizeof(why)) < 0)
                SYNC_FAIL(sync_fd, 0, "%s", why);
        return created;
}

static void set_up_root(const struct oci_child *c, struct handed *h, int staging, int sync_fd, int *ret_tty,
                        char **ret_state)
{
        _cleanup_close_ int root = take(h);
        int r;

        if (root < 0)
                SYNC_FAIL(sync_fd, -EBADF, "getting the root %s", c->spec->root_path);
        r = mnt_attach(root, staging);
        if (r < 0)
                SYNC_FAIL(sync_fd, r, "attaching the root %s", c->spec->root_path);
        mount_all(c->spec, h, root, sync_fd);
        make_devices(c->spec, root, sync_fd);
        default_dev(root, sync_fd);
        *ret_tty = c->spec->process.terminal ? open_terminal(c, root, sync_fd) : -EBADF;
        if (c->utsns && c->spec->hostname && sethostname(c->spec->hostname, strlen(c->spec->hostname)) < 0)
                SYNC_FAIL(sync_fd, -errno, "setting the hostname");
        if (c->utsns && c->spec->domainname &&
            setdomainname(c->spec->domainname, strlen(c->spec->domainname)) < 0)
                SYNC_FAIL(sync_fd, -errno, "setting the domainname");
        *ret_state = create_hooks(c, sync_fd);
        enter_root(c, root, sync_fd);
}

/* The namespaces the process makes itself (unshare_flags): those of a
 * user namespace joined by path, which must be that one's, and a new time
 * namespace, whose offsets go in before a process is in it. The PID and
 * time namespaces are for the next child, which goes on as the
 * container's process; this one says its PID and ends. */
static void late_namespaces(const struct oci_child *c, int sync_fd)
{
        static const char *const clocks[2] = { "monotonic", "boottime" };
        unsigned long late = c->unshare_flags, forked = CLONE_NEWPID | CLONE_NEWTIME;

        if ((late & ~forked) && unshare((int) (late & ~forked)) < 0)
                SYNC_FAIL(sync_fd, -errno, "creating the container's namespaces");
        if (late & CLONE_NEWTIME) {
                char text[128] = "";
                if (unshare(CLONE_NEWTIME) < 0)
                        SYNC_FAIL(sync_fd, -errno, "creating the time namespace");
                for (int i = 0; i < 2; i++)
                        if (c->spec->time_offsets[i].set)
                                snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s %lld %u\n", clocks[i],
                                         (long long) c->spec->time_offsets[i].secs, c->spec->time_offsets[i].nanosecs);
                int r = text[0] ? write_file_at(AT_FDCWD, "/proc/self/timens_offsets", text, 0644) : 0;
                if (r < 0)
                        SYNC_FAIL(sync_fd, r, "linux.timeOffsets");
        }
        if (!(late & forked))
                return;
        if ((late & CLONE_NEWPID) && unshare(CLONE_NEWPID) < 0)
                SYNC_FAIL(sync_fd, -errno, "creating the PID namespace");
        pid_t pid = fork();
        if (pid < 0)
                SYNC_FAIL(sync_fd, -errno, "starting the container's process");
        if (pid > 0) {
                struct sync_msg m = { .type = SYNC_PID };
                snprintf(m.text, sizeof(m.text), "%d", (int) pid);
                _exit(send(sync_fd, &m, sizeof(m), MSG_NOSIGNAL) < 0 ? 1 : 0);
        }
}

/* linux.namespaces' user namespace by path: joined first, so that the
 * namespaces made next are its. */
static void join_userns(const struct oci_child *c, int sync_fd)
{
        int r;

        if (setns(c->join_userns, CLONE_NEWUSER) < 0)
                SYNC_FAIL(sync_fd, -errno, "joining the user namespace of linux.namespaces");
        if ((r = userns_become_root()) < 0)
                SYNC_FAIL(sync_fd, r, "becoming root of the joined user namespace");
        late_namespaces(c, sync_fd);
}

_Noreturn void oci_child_run(const struct oci_child *c, int sync_fd)
{
        const struct oci_process *p = &c->spec->process;
        _cleanup_free_ char *program = NULL, *state = NULL;
        struct handed h = {};
        struct sync_msg msg;
        char what[512];
        int tty, r;

        signals_reset_all();
        /* Modes below are meant as written (linux.devices' fileMode). */
        umask(0);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                SYNC_FAIL(sync_fd, -errno, "setting the parent-death signal");
        r = sync_recv(sync_fd, &msg, h.fds, &h.n);
        if (r <= 0 || msg.type != SYNC_GO)
                _exit(1);
        /* Still the host's root by UID: it may walk into a directory of
         * root's that the container's root could not (--root in /tmp). */
        _cleanup_close_ int staging = open(c->staging, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (staging < 0)
                SYNC_FAIL(sync_fd, -errno, "opening %s", c->staging);
        if (c->join_userns >= 0) {
                /* The new mount namespace takes the working directory
                 * along, translated: the staging directory, there. */
                if (fchdir(staging) < 0)
                        SYNC_FAIL(sync_fd, -errno, "entering %s", c->staging);
                join_userns(c, sync_fd);
                safe_close(staging);
                staging = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (staging < 0 || chdir("/") < 0)
                        SYNC_FAIL(sync_fd, -errno, "opening %s", c->staging);
        } else {
                if (c->userns && (r = userns_become_root()) < 0)
                        SYNC_FAIL(sync_fd, r, "becoming root of the user namespace");
                if (c->userns && prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                        SYNC_FAIL(sync_fd, -errno, "setting the parent-death signal");
                if (c->unshare_flags)
                        late_namespaces(c, sync_fd);
        }
        if (c->new_keyring && (r = privs_new_session_keyring()) < 0)
                SYNC_FAIL(sync_fd, r, "creating the container's session keyring");
        if (c->cgroupns && unshare(CLONE_NEWCGROUP) < 0)
                SYNC_FAIL(sync_fd, -errno, "creating the cgroup namespace");
        if (!c->mntns)
                SYNC_FAIL(sync_fd, 0, "linux.namespaces has no mount namespace: berth-oci builds the root in one");
        if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
                SYNC_FAIL(sync_fd, -errno, "making the mount namespace a slave of the host's");
        set_up_root(c, &h, staging, sync_fd, &tty, &state);
        staging = safe_close(staging);

        write_sysctls(c->spec->sysctl, sync_fd);
        readonly_paths(c->spec->readonly_paths, sync_fd);
        masked_paths(c->spec->masked_paths, sync_fd);
        if (c->spec->root_readonly && mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
                SYNC_FAIL(sync_fd, -errno, "making the root read-only (root.readonly)");
        /* No process (runtime.md allows it): set up, and never started. */
        if (!p->present) {
                wait_for_start(c, sync_fd);
                _exit(1);
        }
        if (p->cwd && chdir(p->cwd) < 0)
                SYNC_FAIL(sync_fd, -errno, "process.cwd %s", p->cwd);
        program = oci_process_find(p);
        if (!program)
                SYNC_FAIL(sync_fd, 0, "exec: \"%s\": executable file not found in $PATH", p->args[0]);
        if (c->spec->personality >= 0 && personality((unsigned long) c->spec->personality) < 0)
                SYNC_FAIL(sync_fd, -errno, "linux.personality");
        r = oci_process_enter(p, tty, c->bounding, &c->filter, c->filter_flags, what, sizeof(what));
        if (r < 0)
                SYNC_FAIL(sync_fd, r, "%s", what);
        oci_process_keep_fds(c->preserve_fds);
        wait_for_start(c, sync_fd);
        if (state && oci_hooks_run(&c->spec->hooks, OCI_HOOK_START_CONTAINER, state, what, sizeof(what)) < 0) {
                fprintf(stderr, "berth-oci: %s\n", what);
                _exit(1);
        }
        if ((r = oci_process_filter_last(p, &c->filter, c->filter_flags)) < 0) {
                fprintf(stderr, "berth-oci: installing linux.seccomp: %s\n", strerror(-r));
                _exit(1);
        }
        execve(program, p->args, p->env);
        r = errno;
        fprintf(stderr, "berth-oci: exec %s: %s\n", program, strerror(r));
        _exit(r == ENOENT ? 127 : 126);
}
