/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "uidrange.h"
#include "util.h"

/* Each test runs in its own process (Criterion forks), with its own
 * BERTH_RUNTIME_DIR. */
static char tmp[64];

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        return remove(path) < 0 ? -1 : 0;
}

static void setup(void)
{
        umask(022);
        snprintf(tmp, sizeof(tmp), "/tmp/berth-test-uidrange-XXXXXX");
        cr_assert_not_null(mkdtemp(tmp));
        cr_assert_eq(setenv("BERTH_RUNTIME_DIR", tmp, 1), 0);
}

static void teardown(void)
{
        if (tmp[0])
                nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        unsetenv("BERTH_RUNTIME_DIR");
}

static void write_tmp(const char *name, const char *contents, char *ret_path, size_t size)
{
        snprintf(ret_path, size, "%s/%s", tmp, name);
        cr_assert_eq(write_file_at(AT_FDCWD, ret_path, contents, 0644), 0, "writing %s", ret_path);
}

static void claim_path(uid_t base, char *ret, size_t size)
{
        snprintf(ret, size, "%s/uids/%u", tmp, (unsigned) base);
}

static bool claim_exists(uid_t base)
{
        char p[PATH_MAX];
        struct stat st;

        claim_path(base, p, sizeof(p));
        return lstat(p, &st) == 0;
}

/* A claim file nobody holds, as a launcher killed by SIGKILL leaves it. */
static void make_stale_claim(uid_t base, const char *machine)
{
        char dir[PATH_MAX], p[PATH_MAX], text[128];

        snprintf(dir, sizeof(dir), "%s/uids", tmp);
        cr_assert_eq(mkdir_p(dir, 0755), 0);
        claim_path(base, p, sizeof(p));
        snprintf(text, sizeof(text), "%s 65536\n", machine);
        cr_assert_eq(write_file_at(AT_FDCWD, p, text, 0644), 0);
}

static uid_t next_slot(uid_t base)
{
        return base == UID_PICK_MAX ? UID_PICK_MIN : base + UID_RANGE_SIZE;
}

/* A skipped test does not get its .fini: clean up first. */
#define skip_test(...)                                  \
        do {                                            \
                teardown();                             \
                cr_skip_test(__VA_ARGS__);              \
        } while (0)

/* Claims check the real /etc/passwd and /etc/group, and picks also our own
 * uid_map and gid_map; the bases these tests use are expected to be free
 * there. Skip rather than fail on a host where they are not. */
static void require_free_on_host(uid_t base)
{
        if (uid_range_used_by_host(base, UID_RANGE_SIZE, "/etc/passwd", "/etc/group") != 0)
                skip_test("the host uses an ID in [%u, %u)", (unsigned) base,
                             (unsigned) (base + UID_RANGE_SIZE));
}

static void require_pickable(uid_t base)
{
        require_free_on_host(base);
        if (!uid_range_mapped(base, UID_RANGE_SIZE, "/proc/self/uid_map") ||
            !uid_range_mapped(base, UID_RANGE_SIZE, "/proc/self/gid_map"))
                skip_test("[%u, %u) is not mapped in this user namespace", (unsigned) base,
                             (unsigned) (base + UID_RANGE_SIZE));
}

static void read_claim(uid_t base, char *buf, size_t size)
{
        char p[PATH_MAX];
        _cleanup_free_ char *s = NULL;

        claim_path(base, p, sizeof(p));
        cr_assert_geq(read_file_at(AT_FDCWD, p, &s, 4096), 0, "reading %s", p);
        snprintf(buf, size, "%s", s);
}

/* flock() as the code under test sees it. The test program's definition
 * wins over libc's for libshared (linked statically); it passes every call
 * through, except that when race_victim is set, the first flock() of
 * another file description of the victim's claim file first runs
 * race_between() -- so an interleaving of two launchers can be played in
 * one process, deterministically. */
static struct uid_range *race_victim;
static void (*race_between)(struct uid_range *victim);

int flock(int fd, int op)
{
        if (race_victim && race_victim->lock_fd >= 0 && fd != race_victim->lock_fd) {
                struct stat a, b;

                if (fstat(fd, &a) == 0 && fstat(race_victim->lock_fd, &b) == 0 &&
                    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
                        struct uid_range *v = race_victim;

                        race_victim = NULL;
                        race_between(v);
                }
        }
        return (int) syscall(SYS_flock, fd, op);
}

/* uid_range_hash_base */

Test(hash, aligned_and_in_band)
{
        const char *names[] = { "a", "b", "web", "db", "debian-12", "x-very-long-machine-name-0123456789",
                                "", "UPPER", "0", "\xff\xfe" };

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                uid_t b = uid_range_hash_base(names[i]);

                cr_assert_eq(b % UID_RANGE_SIZE, 0, "%s: %u not aligned", names[i], (unsigned) b);
                cr_assert_geq(b, UID_PICK_MIN, "%s: %u below the band", names[i], (unsigned) b);
                cr_assert_leq(b, UID_PICK_MAX, "%s: %u above the band", names[i], (unsigned) b);
                cr_assert_leq((uint64_t) b + UID_RANGE_SIZE, (uint64_t) UINT32_MAX);
        }
}

Test(hash, stable)
{
        char name[32];

        for (int i = 0; i < 50; i++) {
                snprintf(name, sizeof(name), "machine-%d", i);
                cr_assert_eq(uid_range_hash_base(name), uid_range_hash_base(name));
        }
        cr_assert_eq(uid_range_hash_base("web"), uid_range_hash_base("web"));
        cr_assert_neq(uid_range_hash_base("web"), uid_range_hash_base("web2"));
}

Test(hash, spreads)
{
        uid_t bases[1000];
        size_t n = sizeof(bases) / sizeof(bases[0]), distinct = 0;
        char name[32];

        for (size_t i = 0; i < n; i++) {
                snprintf(name, sizeof(name), "machine-%zu", i);
                bases[i] = uid_range_hash_base(name);
                cr_assert_eq(bases[i] % UID_RANGE_SIZE, 0);
                cr_assert(bases[i] >= UID_PICK_MIN && bases[i] <= UID_PICK_MAX);
        }
        for (size_t i = 0; i < n; i++) {
                bool seen = false;

                for (size_t j = 0; j < i && !seen; j++)
                        seen = bases[j] == bases[i];
                if (!seen)
                        distinct++;
        }
        /* 1000 names into 28664 slots: a good hash collides a couple of times
         * at most (about 17 expected pairs); demand 95%. */
        cr_assert_geq(distinct, 950, "only %zu distinct bases for %zu names", distinct, n);

        /* And the first 100 alone. */
        distinct = 0;
        for (size_t i = 0; i < 100; i++) {
                bool seen = false;

                for (size_t j = 0; j < i && !seen; j++)
                        seen = bases[j] == bases[i];
                if (!seen)
                        distinct++;
        }
        cr_assert_geq(distinct, 95, "only %zu distinct bases for 100 names", distinct);
}

Test(hash, uses_the_whole_band)
{
        uid_t lo = UID_PICK_MAX, hi = UID_PICK_MIN;
        char name[32];

        for (int i = 0; i < 1000; i++) {
                uid_t b;

                snprintf(name, sizeof(name), "m%d", i);
                b = uid_range_hash_base(name);
                if (b < lo)
                        lo = b;
                if (b > hi)
                        hi = b;
        }
        /* Not stuck in one corner of the band. */
        cr_assert_lt(lo, UID_PICK_MIN + (UID_PICK_MAX - UID_PICK_MIN) / 4);
        cr_assert_gt(hi, UID_PICK_MAX - (UID_PICK_MAX - UID_PICK_MIN) / 4);
}

/* uid_range_used_by_host */

TestSuite(host, .init = setup, .fini = teardown);

Test(host, id_inside_range)
{
        char pw[PATH_MAX], gr[PATH_MAX];
        const uid_t base = 0x100000;

        write_tmp("passwd",
                  "root:x:0:0:root:/root:/bin/bash\n"
                  "someone:x:1048600:100::/home/someone:/bin/sh\n", pw, sizeof(pw));
        write_tmp("group", "root:x:0:\n", gr, sizeof(gr));
        cr_assert_eq(uid_range_used_by_host(base, UID_RANGE_SIZE, pw, gr), 1);

        /* The first and the last ID of the range count too. */
        write_tmp("passwd", "first:x:1048576:1::/:/bin/sh\n", pw, sizeof(pw));
        cr_assert_eq(uid_range_used_by_host(base, UID_RANGE_SIZE, pw, gr), 1);
        write_tmp("passwd", "last:x:1114111:1::/:/bin/sh\n", pw, sizeof(pw));
        cr_assert_eq(uid_range_used_by_host(base, UID_RANGE_SIZE, pw, gr), 1);
}

Test(host, gid_inside_range)
{
        char pw[PATH_MAX], gr[PATH_MAX];
        const uid_t base = 0x100000;

        write_tmp("passwd", "root:x:0:0:root:/root:/bin/bash\n", pw, sizeof(pw));
        write_tmp("group",
                  "root:x:0:\n"
                  "wheel:x:10:root\n"
                  "big:x:1050000:someone,other\n", gr, sizeof(gr));
        cr_assert_eq(uid_range_used_by_host(base, UID_RANGE_SIZE, pw, gr), 1);
}

Test(host, ids_just_outside_range)
{
        char pw[PATH_MAX], gr[PATH_MAX];
        const uid_t base = 0x100000;

        /* base-1 and base+size: both outside [base, base+size). */
        write_tmp("passwd",
                  "below:x:1048575:0::/:/bin/sh\n"
                  "above:x:1114112:0::/:/bin/sh\n", pw, sizeof(pw));
        write_tmp("group",
                  "below:x:1048575:\n"
                  "above:x:1114112:\n", gr, sizeof(gr));
        cr_assert_eq(uid_range_used_by_host(base, UID_RANGE_SIZE, pw, gr), 0);
        /* A range of one. */
        cr_assert_eq(uid_range_used_by_host(1048575, 1, pw, gr), 1);
        cr_assert_eq(uid_range_used_by_host(1048576, 1, pw, gr), 0);
}

Test(host, malformed_lines_ignored)
{
        char pw[PATH_MAX], gr[PATH_MAX];
        const uid_t base = 0x100000;

        write_tmp("passwd",
                  "\n"
                  "# a comment 1048600\n"
                  "nocolons 1048600\n"
                  "one:1048600\n"
                  "empty:x::0::/:/bin/sh\n"
                  "neg:x:-1048600:0::/:/bin/sh\n"
                  "space:x: 1048600:0::/:/bin/sh\n"
                  "trailing:x:1048600abc:0::/:/bin/sh\n"
                  "huge:x:99999999999999999999:0::/:/bin/sh\n"
                  "fine:x:1000:1000::/home/fine:/bin/sh\n"
                  "noeol:x:1048600x", pw, sizeof(pw));
        write_tmp("group", "garbage\n:::\nx:y:z:\n", gr, sizeof(gr));
        cr_assert_eq(uid_range_used_by_host(base, UID_RANGE_SIZE, pw, gr), 0);

        /* A good line after the bad ones is still seen, even without a newline. */
        write_tmp("passwd",
                  "nocolons 1048600\n"
                  "empty:x::0::/:/bin/sh\n"
                  "late:x:1048600", pw, sizeof(pw));
        cr_assert_eq(uid_range_used_by_host(base, UID_RANGE_SIZE, pw, gr), 1);
}

Test(host, missing_files)
{
        char pw[PATH_MAX], gr[PATH_MAX], missing[PATH_MAX];
        const uid_t base = 0x100000;

        snprintf(missing, sizeof(missing), "%s/does-not-exist", tmp);
        cr_assert_eq(uid_range_used_by_host(base, UID_RANGE_SIZE, missing, missing), 0);

        /* One missing, the other with a hit: still found. */
        write_tmp("group", "big:x:1048600:\n", gr, sizeof(gr));
        cr_assert_eq(uid_range_used_by_host(base, UID_RANGE_SIZE, missing, gr), 1);
        write_tmp("passwd", "big:x:1048600:0::/:/bin/sh\n", pw, sizeof(pw));
        cr_assert_eq(uid_range_used_by_host(base, UID_RANGE_SIZE, pw, missing), 1);
}

Test(host, open_errors_reported)
{
        char pw[PATH_MAX];

        char through[PATH_MAX + 8];

        /* Only a missing file means "no IDs"; other failures are reported. */
        write_tmp("passwd", "x:x:1:1::/:/bin/sh\n", pw, sizeof(pw));
        snprintf(through, sizeof(through), "%s/sub", pw);
        cr_assert_eq(uid_range_used_by_host(0x100000, UID_RANGE_SIZE, through, through), -ENOTDIR);
}

Test(host, empty_files)
{
        char pw[PATH_MAX], gr[PATH_MAX];

        write_tmp("passwd", "", pw, sizeof(pw));
        write_tmp("group", "", gr, sizeof(gr));
        cr_assert_eq(uid_range_used_by_host(0, UID_RANGE_SIZE, pw, gr), 0);
}

/* uid_range_mapped */

TestSuite(mapped, .init = setup, .fini = teardown);

Test(mapped, identity_maps_everything)
{
        char m[PATH_MAX];

        write_tmp("uid_map", "         0          0 4294967295\n", m, sizeof(m));
        cr_assert(uid_range_mapped(0, UID_RANGE_SIZE, m));
        cr_assert(uid_range_mapped(UID_PICK_MIN, UID_RANGE_SIZE, m));
        cr_assert(uid_range_mapped(UID_PICK_MAX, UID_RANGE_SIZE, m));
        cr_assert(uid_range_mapped(UINT32_MAX - UID_RANGE_SIZE, UID_RANGE_SIZE, m));
}

Test(mapped, rootless_style_map)
{
        char m[PATH_MAX];

        write_tmp("uid_map", "0 100000 65536\n", m, sizeof(m));
        cr_assert(uid_range_mapped(0, UID_RANGE_SIZE, m));
        cr_assert(uid_range_mapped(0, 1, m));
        cr_assert(uid_range_mapped(65535, 1, m));
        cr_assert(uid_range_mapped(1000, 100, m));
        cr_assert_not(uid_range_mapped(65536, 1, m));
        cr_assert_not(uid_range_mapped(UID_RANGE_SIZE, UID_RANGE_SIZE, m));
        cr_assert_not(uid_range_mapped(UID_PICK_MIN, UID_RANGE_SIZE, m));
        /* The outside column is not what counts. */
        cr_assert_not(uid_range_mapped(100000, 1, m));
}

Test(mapped, straddling_the_end)
{
        char m[PATH_MAX];

        write_tmp("uid_map", "0 100000 65536\n", m, sizeof(m));
        cr_assert_not(uid_range_mapped(65535, 2, m));
        cr_assert_not(uid_range_mapped(1, UID_RANGE_SIZE, m));

        write_tmp("uid_map", "0 0 1000000\n", m, sizeof(m));
        cr_assert_not(uid_range_mapped(1000000 - 65535, UID_RANGE_SIZE, m));
        cr_assert(uid_range_mapped(1000000 - 65536, UID_RANGE_SIZE, m));
}

Test(mapped, straddling_the_start)
{
        char m[PATH_MAX];

        write_tmp("uid_map", "1000 2000 5000\n", m, sizeof(m));
        cr_assert_not(uid_range_mapped(999, 10, m));
        cr_assert(uid_range_mapped(1000, 5000, m));
        cr_assert_not(uid_range_mapped(1000, 5001, m));
}

Test(mapped, several_lines)
{
        char m[PATH_MAX];

        write_tmp("uid_map",
                  "         0       1000          1\n"
                  "         1     100000      65536\n"
                  "    524288     524288     131072\n", m, sizeof(m));
        cr_assert(uid_range_mapped(0, 1, m));
        cr_assert(uid_range_mapped(1, 65536, m));
        cr_assert(uid_range_mapped(UID_PICK_MIN, UID_RANGE_SIZE, m));
        cr_assert(uid_range_mapped(UID_PICK_MIN + UID_RANGE_SIZE, UID_RANGE_SIZE, m));
        cr_assert_not(uid_range_mapped(UID_PICK_MIN + 2 * UID_RANGE_SIZE, UID_RANGE_SIZE, m));
        cr_assert_not(uid_range_mapped(65537, 1, m));
}

Test(mapped, missing_or_empty_map)
{
        char m[PATH_MAX];

        snprintf(m, sizeof(m), "%s/none", tmp);
        cr_assert_not(uid_range_mapped(0, 1, m));
        write_tmp("uid_map", "", m, sizeof(m));
        cr_assert_not(uid_range_mapped(0, 1, m));
}

/* uid_range_claim / uid_range_release */

TestSuite(claim, .init = setup, .fini = teardown);

Test(claim, twice_is_busy)
{
        struct uid_range a = UID_RANGE_INIT, b = UID_RANGE_INIT;
        const uid_t base = UID_PICK_MIN + 7 * UID_RANGE_SIZE;
        char text[256];

        require_free_on_host(base);
        cr_assert_eq(uid_range_claim(base, UID_RANGE_SIZE, "first", &a), 0);
        cr_assert_eq(a.base, base);
        cr_assert_eq(a.size, UID_RANGE_SIZE);
        cr_assert_geq(a.lock_fd, 0);
        cr_assert(claim_exists(base));

        /* A second open file description: flock() refuses it even in the
         * same process. */
        cr_assert_eq(uid_range_claim(base, UID_RANGE_SIZE, "second", &b), -EBUSY);
        cr_assert_eq(b.lock_fd, -1, "a failed claim must leave ret alone");

        /* The loser neither removed nor rewrote the winner's file. */
        cr_assert(claim_exists(base));
        read_claim(base, text, sizeof(text));
        cr_assert_str_eq(text, "first 65536\n");

        uid_range_release(&a);
}

Test(claim, holds_machine_name)
{
        struct uid_range r = UID_RANGE_INIT;
        const uid_t base = UID_PICK_MIN + 9 * UID_RANGE_SIZE;
        char text[256];

        require_free_on_host(base);
        cr_assert_eq(uid_range_claim(base, UID_RANGE_SIZE, "my-machine", &r), 0);
        read_claim(base, text, sizeof(text));
        cr_assert(startswith(text, "my-machine "), "claim file holds \"%s\"", text);
        cr_assert_str_eq(text, "my-machine 65536\n");
        uid_range_release(&r);
}

Test(claim, stale_content_replaced)
{
        struct uid_range r = UID_RANGE_INIT;
        const uid_t base = UID_PICK_MIN + 11 * UID_RANGE_SIZE;
        char text[256];

        require_free_on_host(base);
        /* A dead launcher's file with a longer name: it must not show through. */
        make_stale_claim(base, "a-much-longer-name-of-a-dead-machine");
        cr_assert_eq(uid_range_claim(base, UID_RANGE_SIZE, "new", &r), 0);
        read_claim(base, text, sizeof(text));
        cr_assert_str_eq(text, "new 65536\n");
        uid_range_release(&r);
}

Test(claim, release_removes_file_and_frees_base)
{
        struct uid_range a = UID_RANGE_INIT, b = UID_RANGE_INIT;
        const uid_t base = UID_PICK_MIN + 13 * UID_RANGE_SIZE;
        char text[256];

        require_free_on_host(base);
        cr_assert_eq(uid_range_claim(base, UID_RANGE_SIZE, "one", &a), 0);
        uid_range_release(&a);
        /* "Not claimed" (uidrange.h says -1; release leaves -EBADF). */
        cr_assert_lt(a.lock_fd, 0);
        cr_assert_not(claim_exists(base));

        cr_assert_eq(uid_range_claim(base, UID_RANGE_SIZE, "two", &b), 0);
        cr_assert(claim_exists(base));
        read_claim(base, text, sizeof(text));
        cr_assert_str_eq(text, "two 65536\n");

        /* Releasing twice, or releasing what was never claimed, is harmless:
         * it must not remove b's file. */
        uid_range_release(&a);
        struct uid_range never = UID_RANGE_INIT;
        never.base = base;
        uid_range_release(&never);
        cr_assert(claim_exists(base));

        uid_range_release(&b);
        cr_assert_not(claim_exists(base));
}

Test(claim, stale_file_does_not_block)
{
        struct uid_range r = UID_RANGE_INIT;
        const uid_t base = UID_PICK_MIN + 15 * UID_RANGE_SIZE;

        require_free_on_host(base);
        make_stale_claim(base, "dead");
        cr_assert(claim_exists(base));
        cr_assert_eq(uid_range_claim(base, UID_RANGE_SIZE, "alive", &r), 0);
        uid_range_release(&r);
        cr_assert_not(claim_exists(base));
}

Test(claim, different_bases_independent)
{
        struct uid_range a = UID_RANGE_INIT, b = UID_RANGE_INIT;
        const uid_t base = UID_PICK_MIN + 17 * UID_RANGE_SIZE;

        require_free_on_host(base);
        require_free_on_host(base + UID_RANGE_SIZE);
        cr_assert_eq(uid_range_claim(base, UID_RANGE_SIZE, "a", &a), 0);
        cr_assert_eq(uid_range_claim(base + UID_RANGE_SIZE, UID_RANGE_SIZE, "b", &b), 0);
        uid_range_release(&a);
        cr_assert_not(claim_exists(base));
        cr_assert(claim_exists(base + UID_RANGE_SIZE));
        uid_range_release(&b);
}

Test(claim, bad_sizes)
{
        struct uid_range r = UID_RANGE_INIT;

        cr_assert_eq(uid_range_claim(UID_PICK_MIN, 0, "m", &r), -ERANGE);
        cr_assert_eq(uid_range_claim(UINT32_MAX - 10, UID_RANGE_SIZE, "m", &r), -ERANGE);
        cr_assert_eq(uid_range_claim(UINT32_MAX, 1, "m", &r), -ERANGE);
        cr_assert_eq(r.lock_fd, -1);
        cr_assert_not(claim_exists(UID_PICK_MIN));
}

Test(claim, host_ids_refused)
{
        struct uid_range r = UID_RANGE_INIT;

        /* root is in every /etc/passwd. */
        cr_assert_eq(uid_range_claim(0, UID_RANGE_SIZE, "m", &r), -EEXIST);
        cr_assert_eq(r.lock_fd, -1);
        cr_assert_not(claim_exists(0));
}

/* uid_range_pick */

TestSuite(pick, .init = setup, .fini = teardown);

Test(pick, hash_base_when_free)
{
        struct uid_range r = UID_RANGE_INIT;
        uid_t h = uid_range_hash_base("web");

        require_pickable(h);
        cr_assert_eq(uid_range_pick("web", 0, &r), 0);
        cr_assert_eq(r.base, h, "picked %u, hash base %u", (unsigned) r.base, (unsigned) h);
        cr_assert_eq(r.size, UID_RANGE_SIZE);
        cr_assert_geq(r.lock_fd, 0);
        cr_assert(claim_exists(h));

        char text[256];
        read_claim(h, text, sizeof(text));
        cr_assert_str_eq(text, "web 65536\n");
        uid_range_release(&r);
        cr_assert_not(claim_exists(h));

        /* Free again: the same name gets the same range. */
        cr_assert_eq(uid_range_pick("web", 0, &r), 0);
        cr_assert_eq(r.base, h);
        uid_range_release(&r);
}

Test(pick, next_slot_when_hash_base_taken)
{
        struct uid_range held = UID_RANGE_INIT, r = UID_RANGE_INIT;
        uid_t h = uid_range_hash_base("db");

        require_pickable(h);
        require_pickable(next_slot(h));
        cr_assert_eq(uid_range_claim(h, UID_RANGE_SIZE, "other", &held), 0);
        cr_assert_eq(uid_range_pick("db", 0, &r), 0);
        cr_assert_eq(r.base, next_slot(h), "picked %u, expected %u", (unsigned) r.base,
                     (unsigned) next_slot(h));
        cr_assert(claim_exists(h), "the held claim survived the sweep");
        cr_assert(claim_exists(r.base));

        /* And a third machine hashing to the same place goes one further. */
        struct uid_range r2 = UID_RANGE_INIT;
        require_pickable(next_slot(next_slot(h)));
        cr_assert_eq(uid_range_pick("db", 0, &r2), 0);
        cr_assert_eq(r2.base, next_slot(next_slot(h)));

        uid_range_release(&r2);
        uid_range_release(&r);
        uid_range_release(&held);
}

Test(pick, preferred_when_free)
{
        struct uid_range r = UID_RANGE_INIT;
        uid_t h = uid_range_hash_base("web");
        uid_t pref = h == UID_PICK_MIN + 100 * UID_RANGE_SIZE ? UID_PICK_MIN + 200 * UID_RANGE_SIZE
                                                              : UID_PICK_MIN + 100 * UID_RANGE_SIZE;

        require_pickable(pref);
        cr_assert_eq(uid_range_pick("web", pref, &r), 0);
        cr_assert_eq(r.base, pref, "picked %u, preferred %u", (unsigned) r.base, (unsigned) pref);
        cr_assert(claim_exists(pref));
        cr_assert_not(claim_exists(h));
        uid_range_release(&r);
}

Test(pick, preferred_busy_falls_back_to_hash)
{
        struct uid_range held = UID_RANGE_INIT, r = UID_RANGE_INIT;
        uid_t h = uid_range_hash_base("web");
        uid_t pref = next_slot(next_slot(h));

        require_pickable(h);
        require_pickable(pref);
        cr_assert_eq(uid_range_claim(pref, UID_RANGE_SIZE, "other", &held), 0);
        cr_assert_eq(uid_range_pick("web", pref, &r), 0);
        cr_assert_eq(r.base, h);
        uid_range_release(&r);
        uid_range_release(&held);
}

Test(pick, preferred_outside_band_or_unaligned_ignored)
{
        struct uid_range r = UID_RANGE_INIT;
        uid_t h = uid_range_hash_base("web");
        const uid_t bad[] = {
                UID_RANGE_SIZE,                         /* below the band */
                UID_PICK_MIN + 12345,                   /* not aligned */
                UID_PICK_MAX + UID_RANGE_SIZE,          /* above the band */
        };

        require_pickable(h);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                cr_assert_eq(uid_range_pick("web", bad[i], &r), 0);
                cr_assert_eq(r.base, h, "preferred %u: picked %u", (unsigned) bad[i], (unsigned) r.base);
                uid_range_release(&r);
        }
}

Test(pick, stale_claim_does_not_block_and_is_swept)
{
        struct uid_range r = UID_RANGE_INIT;
        uid_t h = uid_range_hash_base("web");
        uid_t elsewhere = next_slot(next_slot(next_slot(h)));

        require_pickable(h);
        /* One stale claim on the very base the pick wants, one elsewhere. */
        make_stale_claim(h, "dead");
        make_stale_claim(elsewhere, "also-dead");
        cr_assert_eq(uid_range_pick("web", 0, &r), 0);
        cr_assert_eq(r.base, h, "a stale claim blocked the hash base");
        cr_assert_not(claim_exists(elsewhere), "the stale claim was not swept");

        char text[256];
        read_claim(h, text, sizeof(text));
        cr_assert_str_eq(text, "web 65536\n");
        uid_range_release(&r);
}

Test(pick, sweep_spares_live_claims_and_other_files)
{
        struct uid_range held = UID_RANGE_INIT, r = UID_RANGE_INIT;
        uid_t h = uid_range_hash_base("web");
        uid_t live = next_slot(next_slot(h));
        char p[PATH_MAX];
        struct stat st;

        require_pickable(h);
        require_pickable(live);
        cr_assert_eq(uid_range_claim(live, UID_RANGE_SIZE, "running", &held), 0);
        snprintf(p, sizeof(p), "%s/uids/README", tmp);
        cr_assert_eq(write_file_at(AT_FDCWD, p, "not a claim\n", 0644), 0);

        cr_assert_eq(uid_range_pick("web", 0, &r), 0);
        cr_assert(claim_exists(live));
        cr_assert_eq(lstat(p, &st), 0, "the sweep removed a file that is no claim");

        char text[256];
        read_claim(live, text, sizeof(text));
        cr_assert_str_eq(text, "running 65536\n");

        uid_range_release(&r);
        uid_range_release(&held);
}

Test(pick, without_runtime_dir_yet)
{
        struct uid_range r = UID_RANGE_INIT;
        char sub[128];
        uid_t h = uid_range_hash_base("fresh");

        require_pickable(h);
        /* The uids directory (and its parent) are made on the first claim. */
        snprintf(sub, sizeof(sub), "%s/not/yet", tmp);
        cr_assert_eq(setenv("BERTH_RUNTIME_DIR", sub, 1), 0);
        cr_assert_eq(uid_range_pick("fresh", 0, &r), 0);
        cr_assert_eq(r.base, h);

        struct stat st;
        char p[PATH_MAX];
        snprintf(p, sizeof(p), "%s/uids/%u", sub, (unsigned) h);
        cr_assert_eq(lstat(p, &st), 0);
        uid_range_release(&r);
        cr_assert_neq(lstat(p, &st), 0);
}

Test(pick, wraps_at_the_end_of_the_band)
{
        struct uid_range held = UID_RANGE_INIT, r = UID_RANGE_INIT;
        char name[32];
        uid_t h = 0;

        /* Find a name that hashes to the last slot; failing that, skip. */
        for (unsigned i = 0; i < 2000000; i++) {
                snprintf(name, sizeof(name), "w%u", i);
                if (uid_range_hash_base(name) == UID_PICK_MAX) {
                        h = UID_PICK_MAX;
                        break;
                }
        }
        if (h == 0)
                skip_test("no name hashing to the last slot found");

        require_pickable(UID_PICK_MAX);
        require_pickable(UID_PICK_MIN);
        cr_assert_eq(uid_range_claim(UID_PICK_MAX, UID_RANGE_SIZE, "other", &held), 0);
        cr_assert_eq(uid_range_pick(name, 0, &r), 0);
        cr_assert_eq(r.base, UID_PICK_MIN, "picked %u after the last slot", (unsigned) r.base);
        uid_range_release(&r);
        uid_range_release(&held);
}

/* The holder of a claim stops and a new file appears at the same name,
 * locked by a live holder. Claims are serialised by the directory's lock,
 * which the scanning launcher holds here (in this same process, where
 * uid_range_claim() would wait for itself), so the new holder is played by
 * hand: what matters is that the scan never unlinks a file it did not lock. */
static void restart_on_same_range(struct uid_range *v)
{
        uid_t base = v->base;
        char path[4200];
        int fd;

        uid_range_release(v);
        snprintf(path, sizeof(path), "%s/uids/%u", getenv("BERTH_RUNTIME_DIR"), (unsigned) base);
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        cr_assert_geq(fd, 0);
        cr_assert_eq(syscall(SYS_flock, fd, LOCK_EX | LOCK_NB), 0);
        cr_assert_eq(write(fd, "restarted 65536\n", 16), 16);
        *v = (struct uid_range) { .base = base, .size = UID_RANGE_SIZE, .lock_fd = fd };
}

Test(pick, sweep_races_release_and_reclaim)
{
        struct uid_range held = UID_RANGE_INIT, r = UID_RANGE_INIT, intruder = UID_RANGE_INIT;
        uid_t h = uid_range_hash_base("web");
        uid_t x = next_slot(next_slot(h));
        char text[256];

        require_pickable(h);
        require_pickable(x);
        cr_assert_eq(uid_range_claim(x, UID_RANGE_SIZE, "running", &held), 0);

        /* Launcher B picks; its sweep opens x's file while "running" holds
         * it. Before B's flock() of that file, "running" stops and
         * "restarted" claims x again, on a new file. B's flock() then takes
         * the old, unlinked inode, and B must not unlink the new file. */
        race_between = restart_on_same_range;
        race_victim = &held;
        cr_assert_eq(uid_range_pick("web", 0, &r), 0);
        cr_assert_null(race_victim, "the sweep never flock()ed the live claim's file");
        cr_assert_eq(r.base, h);
        cr_assert_geq(held.lock_fd, 0);

        cr_expect(claim_exists(x), "the sweep unlinked the claim file of a live holder");
        /* Then x must still be held: another launcher may not get it. */
        cr_assert_eq(uid_range_claim(x, UID_RANGE_SIZE, "intruder", &intruder), -EBUSY,
                     "range %u claimed twice: \"restarted\" holds it and \"intruder\" got it too",
                     (unsigned) x);
        read_claim(x, text, sizeof(text));
        cr_assert_str_eq(text, "restarted 65536\n");

        uid_range_release(&intruder);
        uid_range_release(&r);
        uid_range_release(&held);
}

/* berth-oci's claim, handed to the container's process: it holds with no
 * lock while that process runs, is stale once it is gone, and is dropped
 * only by the container it names. */
Test(claim, handed_to_a_process)
{
        struct uid_range a = UID_RANGE_INIT, b = UID_RANGE_INIT;
        uid_t base = UID_PICK_MIN + 7 * UID_RANGE_SIZE;
        pid_t child = fork();

        cr_assert_geq(child, 0);
        if (child == 0) {
                pause();
                _exit(0);
        }
        cr_assert_eq(uid_range_claim(base, UID_RANGE_SIZE, "oci1", &a), 0);
        cr_assert_eq(uid_range_hand_to(&a, child, "oci1"), 0);
        cr_expect_lt(a.lock_fd, 0);
        cr_expect_eq(uid_range_claim(base, UID_RANGE_SIZE, "other", &b), -EBUSY);
        cr_expect_eq(uid_range_drop(base, "other"), 0);
        cr_expect(claim_exists(base), "dropped by a name it does not hold");
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        cr_expect_eq(uid_range_claim(base, UID_RANGE_SIZE, "other", &b), 0, "stale once its process is gone");
        uid_range_release(&b);
        cr_assert_eq(uid_range_claim(base, UID_RANGE_SIZE, "oci2", &a), 0);
        cr_assert_eq(uid_range_hand_to(&a, getpid(), "oci2"), 0);
        cr_expect_eq(uid_range_drop(base, "oci2"), 0);
        cr_expect(!claim_exists(base));
}
