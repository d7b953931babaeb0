/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The settings files under the command line: precedence, trust, modes,
 * errors and --show-settings (berth(5)). No machine is started. */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "settings.h"
#include "util.h"

#define ARGV(...) ((char *[]) { "berth", __VA_ARGS__, NULL })

static char dir[] = "/tmp/berth-test-settings-XXXXXX";
static char tree[PATH_MAX], etc[PATH_MAX], beside[PATH_MAX];

static void setup(void)
{
        cr_assert_not_null(mkdtemp(dir));
        snprintf(tree, sizeof(tree), "%s/web", dir);
        snprintf(etc, sizeof(etc), "%s/etc", dir);
        snprintf(beside, sizeof(beside), "%s/web.berth", dir);
        cr_assert_eq(mkdir(tree, 0755), 0);
        cr_assert_eq(mkdir(etc, 0755), 0);
        cr_assert_eq(setenv("BERTH_CONFIG_DIR", etc, 1), 0);
}

static void teardown(void)
{
        char cmd[PATH_MAX + 16];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        (void) !system(cmd);
}

TestSuite(settings, .init = setup, .fini = teardown);

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");

        cr_assert_not_null(f, "%s", path);
        fputs(text, f);
        cr_assert_eq(fclose(f), 0);
}

static void etc_file(const char *name, const char *text)
{
        char path[PATH_MAX + 64];

        snprintf(path, sizeof(path), "%s/%s.berth", etc, name);
        write_file(path, text);
}

/* Parse argv, then read the files; what went to fd (stdout or stderr)
 * into out. */
static int read_all(struct settings *s, char **argv, int fd, char *out, size_t size)
{
        FILE *f = tmpfile();
        int saved, r;
        ssize_t n;

        cr_assert_not_null(f);
        fflush(stdout);
        saved = dup(fd);
        cr_assert_geq(dup2(fileno(f), fd), 0);
        r = settings_parse_argv(s, (int) strv_length(argv), argv);
        if (r > 0)
                r = settings_read_files(s);
        fflush(stdout);
        cr_assert_geq(dup2(saved, fd), 0);
        close(saved);
        n = pread(fileno(f), out, size - 1, 0);
        out[n > 0 ? n : 0] = 0;
        fclose(f);
        return r;
}

static bool has_env(const struct settings *s, const char *assignment)
{
        for (char **e = s->setenv; e && *e; e++)
                if (streq(*e, assignment))
                        return true;
        return false;
}

Test(settings, etc_counts_and_the_command_line_wins_per_key)
{
        struct settings s = {};
        char err[4096];

        etc_file("web", "[Exec]\nHostname=from-etc\nBoot=yes\nEnvironment=A=1\nEnvironment=B=2\n"
                        "Parameters=--unit \"rescue target\"\n[Files]\nTemporaryFileSystem=/t1\n");
        cr_assert_eq(read_all(&s, ARGV("-D", tree, "--hostname=cli", "-E", "C=3"), STDERR_FILENO, err,
                              sizeof(err)), 1, "%s", err);
        cr_assert_str_eq(err, "");
        cr_assert_str_eq(s.hostname, "cli");
        cr_assert(s.boot);
        /* A list of the command line's replaces the file's as a whole. */
        cr_assert(has_env(&s, "C=3") && !has_env(&s, "A=1") && !has_env(&s, "B=2"));
        cr_assert_eq(s.n_tmpfs, 1);
        cr_assert_str_eq(s.tmpfs[0].target, "/t1");
        cr_assert_eq(strv_length(s.argv), 2);
        cr_assert_str_eq(s.argv[0], "--unit");
        cr_assert_str_eq(s.argv[1], "rescue target");
        settings_done(&s);

        /* The command's words win over Parameters=. */
        cr_assert_eq(read_all(&s, ARGV("-D", tree, "--", "init", "x"), STDERR_FILENO, err, sizeof(err)), 1);
        cr_assert_eq(strv_length(s.argv), 2);
        cr_assert_str_eq(s.argv[0], "init");
        cr_assert(has_env(&s, "A=1") && has_env(&s, "B=2"));
        settings_done(&s);
}

Test(settings, the_image_file_counts_for_unprivileged_keys_only)
{
        struct settings s = {};
        char err[4096];

        write_file(beside, "[Exec]\nHostname=from-image\nPrivateUsers=no\n[Files]\nBind=/tmp:/mnt\n"
                           "[Resources]\nMemoryMax=1G\n");
        cr_assert_eq(read_all(&s, ARGV("-D", tree), STDERR_FILENO, err, sizeof(err)), 1, "%s", err);
        cr_assert_str_eq(s.hostname, "from-image");
        cr_assert_eq(s.private_users, PRIVATE_USERS_PICK);
        cr_assert_eq(s.n_binds, 0);
        cr_assert_eq(s.limits.memory_max, 0);
        cr_assert(strstr(err, "web.berth:3: [Exec] PrivateUsers= counts in a file next to the image only with "
                              "--settings=trusted (see berth(5)): ignored, continuing\n"), "%s", err);
        cr_assert(strstr(err, "web.berth:5: [Files] Bind= counts"), "%s", err);
        cr_assert(strstr(err, "web.berth:7: [Resources] MemoryMax= counts"), "%s", err);
        settings_done(&s);

        /* trusted: all of it. */
        cr_assert_eq(read_all(&s, ARGV("-D", tree, "--settings=trusted"), STDERR_FILENO, err, sizeof(err)), 1,
                     "%s", err);
        cr_assert_str_eq(err, "");
        cr_assert_eq(s.private_users, PRIVATE_USERS_NO);
        cr_assert_eq(s.n_binds, 1);
        cr_assert_eq(s.limits.memory_max, 1024ULL * 1024 * 1024);
        settings_done(&s);

        /* /etc wins over the image. */
        etc_file("web", "[Exec]\nHostname=from-etc\n");
        cr_assert_eq(read_all(&s, ARGV("-D", tree), STDERR_FILENO, err, sizeof(err)), 1, "%s", err);
        cr_assert_str_eq(s.hostname, "from-etc");
        settings_done(&s);
}

/* Capability= and DropCapability= widen or change what the machine may do:
 * privileged; NoNewPrivileges= only narrows it, and counts from the image's
 * file. Each is a list: the command line's replaces a file's as a whole. */
Test(settings, capabilities_and_no_new_privileges_from_the_files)
{
        struct settings s = {};
        char err[4096];

        write_file(beside, "[Exec]\nNoNewPrivileges=yes\nCapability=all\nDropCapability=CAP_CHOWN\n");
        cr_assert_eq(read_all(&s, ARGV("-D", tree), STDERR_FILENO, err, sizeof(err)), 1, "%s", err);
        cr_assert(s.no_new_privileges);
        cr_assert_eq(s.caps_add, 0);
        cr_assert_eq(s.caps_drop, 0);
        cr_assert(strstr(err, "web.berth:3: [Exec] Capability= counts in a file next to the image only with "
                              "--settings=trusted"), "%s", err);
        cr_assert(strstr(err, "web.berth:4: [Exec] DropCapability= counts"), "%s", err);
        settings_done(&s);
        cr_assert_eq(read_all(&s, ARGV("-D", tree, "--settings=trusted"), STDERR_FILENO, err, sizeof(err)), 1,
                     "%s", err);
        cr_assert_eq(s.caps_add, UINT64_MAX);
        cr_assert_eq(s.caps_drop, 1);
        settings_done(&s);

        etc_file("web", "[Exec]\nCapability=CAP_SYS_TIME cap_ipc_lock\nCapability=bpf\n"
                        "DropCapability=net_raw,mknod\n");
        cr_assert_eq(read_all(&s, ARGV("-D", tree), STDERR_FILENO, err, sizeof(err)), 1, "%s", err);
        cr_assert_eq(s.caps_add, (1ULL << 25) | (1ULL << 14) | (1ULL << 39));
        cr_assert_eq(s.caps_drop, (1ULL << 13) | (1ULL << 27));
        settings_done(&s);
        cr_assert_eq(read_all(&s, ARGV("-D", tree, "--capability=sys_rawio"), STDERR_FILENO, err, sizeof(err)),
                     1, "%s", err);
        cr_assert_eq(s.caps_add, 1ULL << 17);
        cr_assert_eq(s.caps_drop, (1ULL << 13) | (1ULL << 27));
        settings_done(&s);

        /* A bad name in a file: its line, also under a command line's. */
        etc_file("web", "[Exec]\nDropCapability=CAP_CHOWN cap_nope\n");
        cr_assert_eq(read_all(&s, ARGV("-D", tree, "--drop-capability=chown"), STDERR_FILENO, err, sizeof(err)),
                     -EINVAL);
        cr_assert(strstr(err, "web.berth:2: DropCapability=CAP_CHOWN cap_nope: unknown capability 'cap_nope' "
                              "(berth --capability=help lists them)\n"), "%s", err);
        settings_done(&s);
}

Test(settings, override_lets_the_files_win_and_no_reads_none)
{
        struct settings s = {};
        char err[4096];

        etc_file("web", "[Exec]\nHostname=from-etc\nEnvironment=A=1\n");
        cr_assert_eq(read_all(&s, ARGV("-D", tree, "--settings=override", "--hostname=cli", "-E", "C=3",
                                       "--boot"), STDERR_FILENO, err, sizeof(err)), 1, "%s", err);
        cr_assert_str_eq(s.hostname, "from-etc");
        cr_assert(has_env(&s, "A=1") && !has_env(&s, "C=3"));
        cr_assert(s.boot);      /* not in the file: the command line's */
        settings_done(&s);

        cr_assert_eq(read_all(&s, ARGV("-D", tree, "--settings=no"), STDERR_FILENO, err, sizeof(err)), 1);
        cr_assert_null(s.hostname);
        cr_assert_null(s.setenv);
        settings_done(&s);

        cr_assert_lt(read_all(&s, ARGV("-D", tree, "--settings=maybe"), STDERR_FILENO, err, sizeof(err)), 0);
        cr_assert_str_eq(err, "berth: --settings=maybe: expected yes, no, trusted or override\n");
        settings_done(&s);
}

/* A bad value is an error naming file, line and value, even where the
 * command line gives the same setting. */
Test(settings, a_bad_value_is_an_error_with_file_and_line)
{
        struct settings s = {};
        char err[4096], want[PATH_MAX + 200];

        etc_file("web", "[Exec]\n\nKillSignal=SIGNOPE\n");
        cr_assert_eq(read_all(&s, ARGV("-D", tree, "--kill-signal=HUP"), STDERR_FILENO, err, sizeof(err)),
                     -EINVAL);
        snprintf(want, sizeof(want), "berth: %s/web.berth:3: KillSignal=SIGNOPE: expected a signal name or number "
                                     "(not KILL or STOP)\n", etc);
        cr_assert_str_eq(err, want);
        settings_done(&s);

        etc_file("web", "[Exec]\nBoot=perhaps\n");
        cr_assert_eq(read_all(&s, ARGV("-D", tree), STDERR_FILENO, err, sizeof(err)), -EINVAL);
        cr_assert(strstr(err, "web.berth:2: Boot=perhaps: expected yes or no\n"), "%s", err);
        settings_done(&s);

        /* A file reaches no variable of berth's own environment. */
        etc_file("web", "[Exec]\nEnvironment=HOME\n");
        cr_assert_eq(read_all(&s, ARGV("-D", tree), STDERR_FILENO, err, sizeof(err)), -EINVAL);
        cr_assert(strstr(err, "web.berth:2: Environment=HOME: expected NAME=VALUE\n"), "%s", err);
        settings_done(&s);

        /* The checks of the whole run again on the merged settings. */
        etc_file("web", "[Exec]\nBoot=yes\n");
        cr_assert_eq(read_all(&s, ARGV("-D", tree, "--as-pid2"), STDERR_FILENO, err, sizeof(err)), -EINVAL);
        cr_assert(strstr(err, "--as-pid2 and --boot exclude each other"), "%s", err);
        settings_done(&s);

        /* A line too long for the library is named, not split. */
        char text[512];
        snprintf(text, sizeof(text), "[Exec]\nHostname=%0250d\n", 0);
        etc_file("web", text);
        cr_assert_eq(read_all(&s, ARGV("-D", tree), STDERR_FILENO, err, sizeof(err)), -EINVAL);
        cr_assert(strstr(err, "web.berth:2: the line is longer than 198 characters"), "%s", err);
        settings_done(&s);
}

/* berth -M NAME: the tree from Image=, or the image of that name. */
Test(settings, the_tree_from_image_or_the_store)
{
        struct settings s = {};
        char err[4096], text[PATH_MAX + 32];

        snprintf(text, sizeof(text), "[Exec]\nImage=%s\n", tree);
        etc_file("other", text);
        cr_assert_eq(read_all(&s, ARGV("-M", "other"), STDERR_FILENO, err, sizeof(err)), 1, "%s", err);
        cr_assert_str_eq(s.directory, tree);
        settings_done(&s);

        cr_assert_eq(setenv("BERTH_STATE_DIR", dir, 1), 0);
        char images[PATH_MAX + 16], image[PATH_MAX + 32];
        snprintf(images, sizeof(images), "%s/images", dir);
        snprintf(image, sizeof(image), "%s/images/stored", dir);
        cr_assert_eq(mkdir(images, 0755), 0);
        cr_assert_eq(mkdir(image, 0755), 0);
        cr_assert_eq(read_all(&s, ARGV("-M", "stored"), STDERR_FILENO, err, sizeof(err)), 1, "%s", err);
        cr_assert_str_eq(s.directory, image);
        settings_done(&s);

        cr_assert_eq(read_all(&s, ARGV("-M", "missing"), STDERR_FILENO, err, sizeof(err)), -EINVAL);
        cr_assert(strstr(err, "no tree given, and there is no image"), "%s", err);
        settings_done(&s);
        unsetenv("BERTH_STATE_DIR");
}

/* --ephemeral without --name reads the tree's file, not the random name's. */
Test(settings, an_ephemeral_run_reads_the_trees_file)
{
        struct settings s = {};
        char err[4096];

        etc_file("web", "[Exec]\nHostname=from-etc\n");
        cr_assert_eq(read_all(&s, ARGV("-D", tree, "-x"), STDERR_FILENO, err, sizeof(err)), 1, "%s", err);
        cr_assert_str_eq(s.hostname, "from-etc");
        settings_done(&s);
}

/* A .nspawn file as it is: what berth has counts, the rest is one line each. */
Test(settings, an_nspawn_file_works_for_the_keys_berth_has)
{
        struct settings s = {};
        char err[4096];

        etc_file("web", "[Exec]\nBoot=on\nPrivateUsers=pick\nAmbientCapability=CAP_NET_ADMIN\nPersonality=x86-64\n"
                        "[Files]\nBindReadOnly=/tmp:/srv\nVolatile=no\nOverlay=/a:/b\n[Network]\nPrivate=yes\n"
                        "VirtualEthernet=yes\n");
        cr_assert_eq(read_all(&s, ARGV("-D", tree), STDERR_FILENO, err, sizeof(err)), 1, "%s", err);
        cr_assert(s.boot);
        cr_assert_eq(s.n_binds, 1);
        cr_assert(s.binds[0].read_only);
        cr_assert(s.private_network);
        cr_assert(s.net.veth);
        const char *unsupported[] = { ":4: [Exec] AmbientCapability=", ":5: [Exec] Personality=", ":8: [Files] Volatile=",
                                      ":9: [Files] Overlay=" };
        for (size_t i = 0; i < 4; i++)
                cr_assert(strstr(err, unsupported[i]), "%s not said: %s", unsupported[i], err);
        size_t lines = 0;
        for (const char *p = err; (p = strchr(p, '\n')); p++)
                lines++;
        cr_assert_eq(lines, 4, "%s", err);
        cr_assert(strstr(err, "is a systemd.nspawn setting berth does not have: ignored, continuing"), "%s", err);
        settings_done(&s);
}

Test(settings, show_settings_names_where_each_value_came_from)
{
        struct settings s = {};
        char out[16384], want[PATH_MAX + 200];

        etc_file("web", "[Exec]\nHostname=first\nHostname=from-etc\n");
        write_file(beside, "[Exec]\nEnvironment=A=1\n");
        cr_assert_eq(read_all(&s, ARGV("-D", tree, "--show-settings", "--boot"), STDOUT_FILENO, out, sizeof(out)),
                     0);
        snprintf(want, sizeof(want), "\nHostname=from-etc                       # %s/web.berth:3\n", etc);
        cr_assert(strstr(out, want), "%s", out);
        cr_assert(!strstr(out, "first"), "a value that does not count is shown: %s", out);
        cr_assert(strstr(out, "\nBoot=yes                                # command line\n"), "%s", out);
        snprintf(want, sizeof(want), "\nEnvironment=A=1                         # %s:2 (image)\n", beside);
        cr_assert(strstr(out, want), "%s", out);
        cr_assert(strstr(out, "\nStopTimeout=                            # default: 90\n"), "%s", out);
        cr_assert(strstr(out, "\n[Files]\n") && strstr(out, "\n[Resources]\n") && strstr(out, "\n[Network]\n"),
                  "%s", out);
        settings_done(&s);
}
