/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "state.h"
#include "util.h"

static char dir[] = "/tmp/berth-test-state-XXXXXX";
static int dir_fd = -1;

static void setup(void)
{
        char sub[128];

        cr_assert_not_null(mkdtemp(dir));
        cr_assert_eq(setenv("BERTH_RUNTIME_DIR", dir, 1), 0);
        snprintf(sub, sizeof(sub), "%s/machines", dir);
        cr_assert_eq(mkdir(sub, 0755), 0);
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert_geq(dir_fd, 0);
}

static void teardown(void)
{
        char cmd[128];

        close(dir_fd);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        (void) !system(cmd);
}

TestSuite(state, .init = setup, .fini = teardown);

static const struct machine_state full = {
        .name = "web",
        .state = "running",
        .uuid = "0123456789abcdef0123456789abcdef",
        .root = "/var/lib/berth/images/debian",
        .upper = "/var/lib/berth/machines/web/upper",
        .cgroup = "/sys/fs/cgroup/machine.slice/machine-web.scope",
        .cgroup_memory = "/sys/fs/cgroup/memory/berth-web",
        .cgroup_blkio = "/sys/fs/cgroup/blkio/berth-web",
        .init = "/sbin/init",
        .leader = 4242,
        .supervisor = 4241,
        .ephemeral = false,
        .uid_shift = 524288,
        .uid_range = 65536,
        .init_kind = "systemd",
        .registered = true,
        .stop = "",
        .host_ifname = "ve-web",
        .host_ifindex = 7,
        .ports = "tcp 8080 80 udp 53 53",
        .resolv_conf = "copy-host",
        .timezone = "symlink (auto)",
};

/* The file as every berthd and berthctl so far parses it: key order and
 * spelling are an interface. */
static const char full_text[] =
        "NAME=web\nSTATE=running\nUUID=0123456789abcdef0123456789abcdef\nROOT=/var/lib/berth/images/debian\n"
        "UPPER=/var/lib/berth/machines/web/upper\nCGROUP=/sys/fs/cgroup/machine.slice/machine-web.scope\n"
        "INIT=/sbin/init\nLEADER=4242\nSUPERVISOR=4241\nEPHEMERAL=no\nUID_SHIFT=524288\nUID_RANGE=65536\n"
        "INIT_KIND=systemd\nREGISTER=yes\nSTOP=\nCGROUP_MEMORY=/sys/fs/cgroup/memory/berth-web\n"
        "HOST_IFNAME=ve-web\nHOST_IFINDEX=7\nPORTS=tcp 8080 80 udp 53 53\nRESOLV_CONF=copy-host\n"
        "TIMEZONE=symlink (auto)\nCGROUP_BLKIO=/sys/fs/cgroup/blkio/berth-web\n";

static void put(const char *name, const char *text, size_t len)
{
        char path[128];
        int fd;

        snprintf(path, sizeof(path), "machines/%s", name);
        fd = openat(dir_fd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        cr_assert_geq(fd, 0);
        cr_assert_eq(write(fd, text, len), (ssize_t) len);
        close(fd);
}

static void put_str(const char *name, const char *text)
{
        put(name, text, strlen(text));
}

static char *file_text(const char *name)
{
        char path[128], *text = NULL;

        snprintf(path, sizeof(path), "machines/%s", name);
        cr_assert_geq(read_file_at(dir_fd, path, &text, 1 << 20), 0, "reading %s", path);
        return text;
}

static void assert_same(const struct machine_state *a, const struct machine_state *b)
{
        cr_assert_str_eq(a->name, b->name);
        cr_assert_str_eq(a->state, b->state);
        cr_assert_str_eq(a->uuid, b->uuid);
        cr_assert_str_eq(a->root, b->root);
        cr_assert_str_eq(a->upper, b->upper);
        cr_assert_str_eq(a->cgroup, b->cgroup);
        cr_assert_str_eq(a->cgroup_memory, b->cgroup_memory);
        cr_assert_str_eq(a->cgroup_blkio, b->cgroup_blkio);
        cr_assert_str_eq(a->init, b->init);
        cr_assert_str_eq(a->init_kind, b->init_kind);
        cr_assert_str_eq(a->stop, b->stop);
        cr_assert_str_eq(a->host_ifname, b->host_ifname);
        cr_assert_str_eq(a->ports, b->ports);
        cr_assert_str_eq(a->resolv_conf, b->resolv_conf);
        cr_assert_str_eq(a->timezone, b->timezone);
        cr_assert_eq(a->host_ifindex, b->host_ifindex);
        cr_assert_eq(a->leader, b->leader);
        cr_assert_eq(a->supervisor, b->supervisor);
        cr_assert_eq(a->ephemeral, b->ephemeral);
        cr_assert_eq(a->uid_shift, b->uid_shift);
        cr_assert_eq(a->uid_range, b->uid_range);
        cr_assert_eq(a->registered, b->registered);
}

Test(state, what_is_written_reads_back_whole_and_spelled_as_before)
{
        struct machine_state st;
        char *text;

        cr_assert_eq(machine_state_write(&full), 0);
        text = file_text("web");
        cr_assert_str_eq(text, full_text);
        free(text);
        cr_assert_eq(machine_state_read_at(dir_fd, "web", &st), 0);
        assert_same(&st, &full);
        cr_assert_not(st.launcher_alive, "no launcher holds locks/web");
        machine_state_done(&st);
        cr_assert_null(st.buf);

        cr_assert_eq(machine_state_read("web", &st), 0, "through BERTH_RUNTIME_DIR");
        assert_same(&st, &full);
        machine_state_done(&st);
}

Test(state, the_launcher_alive_check_is_its_lock)
{
        _cleanup_(machine_state_done) struct machine_state st = {};
        int lock = -1;

        cr_assert_eq(machine_state_write(&full), 0);
        cr_assert_eq(machine_lock("web", &lock), 0);
        cr_assert_eq(machine_state_read_at(dir_fd, "web", &st), 0);
        cr_assert(st.launcher_alive, "locks/web is held");
        machine_state_done(&st);
        machine_unlock("web", lock);
        cr_assert_eq(machine_state_read_at(dir_fd, "web", &st), 0);
        cr_assert_not(st.launcher_alive, "locks/web was let go");
}

Test(state, every_key_reads_as_the_file_spells_it)
{
        _cleanup_(machine_state_done) struct machine_state st = {};
        char *v = (char *) 1;

        put_str("web", full_text);
        cr_assert_eq(machine_state_read_at(dir_fd, "web", &st), 0);
        for (const char *l = full_text; *l; l = strchr(l, '\n') + 1) {
                char key[32], want[256];
                size_t kl = strcspn(l, "="), vl = strcspn(l + kl + 1, "\n");
                snprintf(key, sizeof(key), "%.*s", (int) kl, l);
                snprintf(want, sizeof(want), "%.*s", (int) vl, l + kl + 1);
                cr_assert_eq(machine_state_value(&st, key, &v), 0, "%s", key);
                cr_assert_str_eq(v, want, "%s", key);
                free(v);
        }
        v = NULL;
        cr_assert_eq(machine_state_value(&st, "NOSUCHKEY", &v), -ENOENT);
        cr_assert_null(v, "written on success only");
}

/* Each string is whole or empty, each number whole or 0: the line that was
 * cut is dropped, never read as a shorter path or PID. */
Test(state, a_truncated_file_never_reads_as_a_shorter_value)
{
        size_t len = strlen(full_text), ok = 0;

        for (size_t cut = 0; cut < len; cut++) {
                struct machine_state st;
                put("web", full_text, cut);
                int r = machine_state_read_at(dir_fd, "web", &st);
                if (r == -EBADMSG)
                        continue;
                cr_assert_eq(r, 0, "cut at %zu: %s", cut, strerror(-r));
                ok++;
                const char *const got[] = { st.uuid, st.root, st.upper, st.cgroup, st.init, st.init_kind,
                                            st.stop, st.cgroup_memory };
                const char *const want[] = { full.uuid, full.root, full.upper, full.cgroup, full.init,
                                             full.init_kind, full.stop, full.cgroup_memory };
                for (size_t i = 0; i < ELEMENTSOF(got); i++)
                        cr_assert(streq(got[i], want[i]) || streq(got[i], ""), "cut at %zu: '%s'", cut, got[i]);
                cr_assert_eq(st.supervisor, full.supervisor, "cut at %zu", cut);
                cr_assert(st.leader == full.leader, "cut at %zu: LEADER=%d", cut, (int) st.leader);
                cr_assert(st.uid_shift == full.uid_shift || st.uid_shift == 0, "cut at %zu", cut);
                cr_assert(st.uid_range == full.uid_range || st.uid_range == 0, "cut at %zu", cut);
                machine_state_done(&st);
        }
        /* From the end of SUPERVISOR=4241\n on, the file is usable. */
        cr_assert_eq(ok, len - (size_t) (strstr(full_text, "SUPERVISOR=4241\n") + 16 - full_text), "%zu", ok);
}

Test(state, a_last_line_without_its_newline_is_dropped)
{
        _cleanup_(machine_state_done) struct machine_state st = {};

        put_str("web", "NAME=web\nSTATE=running\nSUPERVISOR=7\nROOT=/srv/web");
        cr_assert_eq(machine_state_read_at(dir_fd, "web", &st), 0);
        cr_assert_eq(st.supervisor, 7);
        cr_assert_str_eq(st.root, "", "ROOT=/srv/web may be cut from a longer path");
        machine_state_done(&st);

        put_str("web", "NAME=web\nSTATE=running\nSUPERVISOR=7");
        cr_assert_eq(machine_state_read_at(dir_fd, "web", &st), -EBADMSG, "SUPERVISOR=7 may be cut from 7xxx");
}

Test(state, unknown_keys_are_ignored_missing_ones_read_empty)
{
        _cleanup_(machine_state_done) struct machine_state st = {};

        put_str("web", "FUTURE=yes\nNAME=web\nNAMES=other\nSTATE=opening\n=odd\nSUPERVISOR=7\nLEADER_X=1\n"
                       "future=lower case is another key\n");
        cr_assert_eq(machine_state_read_at(dir_fd, "web", &st), 0);
        cr_assert_str_eq(st.name, "web");
        cr_assert_str_eq(st.state, "opening");
        cr_assert_eq(st.supervisor, 7);
        cr_assert_eq(st.leader, 0);
        cr_assert_str_eq(st.cgroup, "");
        cr_assert_str_eq(st.init_kind, "");
        cr_assert(st.registered, "no REGISTER=: listed, as berthd always did");
        cr_assert_not(st.ephemeral);
}

static char *with_root_of(size_t n)
{
        char *root = malloc(n + 1), *text = NULL;

        cr_assert_not_null(root);
        memset(root, 'a', n);
        root[0] = '/';
        root[n] = 0;
        cr_assert_gt(asprintf(&text, "NAME=web\nSTATE=running\nSUPERVISOR=7\nROOT=%s\n", root), 0);
        free(root);
        return text;
}

/* Refused, not cut: a cut path names another directory or cgroup, one
 * berthd would then signal or report as the machine's. */
Test(state, a_value_over_the_limit_is_refused_not_cut)
{
        _cleanup_(machine_state_done) struct machine_state st = {};
        char *text = with_root_of(MACHINE_STATE_VALUE_MAX);

        put_str("web", text);
        free(text);
        cr_assert_eq(machine_state_read_at(dir_fd, "web", &st), 0);
        cr_assert_eq(strlen(st.root), MACHINE_STATE_VALUE_MAX);
        machine_state_done(&st);

        text = with_root_of(MACHINE_STATE_VALUE_MAX + 1);
        put_str("web", text);
        free(text);
        cr_assert_eq(machine_state_read_at(dir_fd, "web", &st), -EBADMSG);

        /* An unknown key's value too: nothing the writer writes is that long. */
        text = with_root_of(MACHINE_STATE_VALUE_MAX + 1);
        memcpy(strstr(text, "ROOT="), "ROOX=", 5);
        put_str("web", text);
        free(text);
        cr_assert_eq(machine_state_read_at(dir_fd, "web", &st), -EBADMSG);
}

Test(state, a_file_over_the_limit_is_refused)
{
        _cleanup_(machine_state_done) struct machine_state st = {};
        size_t n = MACHINE_STATE_FILE_MAX + 100;
        char *text = malloc(n);

        cr_assert_not_null(text);
        strcpy(text, "NAME=web\nSTATE=running\nSUPERVISOR=7\n");
        for (size_t i = strlen(text); i + 8 < n; i += 8)
                memcpy(text + i, "FUTURE=\n", 8);
        put("web", text, n - 8);
        free(text);
        cr_assert_eq(machine_state_read_at(dir_fd, "web", &st), -EFBIG);
}

Test(state, the_writer_refuses_what_could_not_be_read_back)
{
        struct machine_state st = full;
        char *root = with_root_of(MACHINE_STATE_VALUE_MAX + 1);

        st.root = strstr(root, "ROOT=") + 5;
        root[strlen(root) - 1] = 0;
        cr_assert_eq(machine_state_write(&st), -EINVAL);
        free(root);
        /* A newline would end ROOT= early and make its rest a key of its own. */
        st.root = "/srv/a\nSUPERVISOR=1";
        cr_assert_eq(machine_state_write(&st), -EINVAL);
        cr_assert_neq(faccessat(dir_fd, "machines/web", F_OK, 0), 0, "nothing written");
        cr_assert_neq(faccessat(dir_fd, "machines/.#web", F_OK, 0), 0, "no temporary file left");
}

static void assert_refused(const char *what, const char *text)
{
        struct machine_state st = { .name = "untouched" };

        put_str("web", text);
        cr_assert_eq(machine_state_read_at(dir_fd, "web", &st), -EBADMSG, "%s", what);
        cr_assert_str_eq(st.name, "untouched", "%s: *ret written on failure", what);
}

Test(state, files_the_writer_never_writes_are_refused)
{
        assert_refused("no NAME", "STATE=running\nSUPERVISOR=7\n");
        assert_refused("no STATE", "NAME=web\nSUPERVISOR=7\n");
        assert_refused("no SUPERVISOR", "NAME=web\nSTATE=running\n");
        assert_refused("SUPERVISOR=0", "NAME=web\nSTATE=running\nSUPERVISOR=0\n");
        assert_refused("another machine's", "NAME=db\nSTATE=running\nSUPERVISOR=7\n");
        assert_refused("a key twice", "NAME=web\nSTATE=running\nSUPERVISOR=7\nSUPERVISOR=1\n");
        assert_refused("a line without =", "NAME=web\nSTATE=running\nSUPERVISOR=7\ngarbage\n");
        assert_refused("an empty line", "NAME=web\nSTATE=running\n\nSUPERVISOR=7\n");
        assert_refused("a bad PID", "NAME=web\nSTATE=running\nSUPERVISOR=7x\n");
        assert_refused("a negative PID", "NAME=web\nSTATE=running\nSUPERVISOR=-7\n");
        assert_refused("a PID over INT_MAX", "NAME=web\nSTATE=running\nSUPERVISOR=2147483648\n");
        assert_refused("a bad number", "NAME=web\nSTATE=running\nSUPERVISOR=7\nUID_SHIFT= 1\n");
        assert_refused("a bad yes/no", "NAME=web\nSTATE=running\nSUPERVISOR=7\nEPHEMERAL=true\n");
        static const char nul[] = "NAME=web\nSTATE=running\nSUPERVISOR=7\nROOT=/a\0b\n";
        struct machine_state st;

        put("web", nul, sizeof(nul) - 1);
        cr_assert_eq(machine_state_read_at(dir_fd, "web", &st), -EBADMSG, "a NUL byte");
}

Test(state, names_are_checked_and_missing_files_say_so)
{
        struct machine_state st;

        cr_assert_eq(machine_state_read_at(dir_fd, "web", &st), -ENOENT);
        cr_assert_eq(machine_state_read_at(dir_fd, "../web", &st), -EINVAL);
        cr_assert_eq(machine_state_read_at(dir_fd, ".#web", &st), -EINVAL, "the writer's temporary file");
        cr_assert_eq(symlinkat("/etc/passwd", dir_fd, "machines/web"), 0);
        cr_assert_eq(machine_state_read_at(dir_fd, "web", &st), -ELOOP);
}

/* A reader that opened the old file keeps reading all of it; the path
 * names a new file, whole: the writer renamed it into place. */
Test(state, the_writer_replaces_the_file_by_renaming)
{
        struct machine_state next = full;
        struct stat before, after;
        char buf[sizeof(full_text) + 16];
        int fd;

        cr_assert_eq(machine_state_write(&full), 0);
        fd = openat(dir_fd, "machines/web", O_RDONLY | O_CLOEXEC);
        cr_assert_geq(fd, 0);
        cr_assert_eq(fstat(fd, &before), 0);
        next.state = "closing";
        next.stop = "asking PID 1 to power off";
        cr_assert_eq(machine_state_write(&next), 0);
        cr_assert_eq(fstatat(dir_fd, "machines/web", &after, 0), 0);
        cr_assert_neq(before.st_ino, after.st_ino, "the file was rewritten in place");
        ssize_t n = pread(fd, buf, sizeof(buf), 0);
        cr_assert_eq(n, (ssize_t) strlen(full_text));
        cr_assert_eq(memcmp(buf, full_text, (size_t) n), 0);
        close(fd);
        cr_assert_neq(faccessat(dir_fd, "machines/.#web", F_OK, 0), 0, "the temporary file is left");
}

static uint64_t now_msec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* Two states that differ in every string, each longer than stdio's buffer
 * so that a file written in place would show its halves. */
static void fill_state(struct machine_state *st, char *buf, size_t size, char c, pid_t pid)
{
        memset(buf, c, size - 1);
        buf[0] = '/';
        buf[size - 1] = 0;
        *st = full;
        st->root = st->upper = st->cgroup = st->cgroup_memory = buf;
        st->leader = st->supervisor = pid;
        st->state = c == 'a' ? "running" : "closing";
}

Test(state, a_reader_racing_the_writer_sees_one_whole_file_or_the_other)
{
        static char a[3000], b[3000];
        struct machine_state sa, sb;
        unsigned reads = 0, of_a = 0, of_b = 0;
        int status;
        pid_t writer;

        fill_state(&sa, a, sizeof(a), 'a', 1111);
        fill_state(&sb, b, sizeof(b), 'b', 2222);
        cr_assert_eq(machine_state_write(&sa), 0);
        writer = fork();
        cr_assert_geq(writer, 0);
        if (writer == 0) {
                uint64_t until = now_msec() + 1500;
                for (unsigned i = 0; now_msec() < until; i++)
                        if (machine_state_write(i % 2 ? &sa : &sb) < 0)
                                _exit(1);
                _exit(0);
        }
        while (waitpid(writer, &status, WNOHANG) == 0) {
                struct machine_state st;
                int r = machine_state_read_at(dir_fd, "web", &st);
                cr_assert_eq(r, 0, "read %u: %s", reads, strerror(-r));
                const struct machine_state *want = st.supervisor == 1111 ? &sa : &sb;
                assert_same(&st, want);
                want == &sa ? of_a++ : of_b++;
                reads++;
                machine_state_done(&st);
        }
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the writer failed");
        cr_assert_gt(of_a, 10, "%u reads of a, %u of b", of_a, of_b);
        cr_assert_gt(of_b, 10, "%u reads of a, %u of b", of_a, of_b);
}
