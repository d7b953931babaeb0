/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tree.h"

/* A small guest tree next to a host directory it must never reach:
 *
 *   TREE/etc/passwd            "tree-passwd"
 *   TREE/etc/escape    ->      /etc                    (absolute)
 *   TREE/out           ->      OUTSIDE                 (absolute, a host dir we own)
 *   TREE/out-file      ->      OUTSIDE/secret          (absolute, to a host file)
 *   TREE/rel-out       ->      ../OUTSIDE-basename     (relative, a sibling on the host)
 *   TREE/a/b/up        ->      ../../..                (relative, one level too many)
 *   TREE/a/b/far       ->      ../../../../../../../..
 *   TREE/l1 -> l2, TREE/l2 -> /l3, TREE/l3 -> etc      (a chain ending in TREE/etc)
 *   OUTSIDE/secret             "host-secret"
 */
static char tree[] = "/tmp/berth-test-tree-XXXXXX";
static char outside[] = "/tmp/berth-test-outside-XXXXXX";
static int root_fd = -1;

/* Names made through etc/escape: if one ever shows up in the host's /etc,
 * the test fails, and removes it. */
#define HOST_PROBE "berth-test-tree-escape-probe"

static void put(const char *dir, const char *path, const char *contents)
{
        char p[PATH_MAX];
        FILE *f;

        snprintf(p, sizeof(p), "%s/%s", dir, path);
        f = fopen(p, "we");
        cr_assert_not_null(f, "fopen %s: %m", p);
        fputs(contents, f);
        cr_assert_eq(fclose(f), 0);
}

static void link_in(const char *target, const char *path)
{
        char p[PATH_MAX];

        snprintf(p, sizeof(p), "%s/%s", tree, path);
        cr_assert_eq(symlink(target, p), 0, "symlink %s: %m", p);
}

static void dir_in(const char *path)
{
        char p[PATH_MAX];

        snprintf(p, sizeof(p), "%s/%s", tree, path);
        cr_assert_eq(mkdir(p, 0755), 0, "mkdir %s: %m", p);
}

static void setup(void)
{
        char p[PATH_MAX];

        umask(022);
        cr_assert_not_null(mkdtemp(tree));
        cr_assert_not_null(mkdtemp(outside));
        dir_in("etc");
        dir_in("a");
        dir_in("a/b");
        put(tree, "etc/passwd", "tree-passwd\n");
        put(outside, "secret", "host-secret\n");
        link_in("/etc", "etc/escape");
        link_in(outside, "out");
        snprintf(p, sizeof(p), "%s/secret", outside);
        link_in(p, "out-file");
        snprintf(p, sizeof(p), "../%s", outside + strlen("/tmp/"));
        link_in(p, "rel-out");
        link_in("../../..", "a/b/up");
        link_in("../../../../../../../..", "a/b/far");
        link_in("l2", "l1");
        link_in("/l3", "l2");
        link_in("etc", "l3");
        root_fd = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(root_fd, 0);
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        return remove(path) < 0 ? -1 : 0;
}

static void teardown(void)
{
        if (root_fd >= 0)
                close(root_fd);
        nftw(tree, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        nftw(outside, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        nftw("/etc/" HOST_PROBE, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(tree, .init = setup, .fini = teardown);

/* Whether fd is the very inode at TREE/path (no symlinks followed). */
static bool same_inode(int fd, const char *dir, const char *path)
{
        char p[PATH_MAX];
        struct stat a, b;

        snprintf(p, sizeof(p), "%s/%s", dir, path);
        if (fstat(fd, &a) < 0 || lstat(p, &b) < 0)
                return false;
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static bool exists_at(const char *dir, const char *path)
{
        char p[PATH_MAX];
        struct stat st;

        snprintf(p, sizeof(p), "%s/%s", dir, path);
        return lstat(p, &st) == 0;
}

static void assert_reads(int fd, const char *expected)
{
        char buf[64] = {};
        ssize_t n = read(fd, buf, sizeof(buf) - 1);

        cr_assert_geq(n, 0, "read: %m");
        cr_assert_str_eq(buf, expected);
}

Test(tree, open_plain_path)
{
        int fd = tree_open(root_fd, "etc/passwd", O_RDONLY);

        cr_assert_geq(fd, 0, "tree_open: %s", strerror(-fd));
        assert_reads(fd, "tree-passwd\n");
        close(fd);

        fd = tree_open(root_fd, "/etc/passwd", O_RDONLY);
        cr_assert_geq(fd, 0);
        cr_assert(same_inode(fd, tree, "etc/passwd"));
        close(fd);
}

Test(tree, open_root_and_missing)
{
        int fd;

        fd = tree_open(root_fd, "/", O_PATH | O_DIRECTORY);
        cr_assert_geq(fd, 0);
        cr_assert(same_inode(fd, tree, "."));
        close(fd);
        fd = tree_open(root_fd, "", O_PATH | O_DIRECTORY);
        cr_assert_geq(fd, 0);
        cr_assert(same_inode(fd, tree, "."));
        close(fd);
        fd = tree_open(root_fd, "///", O_PATH | O_DIRECTORY);
        cr_assert_geq(fd, 0);
        cr_assert(same_inode(fd, tree, "."));
        close(fd);

        cr_assert_eq(tree_open(root_fd, "etc/nonexistent", O_RDONLY), -ENOENT);
        cr_assert_eq(tree_open(root_fd, "etc/passwd/x", O_RDONLY), -ENOTDIR);
        cr_assert_eq(tree_open(root_fd, "etc/passwd", O_RDONLY | O_DIRECTORY), -ENOTDIR);
}

Test(tree, open_absolute_symlink_stays_inside)
{
        int fd;

        /* Resolves to TREE/etc/passwd, never the host's /etc/passwd. */
        fd = tree_open(root_fd, "etc/escape/passwd", O_RDONLY);
        cr_assert_geq(fd, 0, "tree_open: %s", strerror(-fd));
        cr_assert(same_inode(fd, tree, "etc/passwd"));
        assert_reads(fd, "tree-passwd\n");
        close(fd);

        /* The host's /etc/hostname or /etc/os-release, if any, is not in the tree. */
        cr_assert_eq(tree_open(root_fd, "etc/escape/os-release", O_RDONLY), -ENOENT);
        cr_assert_eq(tree_open(root_fd, "etc/escape/hostname", O_RDONLY), -ENOENT);

        /* A link to a host directory is looked up under the tree instead. */
        cr_assert_eq(tree_open(root_fd, "out/secret", O_RDONLY), -ENOENT);
        cr_assert_eq(tree_open(root_fd, "out-file", O_RDONLY), -ENOENT);
        cr_assert_eq(tree_open(root_fd, "out", O_PATH), -ENOENT);
}

Test(tree, open_absolute_symlink_finds_the_tree_copy)
{
        char p[PATH_MAX];
        int fd;

        /* Mirror OUTSIDE's path in the tree: the link must land there. */
        dir_in("tmp");
        snprintf(p, sizeof(p), "%s%s", tree, outside);
        cr_assert_eq(mkdir(p, 0755), 0, "mkdir %s: %m", p);
        put(p, "secret", "tree-secret\n");

        fd = tree_open(root_fd, "out/secret", O_RDONLY);
        cr_assert_geq(fd, 0, "tree_open: %s", strerror(-fd));
        assert_reads(fd, "tree-secret\n");
        close(fd);
        fd = tree_open(root_fd, "out-file", O_RDONLY);
        cr_assert_geq(fd, 0, "tree_open: %s", strerror(-fd));
        assert_reads(fd, "tree-secret\n");
        close(fd);
}

Test(tree, open_relative_dotdot_stays_inside)
{
        const char *paths[] = {
                "a/b/up/etc/passwd",
                "a/b/far/etc/passwd",
                "../../../etc/passwd",
                "/../etc/passwd",
                "a/../../../etc/passwd",
                "a/b/up/a/b/far/etc/escape/passwd",
        };
        int fd;

        for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
                fd = tree_open(root_fd, paths[i], O_RDONLY);
                cr_assert_geq(fd, 0, "%s: %s", paths[i], strerror(-fd));
                cr_assert(same_inode(fd, tree, "etc/passwd"), "%s left TREE/etc/passwd", paths[i]);
                close(fd);
        }

        /* ../OUTSIDE from the tree's root is TREE/OUTSIDE-basename: missing. */
        cr_assert_eq(tree_open(root_fd, "rel-out/secret", O_RDONLY), -ENOENT);
        fd = tree_open(root_fd, "a/b/up", O_PATH | O_DIRECTORY);
        cr_assert_geq(fd, 0);
        cr_assert(same_inode(fd, tree, "."));
        close(fd);
}

Test(tree, open_symlink_chain)
{
        int fd;

        fd = tree_open(root_fd, "l1/passwd", O_RDONLY);
        cr_assert_geq(fd, 0, "tree_open: %s", strerror(-fd));
        cr_assert(same_inode(fd, tree, "etc/passwd"));
        close(fd);

        fd = tree_open(root_fd, "l1", O_PATH | O_DIRECTORY);
        cr_assert_geq(fd, 0);
        cr_assert(same_inode(fd, tree, "etc"));
        close(fd);

        /* A loop ends in ELOOP, not a hang. */
        link_in("loop2", "loop1");
        link_in("/loop1", "loop2");
        cr_assert_eq(tree_open(root_fd, "loop1/x", O_RDONLY), -ELOOP);
}

Test(tree, open_nofollow_is_passed_on)
{
        cr_assert_eq(tree_open(root_fd, "l1", O_RDONLY | O_NOFOLLOW), -ELOOP);
}

Test(tree, mkdir_p_creates_missing_dirs)
{
        struct stat st;
        int fd;

        fd = tree_mkdir_p(root_fd, "x/y/z", 0755);
        cr_assert_geq(fd, 0, "tree_mkdir_p: %s", strerror(-fd));
        cr_assert(same_inode(fd, tree, "x/y/z"));
        cr_assert_eq(fcntl(fd, F_GETFL) & O_PATH, O_PATH);
        close(fd);

        /* Again, and with extra slashes: the existing one. */
        fd = tree_mkdir_p(root_fd, "/x//y/z/", 0755);
        cr_assert_geq(fd, 0, "tree_mkdir_p: %s", strerror(-fd));
        cr_assert(same_inode(fd, tree, "x/y/z"));
        close(fd);

        fd = tree_mkdir_p(root_fd, "x/private", 0700);
        cr_assert_geq(fd, 0);
        cr_assert_eq(fstat(fd, &st), 0);
        cr_assert(S_ISDIR(st.st_mode));
        cr_assert_eq(st.st_mode & 07777, 0700);
        close(fd);

        fd = tree_mkdir_p(root_fd, "/", 0755);
        cr_assert_geq(fd, 0);
        cr_assert(same_inode(fd, tree, "."));
        close(fd);
}

Test(tree, mkdir_p_through_absolute_symlink_stays_inside)
{
        int fd;

        fd = tree_mkdir_p(root_fd, "etc/escape/" HOST_PROBE "/sub", 0755);
        cr_assert_geq(fd, 0, "tree_mkdir_p: %s", strerror(-fd));
        cr_assert(same_inode(fd, tree, "etc/" HOST_PROBE "/sub"));
        close(fd);
        cr_assert_not(exists_at("/etc", HOST_PROBE), "made /etc/" HOST_PROBE " on the host");

        /* Through a chain ending in TREE/etc. */
        fd = tree_mkdir_p(root_fd, "l1/chained", 0755);
        cr_assert_geq(fd, 0, "tree_mkdir_p: %s", strerror(-fd));
        cr_assert(same_inode(fd, tree, "etc/chained"));
        close(fd);

        /* Through a relative link that climbs too high: from the tree's root. */
        fd = tree_mkdir_p(root_fd, "a/b/up/climbed", 0755);
        cr_assert_geq(fd, 0, "tree_mkdir_p: %s", strerror(-fd));
        cr_assert(same_inode(fd, tree, "climbed"));
        close(fd);
}

Test(tree, mkdir_p_never_creates_on_the_host)
{
        char p[PATH_MAX];
        int fd;

        /* out -> OUTSIDE, whose path does not exist in the tree: the link
         * is refused (berth names it: tree_dangling_link), nothing is made
         * for it in the tree, and nothing may appear in the real OUTSIDE. */
        fd = tree_mkdir_p(root_fd, "out/new", 0755);
        cr_assert_eq(fd, -ENOENT, "tree_mkdir_p: %s", fd < 0 ? strerror(-fd) : "succeeded");
        cr_assert_not(exists_at(outside, "new"), "made OUTSIDE/new on the host");
        snprintf(p, sizeof(p), "%s", outside + 1);
        cr_assert_not(exists_at(tree, p), "made TREE/OUTSIDE");

        fd = tree_mkdir_p(root_fd, "rel-out/new", 0755);
        cr_assert_eq(fd, -ENOENT, "tree_mkdir_p: %s", fd < 0 ? strerror(-fd) : "succeeded");
        cr_assert_not(exists_at(outside, "new"), "made OUTSIDE/new on the host");
}

Test(tree, a_link_that_leads_nowhere_in_the_tree_is_named)
{
        char link[PATH_MAX], target[PATH_MAX];

        cr_assert_eq(tree_dangling_link(root_fd, "/out/new/deeper", link, sizeof(link), target, sizeof(target)), 1);
        cr_expect_str_eq(link, "/out");
        cr_expect_str_eq(target, outside);
        cr_assert_eq(tree_dangling_link(root_fd, "a/b/far/rel-out/x", link, sizeof(link), target, sizeof(target)), 1);
        cr_expect_str_eq(link, "a/b/far/rel-out");
        /* Links that lead somewhere in the tree, and paths merely missing. */
        cr_expect_eq(tree_dangling_link(root_fd, "/etc/escape/passwd", link, sizeof(link), target, sizeof(target)), 0);
        cr_expect_eq(tree_dangling_link(root_fd, "/a/b/up/etc/new", link, sizeof(link), target, sizeof(target)), 0);
        cr_expect_eq(tree_dangling_link(root_fd, "/l1/passwd", link, sizeof(link), target, sizeof(target)), 0);
        cr_expect_eq(tree_dangling_link(root_fd, "/missing/dir", link, sizeof(link), target, sizeof(target)), 0);
        cr_expect_eq(tree_dangling_link(root_fd, "/", link, sizeof(link), target, sizeof(target)), 0);
}

Test(tree, mkdir_p_rejects_dot_components)
{
        cr_assert_eq(tree_mkdir_p(root_fd, "..", 0755), -EINVAL);
        cr_assert_eq(tree_mkdir_p(root_fd, "../x", 0755), -EINVAL);
        cr_assert_eq(tree_mkdir_p(root_fd, "a/../x", 0755), -EINVAL);
        cr_assert_eq(tree_mkdir_p(root_fd, "a/b/..", 0755), -EINVAL);
        cr_assert_eq(tree_mkdir_p(root_fd, "./x", 0755), -EINVAL);
        cr_assert_eq(tree_mkdir_p(root_fd, "a/./x", 0755), -EINVAL);
        cr_assert_not(exists_at(tree, "x"));
        cr_assert_not(exists_at(tree, "a/x"));
        /* Names that merely contain dots are fine. */
        int fd = tree_mkdir_p(root_fd, "a/..x/.y/...", 0755);
        cr_assert_geq(fd, 0, "tree_mkdir_p: %s", strerror(-fd));
        cr_assert(same_inode(fd, tree, "a/..x/.y/..."));
        close(fd);
}

Test(tree, mkdir_p_over_a_file_fails)
{
        cr_assert_eq(tree_mkdir_p(root_fd, "etc/passwd", 0755), -ENOTDIR);
        cr_assert_eq(tree_mkdir_p(root_fd, "etc/passwd/x", 0755), -ENOTDIR);
}

Test(tree, create_file_makes_file_and_parents)
{
        struct stat st;
        int fd;

        fd = tree_create_file(root_fd, "new/dir/file", 0640);
        cr_assert_geq(fd, 0, "tree_create_file: %s", strerror(-fd));
        cr_assert_eq(fcntl(fd, F_GETFL) & O_PATH, O_PATH);
        cr_assert(same_inode(fd, tree, "new/dir/file"));
        cr_assert_eq(fstat(fd, &st), 0);
        cr_assert(S_ISREG(st.st_mode));
        cr_assert_eq(st.st_mode & 07777, 0640);
        cr_assert_eq(st.st_size, 0);
        close(fd);

        fd = tree_create_file(root_fd, "/top", 0644);
        cr_assert_geq(fd, 0, "tree_create_file: %s", strerror(-fd));
        cr_assert(same_inode(fd, tree, "top"));
        close(fd);

        fd = tree_create_file(root_fd, "bare", 0644);
        cr_assert_geq(fd, 0, "tree_create_file: %s", strerror(-fd));
        cr_assert(same_inode(fd, tree, "bare"));
        close(fd);
}

Test(tree, create_file_keeps_existing_contents)
{
        char p[PATH_MAX];
        struct stat st;
        int fd;

        fd = tree_create_file(root_fd, "etc/passwd", 0600);
        cr_assert_geq(fd, 0, "tree_create_file: %s", strerror(-fd));
        cr_assert_eq(fcntl(fd, F_GETFL) & O_PATH, O_PATH);
        cr_assert(same_inode(fd, tree, "etc/passwd"));
        close(fd);

        snprintf(p, sizeof(p), "%s/etc/passwd", tree);
        cr_assert_eq(stat(p, &st), 0);
        cr_assert_eq(st.st_size, (off_t) strlen("tree-passwd\n"), "truncated");
        cr_assert_eq(st.st_mode & 07777, 0644, "mode changed");
        fd = open(p, O_RDONLY | O_CLOEXEC);
        assert_reads(fd, "tree-passwd\n");
        close(fd);
}

Test(tree, create_file_through_symlinks_stays_inside)
{
        int fd;

        fd = tree_create_file(root_fd, "etc/escape/" HOST_PROBE, 0644);
        cr_assert_geq(fd, 0, "tree_create_file: %s", strerror(-fd));
        cr_assert(same_inode(fd, tree, "etc/" HOST_PROBE));
        close(fd);
        cr_assert_not(exists_at("/etc", HOST_PROBE), "made /etc/" HOST_PROBE " on the host");

        /* Via etc/escape -> /etc, passwd is TREE/etc/passwd. */
        fd = tree_create_file(root_fd, "etc/escape/passwd", 0644);
        cr_assert_geq(fd, 0);
        cr_assert(same_inode(fd, tree, "etc/passwd"));
        close(fd);

        fd = tree_create_file(root_fd, "a/b/up/climbed-file", 0644);
        cr_assert_geq(fd, 0, "tree_create_file: %s", strerror(-fd));
        cr_assert(same_inode(fd, tree, "climbed-file"));
        close(fd);
}

Test(tree, create_file_never_touches_the_host)
{
        char p[PATH_MAX];
        struct stat st;
        int fd;

        fd = tree_create_file(root_fd, "out/new-file", 0644);
        cr_assert_not(exists_at(outside, "new-file"), "made OUTSIDE/new-file on the host");
        if (fd >= 0)
                close(fd);

        /* The last component is a link to a host file: never opened there. */
        fd = tree_create_file(root_fd, "out-file", 0644);
        if (fd >= 0) {
                cr_assert_not(same_inode(fd, outside, "secret"), "returned the host's OUTSIDE/secret");
                close(fd);
        }
        snprintf(p, sizeof(p), "%s/secret", outside);
        cr_assert_eq(stat(p, &st), 0);
        cr_assert_eq(st.st_size, (off_t) strlen("host-secret\n"));
}

Test(tree, create_file_rejects_dotdot_in_parents)
{
        cr_assert_eq(tree_create_file(root_fd, "../x", 0644), -EINVAL);
        cr_assert_eq(tree_create_file(root_fd, "a/../x", 0644), -EINVAL);
        cr_assert_not(exists_at(tree, "x"));
}
