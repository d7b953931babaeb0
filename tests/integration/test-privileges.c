/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A machine's own keyring: no key of the launcher's session (nor, in a
 * user namespace, of the host root's user keyring) reachable from inside,
 * while the machine makes and reads its own keys (with keyring-probe
 * bound in). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/keyctl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

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

static void remove_host_user_key(void)
{
        if (host_user_key >= 0)
                (void) keyctl(KEYCTL_INVALIDATE, (unsigned long) host_user_key, 0, 0, 0);
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
