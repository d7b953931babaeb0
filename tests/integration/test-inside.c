/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A command in a fresh machine, and what is true inside it: PID 1 and 2,
 * the PID, UTS and network namespaces, the container interface in /run/host
 * and PID 1's environment, /dev, the read-only and masked parts of /proc and
 * /sys, the cgroup, the capability bounding set, the machine-id, --setenv,
 * --bind, --bind-ro, --tmpfs and the exit status. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(inside, .init = it_setup, .fini = it_teardown);

#define NAME "probe-m"
#define UUID_HEX "0123456789abcdef0123456789abcdef"
#define UUID_STR "01234567-89ab-cdef-0123-456789abcdef"

#define MAX_ARGS 64

/* berth -D BUSYBOX --ephemeral --name inside [OPTIONS...] -- /bin/sh -c SCRIPT */
static struct it_result machine_sh_v(const char *tree, const char *script, va_list ap)
{
        char *argv[MAX_ARGS];
        size_t n = 0;

        argv[n++] = (char *) it_berth();
        argv[n++] = "-D";
        argv[n++] = (char *) tree;
        argv[n++] = "--ephemeral";
        argv[n++] = "--name";
        argv[n++] = NAME;
        for (const char *a = va_arg(ap, const char *); a && n < MAX_ARGS - 6; a = va_arg(ap, const char *))
                argv[n++] = (char *) a;
        argv[n++] = "--";
        argv[n++] = "/bin/sh";
        argv[n++] = "-c";
        argv[n++] = (char *) script;
        argv[n] = NULL;
        return it_run(30, argv);
}

static void assert_no_leftovers(const char *tree)
{
        char *left = it_leftovers(NAME, tree);

        cr_assert_null(left, "%s", left);
}

/* Run SCRIPT in a fresh busybox machine with the extra OPTIONS, expect it to
 * succeed and to leave nothing behind; returns its stdout. */
static char *inside_tree(const char *tree, const char *script, ...) __attribute__((sentinel));
static char *inside_tree(const char *tree, const char *script, ...)
{
        struct it_result r;
        va_list ap;
        char *out;

        va_start(ap, script);
        r = machine_sh_v(tree, script, ap);
        va_end(ap);
        cr_assert_eq(r.status, 0, "script '%s': status %d\nstdout: %s\nstderr: %s", script, r.status, r.out,
                     r.err);
        assert_no_leftovers(tree);
        out = r.out;
        free(r.err);
        return out;
}

#define inside(script, ...) inside_tree(it_busybox_tree(), (script), ##__VA_ARGS__, NULL)

/* Busybox sh as an unprivileged user inside (the tree only knows root). */
#define AS_NOBODY "echo nobody:x:65534:65534:nobody:/:/bin/sh >> /etc/passwd; su -s /bin/sh nobody -c "

static bool has_line(const char *text, const char *line)
{
        size_t l = strlen(line);

        for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                if (strncmp(p, line, l) == 0 && (p[l] == '\n' || p[l] == 0))
                        return true;
        return false;
}

/* The value after "key" on the line that starts with it. */
static char *line_value(const char *text, const char *key)
{
        const char *p = strstr(text, key);

        if (!p)
                return NULL;
        p += strlen(key);
        return strndup(p, strcspn(p, "\n"));
}

static void write_file(const char *path, const char *content)
{
        FILE *f = fopen(path, "we");

        cr_assert_not_null(f, "creating %s", path);
        fputs(content, f);
        cr_assert_eq(fclose(f), 0);
}

/* PID 1 and 2 */

Test(inside, command_is_pid2_and_pid1_is_the_stub)
{
        char *out = inside("echo $$; cat /proc/1/comm; cat /proc/2/comm; tr '\\0' ' ' < /proc/1/cmdline; echo; "
                           "grep PPid /proc/1/status");
        char pid[16], comm1[64], comm2[64];

        cr_assert_eq(sscanf(out, "%15s %63s %63s", pid, comm1, comm2), 3, "output: %s", out);
        cr_assert_str_eq(pid, "2", "the command is PID %s, output: %s", pid, out);
        cr_assert_str_eq(comm1, "berth-stub", "PID 1 is '%s', not the stub; output: %s", comm1, out);
        cr_assert_str_eq(comm2, "sh", "PID 2 is '%s', not the command; output: %s", comm2, out);
        /* The stub is a child of nothing inside: a PID namespace's init. */
        cr_assert(has_line(out, "PPid:\t0"), "output: %s", out);
        free(out);
}

Test(inside, proc_shows_only_the_machines_processes)
{
        /* On the host /proc has hundreds of PIDs; inside: the stub, the
         * shell, and what the shell runs right now. */
        char *out = inside("ls /proc | grep -E '^[0-9]+$' > /tmp/pids; cat /tmp/pids; echo ps; ps -o pid,comm");
        char *ps = strstr(out, "ps\n");
        size_t n_pids;

        cr_assert_not_null(ps, "output: %s", out);
        *ps = 0;
        n_pids = it_count_lines(out);
        cr_assert(has_line(out, "1") && has_line(out, "2"), "PIDs in /proc: %s", out);
        cr_assert_leq(n_pids, 5, "/proc shows %zu processes: %s", n_pids, out);
        /* ps: a header, the stub, sh, ps (and the grep-free shell may fork). */
        cr_assert_leq(it_count_lines(ps + 3), 5, "ps shows: %s", ps + 3);
        cr_assert_not_null(strstr(ps + 3, "    1 berth"), "ps shows: %s", ps + 3);
        free(out);
}

/* UTS */

Test(inside, hostname_is_the_machine_name)
{
        char *out = inside("hostname; cat /proc/sys/kernel/hostname; uname -n");

        cr_assert_str_eq(out, NAME "\n" NAME "\n" NAME "\n");
        free(out);
}

Test(inside, hostname_option_overrides_the_name)
{
        char before[256] = "", after[256] = "";
        char *out;

        cr_assert_eq(gethostname(before, sizeof(before)), 0);
        out = inside("hostname; cat /proc/sys/kernel/hostname", "--hostname=web-1.example");
        cr_assert_str_eq(out, "web-1.example\nweb-1.example\n");
        cr_assert_eq(gethostname(after, sizeof(after)), 0);
        cr_assert_str_eq(after, before, "the host's hostname changed");
        free(out);
}

/* Network */

Test(inside, only_lo_and_it_is_up)
{
        char *out = inside("ls /sys/class/net; cat /sys/class/net/lo/flags");
        unsigned flags = 0;

        cr_assert_eq(strncmp(out, "lo\n", 3), 0, "interfaces: %s", out);
        cr_assert_eq(sscanf(out + 3, "%x", &flags), 1, "output: %s", out);
        cr_assert(flags & 0x1, "lo is not IFF_UP: flags %#x", flags);
        cr_assert_eq(it_count_lines(out), 2, "more than lo: %s", out);
        free(out);
}

Test(inside, loopback_reaches_127_0_0_1)
{
        char *out = inside("ping -c1 -W3 127.0.0.1 >/dev/null && echo ping-ok; "
                           "nc -l -p 4242 > /tmp/got & "
                           /* Until the listener is up (under load it may take a while): a
                            * client before it would be refused, and one retried could be
                            * the listener's second. */
                           "for i in $(seq 200); do grep -q ':10A2 00000000:0000 0A' /proc/net/tcp && break; "
                           "sleep 0.05; done; echo over-tcp | nc -w 3 127.0.0.1 4242; wait; cat /tmp/got");

        cr_assert_str_eq(out, "ping-ok\nover-tcp\n");
        free(out);
}

/* The container interface */

Test(inside, pid1_environment_names_the_container)
{
        char *out = inside("tr '\\0' '\\n' < /proc/1/environ", "--uuid=" UUID_HEX);

        cr_expect(has_line(out, "container=berth"), "PID 1's environment lacks container=berth");
        cr_expect(has_line(out, "container_uuid=" UUID_STR), "PID 1's environment lacks container_uuid=" UUID_STR);
        cr_expect(has_line(out, "NOTIFY_SOCKET=/run/host/notify"),
                  "PID 1's environment lacks NOTIFY_SOCKET=/run/host/notify");
        /* Nothing of the launcher's own environment reaches the machine. */
        cr_expect_null(strstr(out, "BERTH_STATE_DIR="), "PID 1's environment is the host's:\n%s", out);
        free(out);
}

Test(inside, command_environment_names_the_container)
{
        char *out = inside("env", "--uuid=" UUID_HEX);

        cr_assert(has_line(out, "container=berth"), "environment:\n%s", out);
        cr_assert(has_line(out, "container_uuid=" UUID_STR), "environment:\n%s", out);
        cr_assert(has_line(out, "NOTIFY_SOCKET=/run/host/notify"), "environment:\n%s", out);
        cr_assert_null(strstr(out, "BERTH_STATE_DIR="), "the host's environment leaks in:\n%s", out);
        free(out);
}

Test(inside, run_host_has_the_marker_and_the_notify_socket)
{
        char *out = inside("cat /run/host/container-manager; cat /run/host/container-uuid; "
                           "test -S /run/host/notify && echo socket",
                           "--uuid=" UUID_HEX);

        cr_assert_str_eq(out, "berth\n" UUID_STR "\nsocket\n");
        free(out);
}

/* /dev */

/* The basic nodes, and what a user namespace brings where the host has
 * it: fuse, net/tun (test-devices.c looks at them). */
static const char *dev_entries(void)
{
        static char entries[256];
        struct stat st;
        bool fuse = stat("/dev/fuse", &st) == 0 && S_ISCHR(st.st_mode);
        bool tun = stat("/dev/net/tun", &st) == 0 && S_ISCHR(st.st_mode);

        snprintf(entries, sizeof(entries), "fd\nfull\n%s%snull\nptmx\npts\nrandom\nshm\nstderr\nstdin\nstdout\ntty\n"
                 "urandom\nzero\n", fuse ? "fuse\n" : "", tun ? "net\n" : "");
        return entries;
}

Test(inside, dev_holds_only_the_basic_nodes)
{
        char *out = inside("ls -A /dev | sort");

        cr_assert_str_eq(out, dev_entries());
        free(out);
}

Test(inside, dev_nodes_work)
{
        char *out = inside("echo x > /dev/null && echo null-ok; wc -c < /dev/null; "
                           "head -c 5 /dev/zero | tr '\\0' 0; echo; "
                           "head -c 16 /dev/urandom | wc -c; "
                           "echo x > /dev/full || echo full-refuses; "
                           "stat -c '%t:%T' /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; "
                           "readlink /dev/ptmx; readlink /dev/fd; "
                           "awk '$5 == \"/dev/pts\" || $5 == \"/dev/shm\"' /proc/self/mountinfo | "
                           "sed 's/.* - //; s/ .*//'");

        cr_assert_str_eq(out, "null-ok\n0\n00000\n16\nfull-refuses\n"
                              "1:3\n1:5\n1:7\n1:8\n1:9\n5:0\n"
                              "pts/ptmx\n/proc/self/fd\n"
                              "devpts\ntmpfs\n");
        free(out);
}

Test(inside, dev_null_and_friends_are_usable_by_any_user)
{
        /* Services run as other users: they write to /dev/null too. */
        char *out = inside(AS_NOBODY "'echo x > /dev/null && echo null-ok; head -c 3 /dev/zero | wc -c; "
                           "head -c 3 /dev/urandom | wc -c'; "
                           "stat -c '%n %a' /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty");

        cr_assert_str_eq(out, "null-ok\n3\n3\n"
                              "/dev/null 666\n/dev/zero 666\n/dev/full 666\n/dev/random 666\n"
                              "/dev/urandom 666\n/dev/tty 666\n");
        free(out);
}

Test(inside, dev_console_only_with_a_pty)
{
        char *out = inside("ls -A /dev | sort; tty", "--console=read-only");
        char *expected = NULL;

        /* The PTY turns "\n" into "\r\n". */
        for (char *p = out, *q = out;; p++) {
                if (*p != '\r')
                        *q++ = *p;
                if (!*p)
                        break;
        }
        cr_assert(asprintf(&expected, "console\n%s/dev/pts/0\n", dev_entries()) > 0);
        cr_assert_str_eq(out, expected);
        free(expected);
        free(out);
}

/* /proc and /sys */

Test(inside, proc_sys_is_read_only_but_its_net_is_the_machines)
{
        char *out = inside("echo other > /proc/sys/kernel/hostname && echo hostname-written; hostname; "
                           "echo 1 > /proc/sys/net/ipv4/ip_forward && cat /proc/sys/net/ipv4/ip_forward");

        cr_assert_str_eq(out, NAME "\n1\n", "output: %s", out);
        free(out);
}

Test(inside, proc_kernel_knobs_are_read_only)
{
        /* /proc/irq and /proc/sysrq-trigger write to the host's kernel. */
        bool sysrq = access("/proc/sysrq-trigger", F_OK) == 0;
        bool irq = access("/proc/irq/default_smp_affinity", W_OK) == 0;
        char *out;

        if (!sysrq && !irq)
                cr_skip_test("this kernel has neither /proc/sysrq-trigger nor /proc/irq/default_smp_affinity");
        /* Writing what is already there: harmless should it get through. */
        out = inside("cat /proc/irq/default_smp_affinity > /tmp/aff; "
                     "cat /tmp/aff > /proc/irq/default_smp_affinity && echo irq-written; "
                     "printf '' > /proc/sysrq-trigger && echo sysrq-written; "
                     "awk '$5 ~ /^\\/proc\\/(sysrq-trigger|irq|sys)$/ { print $5, $6 }' /proc/self/mountinfo | "
                     "sed 's/,.*//' | sort");

        cr_assert_null(strstr(out, "irq-written"), "/proc/irq is writable: %s", out);
        cr_assert_null(strstr(out, "sysrq-written"), "/proc/sysrq-trigger is writable: %s", out);
        if (irq)
                cr_assert(has_line(out, "/proc/irq ro"), "mounts: %s", out);
        if (sysrq)
                cr_assert(has_line(out, "/proc/sysrq-trigger ro"), "mounts: %s", out);
        cr_assert(has_line(out, "/proc/sys ro"), "mounts: %s", out);
        free(out);
}

Test(inside, proc_kcore_and_friends_read_as_empty)
{
        static const char *const files[] = { "kcore", "kallsyms", "keys", "timer_list", "kpagecount", "kpageflags" };
        char script[1024] = "", line[128];
        size_t checked = 0;
        char *out;

        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                char path[64];
                snprintf(path, sizeof(path), "/proc/%s", files[i]);
                if (access(path, R_OK) < 0)
                        continue;
                snprintf(line, sizeof(line), "echo %s $(head -c 4096 %s | wc -c); ", files[i], path);
                strcat(script, line);
                checked++;
        }
        if (checked == 0)
                cr_skip_test("this kernel has none of /proc/kcore, kallsyms, keys, timer_list, kpagecount");
        out = inside(script);
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                char path[64];
                snprintf(path, sizeof(path), "/proc/%s", files[i]);
                if (access(path, R_OK) < 0)
                        continue;
                snprintf(line, sizeof(line), "%s 0", files[i]);
                cr_expect(has_line(out, line), "/proc/%s is not masked: %s", files[i], out);
        }
        /* The host's own kallsyms is not empty: the zero is the mask's. */
        char *host = it_read_file("/proc/kallsyms");
        if (host)
                cr_assert_gt(strlen(host), 0);
        free(host);
        free(out);
}

Test(inside, sys_is_read_only)
{
        char *out = inside("touch /sys/berth-test && echo sys-written; "
                           "echo change > /sys/class/net/lo/uevent && echo uevent-written; "
                           "awk '$5 == \"/sys\" { print $6 }' /proc/self/mountinfo | cut -d, -f1");

        cr_assert_str_eq(out, "ro\n");
        free(out);
}

/* Cgroup */

Test(inside, cgroup_is_its_own_writable_cgroup2)
{
        char *out = inside("awk '$5 == \"/sys/fs/cgroup\"' /proc/self/mountinfo | sed 's/.* - //; s/ .*//'; "
                           "grep '^0::' /proc/self/cgroup; "
                           "mkdir /sys/fs/cgroup/child && echo $$ > /sys/fs/cgroup/child/cgroup.procs && "
                           "grep '^0::' /proc/self/cgroup");

        cr_assert_str_eq(out, "cgroup2\n0::/\n0::/child\n");
        free(out);
}

/* Capabilities */

Test(inside, bounding_set_lacks_the_dangerous_capabilities)
{
        static const struct {
                int cap;
                const char *name;
        } dropped[] = {
                { 16, "CAP_SYS_MODULE" }, { 17, "CAP_SYS_RAWIO" },   { 25, "CAP_SYS_TIME" },
                { 32, "CAP_MAC_OVERRIDE" }, { 33, "CAP_MAC_ADMIN" }, { 34, "CAP_SYSLOG" },
                { 35, "CAP_WAKE_ALARM" }, { 36, "CAP_BLOCK_SUSPEND" },
        };
        char *out = inside("grep -E '^Cap(Bnd|Eff):' /proc/self/status; grep '^CapBnd:' /proc/1/status");
        char *bnd = line_value(out, "CapBnd:\t"), *eff = line_value(out, "CapEff:\t");
        uint64_t b, e;

        cr_assert(bnd && eff, "output: %s", out);
        b = strtoull(bnd, NULL, 16);
        e = strtoull(eff, NULL, 16);
        for (size_t i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++) {
                cr_expect_eq(b & (UINT64_C(1) << dropped[i].cap), 0, "CapBnd %s still has %s", bnd,
                             dropped[i].name);
                cr_expect_eq(e & (UINT64_C(1) << dropped[i].cap), 0, "CapEff %s still has %s", eff,
                             dropped[i].name);
        }
        cr_assert_neq(b & (UINT64_C(1) << 21), 0, "CapBnd %s lacks CAP_SYS_ADMIN", bnd);
        /* The stub (PID 1) is bounded the same way. */
        char *pid1 = strstr(out, "CapBnd:\t");
        pid1 = pid1 ? strstr(pid1 + 1, "CapBnd:\t") : NULL;
        cr_assert_not_null(pid1, "output: %s", out);
        cr_assert_eq(strncmp(pid1 + 8, bnd, strlen(bnd)), 0, "PID 1 has another bounding set: %s", out);
        free(bnd);
        free(eff);
        free(out);
}

/* Identity */

static bool id128_ok(const char *s)
{
        size_t n = strspn(s, "0123456789abcdef");

        return n == 32 && (s[32] == '\n' || s[32] == 0) && strspn(s, "0") < 32;
}

Test(inside, machine_id_is_derived_from_the_uuid)
{
        char *out;
        char path[512];

        snprintf(path, sizeof(path), "%s/etc/machine-id", it_busybox_tree());
        cr_assert_eq(access(path, F_OK), -1, "the busybox tree has its own %s", path);
        out = inside("cat /etc/machine-id", "--uuid=" UUID_HEX);
        cr_assert_str_eq(out, UUID_HEX "\n");
        free(out);

        /* The UUID form of the same ID gives the same machine-id. */
        out = inside("cat /etc/machine-id", "--uuid=" UUID_STR);
        cr_assert_str_eq(out, UUID_HEX "\n");
        free(out);
}

Test(inside, machine_id_is_valid_without_a_uuid)
{
        char *a = inside("cat /etc/machine-id");
        char *b = inside("cat /etc/machine-id");

        cr_assert(id128_ok(a), "machine-id '%s'", a);
        cr_assert(id128_ok(b), "machine-id '%s'", b);
        cr_assert_str_neq(a, b, "two fresh machines got the same machine-id %s", a);
        free(a);
        free(b);
}

Test(inside, machine_id_of_the_tree_is_kept)
{
        char *tree = it_copy_busybox(), path[512], *out;

        snprintf(path, sizeof(path), "%s/etc/machine-id", tree);
        write_file(path, "fedcba9876543210fedcba9876543210\n");
        out = inside_tree(tree, "cat /etc/machine-id", "--uuid=" UUID_HEX, NULL);
        cr_assert_str_eq(out, "fedcba9876543210fedcba9876543210\n");
        free(out);
        free(tree);
}

/* Options */

Test(inside, setenv_reaches_the_command)
{
        char *out = inside("echo \"$FOO|$EMPTY|$SPACED\"", "--setenv=FOO=bar", "--setenv=EMPTY=",
                           "-E", "SPACED=a b=c");

        cr_assert_str_eq(out, "bar||a b=c\n");
        free(out);
}

Test(inside, bind_directory_shows_host_content_and_writes_through)
{
        char src[512], arg[1100], path[600], *out, *written;

        snprintf(src, sizeof(src), "%s/shared", it.dir);
        cr_assert_eq(mkdir(src, 0755), 0);
        snprintf(path, sizeof(path), "%s/from-host", src);
        write_file(path, "host content\n");
        /* idmap: the machine's root is the host's root on this bind. */
        snprintf(arg, sizeof(arg), "--bind=%s:/mnt/shared:idmap", src);

        out = inside("cat /mnt/shared/from-host; echo machine content > /mnt/shared/from-machine", arg);
        cr_assert_str_eq(out, "host content\n");
        snprintf(path, sizeof(path), "%s/from-machine", src);
        written = it_read_file(path);
        cr_assert_not_null(written, "the machine's write did not reach %s", path);
        cr_assert_str_eq(written, "machine content\n");
        free(written);
        free(out);
}

Test(inside, bind_without_destination_uses_the_same_path)
{
        char src[512], arg[600], path[600], script[1400], *out;

        snprintf(src, sizeof(src), "%s/samepath", it.dir);
        cr_assert_eq(mkdir(src, 0755), 0);
        snprintf(path, sizeof(path), "%s/f", src);
        write_file(path, "same\n");
        snprintf(arg, sizeof(arg), "--bind=%s", src);
        snprintf(script, sizeof(script), "cat %s/f", src);
        out = inside(script, arg);
        cr_assert_str_eq(out, "same\n");
        free(out);
}

Test(inside, bind_file_shows_host_content_and_writes_through)
{
        char src[512], arg[1100], *out, *written;

        snprintf(src, sizeof(src), "%s/config", it.dir);
        write_file(src, "from the host\n");
        snprintf(arg, sizeof(arg), "--bind=%s:/etc/berth-config:idmap", src);

        out = inside("cat /etc/berth-config; echo from the machine >> /etc/berth-config", arg);
        cr_assert_str_eq(out, "from the host\n");
        written = it_read_file(src);
        cr_assert_str_eq(written, "from the host\nfrom the machine\n");
        free(written);
        free(out);
}

Test(inside, bind_without_idmap_shows_host_ids_as_nobody)
{
        char src[512], arg[1100], path[600], *out;

        snprintf(src, sizeof(src), "%s/plain", it.dir);
        cr_assert_eq(mkdir(src, 0755), 0);
        snprintf(path, sizeof(path), "%s/owned-by-1000", src);
        write_file(path, "x\n");
        cr_assert_eq(chown(path, 1000, 1000), 0);
        snprintf(arg, sizeof(arg), "--bind=%s:/mnt/plain", src);

        /* Host IDs outside the machine's range (root and 1000 alike) are
         * nobody inside, and the machine's root cannot write there. */
        out = inside("stat -c '%u %g' /mnt/plain /mnt/plain/owned-by-1000; "
                     "touch /mnt/plain/new 2>/dev/null && echo wrote || echo refused", arg);
        cr_assert_str_eq(out, "65534 65534\n65534 65534\nrefused\n");
        snprintf(path, sizeof(path), "%s/new", src);
        cr_assert_eq(access(path, F_OK), -1);
        free(out);
}

Test(inside, bind_ro_is_read_only_inside)
{
        char dir[512], file[512], dir_arg[1100], file_arg[1100], path[600], *out, *content;

        snprintf(dir, sizeof(dir), "%s/rodir", it.dir);
        cr_assert_eq(mkdir(dir, 0755), 0);
        snprintf(path, sizeof(path), "%s/present", dir);
        write_file(path, "present\n");
        snprintf(file, sizeof(file), "%s/rofile", it.dir);
        write_file(file, "ro file\n");
        snprintf(dir_arg, sizeof(dir_arg), "--bind-ro=%s:/mnt/ro", dir);
        snprintf(file_arg, sizeof(file_arg), "--bind-ro=%s:/etc/rofile", file);

        out = inside("cat /mnt/ro/present /etc/rofile; "
                     "touch /mnt/ro/new && echo dir-written; "
                     "echo more >> /mnt/ro/present && echo present-written; "
                     "rm /mnt/ro/present && echo removed; "
                     "echo more >> /etc/rofile && echo file-written; "
                     "awk '$5 == \"/mnt/ro\" { print $6 }' /proc/self/mountinfo | cut -d, -f1",
                     dir_arg, file_arg);
        cr_assert_str_eq(out, "present\nro file\nro\n");
        snprintf(path, sizeof(path), "%s/new", dir);
        cr_assert_eq(access(path, F_OK), -1, "%s was created through a read-only bind", path);
        content = it_read_file(file);
        cr_assert_str_eq(content, "ro file\n");
        free(content);
        free(out);
}

Test(inside, tmpfs_is_an_empty_tmpfs)
{
        /* Over a directory of the tree that has files, and on a new path. */
        char *out = inside("ls -A /etc | wc -l; ls -A /mnt/scratch | wc -l; "
                           "awk '$5 == \"/etc\" || $5 == \"/mnt/scratch\"' /proc/self/mountinfo | "
                           "sed 's/.* - //; s/ .*//'; "
                           "echo w > /mnt/scratch/f && cat /mnt/scratch/f",
                           "--tmpfs=/etc", "--tmpfs=/mnt/scratch");

        cr_assert_str_eq(out, "0\n0\ntmpfs\ntmpfs\nw\n");
        free(out);
}

/* nspawn's --tmpfs=PATH:OPTIONS: the size, mode, owner and flags asked for
 * are the mount's inside; with options and no mode= the kernel's 1777. */
Test(inside, tmpfs_takes_mount_options)
{
        char *out = inside("stat -c '%a %u %g' /scratch /owned /flags; "
                           "df -k /scratch | awk 'NR == 2 { print $2 }'; df -i /owned | awk 'NR == 2 { print $2 }'; "
                           "awk '$5 == \"/flags\" { print $6 }' /proc/self/mountinfo; "
                           "ls -a / | grep -c : ; touch /flags/x 2>/dev/null || echo ro",
                           "--tmpfs=/scratch:size=1M,mode=0700", "--tmpfs=/owned:nr_inodes=64,uid=1000,gid=5",
                           "--tmpfs=/flags:ro,noexec,noatime");

        cr_assert_str_eq(out, "700 0 0\n1777 1000 5\n1777 0 0\n"
                              "1024\n64\n"
                              "ro,nosuid,nodev,noexec,noatime\n"
                              "0\nro\n");
        free(out);
}

/* nspawn's -E NAME: NAME's value in berth's environment, empty when unset. */
Test(inside, setenv_name_alone_passes_berths_value_on)
{
        cr_assert_eq(setenv("BERTH_TEST_PASSED", "from berth", 1), 0);
        cr_assert_eq(unsetenv("BERTH_TEST_UNSET"), 0);
        char *out = inside("echo \"$BERTH_TEST_PASSED|${BERTH_TEST_UNSET-unset}|${BERTH_TEST_OTHER-unset}\"",
                           "-E", "BERTH_TEST_PASSED", "--setenv=BERTH_TEST_UNSET");

        unsetenv("BERTH_TEST_PASSED");
        /* Only what -E names comes in: berth's environment stays out. */
        cr_assert_str_eq(out, "from berth||unset\n");
        free(out);
}

/* nspawn's --as-pid2 and --private-network say what berth does anyway. */
Test(inside, as_pid2_and_private_network)
{
        char *out = inside("echo $$; cat /proc/1/comm; ls /sys/class/net", "--as-pid2", "--private-network");

        cr_assert_str_eq(out, "2\nberth-stub\nlo\n");
        free(out);
        out = inside("echo $$; cat /proc/1/comm", "-a");
        cr_assert_str_eq(out, "2\nberth-stub\n");
        free(out);
}

/* Exit status */

Test(inside, exit_status_comes_back)
{
        struct it_result r = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--name", NAME, "--", "/bin/sh", "-c",
                                          "exit 3", NULL);

        cr_assert_eq(r.status, 3, "status %d, stderr: %s", r.status, r.err);
        cr_assert_str_eq(r.err, "");
        it_result_free(&r);
        assert_no_leftovers(it_busybox_tree());
}

Test(inside, death_by_signal_is_128_plus_n)
{
        struct it_result r = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--name", NAME, "--", "/bin/sh", "-c",
                                          "kill -9 $$", NULL);

        cr_assert_eq(r.status, 137, "status %d, stderr: %s", r.status, r.err);
        it_result_free(&r);
        assert_no_leftovers(it_busybox_tree());

        r = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--name", NAME, "--", "/bin/sh", "-c", "kill -TERM $$",
                         NULL);
        cr_assert_eq(r.status, 143, "status %d, stderr: %s", r.status, r.err);
        it_result_free(&r);
        assert_no_leftovers(it_busybox_tree());
}

Test(inside, missing_command_is_127_with_one_line)
{
        struct it_result r = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--name", NAME, "--",
                                          "no-such-command-here", "arg", NULL);

        cr_assert_eq(r.status, 127, "status %d, stderr: %s", r.status, r.err);
        cr_assert_eq(it_count_lines(r.err), 1, "stderr is not one line: %s", r.err);
        cr_assert_eq(r.err[strlen(r.err) - 1], '\n', "stderr: %s", r.err);
        cr_assert_not_null(strstr(r.err, "no-such-command-here"), "stderr does not name the command: %s", r.err);
        cr_assert_str_eq(r.out, "");
        it_result_free(&r);
        assert_no_leftovers(it_busybox_tree());

        /* The same with an absolute path. */
        r = it_berth_run(30, "-D", it_busybox_tree(), "-x", "--name", NAME, "--", "/usr/bin/no-such-command", NULL);
        cr_assert_eq(r.status, 127, "status %d, stderr: %s", r.status, r.err);
        cr_assert_eq(it_count_lines(r.err), 1, "stderr is not one line: %s", r.err);
        cr_assert_not_null(strstr(r.err, "/usr/bin/no-such-command"), "stderr: %s", r.err);
        it_result_free(&r);
        assert_no_leftovers(it_busybox_tree());
}

/* A named (not ephemeral) machine sees the same world. */
Test(inside, named_machine_has_its_name_and_pid2)
{
        struct it_result r = it_berth_run(30, "-D", it_busybox_tree(), "--name", "probe-web", "--", "/bin/sh", "-c",
                                          "echo $$; hostname; ls /sys/class/net", NULL);
        char *left;

        cr_assert_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
        cr_assert_str_eq(r.out, "2\nprobe-web\nlo\n");
        left = it_leftovers("probe-web", it_busybox_tree());
        cr_assert_null(left, "%s", left);
        it_result_free(&r);
}
