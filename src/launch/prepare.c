/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Before the machine: check everything the user asked for without changing
 * anything on the host, then take the name's lock and prepare the writable
 * layer and the cgroup. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "caps.h"
#include "cleanup.h"
#include "devices.h"
#include "filter-file.h"
#include "signals.h"
#include "config.h"
#include "image-layers.h"
#include "journal-link.h"
#include "launcher.h"
#include "log.h"
#include "lxcfs.h"
#include "mnt.h"
#include "network.h"
#include "paths.h"
#include "programs.h"
#include "state.h"
#include "tree.h"
#include "uidrange.h"
#include "userns.h"
#include "util.h"

static const char *const init_candidates[] = {
        "/usr/lib/systemd/systemd",
        "/lib/systemd/systemd",
        "/sbin/init",
};

static bool tree_exists(int tree_fd, const char *path)
{
        _cleanup_close_ int fd = tree_open(tree_fd, path, O_PATH);

        return fd >= 0;
}

static int find_init(int tree_fd, char **ret_path, enum init_kind *ret_kind)
{
        for (size_t i = 0; i < ELEMENTSOF(init_candidates); i++) {
                _cleanup_close_ int fd = tree_open(tree_fd, init_candidates[i], O_PATH);
                char link[64], target[4096];
                struct stat st;
                ssize_t n;

                if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
                        continue;
                /* What the candidate resolves to inside the tree tells the kind. */
                snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
                n = readlink(link, target, sizeof(target) - 1);
                target[n > 0 ? n : 0] = 0;
                const char *base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
                *ret_kind = streq(base, "systemd")                                  ? INIT_SYSTEMD
                            : streq(base, "busybox")                                ? INIT_BUSYBOX
                            : streq(base, "runit-init") || streq(base, "runit")     ? INIT_RUNIT
                                                                                    : INIT_OTHER;
                /* sysvinit: an init called init, with an inittab; OpenRC
                 * runs its runlevels when the tree has openrc. */
                if (*ret_kind == INIT_OTHER && streq(base, "init") && tree_exists(tree_fd, "/etc/inittab"))
                        *ret_kind = tree_exists(tree_fd, "/sbin/openrc") || tree_exists(tree_fd, "/usr/sbin/openrc")
                                            ? INIT_OPENRC
                                            : INIT_SYSVINIT;
                *ret_path = strdup(init_candidates[i]);
                return *ret_path ? 0 : -ENOMEM;
        }
        return -ENOENT;
}

static int default_shell(int tree_fd, char ***ret)
{
        static const char *const shells[] = { "/bin/bash", "/bin/sh" };

        for (size_t i = 0; i < ELEMENTSOF(shells); i++) {
                _cleanup_close_ int fd = tree_open(tree_fd, shells[i], O_PATH);
                if (fd < 0)
                        continue;
                *ret = calloc(1, sizeof(char *));
                if (!*ret || strv_push(ret, shells[i]) < 0)
                        return -ENOMEM;
                return 0;
        }
        return -ENOENT;
}

/* Everything that can be checked without changing anything on the host. */
int launcher_check_input(struct launcher *l)
{
        const struct settings *s = l->s;
        _cleanup_close_ int tree = -EBADF;
        uint8_t uuid[16];
        int r;

        tree = s->layers ? image_layers_merged(s) : open(s->directory, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (tree < 0 && s->layers)
                return tree;
        if (tree < 0) {
                if (errno == ENOENT)
                        return log_error_ret(-ENOENT, "tree %s does not exist", s->directory);
                if (errno == ENOTDIR)
                        return log_error_ret(-ENOTDIR, "tree %s is not a directory", s->directory);
                return log_error_errno(-errno, "cannot open tree %s", s->directory);
        }

        if (s->name[0])
                snprintf(l->name, sizeof(l->name), "%s", s->name);
        else if (machine_name_from_path(s->directory, l->name, sizeof(l->name)) < 0)
                return log_error_ret(-EINVAL, "cannot make a machine name of %s: give one with --name",
                                     s->directory);
        if (s->ephemeral && !s->name[0]) {
                /* Several ephemeral machines of one tree may run at once. */
                uint8_t rnd[16];
                char hex[33];
                r = uuid_random(rnd);
                if (r < 0)
                        return log_error_errno(r, "getting random bytes");
                uuid_to_id128(rnd, hex);
                l->name[MACHINE_NAME_MAX - 9] = 0;
                snprintf(l->name + strlen(l->name), 10, "-%.8s", hex);
        }
        l->m.name = l->name;
        l->m.hostname = s->hostname ? s->hostname : l->name;

        if (s->uuid_set)
                memcpy(uuid, s->uuid, 16);
        else if ((r = uuid_random(uuid)) < 0)
                return log_error_errno(r, "getting random bytes");
        uuid_to_string(uuid, l->m.uuid);
        uuid_to_id128(uuid, l->m.id128);
        l->m.etc = (struct etc_plan) { .resolv = s->resolv_conf, .resolv_source = s->resolv_source,
                                       .timezone = s->timezone };
        etc_files_plan(l->name, tree, &l->m.etc);
        journal_link_tree_id(l, tree);

        if (s->boot) {
                r = find_init(tree, &l->m.init, &l->m.init_kind);
                if (r == -ENOENT)
                        return log_error_ret(-ENOENT,
                                             "tree %s has no init to boot (looked for %s, %s, %s); "
                                             "without --boot it runs a command",
                                             s->directory, init_candidates[0], init_candidates[1],
                                             init_candidates[2]);
                if (r < 0)
                        return log_error_errno(r, "looking for an init in %s", s->directory);
                char arch[32], host[32];
                if (tree_program_runs_here(tree, l->m.init, arch, sizeof(arch), host, sizeof(host)) < 0)
                        return log_error_ret(-ENOEXEC,
                                             "init %s of tree %s is a program for %s; this machine runs %s "
                                             "programs and has no binfmt_misc handler for %s (qemu-user-static "
                                             "registers one)",
                                             l->m.init, s->directory, arch, host, arch);
                l->m.argv = s->argv;
        } else if (strv_length(s->argv) > 0) {
                l->m.init_kind = INIT_STUB;
                l->m.argv = s->argv;
        } else {
                l->m.init_kind = INIT_STUB;
                r = default_shell(tree, &l->m.own_argv);
                if (r == -ENOENT)
                        return log_error_ret(r, "tree %s has no /bin/sh: give a command after --", s->directory);
                if (r < 0)
                        return log_error_errno(r, "preparing the default shell");
                l->m.argv = l->m.own_argv;
        }
        if (!s->boot) {
                r = program_find("berth-stub", &l->m.stub);
                if (r < 0)
                        return log_error_errno(r, "berth-stub, the init for commands, is not next to berth "
                                               "nor in %s: the installation is broken", BERTH_LIBEXECDIR);
        }
        l->m.console = console_pick_mode(s->console, s->boot);
        if (s->upper) {
                struct stat st;
                if (stat(s->upper, &st) >= 0 && !S_ISDIR(st.st_mode))
                        return log_error_ret(-ENOTDIR, "--upper %s is not a directory", s->upper);
        }
        /* Its end (an overlay's teardown) overlaps the child's start. */
        if (s->layers)
                l->tree_fd = take_fd(&tree);
        return 0;
}

int launcher_lock_name(struct launcher *l)
{
        if (l->s->register_mode == REGISTER_YES && berthd_running() <= 0) {
                log_error("machine %s: --register=yes, but berthd is not running (start it, or use "
                          "--register=auto, which registers whenever berthd runs)", l->name);
                return -ESRCH;
        }
        int r = machine_lock(l->name, &l->lock_fd);

        if (r == -EBUSY) {
                _cleanup_(machine_state_done) struct machine_state st = {};
                char pid[40] = "";
                if (machine_state_read(l->name, &st) >= 0)
                        snprintf(pid, sizeof(pid), " (launcher PID %d)", (int) st.supervisor);
                return log_error_ret(-EBUSY, "machine %s is already running%s; give this one another --name",
                                     l->name, pid);
        }
        if (r < 0)
                return log_error_errno(r, "locking machine %s in %s", l->name, berth_runtime_dir());
        return 0;
}

/* --ephemeral: the writable layer is a tmpfs that only the launcher holds
 * (a detached mount: nothing in the host's mount table), kept across
 * reboots of the machine, gone with the launcher. */
static int prepare_ephemeral(struct launcher *l)
{
        static const char *const opts[] = { "mode=0755", NULL };
        int fd = mnt_new("tmpfs", opts, 0, NULL);

        if (fd < 0)
                return log_error_errno(fd, "machine %s: mounting a tmpfs for --ephemeral", l->name);
        if (mkdirat(fd, "upper", 0755) < 0 || mkdirat(fd, "work", 0700) < 0) {
                int r = -errno;
                close(fd);
                return log_error_errno(r, "machine %s: preparing the tmpfs for --ephemeral", l->name);
        }
        l->m.ephemeral_fd = fd;
        return 0;
}

/* A named machine keeps its UUID (and so its machine-id) across runs, in
 * its own directory, unless --uuid says otherwise. */
static int persist_uuid(struct launcher *l)
{
        _cleanup_close_ int dir = open(l->machine_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *s = NULL;
        uint8_t id[16];
        char line[40];

        if (dir < 0)
                return -errno;
        if (!l->s->uuid_set && read_file_at(dir, "uuid", &s, 64) > 0) {
                s[strcspn(s, "\n")] = 0;
                if (uuid_parse(s, id) >= 0) {
                        uuid_to_string(id, l->m.uuid);
                        uuid_to_id128(id, l->m.id128);
                        return 0;
                }
        }
        snprintf(line, sizeof(line), "%s\n", l->m.uuid);
        return write_file_at(dir, "uuid", line, 0644);
}

/* The writable layer: the machine's own directory, or --upper DIR with a
 * work directory next to it (overlayfs wants both on one file system). */
static int prepare_layer(struct launcher *l)
{
        const struct settings *s = l->s;
        struct stat st;
        int r;

        if (s->ephemeral)
                return prepare_ephemeral(l);
        if (s->upper) {
                _cleanup_free_ char *copy = strdup(s->upper), *copy2 = strdup(s->upper);
                if (!copy || !copy2)
                        return log_oom();
                l->m.upper = strdup(s->upper);
                if (asprintf(&l->m.work, "%s/.#%s.berth-work", dirname(copy), basename(copy2)) < 0)
                        return log_oom();
                l->made_machine_dir = stat(s->upper, &st) < 0;
                l->machine_dir = strdup(s->upper);
        } else {
                if (asprintf(&l->machine_dir, "%s/machines/%s", berth_state_dir(), l->name) < 0)
                        return log_oom();
                l->made_machine_dir = stat(l->machine_dir, &st) < 0;
                l->m.upper = strjoin(l->machine_dir, "/upper", NULL);
                l->m.work = strjoin(l->machine_dir, "/work", NULL);
        }
        if (!l->m.upper || !l->m.work || !l->machine_dir)
                return log_oom();
        r = mkdir_p(l->m.upper, 0755);
        if (r < 0)
                return log_error_errno(r, "machine %s: creating its writable layer %s", l->name, l->m.upper);
        r = mkdir_p(l->m.work, 0700);
        if (r < 0)
                return log_error_errno(r, "machine %s: creating %s", l->name, l->m.work);
        if (!s->upper && (r = persist_uuid(l)) < 0)
                return log_error_errno(r, "machine %s: keeping its UUID in %s", l->name, l->machine_dir);
        return 0;
}

/* The range the machine's layer was written under, if it looks like one:
 * "pick" prefers it, so that the machine keeps seeing its files as its own. */
static uid_t previous_range(const struct launcher *l)
{
        struct stat st;

        if (!l->m.upper || stat(l->m.upper, &st) < 0)
                return 0;
        if (st.st_uid == 0 || st.st_uid % UID_RANGE_SIZE != 0 || st.st_uid != st.st_gid)
                return 0;
        return st.st_uid;
}

static int claim_range(struct launcher *l)
{
        const struct settings *s = l->s;
        uint32_t size = s->private_users == PRIVATE_USERS_FIXED ? s->users_size : UID_RANGE_SIZE;
        uid_t base = s->users_base;
        int r;

        if (s->private_users == PRIVATE_USERS_FIXED)
                r = uid_range_claim(base, size, l->name, &l->range);
        else {
                base = previous_range(l);
                r = uid_range_pick(l->name, base, &l->range);
        }
        if (r == -EBUSY) {
                log_error("machine %s: UID range %u-%u is in use by another machine", l->name, (unsigned) base,
                          (unsigned) (base + size - 1));
                return r;
        }
        if (r == -EEXIST) {
                log_error("machine %s: UID range %u-%u holds users or groups of the host (/etc/passwd, /etc/group)",
                          l->name, (unsigned) base, (unsigned) (base + size - 1));
                return r;
        }
        if (r == -EUSERS) {
                log_error("machine %s: no free UID range of %u IDs is left between %u and %u", l->name,
                          (unsigned) UID_RANGE_SIZE, (unsigned) UID_PICK_MIN,
                          (unsigned) (UID_PICK_MAX + UID_RANGE_SIZE - 1));
                return r;
        }
        if (r < 0)
                return log_error_errno(r, "machine %s: claiming a UID range", l->name);
        return 0;
}

static bool dir_is_empty(const char *path)
{
        _cleanup_(closedirp) DIR *d = opendir(path);
        struct dirent *de;

        while (d && (de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        return false;
        return true;
}

/* The writable layer's top directories belong to the machine's root. */
static int hand_layer_over(struct launcher *l)
{
        uid_t base = l->range.base;
        uid_t before = previous_range(l);
        struct stat st;
        int r;

        if (l->m.ephemeral_fd >= 0) {
                if (fchownat(l->m.ephemeral_fd, "upper", base, base, AT_SYMLINK_NOFOLLOW) < 0 ||
                    fchownat(l->m.ephemeral_fd, "work", base, base, AT_SYMLINK_NOFOLLOW) < 0)
                        return log_error_errno(-errno, "machine %s: handing its tmpfs layer to UID %u", l->name,
                                               (unsigned) base);
                return 0;
        }
        /* Written without a user namespace, a layer's files are the host
         * root's: under one they would all be nobody's. Say so, do not
         * start a machine that cannot read its own /etc. */
        if (stat(l->m.upper, &st) >= 0 && st.st_uid == 0 && !dir_is_empty(l->m.upper)) {
                log_error("machine %s: its layer %s was written without a user namespace (its files belong to "
                          "the host's root): run it with --private-users=no, or remove %s to start afresh",
                          l->name, l->m.upper, l->machine_dir);
                return -EPERM;
        }
        if (before != 0 && before != base)
                log_warning("machine %s: its layer %s was written under UID range %u, it runs under %u now: "
                            "those files show as nobody, continuing", l->name, l->m.upper, (unsigned) before,
                            (unsigned) base);
        r = userns_chown_dir(l->m.upper, base);
        if (r >= 0)
                r = userns_chown_dir(l->m.work, base);
        if (r < 0)
                return log_error_errno(r, "machine %s: handing %s to UID %u", l->name, l->m.upper, (unsigned) base);
        return 0;
}

/* Is berth itself in the initial user namespace? Not when it runs inside
 * another machine. */
static bool initial_userns(void)
{
        _cleanup_free_ char *map = NULL;
        unsigned a, b, c;

        if (read_file_at(AT_FDCWD, "/proc/self/uid_map", &map, 4096) < 0)
                return true;
        return sscanf(map, "%u %u %u", &a, &b, &c) == 3 && a == 0 && b == 0 && c == UINT32_MAX;
}

static int prepare_users(struct launcher *l)
{
        const struct settings *s = l->s;
        int r;

        l->nested = !initial_userns();
        /* A layered image's opaque directories are user.overlay.* always. */
        l->m.userxattr = s->private_users != PRIVATE_USERS_NO || l->nested || s->layers;
        if (s->layers && s->ownership == OWNERSHIP_CHOWN)
                return log_error_ret(-EINVAL, "machine %s: a layered image is idmapped, never copied: "
                                     "--private-users-ownership=chown takes a tree", l->name);
        if (s->private_users == PRIVATE_USERS_NO) {
                l->m.lower = strdup(s->layers ? s->layers_root : s->directory);
                return l->m.lower ? 0 : log_oom();
        }
        r = claim_range(l);
        if (r < 0)
                return r;
        l->m.userns = true;
        l->m.uid_base = l->range.base;
        l->m.uid_size = l->range.size;
        l->cg.owner = l->range.base;
        r = hand_layer_over(l);
        if (r < 0)
                return r;
        /* With "map" the launcher hands the tree over idmapped (at GO). */
        if (s->ownership == OWNERSHIP_CHOWN)
                return shift_prepare(l);
        return 0;
}

/* cgroup_open's failure, in one line. */
static int cgroup_failed(struct launcher *l, int r)
{
        const struct machine_cgroup *cg = &l->cg;

        switch (cg->step) {
        case CGROUP_STEP_HIERARCHY:
                if (r == -EOPNOTSUPP)
                        return log_error_ret(r, "machine %s: no cgroup2 hierarchy is mounted, so its limits cannot "
                                             "be set", l->name);
                return log_error_errno(r, "machine %s: looking for the cgroup hierarchy", l->name);
        case CGROUP_STEP_BACKEND:
                return log_error_ret(r, "machine %s: --cgroup=systemd, but systemd is not running as PID 1 here "
                                     "(or its bus does not answer); --cgroup=cgroupfs works without it", l->name);
        case CGROUP_STEP_HELPER:
                return log_error_errno(r, "machine %s: berth-bus, which asks systemd for the machine's scope, is not "
                                       "next to berth nor in %s: the installation is broken", l->name,
                                       BERTH_LIBEXECDIR);
        case CGROUP_STEP_SCOPE:
                return log_error_ret(r, "machine %s: asking systemd for machine-%s.scope: %s", l->name, l->name,
                                     cg->what);
        case CGROUP_STEP_LIMIT:
                /* What the limit was doing says more than the errno (EBUSY
                 * from memory.limit_in_bytes is a limit below usage). */
                if (r == -EOPNOTSUPP)
                        return log_error_ret(r, "machine %s: %s: none is delegated to its cgroup in cgroup2 nor "
                                             "mounted as v1, so that limit cannot be set", l->name, cg->what);
                return log_error_errno(r, "machine %s: the kernel refused a limit (%s)", l->name, cg->what);
        case CGROUP_STEP_VALUE:
                return log_error_ret(r, "machine %s: %s", l->name, cg->what);
        case CGROUP_STEP_DEVICES:
                return log_error_ret(r, "machine %s: no device policy could be set (%s): without a user namespace "
                                     "nothing else keeps it from making and opening any of the host's devices",
                                     l->name, cg->what);
        case CGROUP_STEP_CREATE:
                break;
        }
        if (r == -EBUSY)
                return log_error_ret(r, "machine %s: its cgroup berth-%s is in use by running processes "
                                     "(a machine of that name under another runtime directory?)", l->name, l->name);
        return log_error_errno(r, "machine %s: creating its cgroup", l->name);
}

static int prepare_cgroup(struct launcher *l)
{
        struct machine_cgroup *cg = &l->cg;
        int r;

        /* set-property changes these; a reboot keeps the changes. */
        l->limits = l->s->limits;
        cg->limits = &l->limits;
        cg->slice = l->s->slice;
        cg->keep_unit = l->s->keep_unit;
        /* A command's machine, often over in milliseconds, is counted in
         * v1 memory only once it has run a while. */
        cg->account_late = !l->s->boot && !l->m.lxcfs;
        r = devices_allow_list(l->s, &l->m.devices, &l->devices, &l->n_devices);
        if (r < 0)
                return log_oom();
        cg->devices = l->devices;
        cg->n_devices = l->n_devices;
        /* In a user namespace the machine makes no device nodes (mknod of
         * one needs CAP_MKNOD in the initial user namespace), and without
         * a policy it runs as it did before berth had one. So it is too
         * when berth itself runs in another machine's user namespace,
         * where the kernel also refuses to attach a device program. */
        cg->devices_optional = l->m.userns || l->nested;
        r = cgroup_open(cg, l->s->cgroup, l->name);
        if (cg->fallback[0])
                log_info("machine %s: %s; using the cgroup file system", l->name, cg->fallback);
        if (r < 0)
                return cgroup_failed(l, r);
        if (!cg->path && !cg->devices_optional)
                return log_error_ret(-EOPNOTSUPP, "machine %s: no cgroup2 hierarchy is mounted, so no device policy "
                                     "can keep it, without a user namespace, from the host's devices; run it "
                                     "with one (--private-users=pick)", l->name);
        if (!cg->path) {
                log_warning("no cgroup2 hierarchy is mounted: machine %s gets no cgroup of its own, continuing",
                            l->name);
                return 0;
        }
        /* Inside another machine, that machine's user namespace holds
         * every device node anyway: nothing worth a warning. */
        if (cg->devices_unset && l->nested)
                log_debug("machine %s: no device policy (%s): berth runs in a user namespace, which makes no device "
                          "nodes", l->name, cg->what);
        else if (cg->devices_unset)
                log_warning("machine %s: no device policy could be set (%s), continuing: its user namespace keeps "
                            "it from making device nodes", l->name, cg->what);
        else if (cg->devices_v1)
                log_debug("machine %s: device policy in the v1 devices controller: %s", l->name,
                          cg->v1[CG_V1_DEVICES]);
        l->m.cgroup = true;
        return 0;
}

int launcher_prepare_host(struct launcher *l)
{
        int r;

        if (asprintf(&l->m.staging, "%s/root", berth_runtime_dir()) < 0)
                return log_oom();
        r = mkdir_p(l->m.staging, 0755);
        if (r < 0)
                return log_error_errno(r, "creating %s", l->m.staging);
        r = prepare_layer(l);
        if (r < 0)
                return r;
        r = journal_link_prepare(l);
        if (r < 0)
                return r;
        r = lxcfs_find(l->s, l->name, &l->m.lxcfs);
        if (r < 0)
                return r;
        r = prepare_users(l);
        if (r < 0)
                return r;
        /* Once per launcher, kept across the machine's reboots. */
        r = seccomp_machine_program(l->s, l->m.userns, caps_machine_keep(l->s), &l->m.filter);
        if (r < 0)
                return log_error_errno(r, "machine %s: building its system-call filter", l->name);
        /* For berthctl shell and boot-test's probes, which enter from outside. */
        r = machine_filter_write(l->name, l->m.filter.insns, l->m.filter.len);
        if (r < 0)
                return log_error_errno(r, "machine %s: writing its system-call filter to %s/filters", l->name,
                                       berth_runtime_dir());
        r = devices_prepare(l->s, l->m.userns, l->m.uid_base, &l->m.devices);
        if (r < 0)
                return log_error_errno(r, "machine %s: making the device nodes for its /dev", l->name);
        r = prepare_cgroup(l);
        if (r < 0)
                return r;
        return network_prepare(l);
}
