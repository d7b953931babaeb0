/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The machine's first process. It starts as PID 1 of new PID, mount, UTS,
 * IPC and network namespaces, still on the host's root and in the host's
 * cgroup namespace, with full privileges. It waits until the launcher has
 * put it into the machine's cgroup, builds the root, pivots into it, drops
 * capabilities, installs the system-call filter, and execs the machine's
 * init (or the stub). */
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
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "apifs.h"
#include "caps.h"
#include "cpulist.h"
#include "credentials.h"
#include "cleanup.h"
#include "signals.h"
#include "machine.h"
#include "lxcfs.h"
#include "mnt.h"
#include "net.h"
#include "notify.h"
#include "privs.h"
#include "sync.h"
#include "tree.h"
#include "userns.h"
#include "util.h"

/* What the launcher hands over with GO, in this order: the tree as an
 * idmapped mount (when the child does not open it itself), the --ephemeral
 * tmpfs, then one mount per --bind, then one per device node. */
struct handed {
        int fds[SYNC_MAX_FDS];
        size_t n;
        size_t next;
};

static int wait_for_go(int sync_fd, struct handed *h)
{
        struct sync_msg m;
        int r = sync_recv(sync_fd, &m, h->fds, &h->n);

        if (r <= 0)
                return r < 0 ? r : -ECONNRESET;
        return m.type == SYNC_GO ? 0 : -EPROTO;
}

static int handed_take(struct handed *h)
{
        return h->next < h->n ? h->fds[h->next++] : -EBADF;
}

/* overlayfs: the base tree read-only below, the machine's layer above. */
/* Attach a mount the launcher made onto the staging directory, so that it
 * belongs to the machine's mount namespace: overlayfs takes only layers
 * from a namespace whose owner the mounter has CAP_SYS_ADMIN over. The
 * stack on staging is never seen: the overlay goes on top, and pivot_root
 * leaves the rest behind. */
static void attach_on_staging(int mnt_fd, int staging_fd, int sync_fd, const char *what)
{
        /* The mount fd stays valid: it is the root of the now attached mount. */
        int r = mnt_attach(mnt_fd, staging_fd);

        if (r < 0)
                SYNC_FAIL(sync_fd, r, "attaching %s", what);
}

/* The host paths the child needs, opened while it is still the host's
 * root by UID (before it becomes the machine's root, it can walk into a
 * 0700 directory of root's), and in its own mount namespace (overlayfs and
 * move_mount want that). */
struct host_fds {
        int staging;
        int tree;               /* -1: handed over idmapped */
        int upper;              /* -1: --ephemeral, handed over */
        int work;
        int stub;               /* -1: --boot */
        int layer;              /* the upper layer, --ephemeral's too (set by mount_overlay) */
};

static void open_host_paths(const struct machine *m, struct host_fds *f, int sync_fd)
{
        *f = (struct host_fds) { -1, -1, -1, -1, -1, -1 };
        f->staging = open(m->staging, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (f->staging < 0)
                SYNC_FAIL(sync_fd, -errno, "opening %s", m->staging);
        if (m->lower) {
                f->tree = open(m->lower, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (f->tree < 0)
                        SYNC_FAIL(sync_fd, -errno, "opening tree %s", m->lower);
        }
        if (m->upper) {
                f->upper = open(m->upper, O_PATH | O_DIRECTORY | O_CLOEXEC);
                f->work = open(m->work, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (f->upper < 0 || f->work < 0)
                        SYNC_FAIL(sync_fd, -errno, "opening the writable layer %s", m->upper);
        }
        /* The stub is the host's: open it while the host is still visible. */
        if (!m->init) {
                f->stub = open(m->stub, O_PATH | O_CLOEXEC);
                if (f->stub < 0)
                        SYNC_FAIL(sync_fd, -errno, "opening %s", m->stub);
        }
}

/* The lower layers: the tree, or each layer of a layered image below the
 * directory of layers f->tree is (top first, as overlayfs stacks them). */
static char **lower_options(const struct machine *m, int tree_fd, int sync_fd)
{
        char *const *layers = m->settings->layers;
        char **opts = calloc(strv_length(layers) + 5, sizeof(char *));
        size_t n = 0;

        if (!opts)
                SYNC_FAIL(sync_fd, -ENOMEM, "mounting the overlay");
        for (size_t i = 0; layers && layers[i]; i++)
                if (asprintf(&opts[n++], "lowerdir+=/proc/self/fd/%d/%s", tree_fd, layers[i]) < 0)
                        SYNC_FAIL(sync_fd, -ENOMEM, "mounting the overlay");
        if (n == 0 && asprintf(&opts[n++], "lowerdir=/proc/self/fd/%d", tree_fd) < 0)
                SYNC_FAIL(sync_fd, -ENOMEM, "mounting the overlay");
        return opts;
}

static int mount_overlay(const struct machine *m, struct host_fds *f, struct handed *h, int sync_fd)
{
        _cleanup_close_ int eph = -EBADF, ovl = -EBADF;
        char upper[64], work[64];
        struct mnt_error err;
        int r;

        if (f->tree < 0) {
                f->tree = handed_take(h);
                if (f->tree < 0)
                        SYNC_FAIL(sync_fd, -EBADF, "getting the idmapped tree %s", m->settings->directory);
                attach_on_staging(f->tree, f->staging, sync_fd, "the idmapped tree");
        }
        /* The layers are named through /proc/self/fd: no path string of the
         * host has to survive overlayfs's option parsing (commas, colons). */
        _cleanup_strv_ char **opts = lower_options(m, f->tree, sync_fd);
        if (f->upper >= 0) {
                snprintf(upper, sizeof(upper), "upperdir=/proc/self/fd/%d", f->upper);
                snprintf(work, sizeof(work), "workdir=/proc/self/fd/%d", f->work);
        } else {
                eph = handed_take(h);
                if (eph < 0)
                        SYNC_FAIL(sync_fd, -EBADF, "getting the tmpfs for --ephemeral");
                attach_on_staging(eph, f->staging, sync_fd, "the tmpfs for --ephemeral");
                snprintf(upper, sizeof(upper), "upperdir=/proc/self/fd/%d/upper", eph);
                snprintf(work, sizeof(work), "workdir=/proc/self/fd/%d/work", eph);
        }
        /* In a user namespace overlayfs may not use trusted.* xattrs. */
        size_t n = strv_length(opts);
        opts[n++] = strdup(upper);
        opts[n++] = strdup(work);
        if (m->userxattr)
                opts[n++] = strdup("userxattr");
        for (size_t i = 0; i < n; i++)
                if (!opts[i])
                        SYNC_FAIL(sync_fd, -ENOMEM, "mounting the overlay");
        ovl = mnt_new("overlay", (const char *const *) opts, 0, &err);
        if (ovl < 0)
                SYNC_FAIL(sync_fd, ovl, "mounting the overlay of %s%s%s%s", m->settings->directory,
                     err.text[0] ? " (overlayfs: " : "", err.text, err.text[0] ? ")" : "");
        r = mnt_attach(ovl, f->staging);
        if (r < 0)
                SYNC_FAIL(sync_fd, r, "attaching the overlay on %s", m->staging);
        f->layer = f->upper >= 0 ? f->upper : openat(eph, "upper", O_PATH | O_DIRECTORY | O_CLOEXEC);
        return take_fd(&ovl);   /* the root of the machine */
}

/* /proc, /sys, /dev, /run and /tmp must be directories of the root itself
 * before anything is mounted there (apifs.c says which are refused and
 * why). A refusal is one sentence: no errno text after it. */
static void prepare_mount_points(const struct machine *m, int root_fd, int layer_fd, int sync_fd)
{
        struct apifs_refusal x;
        int r = apifs_prepare_points(root_fd, layer_fd, &x);
        char where[300];

        if (r == -ENOTDIR) {
                if (!x.in_layer)
                        snprintf(where, sizeof(where), "tree %s", m->settings->directory);
                else if (m->upper)
                        snprintf(where, sizeof(where), "its own layer %s", m->upper);
                else
                        snprintf(where, sizeof(where), "its own layer (the tmpfs of --ephemeral)");
                SYNC_FAIL(sync_fd, 0,
                     "/%s in %s is %s, not a directory: berth mounts the machine's /%s on a directory only, "
                     "following no symlink; make /%s an empty directory",
                     x.name, where, x.what, x.name, x.name);
        }
        if (r < 0)
                SYNC_FAIL(sync_fd, r, "preparing /proc, /sys, /dev, /run and /tmp");
}

/* A mount's target the machine does not have: when a symlink of the tree
 * on the way leads nowhere inside the machine, berth says which; it never
 * makes what the link points at (nor follows it to the host). */
_Noreturn static void fail_target(int sync_fd, int root_fd, int r, const char *what, const char *target)
{
        char link[PATH_MAX], to[PATH_MAX];

        if (r == -ENOENT && tree_dangling_link(root_fd, target, link, sizeof(link), to, sizeof(to)) > 0)
                SYNC_FAIL(sync_fd, r, "%s on %s: %s is a symbolic link to %s, which the machine does not have", what,
                     target, link, to);
        SYNC_FAIL(sync_fd, r, "%s on %s", what, target);
}

/* The binds come made by the launcher (read-only, idmapped as asked): only
 * the host may clone its own mounts. */
static void mount_user_binds(const struct machine *m, struct handed *h, int root_fd, int sync_fd)
{
        const struct settings *s = m->settings;

        for (size_t i = 0; i < s->n_binds; i++) {
                const struct bind *b = &s->binds[i];
                _cleanup_close_ int src = handed_take(h);
                struct stat st;
                int r;

                if (src < 0)
                        SYNC_FAIL(sync_fd, -EBADF, "binding %s", b->source);
                if (fstat(src, &st) < 0)
                        SYNC_FAIL(sync_fd, -errno, "binding %s", b->source);
                r = S_ISDIR(st.st_mode) ? mnt_attach_dir(src, root_fd, b->target)
                                        : mnt_attach_file(src, root_fd, b->target);
                if (r < 0) {
                        char what[PATH_MAX + 16];
                        snprintf(what, sizeof(what), "binding %s", b->source);
                        fail_target(sync_fd, root_fd, r, what, b->target);
                }
        }
        for (size_t i = 0; i < s->n_tmpfs; i++) {
                const struct tmpfs *t = &s->tmpfs[i];
                struct mnt_error err;
                _cleanup_close_ int fd = mnt_new("tmpfs", (const char *const *) t->options, t->attrs, &err);
                if (fd < 0)
                        SYNC_FAIL(sync_fd, fd, "mounting a tmpfs on %s%s%s%s", t->target, err.text[0] ? " (" : "",
                             err.text, err.text[0] ? ")" : "");
                int r = mnt_attach_dir(fd, root_fd, t->target);
                if (r < 0)
                        fail_target(sync_fd, root_fd, r, "mounting a tmpfs", t->target);
        }
}

/* The device nodes the launcher made (devices.h), each at its path in
 * the machine's /dev; their fds come after the binds'. */
static void mount_devices(const struct machine *m, struct handed *h, int root_fd, int sync_fd)
{
        for (size_t i = 0; i < m->devices.n; i++) {
                const char *path = m->devices.list[i].path;
                _cleanup_close_ int src = handed_take(h);
                int r;

                if (src < 0)
                        SYNC_FAIL(sync_fd, -EBADF, "binding %s", path);
                r = mnt_attach_file(src, root_fd, path + 1);
                if (r < 0)
                        SYNC_FAIL(sync_fd, r, "binding %s", path);
        }
}

/* A PTY from the machine's own devpts (console_pty_open): the slave
 * becomes /dev/console and PID 1's stdio, the master goes to the launcher. */
static int open_console(int root_fd, int sync_fd)
{
        _cleanup_close_ int master = -EBADF, slave = -EBADF;
        int r = console_pty_open(root_fd, &master, &slave);

        if (r < 0)
                return r;
        int fds[2] = { master, slave };
        r = sync_send(sync_fd, SYNC_CONSOLE_FDS, fds, 2);
        if (r < 0)
                return r;
        return take_fd(&slave);
}

static int pivot_into(int root_fd)
{
        /* With "." as both new and old root the old root ends up stacked
         * under the new one, and is detached right away. */
        if (fchdir(root_fd) < 0)
                return -errno;
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return -errno;
        if (umount2(".", MNT_DETACH) < 0)
                return -errno;
        if (chdir("/") < 0)
                return -errno;
        /* Shared within the machine, as systemd in a container expects
         * its container manager to leave it (it does this itself only on
         * a host): a service's own mount namespace then sees what is
         * mounted later (its credentials, a bind into the running
         * machine). pivot_root would not take a shared root, and none of
         * this reaches the host, whose mounts are slaves here. */
        if (mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL) < 0)
                return -errno;
        return 0;
}

/* --link-journal: the host's directory on /var/log/journal/ID, or that
 * directory made in the machine's own layer for the host's link to it. */
static void mount_journal(const struct machine *m, struct handed *h, int root_fd, int sync_fd)
{
        char path[64];

        snprintf(path, sizeof(path), "var/log/journal/%s", m->journal_id);
        if (m->journal_guest) {
                _cleanup_close_ int fd = tree_mkdir_p(root_fd, path, 0755);
                if (fd < 0)
                        SYNC_FAIL(sync_fd, fd, "making /%s for the host's link", path);
        }
        if (!m->journal_source)
                return;
        _cleanup_close_ int src = handed_take(h);
        int r = src < 0 ? -EBADF : mnt_attach_dir(src, root_fd, path);
        if (r < 0)
                SYNC_FAIL(sync_fd, r, "mounting the host's %s on /%s", m->journal_source, path);
}

/* lxcfs's files over the machine's /proc and /sys ones, from the clone
 * the launcher made (after the journal's in GO). */
static void mount_lxcfs(const struct machine *m, struct handed *h, int root_fd, int sync_fd)
{
        char what[128];
        _cleanup_close_ int src = -EBADF;
        int r;

        if (!m->lxcfs)
                return;
        src = handed_take(h);
        r = src < 0 ? -EBADF : lxcfs_attach(src, root_fd, what, sizeof(what));
        if (r < 0)
                SYNC_FAIL(sync_fd, r, "%s", src < 0 ? "binding lxcfs" : what);
}

/* PID 1 becomes berth-stub, which runs the command as PID 2. */
_Noreturn static void exec_stub(const struct settings *s, int stub_fd, char **cmd, char **env, int sync_fd,
                                bool tty)
{
        _cleanup_strv_ char **argv = calloc(1, sizeof(char *));
        _cleanup_free_ char *user = s->user ? strjoin("--user=", s->user, NULL) : NULL;
        _cleanup_free_ char *dir = s->chdir ? strjoin("--chdir=", s->chdir, NULL) : NULL;
        char arg[32];
        int r;

        snprintf(arg, sizeof(arg), "--sync-fd=%d", sync_fd);
        if (!argv || strv_push(&argv, "berth-stub") < 0 || strv_push(&argv, arg) < 0 ||
            (tty && strv_push(&argv, "--tty") < 0) || (s->user && (!user || strv_push(&argv, user) < 0)) ||
            (s->chdir && (!dir || strv_push(&argv, dir) < 0)) || strv_push(&argv, "--") < 0)
                SYNC_FAIL(sync_fd, -ENOMEM, "preparing PID 1");
        for (char **c = cmd; *c; c++)
                if (strv_push(&argv, *c) < 0)
                        SYNC_FAIL(sync_fd, -ENOMEM, "preparing PID 1");
        /* The sync socket stays open across this exec (the stub closes it
         * once the command runs), every other fd closes. */
        if (fcntl(sync_fd, F_SETFD, 0) < 0)
                SYNC_FAIL(sync_fd, -errno, "preparing PID 1");
        execveat(stub_fd, "", argv, env, AT_EMPTY_PATH);
        r = -errno;
        (void) fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
        SYNC_FAIL(sync_fd, r, "executing berth-stub");
}

static char **init_argv(const struct machine *m)
{
        _cleanup_strv_ char **argv = calloc(1, sizeof(char *));

        if (!argv)
                return NULL;
        if (m->init && strv_push(&argv, m->init) < 0)
                return NULL;
        for (char **a = m->argv; a && *a; a++)
                if (strv_push(&argv, *a) < 0)
                        return NULL;
        return take_ptr(argv);
}

_Noreturn void child_run(const struct machine *m, int sync_fd)
{
        _cleanup_close_ int root = -EBADF, run_host = -EBADF, notify = -EBADF, console = -EBADF;
        _cleanup_strv_ char **env = NULL, **argv = NULL;
        struct handed handed = {};
        struct host_fds host;
        int r;

        signals_reset_all();
        /* Modes below are meant as written (device nodes 0666, ...). */
        umask(0);
        /* If the launcher dies, so does the machine: no orphans. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                SYNC_FAIL(sync_fd, -errno, "setting the parent-death signal");
        r = wait_for_go(sync_fd, &handed);
        if (r < 0)
                _exit(1);       /* the launcher is gone or gave up; it says why */
        open_host_paths(m, &host, sync_fd);
        if (m->userns) {
                /* The maps are written: become the machine's root. That is a
                 * change of credentials, which clears the parent-death
                 * signal: set it again. */
                if ((r = userns_become_root()) < 0)
                        SYNC_FAIL(sync_fd, r, "becoming root of the user namespace");
                if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                        SYNC_FAIL(sync_fd, -errno, "setting the parent-death signal");
        }
        /* As the machine's root, so that it owns it: no key of the
         * launcher's session is reachable from inside (privs.c). */
        if ((r = privs_new_session_keyring()) < 0)
                SYNC_FAIL(sync_fd, r, "creating the machine's session keyring");

        /* Now in the machine's cgroup: root the cgroup namespace here. */
        if (m->cgroup && unshare(CLONE_NEWCGROUP) < 0)
                SYNC_FAIL(sync_fd, -errno, "creating the cgroup namespace");
        /* Nothing mounted from here on may reach the host. */
        if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
                SYNC_FAIL(sync_fd, -errno, "making the mount namespace private");

        root = mount_overlay(m, &host, &handed, sync_fd);
        prepare_mount_points(m, root, host.layer, sync_fd);
        if ((r = apifs_mount_proc(root)) < 0)
                SYNC_FAIL(sync_fd, r, "mounting /proc");
        if ((r = apifs_mount_sys(root, m->cgroup, m->sysfs_fd)) < 0)
                SYNC_FAIL(sync_fd, r, "mounting /sys");
        if ((r = apifs_mount_dev(root)) < 0)
                SYNC_FAIL(sync_fd, r, "populating /dev");
        if ((r = apifs_mount_run_tmp(root)) < 0)
                SYNC_FAIL(sync_fd, r, "mounting /run and /tmp");
        if ((r = identity_write_run_host(root, m)) < 0)
                SYNC_FAIL(sync_fd, r, "writing /run/host");
        if ((r = credentials_mount(root, m->settings)) < 0)
                SYNC_FAIL(sync_fd, r, "passing the credentials in %s", CREDENTIALS_PATH);
        if ((r = identity_machine_id(root, m)) < 0)
                SYNC_FAIL(sync_fd, r, "setting up /etc/machine-id");
        if ((r = etc_resolv_apply(root, &m->etc)) < 0)
                SYNC_FAIL(sync_fd, r, "setting up /etc/resolv.conf");
        if ((r = etc_timezone_apply(root, &m->etc)) < 0)
                SYNC_FAIL(sync_fd, r, "setting up /etc/localtime");
        if ((r = identity_write_networkd(root, m)) < 0)
                SYNC_FAIL(sync_fd, r, "writing /run/systemd/network/10-berth-host0.network");
        if (console_has_pty(m->console)) {
                console = open_console(root, sync_fd);
                if (console < 0)
                        SYNC_FAIL(sync_fd, console, "setting up the console");
        }
        mount_user_binds(m, &handed, root, sync_fd);
        mount_devices(m, &handed, root, sync_fd);
        mount_journal(m, &handed, root, sync_fd);
        mount_lxcfs(m, &handed, root, sync_fd);

        run_host = tree_open(root, "run/host", O_PATH | O_DIRECTORY);
        if (run_host < 0)
                SYNC_FAIL(sync_fd, run_host, "opening /run/host");
        notify = notify_bind(run_host);
        if (notify < 0)
                SYNC_FAIL(sync_fd, notify, "binding %s", NOTIFY_SOCKET_PATH);
        if ((r = sync_send(sync_fd, SYNC_NOTIFY_FD, &notify, 1)) < 0)
                _exit(1);
        notify = safe_close(notify);

        if (sethostname(m->hostname, strlen(m->hostname)) < 0)
                SYNC_FAIL(sync_fd, -errno, "setting the hostname");
        if ((r = net_loopback_up()) < 0)
                SYNC_FAIL(sync_fd, r, "bringing up lo");
        if ((r = pivot_into(root)) < 0)
                SYNC_FAIL(sync_fd, r, "pivoting into the machine's root");
        /* PID 1's CPUs, inherited by everything it starts (nspawn's). */
        if (m->settings->cpu_affinity_set &&
            sched_setaffinity(0, sizeof(m->settings->cpu_affinity), &m->settings->cpu_affinity) < 0) {
                char list[256];
                cpu_list_format(&m->settings->cpu_affinity, list, sizeof(list));
                SYNC_FAIL(sync_fd, 0, "--cpu-affinity=%s: %s", list,
                     errno == EINVAL ? "none of these CPUs is online here" : strerror(errno));
        }
        if ((r = privs_drop_caps(caps_machine_keep(m->settings))) < 0)
                SYNC_FAIL(sync_fd, r, "dropping capabilities");
        /* Inherited by everything in the machine, kept across exec. */
        if (m->settings->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                SYNC_FAIL(sync_fd, -errno, "setting no_new_privs");

        env = identity_environment(m);
        argv = init_argv(m);
        if (!env || !argv)
                SYNC_FAIL(sync_fd, -ENOMEM, "preparing PID 1");

        umask(0022);
        if (setsid() < 0)
                SYNC_FAIL(sync_fd, -errno, "creating a session");
        if (console >= 0) {
                if (dup2(console, STDIN_FILENO) < 0 || dup2(console, STDOUT_FILENO) < 0 ||
                    dup2(console, STDERR_FILENO) < 0)
                        SYNC_FAIL(sync_fd, -errno, "connecting the console");
                console = safe_close(console);
        }

        /* Last before exec: PID 1 and everything it starts run under the
         * machine's system-call filter (what is left here, fcntl, exec
         * and close_range, it allows). It needs CAP_SYS_ADMIN in this
         * user namespace, which the machine's root still has: exec only
         * recomputes its capabilities from the bounding set. */
        if ((r = seccomp_program_install(&m->filter)) < 0)
                SYNC_FAIL(sync_fd, r, "installing the system-call filter");
        if (!m->init)
                exec_stub(m->settings, host.stub, argv, env, sync_fd, console_has_pty(m->console));

        /* Nothing berth was handed by its caller (a test runner's pipes, a
         * service manager's sockets) reaches the machine's init: every fd
         * but stdio closes at exec. The stub does the same for itself. */
        (void) syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
        execve(m->init, argv, env);
        r = -errno;
        sync_send_error(sync_fd, r, "executing %s", m->init);
        _exit(r == -ENOENT ? 127 : 126);
}
