/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* User namespaces (issue 4): every machine runs under a private, 65536-ID
 * range of its own, claimed under the runtime directory while it runs and
 * released at its end; the shared base is idmapped, never chowned; the
 * machine's own writes land on the host owned by its range; two machines of
 * one base cannot read each other's files; --private-users=no|UID[:COUNT]
 * and --private-users-ownership=chown do what they say; and systemd boots
 * under it. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "uidrange.h"

TestSuite(userns, .init = it_setup, .fini = it_teardown);

#define RANGE 65536u
#define BAND_MIN 0x80000u
#define BAND_MAX 0x6fff0000u
/* A fixed, aligned range inside the band, far from anything on the host. */
#define FIXED_BASE 0x60000000u
#define FIXED_BASE_STR "1610612736"

/* A command that runs until SIGTERM, then exits 0. */
#define SLEEPER "/bin/sh", "-c", "trap 'exit 0' TERM; echo ready; while :; do sleep 0.1; done"


static void assert_ran(const struct it_result *r, const char *what)
{
        cr_assert_eq(r->status, 0, "%s: berth exited with %d\nstdout:\n%s\nstderr:\n%s", what, r->status, r->out,
                     r->err);
}

/* The n-th line (from 0) of text, without its newline; "" past the end. */
static char *line_of(const char *text, int n)
{
        const char *p = text;

        for (int i = 0; i < n && p; i++) {
                p = strchr(p, '\n');
                if (p)
                        p++;
        }
        if (!p)
                return strdup("");
        return strndup(p, strcspn(p, "\n"));
}

struct idmap {
        unsigned inside, outside, count;
        int lines;
};

/* A uid_map or gid_map as the kernel prints it: "%10u %10u %10u" lines;
 * the first is parsed, all are counted. */
static struct idmap parse_map(const char *text)
{
        struct idmap m = {};

        cr_assert(sscanf(text, "%u %u %u", &m.inside, &m.outside, &m.count) == 3, "not an ID map: '%s'", text);
        for (const char *p = text; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
                m.lines++;
        return m;
}

/* The map on the first line of a command's output. */
static struct idmap first_map(const char *out)
{
        char *l = line_of(out, 0);
        struct idmap m = parse_map(l);

        free(l);
        return m;
}

/* The map is exactly "0 BASE 65536", BASE aligned and in pick's band. */
static void assert_private_map(struct idmap m, const char *what)
{
        cr_assert_eq(m.lines, 1, "%s: %d lines, expected one", what, m.lines);
        cr_assert_eq(m.inside, 0, "%s starts at %u inside, expected 0", what, m.inside);
        cr_assert_neq(m.outside, 0, "%s is the identity map: the machine's root is the host's", what);
        cr_assert_eq(m.count, RANGE, "%s covers %u IDs, expected %u", what, m.count, RANGE);
        cr_assert_eq(m.outside % RANGE, 0, "%s: base %u is not a multiple of %u", what, m.outside, RANGE);
        cr_assert(m.outside >= BAND_MIN && m.outside <= BAND_MAX, "%s: base %u (0x%x) is outside [0x%x, 0x%x]", what,
                  m.outside, m.outside, BAND_MIN, BAND_MAX);
}

/* The base of a running machine's range, from its own /proc/self/uid_map. */
static unsigned machine_base(const char *machine)
{
        char *out = it_inside(machine, "cat /proc/self/uid_map");
        struct idmap m = parse_map(out);

        assert_private_map(m, "uid_map");
        free(out);
        out = it_inside(machine, "cat /proc/self/gid_map");
        struct idmap g = parse_map(out);
        cr_assert(g.inside == m.inside && g.outside == m.outside && g.count == m.count,
                  "gid_map '%s' differs from uid_map (%u %u %u)", out, m.inside, m.outside, m.count);
        free(out);
        return m.outside;
}

static void wait_running(pid_t pid, const char *log_name, const char *machine)
{
        if (!it_wait_state(machine, "running", 60) || !it_wait_log(log_name, "out", "ready\n", 30)) {
                char *err = it_spawn_log(log_name, "err");
                kill(pid, SIGKILL);
                it_wait(pid, 10);
                cr_assert_fail("machine %s did not come up; berth said:\n%s", machine, err);
        }
}

static void stop(pid_t pid, const char *machine)
{
        int status;

        cr_assert_eq(kill(pid, SIGTERM), 0);
        status = it_wait(pid, 30);
        cr_assert_eq(status, 0, "machine %s: berth exited with %d after SIGTERM", machine, status);
}

static char *claim_path(unsigned base)
{
        char *p = NULL;

        cr_assert(asprintf(&p, "%s/uids/%u", it.runtime_dir, base) > 0);
        return p;
}

/* Is the claim file of base there and held by someone (flock)? */
static bool claim_held(unsigned base)
{
        char *p = claim_path(base);
        int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        bool held;

        free(p);
        if (fd < 0)
                return false;
        held = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
        close(fd);      /* and with it our lock, if we got it */
        return held;
}

static bool claim_exists(unsigned base)
{
        char *p = claim_path(base);
        bool r = access(p, F_OK) == 0;

        free(p);
        return r;
}

/* The claim files in RUNTIMEDIR/uids, as "BASE BASE ...", "" for none. */
static char *claims(void)
{
        char dir[400], *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        DIR *d;
        struct dirent *de;
        int n = 0;

        snprintf(dir, sizeof(dir), "%s/uids", it.runtime_dir);
        d = opendir(dir);
        while (d && (de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        fprintf(f, "%s%s", n++ ? " " : "", de->d_name);
        if (d)
                closedir(d);
        fclose(f);
        return buf;
}

/* Nothing of the machine left: it_leftovers, and no UID range claimed. */
/* Nothing left, and no claim on a UID range either. */
static void assert_clean_unclaimed(const char *name, const char *tree)
{
        char *c;

        it_assert_clean(name, tree);
        c = claims();
        cr_assert_str_empty(c, "UID range claims left in %s/uids: %s", it.runtime_dir, c);
        free(c);
}

static void host_owner(const char *path, unsigned *uid, unsigned *gid)
{
        struct stat st;

        cr_assert_eq(lstat(path, &st), 0, "%s: %s", path, strerror(errno));
        *uid = st.st_uid;
        *gid = st.st_gid;
}

static void assert_host_owner(const char *path, unsigned uid, unsigned gid)
{
        unsigned u, g;

        host_owner(path, &u, &g);
        cr_assert(u == uid && g == gid, "%s is owned by %u:%u on the host, expected %u:%u", path, u, g, uid, gid);
}

static char *path_of(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *path_of(const char *fmt, ...)
{
        char *p = NULL;
        va_list ap;

        va_start(ap, fmt);
        cr_assert(vasprintf(&p, fmt, ap) > 0);
        va_end(ap);
        return p;
}

static unsigned lines_in(const char *s)
{
        unsigned n = 0;

        for (; s && *s; s++)
                n += *s == '\n';
        return n;
}

/* 1. The map, and who the machine is. */
Test(userns, inside_the_map_is_a_private_range_and_root)
{
        const char *tree = it_busybox_tree();
        struct it_result r = it_berth_sh(60, tree, "cat /proc/self/uid_map; echo =; cat /proc/self/gid_map; echo =; "
                                          "id -u; id -g; id -un",
                                    "--name", "ns-map", NULL);
        char *uid_text, *gid_text, *rest;

        assert_ran(&r, "reading the maps");
        /* uid_map "=\n" gid_map "=\n" ids */
        uid_text = r.out;
        gid_text = strstr(uid_text, "\n=\n");
        cr_assert_not_null(gid_text, "inside said '%s'", r.out);
        gid_text[1] = 0;
        gid_text += 3;
        rest = strstr(gid_text, "\n=\n");
        cr_assert_not_null(rest, "inside said '%s'", gid_text);
        rest[1] = 0;
        rest += 3;
        assert_private_map(parse_map(uid_text), "uid_map");
        assert_private_map(parse_map(gid_text), "gid_map");
        cr_assert_str_eq(uid_text, gid_text, "uid_map '%s' and gid_map '%s' differ", uid_text, gid_text);
        cr_assert_str_eq(rest, "0\n0\nroot\n", "id inside said '%s'", rest);
        it_result_free(&r);
        assert_clean_unclaimed("ns-map", tree);
}

/* 2. Ownership across the boundary: the machine's writes, the idmapped
 * base, a plain bind and an idmapped bind. */
Test(userns, ownership_between_host_and_machine)
{
        char *tree = it_copy_busybox();
        char *host = path_of("%s/hostdir", it.dir), *p, *map_line;
        unsigned base;
        struct it_result r;
        FILE *f;

        /* A base file of a user inside the range's reach, and a host
         * directory (not world-writable) with a file of host UID 1000. */
        p = path_of("%s/etc/owned-by-1000", tree);
        f = fopen(p, "w");
        cr_assert_not_null(f);
        fputs("base file of 1000\n", f);
        fclose(f);
        cr_assert_eq(chown(p, 1000, 1000), 0);
        free(p);
        cr_assert_eq(mkdir(host, 0755), 0);
        p = path_of("%s/u1000", host);
        f = fopen(p, "w");
        cr_assert_not_null(f);
        fputs("host file of 1000\n", f);
        fclose(f);
        cr_assert_eq(chown(p, 1000, 1000), 0);
        cr_assert_eq(chmod(p, 0644), 0);
        free(p);

        char *plain = path_of("--bind=%s:/mnt/plain", host);
        char *idmapped = path_of("--bind=%s:/mnt/idmapped:idmap", host);
        r = it_berth_sh(60, tree,
                   "cat /proc/self/uid_map\n"
                   "echo made > /root/made\n"
                   "stat -c '%u:%g %n' /etc/passwd /etc/owned-by-1000 /root/made /mnt/plain/u1000 "
                   "/mnt/idmapped/u1000\n"
                   "cat /mnt/plain/u1000\n"
                   "echo via-idmap > /mnt/idmapped/from-machine\n"
                   "if echo x > /mnt/plain/denied; then echo plain-writable; else echo plain-denied; fi\n",
                   "--name", "ns-own", plain, idmapped, NULL);
        assert_ran(&r, "the ownership script");
        map_line = line_of(r.out, 0);
        struct idmap m = parse_map(map_line);
        assert_private_map(m, "uid_map");
        base = m.outside;
        const char *rest = strchr(r.out, '\n') + 1;
        cr_assert_str_eq(rest,
                         "0:0 /etc/passwd\n"
                         "1000:1000 /etc/owned-by-1000\n"
                         "0:0 /root/made\n"
                         "65534:65534 /mnt/plain/u1000\n"
                         "1000:1000 /mnt/idmapped/u1000\n"
                         "host file of 1000\n"
                         "plain-denied\n",
                         "inside, the machine saw:\n%s\nstderr:\n%s", rest, r.err);
        cr_assert(strstr(r.err, "Permission denied"), "writing into the plain bind failed, but not for lack of "
                  "permission:\n%s", r.err);

        /* On the host: the machine's root is the range's first ID. */
        p = path_of("%s/machines/ns-own/upper/root/made", it.state_dir);
        assert_host_owner(p, base, base);
        free(p);
        p = path_of("%s/machines/ns-own/upper", it.state_dir);
        assert_host_owner(p, base, base);
        free(p);
        /* Through the idmapped bind the machine's root is the host's root. */
        p = path_of("%s/from-machine", host);
        assert_host_owner(p, 0, 0);
        free(p);
        p = path_of("%s/denied", host);
        cr_assert_neq(access(p, F_OK), 0, "the machine created %s through a plain bind", p);
        free(p);
        /* The base was not chowned to make any of that work. */
        p = path_of("%s/etc/passwd", tree);
        assert_host_owner(p, 0, 0);
        free(p);
        p = path_of("%s/etc/owned-by-1000", tree);
        assert_host_owner(p, 1000, 1000);
        free(p);

        free(map_line);
        free(plain);
        free(idmapped);
        free(host);
        it_result_free(&r);
        assert_clean_unclaimed("ns-own", tree);
        free(tree);
}

/* 3. Two machines of one base at once: two ranges, no reading across. */
Test(userns, two_machines_of_one_base_are_kept_apart)
{
        char *tree = it_copy_busybox();
        char *before = it_tree_manifest(tree), *after, *c, *expect_claims, *a_upper, *bind, *p;
        unsigned base_a, base_b;
        struct it_result r;
        pid_t a, b;

        a = it_berth_spawn("a", "-D", tree, "--name", "ns-a", "--", SLEEPER, NULL);
        wait_running(a, "a", "ns-a");
        a_upper = path_of("%s/machines/ns-a/upper", it.state_dir);
        bind = path_of("--bind=%s:/a-upper", a_upper);
        b = it_berth_spawn("b", "-D", tree, "--name", "ns-b", bind, "--", SLEEPER, NULL);
        wait_running(b, "b", "ns-b");

        base_a = machine_base("ns-a");
        base_b = machine_base("ns-b");
        cr_assert_neq(base_a, base_b, "both machines run under UID range %u", base_a);
        cr_assert(base_a + RANGE <= base_b || base_b + RANGE <= base_a, "ranges %u and %u overlap", base_a, base_b);
        c = claims();
        expect_claims = base_a < base_b ? path_of("%u %u", base_a, base_b) : path_of("%u %u", base_b, base_a);
        char *c2 = base_a < base_b ? path_of("%u %u", base_b, base_a) : path_of("%u %u", base_a, base_b);
        cr_assert(strcmp(c, expect_claims) == 0 || strcmp(c, c2) == 0, "claims in %s/uids: '%s', expected '%s'",
                  it.runtime_dir, c, expect_claims);
        free(c);
        free(c2);
        cr_assert(claim_held(base_a) && claim_held(base_b), "the claims of %u and %u are not both locked", base_a,
                  base_b);

        /* A's private file, in A's layer on the host, owned by A's root. */
        it_assert_inside_eq("ns-a", "umask 077; echo top-secret > /root/secret && chmod 600 /root/secret && "
                                 "cat /root/secret && stat -c '%u:%g %a' /root/secret",
                         "top-secret\n0:0 600\n");
        p = path_of("%s/root/secret", a_upper);
        assert_host_owner(p, base_a, base_a);
        free(p);
        /* B's root reads its own private files... */
        it_assert_inside_eq("ns-b", "umask 077; echo mine > /root/own && chmod 600 /root/own && cat /root/own",
                         "mine\n");
        /* ... but A's are nobody's to it, and closed. */
        it_assert_inside_eq("ns-b", "stat -c '%u:%g %a' /a-upper/root/secret", "65534:65534 600\n");
        r = it_exec_in("ns-b", 30, "cat /a-upper/root/secret");
        cr_assert_neq(r.status, 0, "machine B read machine A's secret: '%s'", r.out);
        cr_assert(strstr(r.err, "Permission denied"), "cat in B failed, but not with Permission denied: %s", r.err);
        cr_assert(!strstr(r.out, "top-secret"), "machine B printed A's secret");
        it_result_free(&r);
        /* Nor can B's root take the file over. */
        r = it_exec_in("ns-b", 30, "chmod 644 /a-upper/root/secret || chown 0:0 /a-upper/root/secret");
        cr_assert_neq(r.status, 0, "machine B changed A's file: %s", r.out);
        it_result_free(&r);
        p = path_of("%s/root/secret", a_upper);
        assert_host_owner(p, base_a, base_a);
        free(p);

        stop(b, "ns-b");
        stop(a, "ns-a");
        after = it_tree_manifest(tree);
        cr_assert(strcmp(before, after) == 0, "the base tree %s changed (contents or owners):\nbefore:\n%s\nafter:\n%s",
                  tree, before, after);
        assert_clean_unclaimed("ns-a", tree);
        assert_clean_unclaimed("ns-b", tree);
        free(before);
        free(after);
        free(expect_claims);
        free(a_upper);
        free(bind);
        free(tree);
}

/* 3b. Two names that hash to one slot, started at the same time: the
 * second takes the next free range. */
Test(userns, names_of_one_slot_started_together_get_two_ranges)
{
        const char *tree = it_busybox_tree();
        char name_a[64] = "ns-slot-0", name_b[64] = "";
        unsigned base_a, base_b;
        pid_t a, b;

        for (int i = 1; i < 1000000 && !name_b[0]; i++) {
                char n[64];
                snprintf(n, sizeof(n), "ns-slot-%d", i);
                if (uid_range_hash_base(n) == uid_range_hash_base(name_a))
                        snprintf(name_b, sizeof(name_b), "%s", n);
        }
        cr_assert(name_b[0], "no second name hashes to the slot of %s", name_a);

        a = it_berth_spawn("a", "-D", tree, "--ephemeral", "--name", name_a, "--", SLEEPER, NULL);
        b = it_berth_spawn("b", "-D", tree, "--ephemeral", "--name", name_b, "--", SLEEPER, NULL);
        wait_running(a, "a", name_a);
        wait_running(b, "b", name_b);
        base_a = machine_base(name_a);
        base_b = machine_base(name_b);
        cr_assert_neq(base_a, base_b, "%s and %s both run under UID range %u", name_a, name_b, base_a);
        cr_assert(base_a == uid_range_hash_base(name_a) || base_b == uid_range_hash_base(name_a),
                  "neither %s (%u) nor %s (%u) got their home slot %u", name_a, base_a, name_b, base_b,
                  (unsigned) uid_range_hash_base(name_a));
        stop(a, name_a);
        stop(b, name_b);
        assert_clean_unclaimed(name_a, tree);
        assert_clean_unclaimed(name_b, tree);
}

/* 3c. The same fixed range asked for by several launchers at once: one
 * gets it, the others are refused. */
Test(userns, one_fixed_range_started_four_times_at_once_is_given_once)
{
        const char *tree = it_busybox_tree();
        pid_t pid[4];
        char names[4][32], logs[4][16];
        int running = -1, refused = 0;

        for (int i = 0; i < 4; i++) {
                snprintf(names[i], sizeof(names[i]), "ns-race-%d", i);
                snprintf(logs[i], sizeof(logs[i]), "race%d", i);
                pid[i] = it_berth_spawn(logs[i], "-D", tree, "--ephemeral", "--name", names[i],
                                        "--private-users=" FIXED_BASE_STR, "--", SLEEPER, NULL);
        }
        /* Until one runs and the other three have ended, or a generous while. */
        for (int t = 0; t < 60 * 50 && (refused < 3 || running < 0); t++) {
                for (int i = 0; i < 4; i++) {
                        int st;
                        if (!pid[i] || i == running)
                                continue;
                        if (waitpid(pid[i], &st, WNOHANG) == pid[i]) {
                                char *err = it_spawn_log(logs[i], "err");
                                cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1,
                                          "berth %d (%s) ended with wait status %d:\n%s", i, names[i], st, err);
                                cr_assert(strstr(err, "in use"), "berth %d ended without saying the range is in "
                                          "use:\n%s", i, err);
                                free(err);
                                pid[i] = 0;
                                refused++;
                                continue;
                        }
                        char *s = it_state_get(names[i], "STATE"), *out = it_spawn_log(logs[i], "out");
                        bool up = s && strcmp(s, "running") == 0 && out && strstr(out, "ready\n");
                        free(s);
                        free(out);
                        if (up) {
                                cr_assert_eq(running, -1, "machines %s and %s run at once with UID range %u",
                                             running >= 0 ? names[running] : "", names[i], FIXED_BASE);
                                running = i;
                        }
                }
                usleep(20000);
        }
        cr_assert_neq(running, -1, "none of the four got the range");
        cr_assert_eq(refused, 3);
        cr_assert_eq(machine_base(names[running]), FIXED_BASE);
        stop(pid[running], names[running]);
        for (int i = 0; i < 4; i++)
                assert_clean_unclaimed(names[i], tree);
}

/* 4. The claim is held while the machine runs and released at its end. */
Test(userns, the_range_is_claimed_while_running_and_released_at_exit)
{
        const char *tree = it_busybox_tree();
        unsigned base;
        char *p, *text, *c;
        pid_t pid;

        pid = it_berth_spawn("rel", "-D", tree, "--name", "ns-rel", "--", SLEEPER, NULL);
        wait_running(pid, "rel", "ns-rel");
        base = machine_base("ns-rel");
        cr_assert(claim_exists(base), "no claim file %s/uids/%u while the machine runs", it.runtime_dir, base);
        cr_assert(claim_held(base), "the claim file of %u is not locked while the machine runs", base);
        c = claims();
        p = path_of("%u", base);
        cr_assert_str_eq(c, p, "claims while ns-rel runs: '%s', expected only its own", c);
        free(c);
        free(p);
        p = claim_path(base);
        text = it_read_file(p);
        cr_assert(text && strstr(text, "ns-rel"), "the claim file %s does not name the machine: '%s'", p,
                  text ? text : "(unreadable)");
        free(text);
        free(p);

        stop(pid, "ns-rel");
        cr_assert(!claim_exists(base), "the claim file of %u is still there after the machine ended", base);
        assert_clean_unclaimed("ns-rel", tree);
}

/* Start a machine, learn its range, SIGKILL its launcher. */
static unsigned start_and_kill(const char *log_name, const char *tree, const char *name)
{
        unsigned base;
        pid_t pid;
        int status;

        pid = it_berth_spawn(log_name, "-D", tree, "--name", name, "--", SLEEPER, NULL);
        wait_running(pid, log_name, name);
        base = machine_base(name);
        cr_assert(claim_held(base));
        cr_assert_eq(kill(pid, SIGKILL), 0);
        status = it_wait(pid, 30);
        cr_assert_eq(status, 128 + SIGKILL, "berth ended with %d after SIGKILL", status);
        /* The machine dies with its launcher; then no one holds the claim.
         * The file may stay behind. */
        for (int i = 0; i < 30 * 50 && claim_held(base); i++)
                usleep(20000);
        cr_assert(!claim_held(base), "the claim of %u is still locked after its launcher was killed", base);
        return base;
}

/* 4b. After SIGKILL the stale claim blocks nobody: another machine's start
 * sweeps it, and the killed machine comes back to its range. */
Test(userns, a_stale_claim_after_sigkill_is_swept_by_the_next_start)
{
        const char *tree = it_busybox_tree();
        unsigned base = start_and_kill("kill", tree, "ns-kill");
        struct it_result r;
        char *c;

        r = it_berth_run(60, "-D", tree, "--name", "ns-next", "--", "cat", "/proc/self/uid_map", NULL);
        assert_ran(&r, "the next machine after a SIGKILL");
        assert_private_map(first_map(r.out), "uid_map of the next machine");
        it_result_free(&r);
        cr_assert(!claim_held(base), "the stale claim of %u is locked", base);
        c = claims();
        cr_assert_str_empty(c, "claims left after the next machine ended: '%s' (the stale one is %u)", c, base);
        free(c);

        /* The killed machine starts again, under the range its layer has. */
        r = it_berth_run(60, "-D", tree, "--name", "ns-kill", "--", "cat", "/proc/self/uid_map", NULL);
        assert_ran(&r, "restarting the killed machine");
        struct idmap m = first_map(r.out);
        assert_private_map(m, "uid_map after the restart");
        cr_assert_eq(m.outside, base, "the killed machine came back under %u, its layer is %u's", m.outside, base);
        it_result_free(&r);
        assert_clean_unclaimed("ns-kill", tree);
        assert_clean_unclaimed("ns-next", tree);
}

/* 4c. ... and the exact range is free to a fixed claim right away. */
Test(userns, a_fixed_start_of_a_killed_machines_range_succeeds)
{
        const char *tree = it_busybox_tree();
        unsigned base = start_and_kill("kill", tree, "ns-kill2");
        char arg[64];
        struct it_result r;

        snprintf(arg, sizeof(arg), "--private-users=%u", base);
        r = it_berth_run(60, "-D", tree, "--name", "ns-kill2", arg, "--", "cat", "/proc/self/uid_map", NULL);
        assert_ran(&r, "a fixed start of the killed machine's range");
        struct idmap m = first_map(r.out);
        cr_assert_eq(m.outside, base, "asked for %u, got %u", base, m.outside);
        cr_assert(!strstr(r.err, "in use"), "%s", r.err);
        it_result_free(&r);
        cr_assert(!claim_exists(base), "the claim of %u is left after the fixed start ended", base);
        assert_clean_unclaimed("ns-kill2", tree);
}

/* 5. A named machine keeps its range across runs, and so its files. */
Test(userns, a_named_machine_keeps_its_range_across_runs)
{
        const char *tree = it_busybox_tree();
        struct it_result r1, r2;
        unsigned base1, base2;

        r1 = it_berth_sh(60, tree, "cat /proc/self/uid_map; echo run-one > /root/kept; mkdir /var/kept-dir",
                    "--name", "ns-keep", NULL);
        assert_ran(&r1, "the first run");
        base1 = first_map(r1.out).outside;
        assert_private_map(first_map(r1.out), "uid_map of the first run");
        r2 = it_berth_sh(60, tree, "cat /proc/self/uid_map; stat -c '%u:%g %n' /root/kept /var/kept-dir; cat /root/kept; "
                          "echo run-two >> /root/kept && echo appended",
                    "--name", "ns-keep", NULL);
        assert_ran(&r2, "the second run");
        base2 = first_map(r2.out).outside;
        cr_assert_eq(base2, base1, "the second run got range %u, the first %u", base2, base1);
        const char *rest = strchr(r2.out, '\n') + 1;
        cr_assert_str_eq(rest, "0:0 /root/kept\n0:0 /var/kept-dir\nrun-one\nappended\n",
                         "the second run saw:\n%s\n%s", rest, r2.err);
        cr_assert(!strstr(r2.err, "show as nobody"), "berth warned: %s", r2.err);
        it_result_free(&r1);
        it_result_free(&r2);
        assert_clean_unclaimed("ns-keep", tree);
}

/* 5b. The range a layer was written under wins over the name's home slot. */
Test(userns, pick_prefers_the_range_the_layer_was_written_under)
{
        const char *tree = it_busybox_tree();
        struct it_result r1, r2;
        char *p;

        cr_assert_neq(uid_range_hash_base("ns-pref"), FIXED_BASE, "pick a name whose home slot is not the fixed one");
        r1 = it_berth_sh(60, tree, "cat /proc/self/uid_map; echo written > /root/file", "--name", "ns-pref",
                    "--private-users=" FIXED_BASE_STR, NULL);
        assert_ran(&r1, "the run under the fixed range");
        cr_assert_eq(first_map(r1.out).outside, FIXED_BASE);
        p = path_of("%s/machines/ns-pref/upper/root/file", it.state_dir);
        assert_host_owner(p, FIXED_BASE, FIXED_BASE);
        free(p);
        r2 = it_berth_sh(60, tree, "cat /proc/self/uid_map; stat -c '%u:%g' /root/file", "--name", "ns-pref", NULL);
        assert_ran(&r2, "the run with pick");
        struct idmap m = first_map(r2.out);
        cr_assert_eq(m.outside, FIXED_BASE, "pick chose %u, the layer was written under %u", m.outside, FIXED_BASE);
        cr_assert_str_eq(strchr(r2.out, '\n') + 1, "0:0\n");
        it_result_free(&r1);
        it_result_free(&r2);
        assert_clean_unclaimed("ns-pref", tree);
}

/* 6. --private-users=no: no user namespace at all. */
Test(userns, private_users_no_is_the_identity)
{
        const char *tree = it_busybox_tree();
        struct it_result r;
        char *p;

        r = it_berth_sh(60, tree, "cat /proc/self/uid_map /proc/self/gid_map; echo as-host-root > /root/f", "--name",
                   "ns-no", "--private-users=no", NULL);
        assert_ran(&r, "--private-users=no");
        char *l0 = line_of(r.out, 0), *l1 = line_of(r.out, 1);
        struct idmap u = parse_map(l0), g = parse_map(l1);
        cr_assert(u.inside == 0 && u.outside == 0 && u.count == 4294967295u, "uid_map is '%s'", l0);
        cr_assert(g.inside == 0 && g.outside == 0 && g.count == 4294967295u, "gid_map is '%s'", l1);
        free(l0);
        free(l1);
        p = path_of("%s/machines/ns-no/upper/root/f", it.state_dir);
        assert_host_owner(p, 0, 0);
        free(p);
        p = path_of("%s/machines/ns-no/upper", it.state_dir);
        assert_host_owner(p, 0, 0);
        free(p);
        p = claims();
        cr_assert_str_empty(p);
        free(p);
        it_result_free(&r);
        assert_clean_unclaimed("ns-no", tree);
}

/* 6b. --private-users=UID[:COUNT] is taken exactly. */
Test(userns, a_fixed_range_is_used_exactly)
{
        const char *tree = it_busybox_tree();
        struct it_result r;
        char *p;

        r = it_berth_sh(60, tree, "cat /proc/self/uid_map /proc/self/gid_map; id -u; echo x > /root/f", "--name", "ns-fix",
                   "--private-users=" FIXED_BASE_STR, NULL);
        assert_ran(&r, "--private-users=" FIXED_BASE_STR);
        char *expect = path_of("%10u %10u %10u\n%10u %10u %10u\n0\n", 0u, FIXED_BASE, RANGE, 0u, FIXED_BASE, RANGE);
        cr_assert_str_eq(r.out, expect, "inside:\n%s", r.out);
        free(expect);
        p = path_of("%s/machines/ns-fix/upper/root/f", it.state_dir);
        assert_host_owner(p, FIXED_BASE, FIXED_BASE);
        free(p);
        it_result_free(&r);

        /* With a COUNT: a smaller range, as given. */
        r = it_berth_sh(60, tree, "cat /proc/self/uid_map; id -u", "--ephemeral", "--name", "ns-fix-count",
                   "--private-users=" FIXED_BASE_STR ":1000", NULL);
        assert_ran(&r, "--private-users=" FIXED_BASE_STR ":1000");
        expect = path_of("%10u %10u %10u\n0\n", 0u, FIXED_BASE, 1000u);
        cr_assert_str_eq(r.out, expect, "inside:\n%s", r.out);
        free(expect);
        it_result_free(&r);
        assert_clean_unclaimed("ns-fix", tree);
        assert_clean_unclaimed("ns-fix-count", tree);
}

/* 6c. A fixed range holding IDs of the host's users is refused. */
Test(userns, a_fixed_range_of_host_users_is_refused)
{
        const char *tree = it_busybox_tree();
        FILE *f = fopen("/etc/passwd", "re");
        char line[1024], arg[64], *p, *want;
        unsigned host_uid = 0;
        struct it_result r;

        cr_assert_not_null(f);
        while (!host_uid && fgets(line, sizeof(line), f)) {
                unsigned id;
                if (sscanf(line, "%*[^:]:%*[^:]:%u:", &id) == 1 && id > 0 && id < 0x7fffffff)
                        host_uid = id;
        }
        fclose(f);
        if (!host_uid)
                cr_skip_test("/etc/passwd of the host has no user but root");

        snprintf(arg, sizeof(arg), "--private-users=%u:65536", host_uid);
        r = it_berth_run(60, "-D", tree, "--name", "ns-hostids", arg, "--", "true", NULL);
        cr_assert_eq(r.status, 1, "berth %s exited with %d\n%s", arg, r.status, r.err);
        want = path_of("UID range %u-%u", host_uid, host_uid + 65535);
        cr_assert(strstr(r.err, want) && strstr(r.err, "/etc/passwd"), "the error does not name the range '%s' "
                  "and the host's users:\n%s", want, r.err);
        cr_assert_eq(lines_in(r.err), 1, "expected one line, berth said:\n%s", r.err);
        cr_assert_str_empty(r.out);
        free(want);
        it_result_free(&r);
        p = path_of("%s/machines/ns-hostids", it.state_dir);
        cr_assert_neq(access(p, F_OK), 0, "a refused machine left %s", p);
        free(p);
        assert_clean_unclaimed("ns-hostids", tree);
}

/* 6d. A fixed range a running machine has is refused. */
Test(userns, a_fixed_range_in_use_is_refused)
{
        const char *tree = it_busybox_tree();
        struct it_result r;
        pid_t a;
        char *p;

        a = it_berth_spawn("a", "-D", tree, "--name", "ns-holder", "--private-users=" FIXED_BASE_STR, "--", SLEEPER,
                           NULL);
        wait_running(a, "a", "ns-holder");
        cr_assert_eq(machine_base("ns-holder"), FIXED_BASE);
        r = it_berth_run(60, "-D", tree, "--name", "ns-second", "--private-users=" FIXED_BASE_STR, "--", "true",
                         NULL);
        cr_assert_eq(r.status, 1, "a second machine with the same fixed range: status %d\n%s", r.status, r.err);
        cr_assert(strstr(r.err, "in use") && strstr(r.err, FIXED_BASE_STR), "berth said:\n%s", r.err);
        cr_assert_eq(lines_in(r.err), 1, "expected one line, berth said:\n%s", r.err);
        it_result_free(&r);
        p = path_of("%s/machines/ns-second", it.state_dir);
        cr_assert_neq(access(p, F_OK), 0, "a refused machine left %s", p);
        free(p);
        cr_assert(claim_held(FIXED_BASE), "the refused start took the holder's claim away");
        cr_assert(it_leftovers("ns-second", tree) == NULL);
        stop(a, "ns-holder");
        assert_clean_unclaimed("ns-holder", tree);
        assert_clean_unclaimed("ns-second", tree);
}

/* 6e. Overlapping is sharing too: a fixed range that overlaps a running
 * machine's range without starting at the same ID is refused as well. */
Test(userns, a_fixed_range_overlapping_one_in_use_is_refused)
{
        const char *tree = it_busybox_tree();
        char arg[64];
        struct it_result r;
        pid_t a;

        a = it_berth_spawn("a", "-D", tree, "--name", "ns-holder2", "--private-users=" FIXED_BASE_STR, "--",
                           SLEEPER, NULL);
        wait_running(a, "a", "ns-holder2");
        snprintf(arg, sizeof(arg), "--private-users=%u", FIXED_BASE + RANGE / 2);
        r = it_berth_run(60, "-D", tree, "--name", "ns-overlap", arg, "--", "cat", "/proc/self/uid_map", NULL);
        stop(a, "ns-holder2");
        cr_assert_eq(r.status, 1, "%s while %u-%u runs: status %d, the machine ran with uid_map '%s'", arg,
                     FIXED_BASE, FIXED_BASE + RANGE - 1, r.status, r.out);
        cr_assert(strstr(r.err, "in use"), "berth said:\n%s", r.err);
        it_result_free(&r);
        assert_clean_unclaimed("ns-holder2", tree);
        assert_clean_unclaimed("ns-overlap", tree);
}

/* 6f. The same through pick: a running machine holds a fixed range that
 * straddles a name's home slot; pick must not hand out an overlapping one. */
Test(userns, pick_avoids_a_range_a_fixed_machine_partly_holds)
{
        const char *tree = it_busybox_tree();
        unsigned home = uid_range_hash_base("ns-picker"), held = home + RANGE / 2, got;
        char arg[64];
        struct it_result r;
        pid_t a;

        snprintf(arg, sizeof(arg), "--private-users=%u", held);
        a = it_berth_spawn("a", "-D", tree, "--ephemeral", "--name", "ns-straddle", arg, "--", SLEEPER, NULL);
        wait_running(a, "a", "ns-straddle");
        cr_assert_eq(first_map(it_inside("ns-straddle", "cat /proc/self/uid_map")).outside, held);
        r = it_berth_run(60, "-D", tree, "--ephemeral", "--name", "ns-picker", "--", "cat", "/proc/self/uid_map",
                         NULL);
        stop(a, "ns-straddle");
        assert_ran(&r, "pick next to a straddling fixed range");
        assert_private_map(first_map(r.out), "uid_map of ns-picker");
        got = first_map(r.out).outside;
        cr_assert(got + RANGE <= held || got >= held + RANGE,
                  "pick gave ns-picker %u-%u while ns-straddle runs under %u-%u", got, got + RANGE - 1, held,
                  held + RANGE - 1);
        it_result_free(&r);
        assert_clean_unclaimed("ns-straddle", tree);
        assert_clean_unclaimed("ns-picker", tree);
}

/* For the chown checks: every entry of the shifted copy against the base. */
static const char *walk_tree, *walk_copy;
static unsigned walk_base;
static unsigned long walk_entries;
static char walk_problem[1024];

static int check_shifted(const char *path, const struct stat *st, int flag, struct FTW *f)
{
        struct stat orig;
        char *o;

        (void) flag;
        (void) f;
        walk_entries++;
        o = path_of("%s%s", walk_tree, path + strlen(walk_copy));
        if (lstat(o, &orig) < 0) {
                if (!walk_problem[0])
                        snprintf(walk_problem, sizeof(walk_problem), "%s is in the copy but not in the base", o);
        } else if (st->st_uid != walk_base + orig.st_uid || st->st_gid != walk_base + orig.st_gid ||
                   (st->st_mode & S_IFMT) != (orig.st_mode & S_IFMT) ||
                   (!S_ISLNK(st->st_mode) && st->st_mode != orig.st_mode) ||
                   (S_ISREG(st->st_mode) && st->st_size != orig.st_size)) {
                if (!walk_problem[0])
                        snprintf(walk_problem, sizeof(walk_problem),
                                 "%s: %o %u:%u size %lld, base %s: %o %u:%u size %lld", path, st->st_mode,
                                 st->st_uid, st->st_gid, (long long) st->st_size, o, orig.st_mode, orig.st_uid,
                                 orig.st_gid, (long long) orig.st_size);
        }
        free(o);
        return 0;
}

/* 7. --private-users-ownership=chown: a shifted copy of the machine's own,
 * made once, reused, never the base. */
Test(userns, chown_ownership_makes_a_shifted_copy_once)
{
        char *tree = it_copy_busybox();
        char *before, *after, *lower, *marker, *text, *p;
        struct it_result r;
        struct stat st1, st2;
        unsigned base;
        FILE *f;

        /* A non-root owner in the base, to see it shifted too. */
        p = path_of("%s/etc/owned-by-1000", tree);
        f = fopen(p, "w");
        cr_assert_not_null(f);
        fputs("x\n", f);
        fclose(f);
        cr_assert_eq(chown(p, 1000, 1000), 0);
        free(p);
        before = it_tree_manifest(tree);

        r = it_berth_sh(60, tree, "cat /proc/self/uid_map; stat -c '%u:%g %n' /etc/passwd /bin/busybox /etc/owned-by-1000; "
                         "echo x > /root/x",
                   "--name", "ns-chown", "--private-users-ownership=chown", NULL);
        assert_ran(&r, "the first chown run");
        struct idmap m = first_map(r.out);
        assert_private_map(m, "uid_map");
        base = m.outside;
        cr_assert_str_eq(strchr(r.out, '\n') + 1, "0:0 /etc/passwd\n0:0 /bin/busybox\n1000:1000 /etc/owned-by-1000\n",
                         "inside:\n%s", r.out);
        cr_assert(strstr(r.err, "copying"), "the first run did not say it copies:\n%s", r.err);
        it_result_free(&r);

        lower = path_of("%s/machines/ns-chown/lower", it.state_dir);
        marker = path_of("%s.shifted", lower);
        assert_host_owner(lower, base, base);
        cr_assert_eq(access(marker, F_OK), 0, "no marker %s after the copy", marker);
        walk_tree = tree;
        walk_copy = lower;
        walk_base = base;
        walk_entries = 0;
        walk_problem[0] = 0;
        cr_assert_eq(nftw(lower, check_shifted, 64, FTW_PHYS), 0);
        cr_assert_str_empty(walk_problem, "the copy is not the base shifted by %u: %s", base, walk_problem);
        cr_assert_gt(walk_entries, 100, "the copy %s holds only %lu entries", lower, walk_entries);
        p = path_of("%s/machines/ns-chown/upper/root/x", it.state_dir);
        assert_host_owner(p, base, base);
        free(p);

        /* A file only the copy has: the second run must see it. */
        cr_assert_eq(stat(lower, &st1), 0);
        p = path_of("%s/etc/only-in-copy", lower);
        f = fopen(p, "w");
        cr_assert_not_null(f);
        fputs("from the copy\n", f);
        fclose(f);
        cr_assert_eq(chown(p, base, base), 0);
        free(p);

        r = it_berth_sh(60, tree, "cat /proc/self/uid_map; cat /etc/only-in-copy; stat -c '%u:%g' /root/x /etc/passwd",
                   "--name", "ns-chown", "--private-users-ownership=chown", NULL);
        assert_ran(&r, "the second chown run");
        cr_assert_eq(first_map(r.out).outside, base, "the second run changed range");
        cr_assert_str_eq(strchr(r.out, '\n') + 1, "from the copy\n0:0\n0:0\n", "inside:\n%s\n%s", r.out, r.err);
        cr_assert(!strstr(r.err, "copying"), "the second run copied again:\n%s", r.err);
        it_result_free(&r);
        cr_assert_eq(stat(lower, &st2), 0);
        cr_assert_eq(st1.st_ino, st2.st_ino, "the copy %s was made anew", lower);
        text = it_read_file(marker);
        p = path_of("%u ", base);
        cr_assert(text && strncmp(text, p, strlen(p)) == 0, "the marker %s says '%s', not range %u", marker,
                  text ? text : "(nothing)", base);
        free(p);
        free(text);

        after = it_tree_manifest(tree);
        cr_assert(strcmp(before, after) == 0, "the base %s changed:\nbefore:\n%s\nafter:\n%s", tree, before, after);
        assert_clean_unclaimed("ns-chown", tree);
        free(before);
        free(after);
        free(lower);
        free(marker);
        free(tree);
}

/* 7b. An --ephemeral machine's shifted copy goes with it. */
Test(userns, chown_ownership_of_an_ephemeral_machine_leaves_no_copy)
{
        char *tree = it_copy_busybox();
        char *before = it_tree_manifest(tree), *after, *machines = path_of("%s/machines", it.state_dir);
        unsigned base, owned_by_range = 0;
        DIR *d;
        struct dirent *de;
        pid_t pid;

        pid = it_berth_spawn("chx", "-D", tree, "--ephemeral", "--name", "ns-chx", "--private-users-ownership=chown",
                             "--", SLEEPER, NULL);
        wait_running(pid, "chx", "ns-chx");
        base = machine_base("ns-chx");
        it_assert_inside_eq("ns-chx", "stat -c '%u:%g' /etc/passwd /bin", "0:0\n0:0\n");
        /* While it runs, its copy is somewhere under the machines directory,
         * owned by its range. */
        d = opendir(machines);
        cr_assert_not_null(d, "no %s while an --ephemeral chown machine runs", machines);
        while ((de = readdir(d))) {
                struct stat st;
                if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
                    st.st_uid == base)
                        owned_by_range++;
        }
        closedir(d);
        cr_assert_eq(owned_by_range, 1, "expected one shifted copy owned by %u in %s, found %u", base, machines,
                     owned_by_range);
        stop(pid, "ns-chx");
        cr_assert_leq(it_count_entries(machines), 0, "an --ephemeral chown machine left something in %s", machines);
        after = it_tree_manifest(tree);
        cr_assert(strcmp(before, after) == 0, "the base %s changed", tree);
        assert_clean_unclaimed("ns-chx", tree);
        free(before);
        free(after);
        free(machines);
        free(tree);
}

/* 8. systemd boots under the user namespace. */
Test(userns, debian_boots_under_its_own_range)
{
        const char *tree = it_debian_tree();
        const char *name = "ns-deb";
        char *cg, *p, *err;
        unsigned base;
        pid_t pid;
        int status;

        pid = it_berth_spawn("deb", "-D", tree, "--boot", "--ephemeral", "--name", name, NULL);
        if (!it_wait_state(name, "running", 90)) {
                err = it_spawn_log("deb", "err");
                kill(pid, SIGKILL);
                it_wait(pid, 10);
                cr_assert_fail("machine %s did not reach READY=1; berth said:\n%s", name, err);
        }
        err = it_spawn_log("deb", "err");
        cr_assert(strstr(err, "machine ns-deb is up (READY=1 after "), "berth said:\n%s", err);
        free(err);
        it_assert_inside_eq(name, "cat /proc/1/comm", "systemd\n");
        it_assert_inside_eq(name, "timeout 60 systemctl is-system-running --wait", "running\n");
        it_assert_inside_eq(name, "systemctl --failed --no-legend", "");
        it_assert_inside_eq(name, "test -d /sys/fs/cgroup/init.scope && echo ok", "ok\n");
        it_assert_inside_eq(name, "grep ^0:: /proc/1/cgroup", "0::/init.scope\n");
        base = machine_base(name);
        it_assert_inside_eq(name, "stat -c '%u:%g %F' /run/host/notify", "0:0 socket\n");
        it_assert_inside_eq(name, "id -u; stat -c '%u:%g' /etc/passwd /usr/lib/systemd/systemd", "0\n0:0\n0:0\n");
        /* PID 1's credentials, as the host sees them: the range's root. */
        p = it_state_get(name, "LEADER");
        cr_assert_not_null(p);
        char *st_path = path_of("/proc/%s", p);
        assert_host_owner(st_path, base, base);
        free(st_path);
        free(p);

        /* On the host the machine's cgroup namespace root, payload/, belongs
         * to the machine's root. */
        cg = it_state_get(name, "CGROUP");
        cr_assert_not_null(cg);
        p = path_of("%s/payload", cg);
        assert_host_owner(p, base, base);
        free(p);
        p = path_of("%s/payload/init.scope", cg);
        assert_host_owner(p, base, base);
        free(p);
        free(cg);
        cr_assert(claim_held(base), "the claim of %u is not held while the machine runs", base);

        cr_assert_eq(kill(pid, SIGTERM), 0);
        status = it_wait(pid, 60);
        cr_assert_eq(status, 0, "berth exited with %d after SIGTERM", status);
        err = it_spawn_log("deb", "err");
        cr_assert(strstr(err, "machine ns-deb powered off"), "berth said:\n%s", err);
        free(err);
        cr_assert(!claim_exists(base));
        assert_clean_unclaimed(name, tree);
}

/* ramfs cannot be idmapped: berth says so in one line and what to do, and
 * leaves nothing behind; the chown mode then works on a shifted copy. */
Test(userns, a_tree_that_cannot_be_idmapped)
{
        char mnt[512], tree[600], cmd[1400], statedir[600];
        struct it_result r;

        snprintf(mnt, sizeof(mnt), "%s/ramfs", it.dir);
        cr_assert_eq(mkdir(mnt, 0755), 0);
        cr_assert_eq(mount("ramfs", mnt, "ramfs", 0, NULL), 0, "mounting a ramfs: %s", strerror(errno));
        snprintf(tree, sizeof(tree), "%s/tree", mnt);
        snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", it_busybox_tree(), tree);
        cr_assert_eq(system(cmd), 0);

        r = it_berth_run(30, "-D", tree, "--name", "ns-ramfs", "--", "/bin/true", NULL);
        cr_expect_eq(r.status, 1, "status %d", r.status);
        cr_expect_not_null(strstr(r.err, "cannot be idmapped"), "stderr: %s", r.err);
        cr_expect_not_null(strstr(r.err, "--private-users-ownership=chown"), "stderr: %s", r.err);
        cr_expect(strchr(r.err, '\n') && strchr(r.err, '\n')[1] == 0, "not one line: %s", r.err);
        snprintf(statedir, sizeof(statedir), "%s/machines/ns-ramfs", it.state_dir);
        cr_expect_neq(access(statedir, F_OK), 0, "%s was left behind", statedir);
        it_result_free(&r);

        r = it_berth_run(60, "-D", tree, "--name", "ns-ramfs", "--private-users-ownership=chown", "--",
                         "/bin/sh", "-c", "stat -c '%u:%g' /etc/passwd", NULL);
        cr_expect_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
        cr_expect_str_eq(r.out, "0:0\n");
        it_result_free(&r);

        umount2(mnt, MNT_DETACH);
        assert_clean_unclaimed("ns-ramfs", tree);
}

/* A layer written without a user namespace holds the host root's files:
 * under a range they would all be nobody's. berth refuses, in one line,
 * and says what to do; the layer stays as it was. */
Test(userns, a_layer_written_without_a_user_namespace_is_refused)
{
        const char *tree = it_busybox_tree();
        struct it_result r;
        char path[600];

        r = it_berth_run(30, "-D", tree, "--name", "ns-was-root", "--private-users=no", "--", "/bin/sh", "-c",
                         "echo kept > /root/made", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        r = it_berth_run(30, "-D", tree, "--name", "ns-was-root", "--", "/bin/true", NULL);
        cr_expect_eq(r.status, 1);
        cr_expect(strstr(r.err, "written without a user namespace"), "%s", r.err);
        cr_expect(strstr(r.err, "--private-users=no"), "%s", r.err);
        cr_expect(strchr(r.err, '\n') && strchr(r.err, '\n')[1] == 0, "not one line: %s", r.err);
        it_result_free(&r);
        snprintf(path, sizeof(path), "%s/machines/ns-was-root/upper/root/made", it.state_dir);
        cr_expect_eq(access(path, F_OK), 0, "the layer was touched");
        r = it_berth_run(30, "-D", tree, "--name", "ns-was-root", "--private-users=no", "--", "/bin/cat",
                         "/root/made", NULL);
        cr_expect_eq(r.status, 0);
        cr_expect_str_eq(r.out, "kept\n");
        it_result_free(&r);
        assert_clean_unclaimed("ns-was-root", tree);
}
