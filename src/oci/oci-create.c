/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-oci create, the host's side: the bundle read into the launcher's
 * settings, the state directory claimed, the cgroup made by the
 * launcher's cgroupfs backend (limits, device policy), namespaces joined
 * by path or made by clone3, the ID maps written, the root and binds
 * cloned (idmapped where berth made the user namespace) and handed to
 * the container's process; once it says it is ready, the state is saved
 * and create ends. */
#include "oci-create-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/nsfs.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bundle-settings.h"
#include "caps.h"
#include "cgroup.h"
#include "cleanup.h"
#include "devices.h"
#include "log.h"
#include "mnt.h"
#include "mount-opts.h"
#include "name.h"
#include "oci-cgroup.h"
#include "oci-child.h"
#include "oci-console.h"
#include "oci-notify.h"
#include "oci-proc.h"
#include "oci-seccomp.h"
#include "oci-state.h"
#include "oci-system.h"
#include "settings.h"
#include "sync.h"
#include "uidrange.h"
#include "userns.h"
#include "util.h"


void oci_machine_name(const char *id, char *ret, size_t size)
{
        uint64_t h = UINT64_C(14695981039346656037);

        if (machine_name_valid(id) && strlen(id) < size) {
                snprintf(ret, size, "%s", id);
                return;
        }
        for (const char *c = id; *c; c++)
                h = (h ^ (unsigned char) *c) * UINT64_C(1099511628211);
        snprintf(ret, size, "oci-%016llx", (unsigned long long) h);
}

/* System-container mode (oci-system.c): with a user namespace of
 * berth's, a range is picked and claimed, and the root idmapped. */
static int system_mode(struct create *c)
{
        struct oci_system sys;
        int r;

        if (!oci_system_container(&c->spec))
                return 0;
        r = oci_system_adjust(&c->spec, &sys);
        if (r < 0)
                return log_oom();
        c->term_signal = sys.term_signal;
        if (!sys.own_userns)
                return 0;
        r = uid_range_pick(c->name, 0, &c->range);
        if (r == -EUSERS)
                return log_error_ret(r, "container %s: no free range of %u IDs is left for its user namespace",
                                     c->o->id, (unsigned) UID_RANGE_SIZE);
        if (r < 0)
                return log_error_errno(r, "container %s: claiming an ID range", c->o->id);
        c->idmap_root = true;
        r = oci_system_set_range(&c->spec, c->range.base, c->range.size);
        return r < 0 ? log_oom() : 0;
}

static int load_bundle(struct create *c)
{
        char why[512];
        int r;

        c->bundle = realpath(c->o->bundle, NULL);
        if (!c->bundle)
                return log_error_errno(-errno, "bundle %s", c->o->bundle);
        r = oci_spec_load(c->bundle, &c->spec, why, sizeof(why));
        if (r < 0)
                return log_error_ret(r, "%s", why);
        oci_machine_name(c->o->id, c->name, sizeof(c->name));
        if (c->spec.resources_unapplied) {
                _cleanup_free_ char *list = strv_join(c->spec.resources_unapplied, ", ");
                log_warning("container %s: linux.resources %s: not applied by berth-oci, continuing", c->o->id,
                            list ?: "");
        }
        r = system_mode(c);
        if (r < 0)
                return r;
        r = oci_to_settings(&c->spec, c->name, &c->s, why, sizeof(why));
        if (r < 0)
                return log_error_ret(r, "%s", why);
        struct stat st;
        if (stat(c->spec.root_path, &st) < 0)
                return log_error_errno(-errno, "root.path %s", c->spec.root_path);
        if (!S_ISDIR(st.st_mode))
                return log_error_ret(-ENOTDIR, "root.path %s is not a directory", c->spec.root_path);
        return 0;
}

static int claim_dir(struct create *c)
{
        int r = mkdir_p(c->o->root, 0711);

        if (r < 0)
                return log_error_errno(r, "creating the state directory %s", c->o->root);
        if (asprintf(&c->dir, "%s/%s", c->o->root, c->o->id) < 0)
                return log_oom();
        if (mkdir(c->dir, 0711) < 0) {
                r = -errno;
                free(c->dir);
                c->dir = NULL;
                if (r == -EEXIST)
                        return log_error_ret(r, "container with id exists: %s", c->o->id);
                return log_error_errno(r, "creating %s/%s", c->o->root, c->o->id);
        }
        return 0;
}

/* The exec fifo and the directory the root is attached on (in the
 * container's mount namespace only). */
static int make_handles(struct create *c)
{
        _cleanup_free_ char *fifo = strjoin(c->dir, "/exec.fifo", NULL);

        c->staging = strjoin(c->dir, "/mnt", NULL);
        if (!fifo || !c->staging)
                return log_oom();
        if (mkfifo(fifo, 0600) < 0 || mkdir(c->staging, 0755) < 0)
                return log_error_errno(-errno, "creating %s", c->dir);
        c->child.staging = c->staging;
        c->child.fifo_fd = open(fifo, O_RDWR | O_CLOEXEC);
        if (c->child.fifo_fd < 0)
                return log_error_errno(-errno, "opening %s", fifo);
        return 0;
}

static int prepare_cgroup(struct create *c)
{
        struct oci_cgroup_args a = {
                .spec = &c->spec, .settings = &c->s, .id = c->o->id, .name = c->name,
                .userns = c->child.userns, .systemd = c->o->systemd_cgroup,
        };

        int r = oci_cgroup_open(&a, &c->cg, &c->devices, &c->n_devices);
        c->cgroup_at = a.at;
        if (r >= 0 && c->spec.memory_swap && (r = oci_cgroup_swap(&c->cg, c->spec.memory_swap, c->s.limits.memory_max)) < 0)
                return r == -EINVAL ? log_error_ret(r, "linux.resources.memory.swap %lld: needs a memory.limit, and "
                                                    "not one above it, %llu (swap is memory and swap together)",
                                                    (long long) c->spec.memory_swap,
                                                    (unsigned long long) c->s.limits.memory_max)
                                    : r == -EOPNOTSUPP ? (log_warning("container %s: linux.resources.memory.swap: no "
                                                                      "memory controller with swap accounting here, "
                                                                      "not applied, continuing", c->o->id), 0)
                                                       : log_error_errno(r, "linux.resources.memory.swap");
        return r;
}

static const int ns_flags[_OCI_NS_MAX] = {
        [OCI_NS_PID] = CLONE_NEWPID,     [OCI_NS_NETWORK] = CLONE_NEWNET, [OCI_NS_MOUNT] = CLONE_NEWNS,
        [OCI_NS_IPC] = CLONE_NEWIPC,     [OCI_NS_UTS] = CLONE_NEWUTS,     [OCI_NS_USER] = CLONE_NEWUSER,
        [OCI_NS_CGROUP] = CLONE_NEWCGROUP, [OCI_NS_TIME] = CLONE_NEWTIME,
};

/* Those given by path are joined here, before the clone: the process is
 * born in them (from inside a new user namespace it could not join one
 * of the host's). create ends soon after; nothing it does later depends
 * on them. The rest are new, made by the clone (the cgroup namespace by
 * the process, once it is in its cgroup). */
static int namespaces(struct create *c, uint64_t *ret_flags)
{
        uint64_t flags = 0;

        for (int i = 0; i < _OCI_NS_MAX; i++) {
                const struct oci_namespace *ns = &c->spec.ns[i];
                _cleanup_close_ int fd = -EBADF;

                /* A new cgroup namespace is the process's to make, once it is
                 * in its cgroup; one by path is joined here as the others. */
                if (!ns->wanted || (i == OCI_NS_CGROUP && !ns->path))
                        continue;
                if (!ns->path) {
                        flags |= (uint64_t) ns_flags[i];
                        continue;
                }
                fd = open(ns->path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        return log_error_errno(-errno, "linux.namespaces: %s namespace path %s", oci_ns_name(i),
                                               ns->path);
                if (ioctl(fd, NS_GET_NSTYPE) != ns_flags[i])
                        return log_error_ret(-EINVAL, "linux.namespaces: %s is not a %s namespace", ns->path,
                                             oci_ns_name(i));
                /* The process joins a user namespace itself, first. */
                if (i == OCI_NS_USER) {
                        c->child.join_userns = take_fd(&fd);
                        continue;
                }
                if (setns(fd, ns_flags[i]) < 0)
                        return log_error_errno(-errno, "joining the %s namespace %s", oci_ns_name(i), ns->path);
        }
        *ret_flags = flags;
        return 0;
}

static int set_limits(struct create *c)
{
        const struct oci_process *p = &c->spec.process;
        char path[64], value[16];

        for (size_t i = 0; i < p->n_rlimits; i++) {
                struct rlimit64 rl = { p->rlimits[i].soft, p->rlimits[i].hard }, now = {};
                if (prlimit64(c->pid, p->rlimits[i].resource, &rl, NULL) >= 0)
                        continue;
                int r = -errno;
                /* A hard limit above the present one needs CAP_SYS_RESOURCE,
                 * which a sandboxed root may lack: say which. */
                if (r == -EPERM && prlimit64(c->pid, p->rlimits[i].resource, NULL, &now) >= 0 &&
                    rl.rlim_max > now.rlim_max)
                        return log_error_ret(r, "process.rlimits[%zu]: a hard limit of %llu is above the present %llu, "
                                             "and berth-oci may not raise it (no CAP_SYS_RESOURCE)", i,
                                             (unsigned long long) rl.rlim_max, (unsigned long long) now.rlim_max);
                return log_error_errno(r, "process.rlimits[%zu]", i);
        }
        if (!p->has_oom_score_adj)
                return 0;
        snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int) c->pid);
        snprintf(value, sizeof(value), "%d", p->oom_score_adj);
        int r = write_file_at(AT_FDCWD, path, value, 0644);
        return r < 0 ? log_error_errno(r, "process.oomScoreAdj %d", p->oom_score_adj) : 0;
}

static pid_t clone_process(struct create *c, uint64_t flags, int cgroup_fd, int *ret_pidfd)
{
        struct clone_args ca = {
                .flags = flags | CLONE_PIDFD,
                .pidfd = (uint64_t) (uintptr_t) ret_pidfd,
                .exit_signal = SIGCHLD,
        };

        if (cgroup_fd >= 0) {
                ca.flags |= CLONE_INTO_CGROUP;
                ca.cgroup = (uint64_t) cgroup_fd;
        }
        (void) c;
        return (pid_t) syscall(SYS_clone3, &ca, sizeof(ca));
}

static int start_process(struct create *c)
{
        _cleanup_close_ int cgroup_fd = c->cg.path ? cgroup_payload_fd(&c->cg) : -EBADF;
        uint64_t flags = 0;
        int sp[2], r;

        r = namespaces(c, &flags);
        if (r < 0)
                return r;
        c->child.userns = flags & CLONE_NEWUSER;
        c->child.mntns = flags & CLONE_NEWNS;
        if (c->child.join_userns >= 0) {
                c->child.unshare_flags = flags;
                flags = 0;
        } else if (flags & CLONE_NEWTIME) {
                /* A new time namespace takes its offsets before a process
                 * is in it: made by the process, for its child (with the
                 * new PID namespace, so that the child is PID 1). */
                c->child.unshare_flags = flags & (CLONE_NEWTIME | CLONE_NEWPID);
                flags &= ~(uint64_t) (CLONE_NEWTIME | CLONE_NEWPID);
        }
        c->child.utsns = c->spec.ns[OCI_NS_UTS].wanted;
        c->child.cgroupns = c->spec.ns[OCI_NS_CGROUP].wanted && !c->spec.ns[OCI_NS_CGROUP].path;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
                return log_error_errno(-errno, "creating the sync socket");
        bool born_in_cgroup = cgroup_fd >= 0;
        c->pid = clone_process(c, flags, cgroup_fd, &c->pidfd);
        if (c->pid < 0 && born_in_cgroup && (errno == EINVAL || errno == E2BIG || errno == EOPNOTSUPP)) {
                born_in_cgroup = false;
                c->pid = clone_process(c, flags, -EBADF, &c->pidfd);
        }
        if (c->pid < 0) {
                r = -errno;
                close(sp[0]);
                close(sp[1]);
                return log_error_errno(r, "creating the container's namespaces");
        }
        if (c->pid == 0) {
                close(sp[0]);
                oci_child_run(&c->child, sp[1]);
        }
        close(sp[1]);
        c->sync_fd = sp[0];
        if (c->cg.path && (r = cgroup_attach_payload(&c->cg, c->pid, born_in_cgroup)) < 0)
                return log_error_errno(r, "moving the container's process into its cgroup");
        if (c->child.userns && (r = userns_write_maps(c->pid, c->s.users_base, c->s.users_size)) < 0)
                return log_error_errno(r, "writing the container's UID/GID maps");
        r = set_limits(c);
        if (r < 0)
                return r;
        int fds[SYNC_MAX_FDS];
        size_t n = 0;
        r = oci_create_handed_mounts(c, fds, &n);
        if (r < 0)
                return r;
        r = sync_send(c->sync_fd, SYNC_GO, fds, n);
        for (size_t i = 0; i < n; i++)
                close(fds[i]);
        return r < 0 ? log_error_errno(r, "starting the container's process") : 0;
}

/* Until the process says it is ready: its failure is create's, said in
 * one line. */
static int wait_ready(struct create *c)
{
        for (;;) {
                struct sync_msg m;
                int r = oci_sync_next(c->sync_fd, c->console_fd, c->o->console_socket, &m);

                if (r == 0)
                        return log_error_ret(-ECHILD, "container %s: its process ended while it was set up",
                                             c->o->id);
                if (r < 0)
                        return r;
                if (m.type == SYNC_PID) {
                        /* A user namespace joined by path: the process is
                         * the first one's child, in the new PID namespace. */
                        siginfo_t si;
                        c->pid = (pid_t) atoi(m.text);
                        (void) waitid(P_PIDFD, (id_t) c->pidfd, &si, WEXITED);
                        safe_close(c->pidfd);
                        c->pidfd = (int) syscall(SYS_pidfd_open, c->pid, 0);
                        if (c->pidfd < 0)
                                return log_error_errno(-errno, "container %s: its process %d", c->o->id,
                                                       (int) c->pid);
                }
                if (m.type == SYNC_HOOKS && (r = oci_create_run_hooks(c)) < 0)
                        return r;
                if (m.type == SYNC_READY)
                        return 0;
        }
}

static int save_state(struct create *c)
{
        struct oci_state st = {
                .oci_version = c->spec.oci_version,
                .id = (char *) c->o->id,
                .status = OCI_CREATED,
                .pid = c->pid,
                .bundle = c->bundle,
                .annotations = c->spec.annotations,
                .cgroup = c->cg.path,
                .cgroup_id = c->cg.id,
                .hooks = c->spec.hooks.json,
                .seccomp_flags = c->child.filter_flags,
                .term_signal = c->term_signal,
                .no_process = !c->spec.process.present,
                .notify_socket = c->spec.process.present ? getenv("NOTIFY_SOCKET") : NULL,
                .uid_base = c->range.lock_fd >= 0 ? c->range.base : 0,
        };
        _cleanup_strv_ char **v1 = NULL;
        char created[64];
        int r;

        oci_now_rfc3339(created, sizeof(created));
        st.created = created;
        r = oci_proc_start_time(c->pid, &st.start_time);
        if (r < 0)
                return log_error_errno(r, "reading the container's process %d", (int) c->pid);
        if (oci_cgroup_v1_lines(&c->cg, &v1) < 0)
                return log_oom();
        st.cgroup_v1 = v1;
        st.cgroup_at = c->cgroup_at;
        /* exec's processes get the container's filter too. */
        if (c->child.filter.len) {
                _cleanup_free_ char *bpf = strjoin(c->dir, "/seccomp.bpf", NULL);
                if (!bpf)
                        return log_oom();
                _cleanup_close_ int fd = open(bpf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                size_t size = c->child.filter.len * sizeof(struct sock_filter);
                if (fd < 0 || write_full(fd, c->child.filter.insns, size) < 0)
                        return log_error_errno(-errno, "writing %s", bpf);
        }
        r = oci_state_save(c->o->root, &st);
        if (r < 0)
                return log_error_errno(r, "writing %s/state.json", c->dir);
        if (c->o->pid_file) {
                char pid[16];
                snprintf(pid, sizeof(pid), "%d", (int) c->pid);
                r = write_file_atomic(c->o->pid_file, pid, 0644);
                if (r < 0)
                        return log_error_errno(r, "writing --pid-file %s", c->o->pid_file);
                c->wrote_pid_file = true;
        }
        return 0;
}

static void undo(struct create *c)
{
        siginfo_t si;

        if (c->pidfd >= 0) {
                (void) syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
                (void) waitid(P_PIDFD, (id_t) c->pidfd, &si, WEXITED);
        }
        if (c->cg.path) {
                int r = cgroup_destroy(&c->cg);
                if (r < 0)
                        log_warning_errno(r, "removing the cgroup %s", c->cg.path);
        }
        if (c->dir)
                (void) rm_rf_at(AT_FDCWD, c->dir);
        /* Only ours: a failed create (an ID in use) leaves another's be. */
        if (c->wrote_pid_file)
                (void) unlink(c->o->pid_file);
}

int oci_create(const struct oci_create_opts *o)
{
        struct create c = {
                .o = o,
                .range = UID_RANGE_INIT,
                .console_fd = -EBADF,
                .pidfd = -EBADF,
                .sync_fd = -EBADF,
                .child = { .spec = &c.spec, .fifo_fd = -EBADF, .join_userns = -EBADF, .no_pivot = o->no_pivot,
                           .new_keyring = !o->no_new_keyring, .preserve_fds = o->preserve_fds },
        };
        char why[512];
        int r;

        if (!oci_id_valid(o->id, why, sizeof(why)))
                return log_error_ret(-EINVAL, "%s", why);
        r = load_bundle(&c);
        if (r >= 0)
                r = o->console_fd >= 0 ? (c.console_fd = c.spec.process.terminal ? dup(o->console_fd) : -EBADF, 0)
                                       : oci_console_connect(c.spec.process.terminal, o->console_socket, &c.console_fd);
        if (r >= 0)
                r = claim_dir(&c);
        if (r >= 0)
                r = make_handles(&c);
        /* The caller's sd_notify socket: the container gets one of its own,
         * passed on by start. */
        const char *notify = getenv("NOTIFY_SOCKET");
        uid_t root_uid = c.idmap_root ? c.range.base : c.spec.n_uid_maps ? c.spec.uid_maps[0].host_id : 0;
        if (r >= 0 && notify && *notify && c.spec.process.present &&
            (r = oci_notify_prepare(c.dir, root_uid, &c.spec)) < 0)
                log_error_errno(r, "container %s: its notify socket", o->id);
        if (r >= 0 && c.spec.seccomp_json &&
            (r = oci_seccomp_build(c.spec.seccomp_json, &c.child.filter, &c.child.filter_flags, why, sizeof(why))) < 0)
                log_error("%s", why[0] ? why : "linux.seccomp: not a profile");
        if (r >= 0) {
                c.child.bounding = caps_machine_keep(&c.s);
                c.child.userns = c.spec.ns[OCI_NS_USER].wanted;
                r = prepare_cgroup(&c);
        }
        if (r >= 0)
                r = start_process(&c);
        if (r >= 0)
                r = wait_ready(&c);
        if (r >= 0)
                r = save_state(&c);
        if (r >= 0)
                log_debug("container %s: process %d, cgroup %s, %s %u", o->id, (int) c.pid, c.cg.path ?: "none",
                          c.idmap_root ? "a system container, its ID range from" : "root's host UID",
                          c.idmap_root ? (unsigned) c.range.base : (unsigned) c.s.users_base);
        /* The range outlives create: the container's process holds it. */
        if (r >= 0 && c.range.lock_fd >= 0 && (r = uid_range_hand_to(&c.range, c.pid, c.name)) < 0)
                log_error_errno(r, "container %s: handing its ID range to its process", o->id);
        if (r < 0)
                undo(&c);
        uid_range_release(&c.range);
        /* The process is its own now: no kill at our exit. */
        safe_close(c.pidfd);
        safe_close(c.sync_fd);
        safe_close(c.console_fd);
        safe_close(c.child.fifo_fd);
        safe_close(c.child.join_userns);
        free(c.staging);
        seccomp_program_done(&c.child.filter);
        cgroup_done(&c.cg);
        free(c.devices);
        free(c.cgroup_at);
        settings_done(&c.s);
        oci_spec_done(&c.spec);
        free(c.bundle);
        free(c.dir);
        return r;
}
