/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every error a user can cause: a non-zero exit, exactly one line on stderr
 * that names the problem, and nothing left behind — no mount, no directory
 * under the state or runtime directory, no cgroup, no process. */
#include <criterion/criterion.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(badinput, .init = it_setup, .fini = it_teardown);

static FILE *listing;
static size_t listing_skip;

static int listing_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
        fprintf(listing, "%s %o\n", path + listing_skip, st->st_mode);
        return 0;
}

/* Everything under BERTH_STATE_DIR and BERTH_RUNTIME_DIR. */
static char *berth_dirs(void)
{
        const char *const dirs[] = { it.state_dir, it.runtime_dir };
        char *buf = NULL;
        size_t size = 0;

        listing = open_memstream(&buf, &size);
        listing_skip = strlen(it.dir);
        for (size_t i = 0; i < 2; i++)
                if (nftw(dirs[i], listing_entry, 32, FTW_PHYS) < 0)
                        fprintf(listing, "%s missing\n", dirs[i] + listing_skip);
        fclose(listing);
        return buf;
}

/* Lines of a that are not in b, for a readable failure. */
static char *lines_missing(const char *a, const char *b)
{
        char *out = NULL, *copy = strdup(a);
        size_t size = 0;
        FILE *f = open_memstream(&out, &size);

        for (char *l = strtok(copy, "\n"); l; l = strtok(NULL, "\n")) {
                char *needle = NULL;
                cr_assert(asprintf(&needle, "%s\n", l) > 0);
                if (!strstr(b, needle))
                        fprintf(f, "  %s\n", l);
                free(needle);
        }
        fclose(f);
        free(copy);
        return out;
}

struct refusal {
        const char *name;       /* the machine name berth would use */
        const char *tree;
        const char *needle;     /* what the message must say */
        const char *alt_needle; /* or this, when not NULL */
        bool leftovers_later;   /* another machine of that name runs: check after it */
        bool whole_line;        /* needle is all of stderr (without its newline) */
        bool at_end;            /* stderr ends with needle (no errno text after a sentence) */
};

static void assert_refused(const struct refusal *x, char *const argv[])
{
        char *mounts = it_read_file("/proc/self/mountinfo"), *dirs = berth_dirs();
        struct it_result r = it_run(30, argv);
        char *mounts_after = it_read_file("/proc/self/mountinfo"), *dirs_after = berth_dirs();
        char *left;

        cr_assert_neq(r.status, -1, "berth hung\nstderr: %s", r.err);
        cr_assert_neq(r.status, 0, "berth accepted it\nstdout: %s\nstderr: %s", r.out, r.err);
        cr_assert_lt(r.status, 128, "berth died by signal %d\nstderr: %s", r.status - 128, r.err);
        cr_assert_eq(it_count_lines(r.err), 1, "stderr is not one line:\n%s", r.err);
        cr_assert_eq(r.err[strlen(r.err) - 1], '\n', "stderr: %s", r.err);
        cr_assert(strstr(r.err, x->needle) || (x->alt_needle && strstr(r.err, x->alt_needle)),
                  "the message does not say '%s': %s", x->needle, r.err);
        cr_assert_str_eq(r.out, "", "stdout: %s", r.out);
        size_t ln = strlen(r.err), nn = strlen(x->needle);
        if (x->at_end)
                cr_assert(ln > nn && strncmp(r.err + ln - nn - 1, x->needle, nn) == 0,
                          "stderr does not end with '%s': %s", x->needle, r.err);
        if (x->whole_line)
                cr_assert(strncmp(r.err, x->needle, strlen(x->needle)) == 0 && r.err[strlen(x->needle)] == '\n',
                          "stderr is not '%s': %s", x->needle, r.err);

        if (strcmp(mounts, mounts_after) != 0) {
                char *gone = lines_missing(mounts, mounts_after), *added = lines_missing(mounts_after, mounts);
                cr_assert_fail("/proc/self/mountinfo changed\nnew:\n%sgone:\n%s", added, gone);
        }
        if (strcmp(dirs, dirs_after) != 0) {
                char *gone = lines_missing(dirs, dirs_after), *added = lines_missing(dirs_after, dirs);
                cr_assert_fail("berth's directories changed\nnew:\n%sgone:\n%s", added, gone);
        }
        if (!x->leftovers_later) {
                left = it_leftovers(x->name, x->tree);
                cr_assert_null(left, "%s", left);
        }
        it_result_free(&r);
        free(mounts);
        free(mounts_after);
        free(dirs);
        free(dirs_after);
}

#define REFUSED(x, ...)                                                          \
        do {                                                                     \
                char *argv_[] = { (char *) it_berth(), __VA_ARGS__, NULL };      \
                assert_refused((x), argv_);                                      \
        } while (0)

/* The same for a command line that does not start with berth. */
#define REFUSED_CMD(x, ...)                                                      \
        do {                                                                     \
                char *argv_[] = { __VA_ARGS__, NULL };                           \
                assert_refused((x), argv_);                                      \
        } while (0)

static char *write_file_in(const char *name, const char *content)
{
        char *path = NULL;
        FILE *f;

        cr_assert(asprintf(&path, "%s/%s", it.dir, name) > 0);
        f = fopen(path, "we");
        cr_assert_not_null(f);
        fputs(content, f);
        cr_assert_eq(fclose(f), 0);
        return path;
}

Test(badinput, missing_tree)
{
        struct refusal x = { .name = "bi-missing", .tree = "/nonexistent", .needle = "does not exist",
                             .at_end = true };

        REFUSED(&x, "-D", "/nonexistent", "--name", "bi-missing", "--", "true");
        REFUSED(&x, "-D", "/nonexistent", "--name", "bi-missing", "--boot");
        /* The message names the tree. */
        x.needle = "/nonexistent/berth-tree does not exist";
        REFUSED(&x, "-D", "/nonexistent/berth-tree", "--name", "bi-missing", "--", "true");
}

Test(badinput, tree_is_a_regular_file)
{
        char *file = write_file_in("not-a-tree", "just a file\n");
        struct refusal x = { .name = "bi-file", .tree = file, .needle = "is not a directory", .at_end = true };

        REFUSED(&x, "-D", file, "--name", "bi-file", "--", "true");
        REFUSED(&x, "-D", file, "--name", "bi-file", "--boot");
        free(file);
}

Test(badinput, boot_without_an_init)
{
        char *tree = it_copy_busybox(), *init = NULL, *empty = NULL;
        struct refusal x = { .name = "bi-noinit", .tree = tree, .needle = "no init" };
        char *line = NULL;

        cr_assert(asprintf(&init, "%s/sbin/init", tree) > 0);
        cr_assert_eq(unlink(init), 0);
        REFUSED(&x, "-D", tree, "--name", "bi-noinit", "--boot");
        /* One sentence, with no errno text after it. */
        cr_assert(asprintf(&line, "berth: tree %s has no init to boot (looked for /usr/lib/systemd/systemd, "
                                  "/lib/systemd/systemd, /sbin/init); without --boot it runs a command", tree) > 0);
        x.needle = line;
        x.whole_line = true;
        REFUSED(&x, "-D", tree, "--name", "bi-noinit", "--boot");
        x.needle = "no init";
        x.whole_line = false;
        free(line);

        cr_assert(asprintf(&empty, "%s/empty", it.dir) > 0);
        cr_assert_eq(mkdir(empty, 0755), 0);
        x.tree = empty;
        REFUSED(&x, "-D", empty, "--name", "bi-noinit", "--boot");
        free(empty);
        free(init);
        free(tree);
}

Test(badinput, boot_with_an_init_that_is_not_executable)
{
        char *tree = it_copy_busybox(), *init = NULL;
        struct refusal x = { .name = "bi-noexec", .tree = tree, .needle = "no init" };

        /* A dangling symlink and a plain file are no init either. */
        cr_assert(asprintf(&init, "%s/sbin/init", tree) > 0);
        cr_assert_eq(unlink(init), 0);
        cr_assert_eq(symlink("../bin/no-such-init", init), 0);
        REFUSED(&x, "-D", tree, "--name", "bi-noexec", "--boot");
        cr_assert_eq(unlink(init), 0);
        free(write_file_in("tree/sbin/init", "#!/bin/sh\n"));
        cr_assert_eq(chmod(init, 0644), 0);
        REFUSED(&x, "-D", tree, "--name", "bi-noexec", "--boot");
        free(init);
        free(tree);
}

/* An init built for another architecture, with no binfmt_misc handler to
 * run it: said before anything starts (busybox with its ELF header's
 * e_machine made aarch64's). */
Test(badinput, boot_with_an_init_of_another_architecture)
{
        char *tree = it_copy_busybox(), *init = NULL, *cmd = NULL;
        struct refusal x = { .name = "bi-arch", .tree = tree, .needle = "is a program for aarch64" };

        if (system("grep -qsx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64") == 0)
                cr_skip_test("this host runs aarch64 programs through qemu-aarch64 (binfmt_misc)");
        cr_assert(asprintf(&init, "%s/sbin/init", tree) > 0);
        cr_assert_eq(unlink(init), 0);
        cr_assert(asprintf(&cmd, "cp '%s/bin/busybox' '%s' && printf '\\267\\000' | "
                                 "dd of='%s' bs=1 seek=18 conv=notrunc status=none", tree, init, init) > 0);
        cr_assert_eq(system(cmd), 0, "%s", cmd);
        REFUSED(&x, "-D", tree, "--name", "bi-arch", "--boot");
        x.needle = "no binfmt_misc handler for aarch64 (qemu-user-static registers one)";
        x.at_end = true;
        REFUSED(&x, "-D", tree, "--name", "bi-arch", "--boot", "--ephemeral");
        free(cmd);
        free(init);
        free(tree);
}

Test(badinput, name_with_a_slash)
{
        char *tree = (char *) it_busybox_tree();
        struct refusal x = { .name = "bi/slash", .tree = tree, .needle = "'/'" };

        REFUSED(&x, "-D", tree, "--name", "bi/slash", "--", "true");
        x.name = "/etc";
        REFUSED(&x, "-D", tree, "--name", "/etc", "--", "true");
        /* The message names the machine name it refuses. */
        x.needle = "bi/slash";
        x.name = "bi/slash";
        REFUSED(&x, "-D", tree, "-M", "bi/slash", "--", "true");
}

Test(badinput, name_with_dot_dot)
{
        char *tree = (char *) it_busybox_tree();
        struct refusal x = { .name = "..", .tree = tree, .needle = "'..'" };

        REFUSED(&x, "-D", tree, "--name", "..", "--", "true");
        x.name = "bi..dots";
        REFUSED(&x, "-D", tree, "--name", "bi..dots", "--", "true");
}

Test(badinput, name_of_65_characters)
{
        char *tree = (char *) it_busybox_tree();
        char name[66], *ok = NULL;
        struct refusal x = { .name = name, .tree = tree, .needle = "64" };
        struct it_result r;

        memset(name, 'n', 65);
        name[65] = 0;
        REFUSED(&x, "-D", tree, "--name", name, "--", "true");

        /* 64 is the limit, not one less. */
        name[64] = 0;
        r = it_berth_run(30, "-D", tree, "--ephemeral", "--name", name, "--", "hostname", NULL);
        cr_assert_eq(r.status, 0, "a 64-character name was refused: %s", r.err);
        cr_assert(asprintf(&ok, "%s\n", name) > 0);
        cr_assert_str_eq(r.out, ok);
        it_result_free(&r);
        char *left = it_leftovers(name, tree);
        cr_assert_null(left, "%s", left);
        free(ok);
}

/* A message that repeats what was typed stays one line and sends no
 * control character to the terminal: a newline and an ESC in a name, a
 * tree path with a tab. */
Test(badinput, control_characters_are_escaped)
{
        char *tree = (char *) it_busybox_tree();
        struct refusal x = { .name = "a\nb\033[2J", .tree = tree, .needle = "'a\\nb\\x1b[2J'" };

        REFUSED(&x, "-D", tree, "-x", "--name", "a\nb\033[2J", "--", "true");
        x.name = NULL;
        x.needle = "/nonexistent/a\\tb\\x1b";
        REFUSED(&x, "-D", "/nonexistent/a\tb\033", "--name", "bi-esc", "--", "true");
}

Test(badinput, empty_name)
{
        char *tree = (char *) it_busybox_tree();
        struct refusal x = { .name = NULL, .tree = tree, .needle = "empty" };

        REFUSED(&x, "-D", tree, "--name=", "--", "true");
}

Test(badinput, name_already_running)
{
        char *tree = (char *) it_busybox_tree();
        struct refusal x = { .name = "bi-busy", .tree = tree, .needle = "already running",
                             .leftovers_later = true };
        char *supervisor, *supervisor_after, *left, *log = NULL, *log_text;
        pid_t busy;
        int status;

        busy = it_berth_spawn("busy", "-D", tree, "--name", "bi-busy", "--", "sleep", "60", NULL);
        cr_assert(it_wait_state("bi-busy", "running", 15), "the first machine bi-busy never ran");
        supervisor = it_state_get("bi-busy", "SUPERVISOR");
        cr_assert_not_null(supervisor);

        REFUSED(&x, "-D", tree, "--name", "bi-busy", "--", "true");
        REFUSED(&x, "-D", tree, "--ephemeral", "--name", "bi-busy", "--", "true");
        REFUSED(&x, "-D", tree, "--name", "bi-busy", "--boot");
        x.needle = "bi-busy";
        REFUSED(&x, "-D", tree, "--name", "bi-busy", "--", "true");
        x.needle = "; give this one another --name";
        x.at_end = true;
        REFUSED(&x, "-D", tree, "--name", "bi-busy", "--", "true");

        /* The running one is untouched. */
        cr_assert_eq(kill(busy, 0), 0, "the first machine died");
        supervisor_after = it_state_get("bi-busy", "SUPERVISOR");
        cr_assert_not_null(supervisor_after, "the first machine lost its state file");
        cr_assert_str_eq(supervisor_after, supervisor);
        char *st = it_state_get("bi-busy", "STATE");
        cr_assert_str_eq(st, "running");
        free(st);

        cr_assert_eq(kill(busy, SIGTERM), 0);
        status = it_wait(busy, 30);
        cr_assert(asprintf(&log, "%s/busy.err", it.dir) > 0);
        log_text = it_read_file(log);
        cr_assert_eq(status, 128 + SIGTERM, "the first machine ended with %d: %s", status, log_text);
        left = it_leftovers("bi-busy", tree);
        cr_assert_null(left, "%s", left);
        free(log_text);
        free(log);
        free(supervisor);
        free(supervisor_after);
}

Test(badinput, not_root)
{
        char *tree = (char *) it_busybox_tree();
        struct refusal x = { .name = "bi-user", .tree = tree, .needle = "root" };

        if (access("/usr/bin/setpriv", X_OK) < 0 && access("/bin/setpriv", X_OK) < 0)
                cr_skip_test("setpriv (util-linux) is missing");
        REFUSED_CMD(&x, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", (char *) it_berth(), "-D",
                tree, "--name", "bi-user", "--", "true");
        REFUSED_CMD(&x, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", (char *) it_berth(), "-D",
                tree, "--name", "bi-user", "--boot");
}

Test(badinput, ephemeral_and_upper)
{
        char *tree = (char *) it_busybox_tree();
        char *upper = NULL, *machines_upper = NULL;
        struct refusal x = { .name = "bi-both", .tree = tree, .needle = "--upper" };

        cr_assert(asprintf(&upper, "--upper=%s/upper", it.dir) > 0);
        REFUSED(&x, "-D", tree, "--name", "bi-both", "--ephemeral", upper, "--", "true");
        x.needle = "--ephemeral";
        REFUSED(&x, "-D", tree, "--name", "bi-both", upper, "--ephemeral", "--", "true");
        /* The --upper directory was not made either. */
        cr_assert(asprintf(&machines_upper, "%s/upper", it.dir) > 0);
        cr_assert_eq(access(machines_upper, F_OK), -1, "%s was created", machines_upper);
        free(machines_upper);
        free(upper);
}

Test(badinput, upper_is_a_regular_file)
{
        char *tree = (char *) it_busybox_tree();
        char *file = write_file_in("upper-file", "x\n"), *opt = NULL;
        struct refusal x = { .name = "bi-upper", .tree = tree, .needle = "is not a directory", .at_end = true };

        cr_assert(asprintf(&opt, "--upper=%s", file) > 0);
        REFUSED(&x, "-D", tree, "--name", "bi-upper", opt, "--", "true");
        free(opt);
        free(file);
}

Test(badinput, bind_source_missing)
{
        char *tree = (char *) it_busybox_tree();
        char *src = NULL, *opt = NULL, *opt_ro = NULL, *opt_plain = NULL;
        struct refusal x = { .name = "bi-bind", .tree = tree, .needle = "does not exist",
                             .alt_needle = "No such file or directory" };

        cr_assert(asprintf(&src, "%s/no-such-source", it.dir) > 0);
        cr_assert(asprintf(&opt, "--bind=%s:/mnt", src) > 0);
        cr_assert(asprintf(&opt_ro, "--bind-ro=%s:/mnt", src) > 0);
        cr_assert(asprintf(&opt_plain, "--bind=%s", src) > 0);
        REFUSED(&x, "-D", tree, "--name", "bi-bind", opt, "--", "true");
        REFUSED(&x, "-D", tree, "--name", "bi-bind", "--ephemeral", opt_ro, "--", "true");
        REFUSED(&x, "-D", tree, "--name", "bi-bind", opt_plain, "--", "true");
        /* The message names the source. */
        x.needle = src;
        x.alt_needle = NULL;
        REFUSED(&x, "-D", tree, "--name", "bi-bind", opt, "--", "true");
        free(opt_plain);
        free(opt_ro);
        free(opt);
        free(src);
}

/* Errors found only while the machine's root is being built, after the
 * launcher has prepared the host: the same one line, and all of it undone. */
Test(badinput, mount_destination_that_cannot_be_made)
{
        char *tree = (char *) it_busybox_tree();
        char *src = write_file_in("bind-source", "x\n"), *bind_file = NULL, *bind_dir = NULL;
        struct refusal x = { .name = "bi-late", .tree = tree, .needle = "/etc/motd" };
        struct it_result r;

        /* A machine that ran once: the state and runtime directories exist,
         * so that anything new in them is this machine's leftover. */
        r = it_berth_run(30, "-D", tree, "--name", "bi-ran", "--", "true", NULL);
        cr_assert_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
        it_result_free(&r);

        cr_assert(asprintf(&bind_file, "--bind=%s:/etc/motd/below", src) > 0);
        cr_assert(asprintf(&bind_dir, "--bind=%s:/etc/motd", it.dir) > 0);
        REFUSED(&x, "-D", tree, "--name", "bi-late", bind_file, "--", "true");
        REFUSED(&x, "-D", tree, "--name", "bi-late", bind_dir, "--", "true");
        REFUSED(&x, "-D", tree, "--name", "bi-late", "--tmpfs=/etc/motd", "--", "true");
        REFUSED(&x, "-D", tree, "--name", "bi-late", "--ephemeral", "--tmpfs=/etc/motd/below", "--", "true");
        free(bind_dir);
        free(bind_file);
        free(src);
}

/* Put at dir/name, in place of what is there, a symlink to target, or
 * (target NULL) an entry of type: S_IFREG or S_IFDIR. */
static void plant(const char *dir, const char *name, const char *target, mode_t type)
{
        char *cmd = NULL;

        cr_assert(asprintf(&cmd, "cd '%s' && rm -rf %s && %s %s %s", dir, name,
                           target ? "ln -s" : type == S_IFDIR ? "mkdir" : "touch", target ? target : "", name) > 0);
        cr_assert_eq(system(cmd), 0, "%s", cmd);
        free(cmd);
}

/* /proc, /sys or /dev of the tree as a symlink — to the root, to a host
 * path, to itself, dangling — or as a file: refused in one sentence naming
 * it, before anything is mounted there; the link is never followed (with
 * /proc -> / a bare procfs was mounted over the machine's root). */
Test(badinput, api_mount_point_that_is_not_a_directory)
{
        static const char *const points[] = { "proc", "sys", "dev" };
        char *tree = it_copy_busybox(), *host_dir = NULL, *upper = NULL, *upper_opt = NULL, *line = NULL;
        struct refusal x = { .name = "bi-api", .tree = tree, .whole_line = true };
        char *manifest;
        struct it_result r;

        r = it_berth_run(30, "-D", tree, "--name", "bi-ran", "--", "true", NULL);
        cr_assert_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
        it_result_free(&r);
        cr_assert(asprintf(&host_dir, "%s/host-dir", it.dir) > 0);
        cr_assert_eq(mkdir(host_dir, 0755), 0);

        for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
                const char *p = points[i];
                /* Last, a regular file. */
                const char *const targets[] = { "/", host_dir, p, "/no-such-dir", NULL };
                for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
                        plant(tree, p, targets[t], S_IFREG);
                        manifest = it_tree_manifest(tree);
                        cr_assert(asprintf(&line, "berth: machine bi-api: /%s in tree %s is %s%s, not a directory: "
                                                  "berth mounts the machine's /%s on a directory only, following "
                                                  "no symlink; make /%s an empty directory",
                                           p, tree, targets[t] ? "a symlink to " : "a regular file",
                                           targets[t] ? targets[t] : "", p, p) > 0);
                        x.needle = line;
                        REFUSED(&x, "-D", tree, "--name", "bi-api", "--", "true");
                        REFUSED(&x, "-D", tree, "--name", "bi-api", "--ephemeral", "--boot");
                        char *after = it_tree_manifest(tree);
                        cr_assert_str_eq(after, manifest, "the tree was written");
                        free(after);
                        free(manifest);
                        free(line);
                }
                plant(tree, p, NULL, S_IFDIR);
        }
        cr_assert_eq(it_count_entries(host_dir), 0, "something was made in %s", host_dir);

        /* In the machine's own layer, where a machine's root may have put it. */
        cr_assert(asprintf(&upper, "%s/upper", it.dir) > 0);
        cr_assert(asprintf(&upper_opt, "--upper=%s", upper) > 0);
        cr_assert_eq(mkdir(upper, 0755), 0);
        plant(upper, "dev", "/", 0);
        cr_assert(asprintf(&line, "berth: machine bi-api: /dev in its own layer %s is a symlink to /, not a "
                                  "directory: berth mounts the machine's /dev on a directory only, following no "
                                  "symlink; make /dev an empty directory", upper) > 0);
        x.needle = line;
        REFUSED(&x, "-D", tree, "--name", "bi-api", "--private-users=no", upper_opt, "--", "true");
        cr_assert_eq(it_count_entries(upper), 1, "%s was written", upper);
        free(line);
        /* /run and /tmp are replaced when symlinks (see the overlay suite),
         * but a file there is the machine's data: refused all the same. */
        plant(tree, "run", NULL, S_IFREG);
        cr_assert(asprintf(&line, "berth: machine bi-api: /run in tree %s is a regular file, not a directory: "
                                  "berth mounts the machine's /run on a directory only, following no symlink; "
                                  "make /run an empty directory", tree) > 0);
        x.needle = line;
        REFUSED(&x, "-D", tree, "--name", "bi-api", "--", "true");
        free(line);
        free(upper_opt);
        free(upper);
        free(host_dir);
        free(tree);
}

/* --tmpfs=PATH:OPTIONS with an option berth does not know: refused before
 * anything is made, naming it (it once made a directory "/scratch:size=1M,..."). */
Test(badinput, tmpfs_with_an_unknown_option)
{
        char *tree = (char *) it_busybox_tree();
        struct refusal x = { .name = "bi-tmpfs", .tree = tree, .needle = "unknown option 'bogus'" };

        REFUSED(&x, "-D", tree, "--name", "bi-tmpfs", "--tmpfs=/scratch:size=1M,bogus", "--", "true");
        x.needle = "mode=0999 expects an octal mode";
        REFUSED(&x, "-D", tree, "--name", "bi-tmpfs", "--ephemeral", "--tmpfs=/scratch:mode=0999", "--", "true");
}

/* An option only the kernel can judge (a UID outside the machine's range):
 * the kernel's reason in the one line, and everything undone. */
Test(badinput, tmpfs_option_the_kernel_refuses)
{
        char *tree = (char *) it_busybox_tree();
        struct refusal x = { .name = "bi-tmpfs-uid", .tree = tree, .needle = "Invalid uid '70000'" };
        struct it_result r;

        /* The state and runtime directories exist, so anything new in them is a leftover. */
        r = it_berth_run(30, "-D", tree, "--name", "bi-ran", "--", "true", NULL);
        cr_assert_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
        it_result_free(&r);
        REFUSED(&x, "-D", tree, "--name", "bi-tmpfs-uid", "--tmpfs=/scratch:uid=70000", "--", "true");
}

/* Option errors in berth's words: one line, no binary path, a hint. */
Test(badinput, option_errors_are_one_line_with_a_hint)
{
        char *tree = (char *) it_busybox_tree();
        struct refusal x = { .name = "bi-opt", .tree = tree, .whole_line = true,
                             .needle = "berth: unknown option --foo (see berth --help)" };

        REFUSED(&x, "-D", tree, "--name", "bi-opt", "--foo", "--", "true");
        x.needle = "berth: option --name needs a value (see berth --help)";
        REFUSED(&x, "-D", tree, "--name");
        x.needle = "berth: unknown option -Z (see berth --help)";
        REFUSED(&x, "-D", tree, "--name", "bi-opt", "-xZ", "--", "true");
}

/* -U takes no value: "-U no" once ran "no" as the command (status 127). */
Test(badinput, U_with_a_value)
{
        char *tree = (char *) it_busybox_tree();
        struct refusal x = { .name = "bi-u", .tree = tree,
                             .needle = "-U takes no value: write --private-users=no" };
        struct it_result r;

        REFUSED(&x, "-D", tree, "--name", "bi-u", "-U", "no");
        x.needle = "write --private-users=1000000:65536";
        REFUSED(&x, "-D", tree, "--name", "bi-u", "-xU", "1000000:65536");
        /* -U alone is pick: the machine's root is not the host's. */
        r = it_berth_run(30, "-D", tree, "-x", "--name", "bi-u", "-U", "--", "/bin/sh", "-c",
                         "awk '{ print $1, ($2 > 0), $3 }' /proc/self/uid_map", NULL);
        cr_assert_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
        cr_assert_str_eq(r.out, "0 1 65536\n");
        it_result_free(&r);
        char *left = it_leftovers("bi-u", tree);
        cr_assert_null(left, "%s", left);
}

/* As in nspawn: --as-pid2 puts the stub in as PID 1, --boot the tree's init. */
Test(badinput, as_pid2_with_boot)
{
        char *tree = (char *) it_busybox_tree();
        struct refusal x = { .name = "bi-pid2", .tree = tree, .whole_line = true,
                             .needle = "berth: --as-pid2 and --boot exclude each other: with --boot the tree's "
                                       "init is PID 1" };

        REFUSED(&x, "-D", tree, "--name", "bi-pid2", "--as-pid2", "--boot");
        REFUSED(&x, "-D", tree, "--name", "bi-pid2", "-ab");
}
