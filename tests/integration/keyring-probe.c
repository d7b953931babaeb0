/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Run inside a machine by test-privileges (the busybox tree has no
 * keyctl): what of the kernel's keyrings the machine reaches. Static, so
 * that it runs in any tree. Each verb prints one line per answer:
 *
 *   keyring-probe search DESC    "SPEC: found SERIAL" or "SPEC: ERRNO" for
 *                                a "user" key DESC searched from @s, @u and
 *                                @us, then request_key's answer as "request:"
 *   keyring-probe read SERIAL    the key's payload, or "read: ERRNO"
 *   keyring-probe take DESC      searches @u for it, linking what it finds
 *                                into @s (and so possessing it), and reads
 *                                it: the payload, or "take: ERRNO"
 *   keyring-probe add DESC DATA  adds a "user" key to @s, then reads it back
 *                                by its serial and by request_key
 *   keyring-probe session        "session: DESCRIPTION" of @s
 *                                (type;uid;gid;perm;name)
 */
#include <errno.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long keyctl(int op, unsigned long a, unsigned long b, unsigned long c, unsigned long d)
{
        return syscall(SYS_keyctl, op, a, b, c, d);
}

static const char *err(void)
{
        const char *n = strerrorname_np(errno);

        return n ? n : "EUNKNOWN";
}

static void search_in(const char *name, int spec, const char *desc)
{
        long k = keyctl(KEYCTL_SEARCH, (unsigned long) spec, (unsigned long) "user", (unsigned long) desc, 0);

        if (k < 0)
                printf("%s: %s\n", name, err());
        else
                printf("%s: found %ld\n", name, k);
}

static int request(const char *desc)
{
        long k = syscall(SYS_request_key, "user", desc, NULL, 0);

        if (k < 0)
                printf("request: %s\n", err());
        else
                printf("request: found %ld\n", k);
        return k < 0 ? -1 : 0;
}

static int read_key(long serial)
{
        char buf[256];
        long n = keyctl(KEYCTL_READ, (unsigned long) serial, (unsigned long) buf, sizeof(buf) - 1, 0);

        if (n < 0) {
                printf("read: %s\n", err());
                return 1;
        }
        buf[n < (long) sizeof(buf) - 1 ? n : (long) sizeof(buf) - 1] = 0;
        printf("%s\n", buf);
        return 0;
}

int main(int argc, char **argv)
{
        if (argc == 3 && strcmp(argv[1], "search") == 0) {
                search_in("s", KEY_SPEC_SESSION_KEYRING, argv[2]);
                search_in("u", KEY_SPEC_USER_KEYRING, argv[2]);
                search_in("us", KEY_SPEC_USER_SESSION_KEYRING, argv[2]);
                request(argv[2]);
                return 0;
        }
        if (argc == 3 && strcmp(argv[1], "read") == 0)
                return read_key(strtol(argv[2], NULL, 10));
        if (argc == 3 && strcmp(argv[1], "take") == 0) {
                long k = keyctl(KEYCTL_SEARCH, (unsigned long) KEY_SPEC_USER_KEYRING, (unsigned long) "user",
                                (unsigned long) argv[2], (unsigned long) KEY_SPEC_SESSION_KEYRING);
                if (k < 0) {
                        printf("take: %s\n", err());
                        return 1;
                }
                return read_key(k);
        }
        if (argc == 4 && strcmp(argv[1], "add") == 0) {
                long k = syscall(SYS_add_key, "user", argv[2], argv[3], strlen(argv[3]), KEY_SPEC_SESSION_KEYRING);
                if (k < 0) {
                        printf("add: %s\n", err());
                        return 1;
                }
                return read_key(k) || request(argv[2]) < 0;
        }
        if (argc == 2 && strcmp(argv[1], "session") == 0) {
                char buf[256];
                long n = keyctl(KEYCTL_DESCRIBE, (unsigned long) KEY_SPEC_SESSION_KEYRING, (unsigned long) buf,
                                sizeof(buf), 0);
                if (n < 0) {
                        printf("session: %s\n", err());
                        return 1;
                }
                printf("session: %s\n", buf);
                return 0;
        }
        fprintf(stderr, "usage: keyring-probe search DESC | read SERIAL | take DESC | add DESC DATA | session\n");
        return 2;
}
