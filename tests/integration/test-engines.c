/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-oci under the engines that call runc: podman (through conmon) and
 * containerd (through its runc shim, driven by ctr). Each engine gets its
 * own storage, state and socket in the test's directory; images come from
 * the busybox tree as a tarball (no registry is reached); containers have
 * no network (--network none) and their cgroups go below this test's own.
 * After each test no mount, cgroup, container state or process is left. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "util.h"

static char podman[2048], oci_root[300], cgroup_parent[512];

/* The cgroup hierarchies' directories this test made for cgroup_parent
 * (some of the path existed already: those stay). */
static char made[16][600];
static size_t n_made;

static void make_cgroup_parent(void)
{
        char *own = it_sh_out("grep -E '^[0-9]+:memory:' /proc/self/cgroup | cut -d: -f3");
        own[strcspn(own, "\n")] = 0;
        snprintf(cgroup_parent, sizeof(cgroup_parent), "%s/berth-engines-test", strcmp(own, "/") ? own : "");
        free(own);
        /* In each hierarchy the first part of that path that is missing:
         * what podman and berth-oci will make, removed afterwards. */
        char *dirs = it_sh_out("for d in /sys/fs/cgroup/*/; do [ -e \"$d/cgroup.procs\" ] && echo \"${d%/}\"; done");
        n_made = 0;
        for (char *d = strtok(dirs, "\n"); d && n_made < 16; d = strtok(NULL, "\n")) {
                char path[600];
                size_t base = (size_t) snprintf(path, sizeof(path), "%s%s", d, cgroup_parent);
                for (char *p = path + strlen(d) + 1;; p++) {
                        char c = *p;
                        if (c != '/' && c != 0)
                                continue;
                        *p = 0;
                        bool exists = access(path, F_OK) == 0;
                        if (!exists) {
                                snprintf(made[n_made++], sizeof(made[0]), "%s", path);
                                break;
                        }
                        *p = c;
                        if (c == 0 || (size_t) (p - path) >= base)
                                break;
                }
        }
        free(dirs);
}

static void remove_cgroup_parent(void)
{
        for (size_t i = 0; i < n_made; i++) {
                char cmd[800];
                snprintf(cmd, sizeof(cmd), "[ -d '%s' ] && find '%s' -depth -type d -exec rmdir {} \\; 2>/dev/null",
                         made[i], made[i]);
                (void) !system(cmd);
        }
        n_made = 0;
}

/* berth-oci with its state in the test's directory, as the engines'
 * runtime: a script that passes --root first (an engine's own --root
 * would come later and win). */
static void write_runtime(char *ret, size_t size)
{
        snprintf(oci_root, sizeof(oci_root), "%s/oci", it.dir);
        snprintf(ret, size, "%s/berth-oci", it.dir);
        FILE *f = fopen(ret, "w");
        cr_assert_not_null(f);
        /* conmon passes on no environment of the test's: the runtime
         * directory (system containers' ID ranges) is given here too. */
        fprintf(f, "#!/bin/sh\nexport BERTH_RUNTIME_DIR=%s\nexec %s --root %s \"$@\"\n", it.runtime_dir,
                getenv("BERTH_OCI_BIN"), oci_root);
        cr_assert_eq(fclose(f), 0);
        cr_assert_eq(chmod(ret, 0755), 0);
}

static char runtime[400];

static void podman_setup(void)
{
        it_setup();
        write_runtime(runtime, sizeof(runtime));
        make_cgroup_parent();
        /* vfs: no overlay mounts of podman's own to leave behind. The
         * limits podman sets by default (1048576 files, processes) are
         * above what this host lets root raise to without
         * CAP_SYS_RESOURCE (conmon's own are lower still): run_opts()
         * gives lower ones. */
        snprintf(podman, sizeof(podman),
                 "podman --root %s/storage --runroot %s/run --tmpdir %s/tmp --storage-driver vfs --events-backend file"
                 " --cgroup-manager cgroupfs --runtime %s",
                 it.dir, it.dir, it.dir, runtime);
        it_sh("tar -C %s -cf %s/bb.tar . && %s import %s/bb.tar localhost/bb:1 >/dev/null", it_busybox_tree(), it.dir,
              podman, it.dir);
}

static const char *run_opts(void)
{
        static char o[1024];
        snprintf(o, sizeof(o), "--network none --cgroups no-conmon --cgroup-parent %s --ulimit nofile=1024:1024"
                 " --ulimit nproc=1024:1024", cgroup_parent);
        return o;
}

static void podman_teardown(void)
{
        char cmd[2600];
        snprintf(cmd, sizeof(cmd), "%s rm -af -t 0 >/dev/null 2>&1; %s system reset -f >/dev/null 2>&1", podman,
                 podman);
        (void) !system(cmd);
        remove_cgroup_parent();
        it_teardown();
}

TestSuite(podman, .init = podman_setup, .fini = podman_teardown);

static struct it_result sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static struct it_result sh(const char *fmt, ...)
{
        char cmd[4096];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(cmd, sizeof(cmd), fmt, ap);
        va_end(ap);
        char *argv[] = { "/bin/sh", "-c", cmd, NULL };
        return it_run(120, argv);
}

/* Nothing of the container's is left: no state of berth-oci's, no
 * cgroup below the parent, no process, no mount of the test's. */
static void expect_clean(void)
{
        cr_expect_eq(it_count_entries(oci_root) <= 0, true, "berth-oci states left in %s", oci_root);
        char cmd[800];
        snprintf(cmd, sizeof(cmd), "find /sys/fs/cgroup/*%s -mindepth 1 -type d 2>/dev/null", cgroup_parent);
        char *left = it_sh_out(cmd);
        cr_expect_str_eq(left, "", "cgroups left: %s", left);
        char *l = it_leftovers(NULL, it_busybox_tree());
        cr_expect_null(l, "%s", l);
}

Test(podman, run_rm_gives_the_exit_status)
{
        struct it_result r = sh("%s run --rm %s localhost/bb:1 sh -c 'echo hi; exit 3'", podman, run_opts());
        cr_expect_eq(r.status, 3, "%s", r.err);
        cr_expect_str_eq(r.out, "hi\n");
        it_result_free(&r);
        expect_clean();
}

Test(podman, detached_exec_logs_pause_stats_stop_rm)
{
        struct it_result r = sh("%s run -d --name c1 %s localhost/bb:1 sh -c 'echo started; trap \"exit 0\" TERM;"
                                " while :; do sleep 0.1; done'",
                                podman, run_opts());
        cr_assert_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        r = sh("%s exec c1 sh -c 'echo in $$; exit 4'", podman);
        cr_expect_eq(r.status, 4, "%s", r.err);
        cr_expect(strstr(r.out, "in "), "%s", r.out);
        it_result_free(&r);
        r = sh("%s exec -t c1 sh -c 'tty'", podman);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(strstr(r.out, "/dev/pts/"), "%s", r.out);
        it_result_free(&r);
        r = sh("%s logs c1", podman);
        cr_expect_str_eq(r.out, "started\n");
        it_result_free(&r);
        r = sh("%s pause c1 && %s ps -a --format '{{.Status}}' && %s unpause c1 && %s ps --format '{{.Status}}'", podman,
               podman, podman, podman);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(strstr(r.out, "Paused") && strstr(r.out, "Up "), "%s", r.out);
        it_result_free(&r);
        r = sh("%s stats --no-stream --format '{{.MemUsage}} {{.PIDs}}' c1", podman);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(r.out[0] >= '1' && r.out[0] <= '9' && !strstr(r.err, "Failed"), "stats: %s %s", r.out, r.err);
        it_result_free(&r);
        r = sh("%s top c1 pid args", podman);
        cr_expect(strstr(r.out, "sleep"), "%s", r.out);
        it_result_free(&r);
        /* The shell traps TERM: stop ends it within its timeout. */
        r = sh("%s stop -t 10 c1 && %s ps -a --format '{{.Status}}'", podman, podman);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(strstr(r.out, "Exited (0)"), "%s", r.out);
        it_result_free(&r);
        r = sh("%s rm c1", podman);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        expect_clean();
}

Test(podman, kill_limits_volume_and_userns)
{
        char *vol = it_sh_out("mktemp -d");
        vol[strcspn(vol, "\n")] = 0;
        /* Read as "others" by the container's root (host ID 400000). */
        it_sh("chmod 755 %s && echo from-host > %s/f", vol, vol);
        struct it_result r = sh("%s run -d --name c2 %s --memory 64m --pids-limit 50 -v %s:/data "
                                "--uidmap 0:400000:65536 --gidmap 0:400000:65536 localhost/bb:1 sleep 1000",
                                podman, run_opts(), vol);
        cr_assert_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        r = sh("%s exec c2 sh -c 'cat /data/f; cat /proc/self/uid_map | tr -s \" \"'", podman);
        cr_expect_str_eq(r.out, "from-host\n 0 400000 65536\n", "%s", r.err);
        it_result_free(&r);
        r = sh("p=$(%s inspect c2 --format '{{.State.Pid}}'); for c in memory pids; do "
               "g=$(grep -E \":$c:\" /proc/$p/cgroup | cut -d: -f3); cat /sys/fs/cgroup/$c${g%%/payload}/$c.max "
               "/sys/fs/cgroup/$c${g%%/payload}/$c.limit_in_bytes 2>/dev/null; done",
               podman);
        cr_expect_str_eq(r.out, "67108864\n50\n", "%s", r.err);
        it_result_free(&r);
        r = sh("%s kill c2 && %s wait c2", podman, podman);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "c2\n137\n");
        it_result_free(&r);
        r = sh("%s rm c2", podman);
        it_result_free(&r);
        it_sh("rm -rf %s", vol);
        expect_clean();
}

/* containerd with its own root, state and socket in the test's
 * directory, run by the test and stopped by PID at the end. */
static pid_t containerd_pid;
static char ctr[1024];
static bool made_run_containerd;

static void containerd_setup(void)
{
        it_setup();
        write_runtime(runtime, sizeof(runtime));
        made_run_containerd = access("/run/containerd", F_OK) != 0;
        char conf[400], cmd[1200];
        snprintf(conf, sizeof(conf), "%s/containerd.toml", it.dir);
        FILE *f = fopen(conf, "w");
        cr_assert_not_null(f);
        /* The runtime entry docs/kubernetes.md gives (the CRI plugin's),
         * taken from the page, with this test's berth-oci as BinaryName:
         * containerd must start with it. ctr, which has no CRI, names the
         * same shim and binary itself. */
        fprintf(f, "version = 2\nroot = \"%s/ctd-root\"\nstate = \"%s/ctd-state\"\n"
                   "[grpc]\n  address = \"%s/containerd.sock\"\n",
                it.dir, it.dir, it.dir);
        cr_assert_eq(fclose(f), 0);
        it_sh("sed -n '/^```toml$/,/^```$/p' %s/docs/kubernetes.md | grep -v '^```' | "
              "sed 's|BinaryName = .*|BinaryName = \"%s\"|' >> %s", getenv("BERTH_SOURCE_ROOT"), runtime, conf);
        char *entry = it_sh_out(strjoin("grep -c 'runtimes.berth' ", conf, NULL));
        cr_assert_str_eq(entry, "2\n", "the runtime entry of docs/kubernetes.md");
        snprintf(cmd, sizeof(cmd), "exec containerd --config %s", conf);
        containerd_pid = it_spawn_sh("containerd", cmd);
        snprintf(ctr, sizeof(ctr), "ctr -a %s/containerd.sock -n berth-test", it.dir);
        char sock[400];
        snprintf(sock, sizeof(sock), "%s/containerd.sock", it.dir);
        for (int i = 0; i < 200 && access(sock, F_OK) != 0; i++)
                usleep(50000);
        cr_assert_eq(access(sock, F_OK), 0, "containerd did not start: %s", it_spawn_log("containerd", "err"));
        /* An OCI archive of the busybox tree, by way of podman's own
         * storage in the test's directory. */
        it_sh("tar -C %s -cf %s/bb.tar . && P='podman --root %s/storage --runroot %s/run --storage-driver vfs' && "
              "$P import %s/bb.tar localhost/bb:1 >/dev/null && $P save --format oci-archive -o %s/bb-oci.tar "
              "localhost/bb:1 >/dev/null 2>&1 && $P system reset -f >/dev/null 2>&1 && "
              "%s image import --base-name localhost/bb %s/bb-oci.tar >/dev/null",
              it_busybox_tree(), it.dir, it.dir, it.dir, it.dir, it.dir, ctr, it.dir);
}

static void containerd_teardown(void)
{
        char cmd[1600];
        snprintf(cmd, sizeof(cmd), "%s task kill -s KILL c1 >/dev/null 2>&1; %s container rm c1 >/dev/null 2>&1; "
                 "%s image rm localhost/bb:1 >/dev/null 2>&1", ctr, ctr, ctr);
        (void) !system(cmd);
        if (containerd_pid > 0) {
                kill(containerd_pid, SIGTERM);
                (void) it_wait(containerd_pid, 30);
        }
        /* containerd 1.6 keeps its shims' sockets and ctr its fifos in
         * /run/containerd whatever its state directory: gone if it made it. */
        if (made_run_containerd)
                (void) !system("rm -rf /run/containerd");
        it_teardown();
}

TestSuite(containerd, .init = containerd_setup, .fini = containerd_teardown);

Test(containerd, ctr_run_gives_the_exit_status)
{
        struct it_result r = sh("%s run --rm --runc-binary %s --runc-root %s/runc --cgroup '' localhost/bb:1 c1 "
                                "sh -c 'echo hi from ctr; exit 3'",
                                ctr, runtime, it.dir);
        cr_expect_eq(r.status, 3, "%s", r.err);
        cr_expect_str_eq(r.out, "hi from ctr\n");
        it_result_free(&r);
        r = sh("%s container ls -q; %s task ls -q", ctr, ctr);
        cr_expect_str_eq(r.out, "");
        it_result_free(&r);
        cr_expect_eq(it_count_entries(oci_root) <= 0, true, "berth-oci states left in %s", oci_root);
        char *l = it_leftovers("c1", it_busybox_tree());
        cr_expect_null(l, "%s", l);
}

static void import_debian(void)
{
        it_sh("tar -C %s -cf - . | %s import - localhost/deb:1 >/dev/null 2>&1", it_debian_tree(), podman);
}

/* Wait until systemd in container name says running (or fail with what
 * it says and its failed units). */
static void expect_running(const char *name)
{
        struct it_result r = {};
        for (int i = 0; i < 120; i++) {
                it_result_free(&r);
                r = sh("%s exec %s systemctl is-system-running", podman, name);
                if (strstr(r.out, "running") || strstr(r.out, "degraded"))
                        break;
                usleep(250000);
        }
        struct it_result f = sh("%s exec %s systemctl --failed --no-pager", podman, name);
        cr_expect_str_eq(r.out, "running\n", "failed units: %s", f.out);
        it_result_free(&f);
        it_result_free(&r);
}

/* Stopped with podman's stop signal for systemd (SIGRTMIN+3) within
 * seconds, and exited 0: a clean poweroff. */
static void expect_clean_stop(const char *name)
{
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        struct it_result r = sh("%s stop -t 20 %s && %s ps -a --format '{{.Status}}'", podman, name, podman);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double s = (double) (b.tv_sec - a.tv_sec) + (double) (b.tv_nsec - a.tv_nsec) / 1e9;
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(strstr(r.out, "Exited (0)"), "%s", r.out);
        cr_expect_lt(s, 10.0, "stop took %.1f s", s);
        it_result_free(&r);
        r = sh("%s rm %s", podman, name);
        it_result_free(&r);
}

/* System-container mode: Debian's systemd as the container's init on this
 * hybrid host, in a user namespace of berth's own (podman gives none), its
 * cgroup2 delegated; then in podman's user namespace (--uidmap). */
Test(podman, systemd_boots_debian_in_berths_user_namespace)
{
        import_debian();
        struct it_result r = sh("%s run -d --name sd1 %s --systemd=always localhost/deb:1 /lib/systemd/systemd",
                                podman, run_opts());
        cr_assert_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        expect_running("sd1");
        r = sh("%s exec sd1 sh -c 'tr -s \" \" < /proc/self/uid_map; echo $container; stat -f -c %%T /sys/fs/cgroup;"
               " ls /sys/fs/cgroup | grep -c init.scope'", podman);
        unsigned base = 0;
        cr_expect(sscanf(r.out, " 0 %u 65536", &base) == 1 && base >= 0x80000, "its own range: %s", r.out);
        cr_expect(strstr(r.out, "\npodman\ncgroup2fs\n1\n"), "%s", r.out);
        it_result_free(&r);
        expect_clean_stop("sd1");
        expect_clean();
}

Test(podman, systemd_boots_debian_in_podmans_user_namespace)
{
        import_debian();
        struct it_result r = sh("%s run -d --name sd2 %s --systemd=always --uidmap 0:300000:65536 "
                                "--gidmap 0:300000:65536 localhost/deb:1 /lib/systemd/systemd",
                                podman, run_opts());
        cr_assert_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        expect_running("sd2");
        r = sh("%s exec sd2 tr -s ' ' < /dev/null; %s exec sd2 cat /proc/self/uid_map", podman, podman);
        cr_expect(strstr(r.out, "300000"), "%s", r.out);
        it_result_free(&r);
        expect_clean_stop("sd2");
        expect_clean();
}
