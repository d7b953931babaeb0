/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-copy: files into or out of a running machine, for berthd's
 * CopyToMachine and CopyFromMachine (berthctl copy-to, copy-from).
 *
 *   berth-copy [--force] [--mkdir] to|from PID UID_BASE UID_SIZE SOURCE DESTINATION
 *
 * PID is the machine's PID 1: its root is /proc/PID/root, and every path
 * inside the machine is resolved there with openat2(RESOLVE_IN_ROOT), so a
 * symbolic link of the machine's leads to the machine's file, never to the
 * host's. Nothing is followed at the end of a path: a link is copied as a
 * link. Owners move through the machine's ID map: the host's 0.. become the
 * machine's 0.. (UID_BASE..) on the way in, and back on the way out; an
 * owner outside the range becomes nobody. UID_SIZE 0: the machine has no
 * user namespace, owners are kept. --force replaces what DESTINATION names,
 * --mkdir makes its missing parent directories. One line on stderr when it
 * fails, and nothing of the copy is left. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "copy.h"
#include "log.h"
#include "privs.h"
#include "tree.h"
#include "util.h"

struct side {
        int parent_fd;          /* the directory the entry is in */
        char base[256];         /* its name there */
};

static void side_done(struct side *s)
{
        safe_close(s->parent_fd);
}

/* path's parent directory, inside the machine (root_fd) or on the host
 * (root_fd -1), made first with mkdir; its last name in ret->base. */
static int open_side(int root_fd, const char *path, bool mkdir, struct side *ret)
{
        char parent[4096];
        const char *slash = strrchr(path, '/');

        ret->parent_fd = -EBADF;
        if (!slash || path[0] != '/' || !slash[1] || streq(slash + 1, ".") || streq(slash + 1, "..") ||
            strlen(slash + 1) >= sizeof(ret->base))
                return log_error_ret(-EINVAL, "%s: not an absolute path that names a file", path);
        snprintf(ret->base, sizeof(ret->base), "%s", slash + 1);
        snprintf(parent, sizeof(parent), "%.*s", (int) (slash - path), path);
        if (root_fd >= 0) {
                ret->parent_fd = mkdir && parent[0] ? tree_mkdir_p(root_fd, parent + 1, 0755)
                                                    : tree_open(root_fd, parent[0] ? parent + 1 : ".",
                                                                O_PATH | O_DIRECTORY);
        } else {
                int r = mkdir && parent[0] ? mkdir_p(parent, 0755) : 0;
                ret->parent_fd = r < 0 ? r : open(parent[0] ? parent : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (ret->parent_fd == -1)
                        ret->parent_fd = -errno;
        }
        if (ret->parent_fd < 0)
                return log_error_errno(ret->parent_fd, "%s%s", parent[0] ? parent : "/",
                                       root_fd >= 0 ? " (in the machine)" : "");
        return 0;
}

static int usage(void)
{
        log_error("usage: berth-copy [--force] [--mkdir] to|from PID UID_BASE UID_SIZE SOURCE DESTINATION");
        return 2;
}

int main(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "force", no_argument, NULL, 'f' },
                { "mkdir", no_argument, NULL, 'm' },
                {},
        };
        _cleanup_(side_done) struct side from = { .parent_fd = -EBADF }, to = { .parent_fd = -EBADF };
        bool force = false, make = false;
        unsigned pid, base, size;
        struct stat st;
        char root_path[64];
        int c, r;

        log_setup("berth-copy");
        while ((c = getopt_long(argc, argv, "", longopts, NULL)) >= 0) {
                if (c == 'f')
                        force = true;
                else if (c == 'm')
                        make = true;
                else
                        return usage();
        }
        if (argc - optind != 6 || parse_uint(argv[optind + 1], &pid) < 0 || parse_uint(argv[optind + 2], &base) < 0 ||
            parse_uint(argv[optind + 3], &size) < 0)
                return usage();
        const char *dir = argv[optind], *source = argv[optind + 4], *dest = argv[optind + 5];
        bool in = streq(dir, "to");
        if (!in && !streq(dir, "from"))
                return usage();
        /* The machine's root makes what goes in: the host's root is no ID
         * of the machine's user namespace, and its files could not be made. */
        if (in && size > 0 && (r = privs_fs_ids(base, base)) < 0)
                return log_error_errno(r, "acting as the machine's root (UID %u)", base), 1;
        snprintf(root_path, sizeof(root_path), "/proc/%u/root", pid);
        _cleanup_close_ int root = open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return log_error_errno(-errno, "the machine's root (%s)", root_path), 1;
        if (open_side(in ? -1 : root, source, false, &from) < 0 || open_side(in ? root : -1, dest, make, &to) < 0)
                return 1;
        if (fstatat(from.parent_fd, from.base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return log_error_errno(-errno, "%s%s", source, in ? "" : " (in the machine)"), 1;
        if (fstatat(to.parent_fd, to.base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                if (!force)
                        return log_error_ret(1, "%s%s exists already (--force replaces it)", dest,
                                             in ? " (in the machine)" : "");
                if ((r = rm_rf_at(to.parent_fd, to.base)) < 0)
                        return log_error_errno(r, "removing %s", dest), 1;
        }
        struct id_shift shift = { .from = in ? 0 : base, .to = in ? base : 0, .size = size };
        struct progress p = { .fd = -1 };
        r = copy_entry_any(from.parent_fd, from.base, to.parent_fd, to.base, source, &p, size ? &shift : NULL);
        if (r < 0) {
                (void) rm_rf_at(to.parent_fd, to.base);
                return 1;
        }
        return 0;
}
