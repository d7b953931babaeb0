/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A machine's own keyring and privileges: no key of the launcher's session
 * (nor, in a user namespace, of the host root's user keyring) reachable
 * from inside, while the machine makes and reads its own keys (with
 * keyring-probe bound in); --no-new-privileges; --capability and
 * --drop-capability in CapBnd and CapEff; bad capability names refused in
 * one line with nothing left behind. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <inttypes.h>
#include <linux/keyctl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bus.h"
#include "helpers.h"

static void setup(void)
{
        char dir[600];

        it_setup();
        /* No administrator's file of the host counts. */
        snprintf(dir, sizeof(dir), "%s/etc", it.dir);
        cr_assert_eq(mkdir(dir, 0755), 0);
        setenv("BERTH_CONFIG_DIR", dir, 1);
}

TestSuite(privileges, .init = setup, .fini = it_teardown);

#define MAX_ARGS 32
#define PROBE "/run/keyring-probe"

static const char *probe(void)
{
        const char *p = getenv("BERTH_KEYRING_PROBE");

        cr_assert_not_null(p, "BERTH_KEYRING_PROBE is not set (run through meson test)");
        return p;
}

/* berth -D BUSYBOX -x --name NAME --bind-ro=PROBE [OPTIONS...] -- /bin/sh -c SCRIPT:
 * it must succeed and leave nothing behind; its stdout. */
static char *run_in(const char *name, const char *script, ...) __attribute__((sentinel));
static char *run_in(const char *name, const char *script, ...)
{
        char *argv[MAX_ARGS], bind[4200];
        size_t n = 0;
        struct it_result r;
        va_list ap;

        snprintf(bind, sizeof(bind), "--bind-ro=%s:" PROBE, probe());
        argv[n++] = (char *) it_berth();
        argv[n++] = "-D";
        argv[n++] = (char *) it_busybox_tree();
        argv[n++] = "-x";
        argv[n++] = "--name";
        argv[n++] = (char *) name;
        argv[n++] = bind;
        va_start(ap, script);
        for (const char *a = va_arg(ap, const char *); a && n < MAX_ARGS - 5; a = va_arg(ap, const char *))
                argv[n++] = (char *) a;
        va_end(ap);
        argv[n++] = "--";
        argv[n++] = "/bin/sh";
        argv[n++] = "-c";
        argv[n++] = (char *) script;
        argv[n] = NULL;
        r = it_run(60, argv);
        cr_assert_eq(r.status, 0, "script '%s': status %d\nstdout: %s\nstderr: %s", script, r.status, r.out, r.err);
        char *left = it_leftovers(name, it_busybox_tree());
        cr_assert_null(left, "%s", left);
        free(r.err);
        return r.out;
}

/* Keys */

static long keyctl(int op, unsigned long a, unsigned long b, unsigned long c, unsigned long d)
{
        return syscall(SYS_keyctl, op, a, b, c, d);
}

static long add_key(const char *desc, const char *data, int ring)
{
        long k = syscall(SYS_add_key, "user", desc, data, strlen(data), ring);

        cr_assert_geq(k, 0, "add_key %s: %s", desc, strerror(errno));
        /* Gone by itself should the test never get to remove it. */
        (void) keyctl(KEYCTL_SET_TIMEOUT, (unsigned long) k, 300, 0, 0);
        return k;
}

static long host_user_key = -1;

/* Unlinked, not invalidated: invalidating needs search permission, which
 * the key gives its possessor only, and from the test's own session the
 * user keyring is not possessed. Unlinked, nothing holds it any more. */
static void remove_host_user_key(void)
{
        if (host_user_key >= 0 &&
            keyctl(KEYCTL_UNLINK, (unsigned long) host_user_key, (unsigned long) KEY_SPEC_USER_KEYRING, 0, 0) < 0)
                fprintf(stderr, "unlinking the test's key %ld from root's user keyring: %m\n", host_user_key);
        host_user_key = -1;
}

/* This test's own session keyring (and so berth's) with a key in it, and
 * a key in the host root's user keyring (removed at teardown). */
static void host_keys(long *ret_session_key, long *ret_user_key)
{
        cr_assert_geq(keyctl(KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0), 0, "joining a session keyring: %s",
                      strerror(errno));
        *ret_session_key = add_key("berth-test-launcher-key", "launcher-secret", KEY_SPEC_SESSION_KEYRING);
        it_on_teardown(remove_host_user_key);
        host_user_key = add_key("berth-test-host-user-key", "host-user-secret", KEY_SPEC_USER_KEYRING);
        *ret_user_key = host_user_key;
        /* Berth's own session has them: what inside must not reach. */
        cr_assert_geq(keyctl(KEYCTL_SEARCH, (unsigned long) KEY_SPEC_SESSION_KEYRING, (unsigned long) "user",
                             (unsigned long) "berth-test-launcher-key", 0), 0);
}

/* Each key searched for from inside, read by its serial number, and
 * taken from the user keyring. */
static char *search_and_read(long session_key, long user_key)
{
        char *script = NULL;

        cr_assert(asprintf(&script,
                           PROBE " search berth-test-launcher-key; " PROBE " search berth-test-host-user-key; "
                           PROBE " read %ld; " PROBE " read %ld; " PROBE " take berth-test-host-user-key; true",
                           session_key, user_key) > 0);
        return script;
}

#define NOT_FOUND "s: ENOKEY\nu: ENOKEY\nus: ENOKEY\nrequest: ENOKEY\n"

Test(privileges, no_key_of_the_host_is_reachable_from_a_default_machine)
{
        long session_key, user_key;
        char *script, *out, *reads;

        host_keys(&session_key, &user_key);
        script = search_and_read(session_key, user_key);
        out = run_in("pv-keys", script, NULL);
        cr_expect(strncmp(out, NOT_FOUND NOT_FOUND, 2 * strlen(NOT_FOUND)) == 0, "inside: %s", out);
        /* By serial number: EACCES or ENOKEY, never the payload. */
        reads = out + (strlen(out) >= 2 * strlen(NOT_FOUND) ? 2 * strlen(NOT_FOUND) : 0);
        cr_expect(strncmp(reads, "read: E", 7) == 0 && strstr(reads, "\nread: E") &&
                          strstr(reads, "\ntake: ENOKEY\n"), "inside: %s", out);
        cr_expect(!strstr(out, "secret"), "a host key's payload inside: %s", out);
        free(out);
        free(script);
}

/* PID 1's session keyring is a new one, the machine's root's; its keys are
 * its own to add, read and request, also from a process it starts. */
Test(privileges, the_machine_makes_and_reads_its_own_keys)
{
        char *out = run_in("pv-own", PROBE " session; " PROBE " add mine inside-secret; "
                                     "sh -c '" PROBE " search mine' | grep '^s:'", NULL);

        cr_expect(strncmp(out, "session: keyring;0;0;", 21) == 0, "inside: %s", out);
        cr_expect(strstr(out, ";_ses\n"), "not an anonymous session keyring: %s", out);
        cr_expect(strstr(out, "\ninside-secret\nrequest: found "), "inside: %s", out);
        cr_expect(strstr(out, "\ns: found "), "a child does not find the key: %s", out);
        free(out);
}

/* Without a user namespace the machine still has a session of its own,
 * but its root is the host's root, whose user keyring is the same kernel
 * object: documented in berth(1), and shown here so that the page stays
 * true. */
Test(privileges, without_a_user_namespace_only_the_session_is_the_machines)
{
        long session_key, user_key;
        char *script, *out, want[200];

        host_keys(&session_key, &user_key);
        script = search_and_read(session_key, user_key);
        out = run_in("pv-keys-nouserns", script, "--private-users=no", NULL);
        cr_expect(strncmp(out, NOT_FOUND, strlen(NOT_FOUND)) == 0, "the launcher's key is found: %s", out);
        cr_expect(!strstr(out, "launcher-secret"), "the launcher's key is read: %s", out);
        snprintf(want, sizeof(want), "\nu: found %ld\n", user_key);
        cr_expect(strstr(out, want), "the host root's user keyring is not the machine's: %s", out);
        cr_expect(strstr(out, "\nhost-user-secret\n"), "the host root's user key cannot be taken: %s", out);
        free(out);
        free(script);
}

/* Capabilities and no_new_privs */

static uint64_t status_mask(const char *out, const char *key, int nth)
{
        const char *p = out;

        for (int i = 0; i <= nth; i++) {
                p = strstr(p, key);
                cr_assert_not_null(p, "no %s in: %s", key, out);
                p += strlen(key);
        }
        return strtoull(p, NULL, 16);
}

#define CAP(c) (UINT64_C(1) << (c))
#define STATUS "grep -E '^(Cap(Bnd|Eff)|NoNewPrivs):' /proc/self/status /proc/1/status"

Test(privileges, no_new_privileges_holds_for_pid1_and_what_it_starts)
{
        char *out = run_in("pv-nnp", STATUS, "--no-new-privileges", NULL);

        cr_expect(strstr(out, "/proc/self/status:NoNewPrivs:\t1\n"), "%s", out);
        cr_expect(strstr(out, "/proc/1/status:NoNewPrivs:\t1\n"), "%s", out);
        free(out);
        out = run_in("pv-nnp", STATUS, "--no-new-privileges=no", NULL);
        cr_expect(strstr(out, "/proc/self/status:NoNewPrivs:\t0\n"), "%s", out);
        free(out);
        out = run_in("pv-nnp", STATUS, NULL);
        cr_expect(strstr(out, "/proc/1/status:NoNewPrivs:\t0\n"), "the default: %s", out);
        free(out);
}

Test(privileges, capability_adds_and_drop_capability_takes_away)
{
        char *out = run_in("pv-caps", STATUS, "--capability=CAP_SYS_TIME,sys_rawio", "--capability=Ipc_Lock",
                           "--drop-capability=CAP_NET_RAW", "--drop-capability=mknod", NULL);
        const uint64_t added = CAP(25) | CAP(17) | CAP(14), dropped = CAP(13) | CAP(27);

        for (int nth = 0; nth < 2; nth++) {     /* the shell, then PID 1 */
                uint64_t bnd = status_mask(out, "CapBnd:\t", nth), eff = status_mask(out, "CapEff:\t", nth);
                cr_expect_eq(bnd & added, added, "CapBnd %" PRIx64 " lacks what --capability added", bnd);
                cr_expect_eq(eff & added, added, "CapEff %" PRIx64 " lacks what --capability added", eff);
                cr_expect_eq(bnd & dropped, 0, "CapBnd %" PRIx64 " has what --drop-capability dropped", bnd);
                cr_expect_eq(eff & dropped, 0, "CapEff %" PRIx64 " has what --drop-capability dropped", eff);
                cr_expect_neq(bnd & CAP(21), 0, "CapBnd %" PRIx64 " lost CAP_SYS_ADMIN", bnd);
                cr_expect_eq(bnd & CAP(16), 0, "CapBnd %" PRIx64 " has CAP_SYS_MODULE", bnd);
        }
        free(out);
}

Test(privileges, all_keeps_every_capability_and_drop_all_none)
{
        char *text = it_read_file("/proc/sys/kernel/cap_last_cap");
        unsigned last = (unsigned) strtoul(text, NULL, 10);
        uint64_t every = last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
        char *out;

        /* A new user namespace's bounding set is full, whatever berth's. */
        out = run_in("pv-all", STATUS, "--capability=all", NULL);
        cr_expect_eq(status_mask(out, "CapBnd:\t", 0), every, "%s", out);
        cr_expect_eq(status_mask(out, "CapEff:\t", 1), every, "%s", out);
        free(out);
        /* Drop wins over add, as in nspawn. */
        out = run_in("pv-all", STATUS, "--drop-capability=all", "--capability=CAP_SYS_ADMIN", NULL);
        cr_expect_eq(status_mask(out, "CapBnd:\t", 0), 0, "%s", out);
        cr_expect_eq(status_mask(out, "CapEff:\t", 0), 0, "%s", out);
        cr_expect_eq(status_mask(out, "CapBnd:\t", 1), 0, "PID 1: %s", out);
        free(out);
        free(text);
}

/* systemd as PID 1 boots with no_new_privs and a capability less, and
 * its services have both. */
Test(privileges, systemd_boots_with_no_new_privileges_and_a_capability_less)
{
        const char *name = "pv-deb";
        pid_t pid = it_berth_spawn("pv-deb", "-D", it_debian_tree(), "--boot", "-x", "--name", name,
                                   "--no-new-privileges", "--drop-capability=CAP_NET_RAW", NULL);
        char *out, *left;

        if (!it_wait_state(name, "running", 60)) {
                kill(pid, SIGKILL);
                it_wait(pid, 10);
                cr_assert_fail("%s did not start: %s", name, it_spawn_log("pv-deb", "err"));
        }
        it_assert_inside_eq(name, "timeout 60 systemctl is-system-running --wait", "running\n");
        it_assert_inside_eq(name, "grep ^NoNewPrivs: /proc/1/status", "NoNewPrivs:\t1\n");
        out = it_inside(name, "systemd-run --wait --pipe --quiet grep -E '^(CapBnd|NoNewPrivs):' /proc/self/status");
        cr_expect(strstr(out, "NoNewPrivs:\t1\n"), "a service: %s", out);
        cr_expect_eq(status_mask(out, "CapBnd:\t", 0) & CAP(13), 0, "a service has CAP_NET_RAW: %s", out);
        free(out);
        cr_assert_eq(kill(pid, SIGTERM), 0);
        cr_expect_eq(it_wait(pid, 60), 0, "%s", it_spawn_log("pv-deb", "err"));
        left = it_leftovers(name, it_debian_tree());
        cr_expect_null(left, "%s", left);
}

/* What berthd lets into a running machine (berthctl shell) has what its
 * PID 1 has: a session keyring of its own, not berthd's; its bounding
 * set; its no_new_privs. */
Test(privileges, a_session_from_berthd_has_what_pid1_has)
{
        long session_key, user_key;
        char bind[4200];
        struct it_result r;
        pid_t pid;

        host_keys(&session_key, &user_key);     /* berthd's session, too */
        it_bus_start();
        it_berthd_start();
        snprintf(bind, sizeof(bind), "--bind-ro=%s:" PROBE, probe());
        pid = it_berth_spawn("pv-sess", "-D", it_busybox_tree(), "-x", "--name", "pv-sess", bind,
                             "--no-new-privileges", "--drop-capability=CAP_NET_RAW", "--", "sleep", "1000", NULL);
        cr_assert(it_wait_state("pv-sess", "running", 60), "%s", it_spawn_log("pv-sess", "err"));
        cr_assert(it_wait_listed("pv-sess", true, 30), "pv-sess is not listed");
        r = it_ctl(60, "shell", "pv-sess", "/bin/sh", "-c",
                   "grep -E '^(CapBnd|NoNewPrivs):' /proc/self/status /proc/1/status; "
                   PROBE " search berth-test-launcher-key; " PROBE " session",
                   NULL);
        cr_assert_eq(r.status, 0, "shell: %d %s", r.status, r.err);
        cr_expect_eq(status_mask(r.out, "CapBnd:\t", 0), status_mask(r.out, "CapBnd:\t", 1),
                     "the session's bounding set is not PID 1's: %s", r.out);
        cr_expect_eq(status_mask(r.out, "CapBnd:\t", 0) & CAP(13), 0, "%s", r.out);
        cr_expect(strstr(r.out, "/proc/self/status:NoNewPrivs:\t1\n"), "%s", r.out);
        cr_expect(strstr(r.out, NOT_FOUND "session: keyring;0;0;"), "berthd's key is reachable: %s", r.out);
        it_result_free(&r);
        cr_assert_eq(kill(pid, SIGTERM), 0);
        cr_expect_eq(it_wait(pid, 30), 143, "%s", it_spawn_log("pv-sess", "err"));
}

/* The settings file's keys, from /etc/berth (trusted for every key). */
Test(privileges, settings_file_keys_count)
{
        char path[700];
        FILE *f;

        snprintf(path, sizeof(path), "%s/etc/pv-file.berth", it.dir);
        f = fopen(path, "w");
        cr_assert_not_null(f);
        fputs("[Exec]\nNoNewPrivileges=yes\nCapability=CAP_SYS_TIME CAP_IPC_LOCK\nDropCapability=CAP_NET_RAW\n", f);
        fclose(f);
        char *out = run_in("pv-file", STATUS, NULL);
        uint64_t bnd = status_mask(out, "CapBnd:\t", 1);
        cr_expect_eq(bnd & (CAP(25) | CAP(14) | CAP(13)), CAP(25) | CAP(14), "CapBnd %" PRIx64, bnd);
        cr_expect(strstr(out, "/proc/1/status:NoNewPrivs:\t1\n"), "%s", out);
        free(out);
}

/* Refusals: one line naming the value, exit 1, nothing left. */

static void assert_refused(const char *name, const char *needle, const char *opt)
{
        struct it_result r = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--name", name, opt, "--", "true",
                                          NULL);
        char *left;

        cr_expect_eq(r.status, 1, "status %d, stderr: %s", r.status, r.err);
        cr_expect(strchr(r.err, '\n') && strchr(r.err, '\n')[1] == 0, "stderr is not one line: %s", r.err);
        cr_expect(strstr(r.err, needle), "stderr does not say '%s': %s", needle, r.err);
        cr_expect_str_eq(r.out, "");
        left = it_leftovers(name, it_busybox_tree());
        cr_expect_null(left, "%s", left);
        it_result_free(&r);
}

Test(privileges, an_unknown_capability_is_one_line_and_leaves_nothing)
{
        char path[700];
        FILE *f;

        assert_refused("pv-bad", "berth: --capability=CAP_NET_ADMIN,CAP_FROB: unknown capability 'CAP_FROB'",
                       "--capability=CAP_NET_ADMIN,CAP_FROB");
        assert_refused("pv-bad", "berth: --drop-capability=frob: unknown capability 'frob'",
                       "--drop-capability=frob");
        assert_refused("pv-bad", "berth: --no-new-privileges=maybe: expected yes or no",
                       "--no-new-privileges=maybe");
        snprintf(path, sizeof(path), "%s/etc/pv-bad.berth", it.dir);
        f = fopen(path, "w");
        cr_assert_not_null(f);
        fputs("[Exec]\nDropCapability=CAP_CHOWN cap_nope\n", f);
        fclose(f);
        assert_refused("pv-bad", "pv-bad.berth:2: DropCapability=CAP_CHOWN cap_nope: unknown capability 'cap_nope'",
                       "--quiet");
}
