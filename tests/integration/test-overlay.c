/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The machine's root is an overlay over the tree: whatever the machine
 * does, the tree is never written; the writes land in the machine's own
 * layer (kept across runs), a tmpfs (--ephemeral, gone at exit) or --upper
 * DIR; and machines of one tree run side by side. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(overlay, .init = it_setup, .fini = it_teardown);


/* What a machine does to its root: every kind of change overlayfs has to
 * turn into a copy-up, a whiteout or an opaque directory. Then it shows
 * that the changes took effect, so that a script that did nothing cannot
 * pass for one that did. */
static const char write_everything[] =
        "set -e\n"
        "echo new > /newfile\n"
        "mkdir -p /etc/newdir/sub && echo deep > /etc/newdir/sub/file\n"
        "echo overwritten > /etc/motd\n"
        "echo appended >> /var/log/app.log\n"
        "rm /etc/tobedeleted\n"
        "rm /bin/ls\n"
        "mv /etc/os-release /etc/os-release.moved\n"
        "mv /srv/data /srv/data.moved\n"
        "chmod 600 /etc/passwd\n"
        "chown 1:2 /etc/group\n"
        "chmod 700 /root && chown 5:5 /root\n"
        "ln -s /etc/motd /etc/motd.link\n"
        "ln /etc/passwd /etc/passwd.hardlink\n"
        "touch -d '2001-01-01 00:00' /etc/passwd\n"
        "mkdir /var/made && rmdir /var/made\n"
        "rmdir /srv/empty\n"
        "rm -rf /srv/tree\n"
        "mkdir /srv/tree && echo replaced > /srv/tree/only\n"
        "cat /newfile /etc/newdir/sub/file /etc/motd /var/log/app.log\n"
        "ls /srv; ls /srv/tree\n"
        "stat -c '%a %u:%g' /etc/passwd /etc/group /root\n"
        "test ! -e /etc/tobedeleted && test ! -e /bin/ls && test ! -e /etc/os-release && echo gone\n";

static const char write_everything_output[] =
        "new\ndeep\noverwritten\nbase log\nappended\n"
        "data.moved\ntree\nonly\n"
        "600 0:0\n644 1:2\n700 5:5\n"
        "gone\n";

static void assert_no_leftovers(const char *name, const char *tree)
{
        char *left = it_leftovers(name, tree);

        cr_assert_null(left, "%s", left);
}

static char *path_in(const char *dir, const char *rel)
{
        char *p = NULL;

        cr_assert(asprintf(&p, "%s/%s", dir, rel) > 0);
        return p;
}

static bool exists(const char *dir, const char *rel)
{
        char *p = path_in(dir, rel);
        struct stat st;
        bool r = lstat(p, &st) == 0;

        free(p);
        return r;
}

/* The manifest compares content, types, modes and owners; this one adds
 * what only a write changes: mtime and ctime (chmod, chown, link counts,
 * xattrs all move the ctime), and the link count itself. */
static FILE *times;
static size_t times_skip;

static int times_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
        fprintf(times, "%s %lld.%09ld %lld.%09ld %lu\n", path + times_skip, (long long) st->st_mtim.tv_sec,
                st->st_mtim.tv_nsec, (long long) st->st_ctim.tv_sec, st->st_ctim.tv_nsec,
                (unsigned long) st->st_nlink);
        return 0;
}

static char *tree_times(const char *tree)
{
        char *buf = NULL;
        size_t size = 0;

        times = open_memstream(&buf, &size);
        times_skip = strlen(tree);
        nftw(tree, times_entry, 64, FTW_PHYS | FTW_MOUNT);
        fclose(times);
        return buf;
}

/* A copy of the busybox tree with more to change: a log to append to, a
 * file to delete, a directory to rename, an empty one to remove, a tree to
 * delete recursively and replace. */
static char *prepare_tree(void)
{
        char *tree = it_copy_busybox(), *cmd = NULL;

        cr_assert(asprintf(&cmd,
                           "cd '%s' && mkdir -p var/log srv/data srv/empty srv/tree/a/b && "
                           "echo 'base log' > var/log/app.log && echo doomed > etc/tobedeleted && "
                           "echo data > srv/data/file && echo leaf > srv/tree/a/b/leaf",
                           tree) > 0);
        cr_assert_eq(system(cmd), 0);
        free(cmd);
        return tree;
}

/* Run write_everything with the options, and check the tree is as before. */
static void base_survives(const char *name, const char *tree, const char *opt1, const char *opt2)
{
        char *manifest = it_tree_manifest(tree), *before_times = tree_times(tree), *after, *after_times;
        struct it_result r = it_berth_sh(30, tree, write_everything, "--name", name, opt1, opt2, NULL);

        cr_assert_eq(r.status, 0, "status %d\nstdout: %s\nstderr: %s", r.status, r.out, r.err);
        cr_assert_str_eq(r.out, write_everything_output);
        after = it_tree_manifest(tree);
        after_times = tree_times(tree);
        cr_assert_str_eq(after, manifest, "the base tree %s was written", tree);
        cr_assert_str_eq(after_times, before_times, "the base tree %s was touched (times or links)", tree);
        assert_no_leftovers(name, tree);
        it_result_free(&r);
        free(manifest);
        free(before_times);
        free(after);
        free(after_times);
}

Test(overlay, named_machine_never_writes_the_base)
{
        char *tree = prepare_tree(), *upper = NULL;

        base_survives("ov-named", tree, NULL, NULL);
        /* The writes are in the machine's own layer instead. */
        cr_assert(asprintf(&upper, "%s/machines/ov-named/upper", it.state_dir) > 0);
        cr_assert(exists(upper, "newfile"), "%s/newfile is missing", upper);
        cr_assert(exists(upper, "etc/motd"), "%s/etc/motd is missing", upper);
        free(upper);
        free(tree);
}

Test(overlay, ephemeral_machine_never_writes_the_base)
{
        char *tree = prepare_tree();

        base_survives("ov-named", tree, "--ephemeral", NULL);
        free(tree);
}

Test(overlay, upper_machine_never_writes_the_base)
{
        char *tree = prepare_tree(), *upper = path_in(it.dir, "up"), *opt = NULL;

        cr_assert(asprintf(&opt, "--upper=%s", upper) > 0);
        base_survives("ov-named", tree, opt, NULL);
        cr_assert(exists(upper, "newfile"), "%s/newfile is missing", upper);
        free(opt);
        free(upper);
        free(tree);
}

Test(overlay, named_machine_keeps_its_writes)
{
        const char *tree = it_busybox_tree();
        char *file = NULL, *content;
        struct it_result r;

        r = it_berth_sh(30, tree, "echo kept > /etc/kept; rm /etc/motd", "--name", "ov-keep", NULL);
        cr_assert_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
        it_result_free(&r);
        assert_no_leftovers("ov-keep", tree);

        cr_assert(asprintf(&file, "%s/machines/ov-keep/upper/etc/kept", it.state_dir) > 0);
        content = it_read_file(file);
        cr_assert_not_null(content, "%s is missing", file);
        cr_assert_str_eq(content, "kept\n");
        free(content);

        r = it_berth_sh(30, tree, "cat /etc/kept; test -e /etc/motd && echo motd-back; echo done", "--name", "ov-keep", NULL);
        cr_assert_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
        cr_assert_str_eq(r.out, "kept\ndone\n");
        it_result_free(&r);
        assert_no_leftovers("ov-keep", tree);

        /* Another machine of the same tree does not see them. */
        r = it_berth_sh(30, tree, "test -e /etc/kept && echo kept; cat /etc/motd", "--name", "ov-other", NULL);
        cr_assert_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
        cr_assert_str_eq(r.out, "hello from the base\n");
        it_result_free(&r);
        assert_no_leftovers("ov-other", tree);
        free(file);
}

Test(overlay, ephemeral_machine_forgets_its_writes)
{
        const char *tree = it_busybox_tree();
        char *machines = path_in(it.state_dir, "machines");
        struct it_result r;

        r = it_berth_sh(30, tree, "echo gone > /etc/kept; rm /etc/motd; cat /etc/kept", "--ephemeral", "--name", "ov-eph", NULL);
        cr_assert_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
        cr_assert_str_eq(r.out, "gone\n");
        it_result_free(&r);
        assert_no_leftovers("ov-eph", tree);
        cr_assert_leq(it_count_entries(machines), 0, "--ephemeral left something in %s", machines);

        r = it_berth_sh(30, tree, "test -e /etc/kept && echo kept; cat /etc/motd", "--ephemeral", "--name", "ov-eph", NULL);
        cr_assert_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
        cr_assert_str_eq(r.out, "hello from the base\n");
        it_result_free(&r);
        assert_no_leftovers("ov-eph", tree);
        cr_assert_leq(it_count_entries(machines), 0, "--ephemeral left something in %s", machines);

        /* Without a name, too. */
        r = it_berth_sh(30, tree, "echo gone > /etc/kept", "--ephemeral", NULL);
        cr_assert_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
        it_result_free(&r);
        assert_no_leftovers(NULL, tree);
        cr_assert_leq(it_count_entries(machines), 0, "--ephemeral left something in %s", machines);
        free(machines);
}

static void assert_no_work_dir(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;

        cr_assert_not_null(d);
        while ((de = readdir(d)))
                cr_assert(strncmp(de->d_name, ".#", 2) != 0, "%s/%s left behind", dir, de->d_name);
        closedir(d);
}

Test(overlay, upper_dir_takes_the_writes)
{
        const char *tree = it_busybox_tree();
        char *parent = path_in(it.dir, "layers"), *upper = path_in(parent, "mine"), *opt = NULL, *content;
        char *file = path_in(upper, "etc/written");
        char *machines = path_in(it.state_dir, "machines");
        struct it_result r;

        cr_assert_eq(mkdir(parent, 0755), 0);
        cr_assert(asprintf(&opt, "--upper=%s", upper) > 0);

        r = it_berth_sh(30, tree, "echo in-upper > /etc/written", "--name", "ov-up", opt, NULL);
        cr_assert_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
        it_result_free(&r);
        assert_no_leftovers("ov-up", tree);
        content = it_read_file(file);
        cr_assert_not_null(content, "%s is missing", file);
        cr_assert_str_eq(content, "in-upper\n");
        free(content);
        assert_no_work_dir(parent);
        cr_assert_leq(it_count_entries(machines), 0, "--upper made a directory in %s", machines);

        /* The next run on the same layer sees it, whatever its name. */
        r = it_berth_sh(30, tree, "cat /etc/written", "--name", "ov-up2", opt, NULL);
        cr_assert_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
        cr_assert_str_eq(r.out, "in-upper\n");
        it_result_free(&r);
        assert_no_leftovers("ov-up2", tree);
        assert_no_work_dir(parent);
        cr_assert_leq(it_count_entries(machines), 0, "--upper made a directory in %s", machines);

        free(machines);
        free(file);
        free(opt);
        free(upper);
        free(parent);
}

Test(overlay, two_machines_of_one_tree_at_once)
{
        char *tree = prepare_tree(), *manifest = it_tree_manifest(tree);
        char *flags = path_in(it.dir, "flags"), *bind = NULL, *go = path_in(flags, "go");
        char *ready = path_in(flags, "ready"), *log, *log_path = path_in(it.dir, "ov-first.out");
        struct it_result r;
        pid_t first;
        int status;

        cr_assert_eq(mkdir(flags, 0755), 0);
        cr_assert(asprintf(&bind, "--bind=%s:/flags:idmap", flags) > 0);

        /* The first writes, says it is ready, waits for the second to have
         * run, and shows it still sees its own write. */
        first = it_berth_spawn("ov-first", "-D", tree, "--name", "ov-first", bind, "--", "/bin/sh", "-c",
                               "echo first > /etc/who; touch /flags/ready; "
                               "for i in $(seq 300); do test -e /flags/go && break; sleep 0.1; done; "
                               "test -e /flags/go || exit 9; cat /etc/who",
                               NULL);
        for (int i = 0; i < 300 && access(ready, F_OK) < 0; i++)
                usleep(100000);
        cr_assert_eq(access(ready, F_OK), 0, "the first machine never came up");

        r = it_berth_sh(30, tree, "cat /etc/who 2>/dev/null || echo nobody; echo second > /etc/who; cat /etc/who; hostname",
                   "--ephemeral", "--name", "ov-second", NULL);
        cr_assert_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
        cr_assert_str_eq(r.out, "nobody\nsecond\nov-second\n");
        it_result_free(&r);
        assert_no_leftovers("ov-second", tree);

        /* A third, named like neither, while the first still runs. */
        r = it_berth_sh(30, tree, "cat /etc/who 2>/dev/null || echo nobody", "--name", "ov-third", NULL);
        cr_assert_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
        cr_assert_str_eq(r.out, "nobody\n");
        it_result_free(&r);

        cr_assert_eq(mkdir(go, 0755), 0);
        status = it_wait(first, 30);
        log = it_read_file(log_path);
        cr_assert_eq(status, 0, "the first machine ended with %d: %s", status, log);
        cr_assert_str_eq(log, "first\n");
        assert_no_leftovers("ov-first", tree);
        assert_no_leftovers("ov-third", tree);

        char *after = it_tree_manifest(tree);
        cr_assert_str_eq(after, manifest, "the base tree %s was written", tree);
        free(after);
        free(log);
        free(log_path);
        free(ready);
        free(go);
        free(bind);
        free(flags);
        free(manifest);
        free(tree);
}

/* Symlinks in the tree that point at host paths are resolved inside the
 * machine, whatever berth mounts through them: the host paths stay as
 * they were, whether berth then refuses to start or not. */
Test(overlay, symlinks_in_the_tree_never_lead_out)
{
        char *tree = it_copy_busybox(), *host_dir = path_in(it.dir, "host-dir");
        char *host_file = path_in(it.dir, "host-file"), *src = path_in(it.dir, "src");
        char *link = NULL, *bind = NULL, *content, *manifest;
        struct it_result r;
        FILE *f;

        cr_assert_eq(mkdir(host_dir, 0755), 0);
        cr_assert_eq(mkdir(src, 0755), 0);
        f = fopen(host_file, "we");
        cr_assert_not_null(f);
        fputs("host file\n", f);
        fclose(f);
        /* Absolute and relative links to the host's paths. */
        link = path_in(tree, "etc/motd");
        cr_assert_eq(unlink(link), 0);
        cr_assert_eq(symlink(host_file, link), 0);
        free(link);
        link = path_in(tree, "var/esc");
        cr_assert_eq(symlink(host_dir, link), 0);
        free(link);
        link = path_in(tree, "var/up");
        cr_assert_eq(symlink("../../../../../../../../..", link), 0);
        free(link);
        manifest = it_tree_manifest(tree);

        r = it_berth_sh(30, tree, "echo machine > /etc/motd; mkdir -p /var/esc/made; echo machine > /var/up/escaped; true",
                   "--ephemeral", "--name", "ov-links", NULL);
        cr_assert_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
        it_result_free(&r);
        assert_no_leftovers("ov-links", tree);

        /* A mount through a link that leads somewhere in the machine lands
         * there: /var/up is the machine's /. */
        r = it_berth_sh(30, tree, "grep -c ' /tmp tmpfs ' /proc/self/mounts", "--ephemeral", "--name", "ov-links",
                        "--tmpfs=/var/up/tmp", NULL);
        cr_assert_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
        cr_assert_str_eq(r.out, "2\n", "the machine's /tmp and the one of --tmpfs=/var/up/tmp: %s", r.out);
        it_result_free(&r);
        assert_no_leftovers("ov-links", tree);

        /* One through /var/esc, which leads to a host path the machine does
         * not have, is refused in one line naming the link: berth neither
         * follows it out nor makes what it points at in the machine. */
        cr_assert(asprintf(&bind, "--bind=%s:/var/esc/bound", src) > 0);
        const char *const refused[][2] = { { bind, "binding " }, { "--tmpfs=/var/esc/tmp", "mounting a tmpfs on " } };
        for (size_t i = 0; i < 2; i++) {
                r = it_berth_sh(30, tree, "true", "--ephemeral", "--name", "ov-links", refused[i][0], NULL);
                cr_assert_eq(r.status, 1, "%s: status %d, stderr: %s", refused[i][0], r.status, r.err);
                cr_assert_eq(it_count_lines(r.err), 1, "%s: stderr is not one line: %s", refused[i][0], r.err);
                cr_assert(strstr(r.err, refused[i][1]) && strstr(r.err, "/var/esc is a symbolic link to ") &&
                                  strstr(r.err, host_dir) && strstr(r.err, "which the machine does not have"),
                          "%s: %s", refused[i][0], r.err);
                it_result_free(&r);
                assert_no_leftovers("ov-links", tree);
        }

        cr_assert_eq(it_count_entries(host_dir), 0, "berth or the machine wrote into %s", host_dir);
        content = it_read_file(host_file);
        cr_assert_str_eq(content, "host file\n");
        cr_assert(!exists("/", "escaped"), "the machine wrote /escaped on the host");
        char *after = it_tree_manifest(tree);
        cr_assert_str_eq(after, manifest, "the base tree %s was written", tree);
        free(after);
        free(content);
        free(manifest);
        free(bind);
        free(src);
        free(host_file);
        free(host_dir);
        free(tree);
}

/* The API file systems as berth(1) promises them, seen from inside: each
 * where it belongs and nothing on / but the overlay. Prints "ok" and then
 * what is wrong. */
static const char api_fs_check[] =
        "mi=/proc/self/mountinfo\n"
        "fs() { awk -v p=\"$1\" '$5==p { for (i=7;i<=NF;i++) if ($i==\"-\") { printf \"%s%s\", s, $(i+1); s=\" \" } }"
        " END { print \"\" }' $mi; }\n"
        "opt() { awk -v p=\"$1\" '$5==p { split($6,a,\",\"); print a[1] }' $mi; }\n"
        "bad=\n"
        "chk() { [ \"$2\" = \"$3\" ] || bad=\"$bad $1=[$2]\"; }\n"
        "chk / \"$(fs /)\" overlay\n"
        "chk /proc \"$(fs /proc)\" proc\n"
        "chk /proc/sys \"$(fs /proc/sys) $(opt /proc/sys)\" 'proc ro'\n"
        "for f in kcore kallsyms; do [ ! -e /proc/$f ] || chk /proc/$f \"$(stat -c %F:%t:%T /proc/$f)\""
        " 'character special file:1:3'; done\n"
        "chk /sys \"$(fs /sys) $(opt /sys)\" 'sysfs ro'\n"
        "chk /sys/fs/cgroup \"$(fs /sys/fs/cgroup)\" cgroup2\n"
        "chk /dev \"$(fs /dev)\" tmpfs\n"
        "chk /dev/null \"$(stat -c %F:%t:%T /dev/null)\" 'character special file:1:3'\n"
        "chk /dev/pts \"$(fs /dev/pts)\" devpts\n"
        "chk /dev/shm \"$(fs /dev/shm)\" tmpfs\n"
        "[ ! -t 1 ] || chk /dev/console \"$(fs /dev/console)\" devpts\n"
        "chk /run \"$(fs /run)\" tmpfs\n"
        "chk /run/host \"$(cat /run/host/container-manager)\" berth\n"
        "chk /tmp \"$(fs /tmp)\" tmpfs\n"
        "for p in /null /zero /pts /shm /console /fs /host /kcore /kallsyms; do [ ! -e $p ] || bad=\"$bad $p\"; done\n"
        "echo \"ok$bad\"\n";

static void assert_api_fs(struct it_result *r)
{
        char *p;

        cr_assert_eq(r->status, 0, "status %d\nstdout: %s\nstderr: %s", r->status, r->out, r->err);
        while ((p = strchr(r->out, '\r')))     /* a pty console says \r\n */
                memmove(p, p + 1, strlen(p));
        cr_assert_str_eq(r->out, "ok\n", "inside the machine: %s", r->out);
}

static void put_link(const char *dir, const char *name, const char *target)
{
        char *path = path_in(dir, name), *cmd = NULL;

        cr_assert(asprintf(&cmd, "rm -rf '%s'", path) > 0);
        cr_assert_eq(system(cmd), 0);
        cr_assert_eq(symlink(target, path), 0, "symlink %s: %m", path);
        free(cmd);
        free(path);
}

static bool is_dir(const char *dir, const char *rel)
{
        char *p = path_in(dir, rel);
        struct stat st;
        bool r = lstat(p, &st) == 0 && S_ISDIR(st.st_mode);

        free(p);
        return r;
}

/* /run or /tmp of the tree as a symlink — to the root, to a host path, to
 * itself, dangling: the machine gets a directory in its own layer instead,
 * and its tmpfs there; the link is never followed, the tree never written.
 * (/proc, /sys and /dev are refused: badinput/api_mount_point_...) */
Test(overlay, run_and_tmp_symlinks_are_replaced_in_the_machines_layer)
{
        static const char *const points[] = { "run", "tmp" };
        char *tree = it_copy_busybox(), *host_dir = path_in(it.dir, "host-dir");
        char *machine = path_in(it.state_dir, "machines/ov-api"), *upper = path_in(machine, "upper");
        char *cmd = NULL;
        struct it_result r;

        cr_assert_eq(mkdir(host_dir, 0755), 0);
        cr_assert(asprintf(&cmd, "rm -rf '%s'", machine) > 0);
        for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
                const char *p = points[i];
                const char *const targets[] = { "/", host_dir, p, "/no-such-dir" };
                for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
                        put_link(tree, p, targets[t]);
                        char *manifest = it_tree_manifest(tree);

                        r = it_berth_sh(30, tree, api_fs_check, "--name", "ov-api", NULL);
                        assert_api_fs(&r);
                        it_result_free(&r);
                        cr_assert(is_dir(upper, p), "/%s -> %s: %s/%s is no directory", p, targets[t], upper, p);
                        /* The next run finds the directory in its layer. */
                        r = it_berth_sh(30, tree, api_fs_check, "--name", "ov-api", NULL);
                        assert_api_fs(&r);
                        it_result_free(&r);
                        r = it_berth_sh(30, tree, api_fs_check, "--name", "ov-api-e", "--ephemeral", NULL);
                        assert_api_fs(&r);
                        it_result_free(&r);
                        assert_no_leftovers("ov-api", tree);
                        assert_no_leftovers("ov-api-e", tree);
                        char *after = it_tree_manifest(tree);
                        cr_assert_str_eq(after, manifest, "/%s -> %s: the tree was written", p, targets[t]);
                        cr_assert_eq(it_count_entries(host_dir), 0, "berth or the machine wrote into %s", host_dir);
                        free(after);
                        free(manifest);
                        cr_assert_eq(system(cmd), 0);
                }
        }
        /* Without a user namespace overlayfs whites out with trusted.* xattrs. */
        r = it_berth_sh(30, tree, api_fs_check, "--name", "ov-api", "--private-users=no", NULL);
        assert_api_fs(&r);
        it_result_free(&r);
        cr_assert(is_dir(upper, "tmp"), "%s/tmp is no directory", upper);
        free(cmd);
        free(upper);
        free(machine);
        free(host_dir);
        free(tree);
}

/* What berth mounts inside its own /dev, /run, /proc and /sys is made in
 * the file system it has just mounted there: symlinks the tree has at
 * those paths (hidden below the mounts) change nothing. */
Test(overlay, nested_api_mount_points_are_berths_own)
{
        static const char *const points[] = { "dev/pts", "dev/shm", "dev/console", "run/host", "proc/sys",
                                              "sys/fs/cgroup" };
        char *tree = it_copy_busybox(), *host_dir = path_in(it.dir, "host-dir"), *sys_fs = path_in(tree, "sys/fs");
        struct it_result r;

        cr_assert_eq(mkdir(host_dir, 0755), 0);
        cr_assert_eq(mkdir(sys_fs, 0755), 0);
        for (size_t t = 0; t < 4; t++) {
                for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
                        const char *self = strrchr(points[i], '/') + 1;
                        const char *const targets[] = { "/", host_dir, self, "/no-such-dir" };
                        put_link(tree, points[i], targets[t]);
                }
                char *manifest = it_tree_manifest(tree);
                /* A console that is a pseudo terminal: /dev/console too. */
                r = it_berth_sh(30, tree, api_fs_check, "--name", "ov-nested", "--ephemeral", "--console=read-only",
                                NULL);
                assert_api_fs(&r);
                it_result_free(&r);
                r = it_berth_sh(30, tree, api_fs_check, "--name", "ov-nested", NULL);
                assert_api_fs(&r);
                it_result_free(&r);
                assert_no_leftovers("ov-nested", tree);
                char *after = it_tree_manifest(tree);
                cr_assert_str_eq(after, manifest, "the tree was written");
                cr_assert_eq(it_count_entries(host_dir), 0, "berth or the machine wrote into %s", host_dir);
                free(after);
                free(manifest);
        }
        free(sys_fs);
        free(host_dir);
        free(tree);
}
