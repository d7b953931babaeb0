/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-oci as runc's callers use it: the life cycle by hand (create,
 * state, start, kill, delete) with the state at each step, run with the
 * process's exit status, one test per clause of config.json implemented
 * (runtime-spec config.md, config-linux.md, runtime.md), and bad input
 * that leaves nothing behind. The test is the callers' subreaper, as
 * conmon and containerd's shim are. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "util.h"

static char root[300], bundle[300];

static void expect_refused(const char *id, const char *message);

static void oci_setup(void)
{
        it_setup();
        snprintf(root, sizeof(root), "%s/oci-root", it.dir);
        snprintf(bundle, sizeof(bundle), "%s/bundle", it.dir);
        cr_assert_eq(mkdir(bundle, 0755), 0);
        cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
}

static void oci_teardown(void)
{
        /* What a failed test left: its containers go, so that the next
         * test's leftover checks see only its own. */
        char cmd[1024];
        snprintf(cmd, sizeof(cmd), "for c in $(%s --root %s list -q 2>/dev/null); do %s --root %s delete --force $c; "
                 "done", getenv("BERTH_OCI_BIN"), root, getenv("BERTH_OCI_BIN"), root);
        (void) !system(cmd);
        while (waitpid(-1, NULL, WNOHANG) > 0)
                ;
        it_teardown();
}

TestSuite(oci, .init = oci_setup, .fini = oci_teardown);

static const char *oci_bin(void)
{
        const char *b = getenv("BERTH_OCI_BIN");
        cr_assert_not_null(b, "BERTH_OCI_BIN is not set");
        return b;
}

/* A config.json running script with /bin/sh in the busybox tree; extra
 * is spliced into the top-level object (",\"hostname\": ..."), process
 * into the process object, linux into linux. */
static void write_config(const char *script, const char *process, const char *linux_extra, const char *extra)
{
        char path[400];
        FILE *f;

        snprintf(path, sizeof(path), "%s/config.json", bundle);
        char esc[2048];
        size_t n = 0;
        for (const char *c = script; *c && n < sizeof(esc) - 3; c++) {
                if (*c == '"' || *c == '\\')
                        esc[n++] = '\\';
                esc[n++] = *c;
        }
        esc[n] = 0;
        f = fopen(path, "w");
        cr_assert_not_null(f);
        fprintf(f,
                "{\"ociVersion\": \"1.0.2\",\n"
                " \"root\": {\"path\": \"%s\", \"readonly\": true},\n"
                " \"process\": {\"terminal\": false, \"user\": {\"uid\": 0, \"gid\": 0}, \"cwd\": \"/\",\n"
                "   \"args\": [\"/bin/sh\", \"-c\", \"%s\"],\n"
                "   \"env\": [\"PATH=/usr/sbin:/usr/bin:/sbin:/bin\"]%s},\n"
                " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},\n"
                "   {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"nosuid\", \"mode=755\"]},\n"
                "   {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\",\n"
                "    \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\"]},\n"
                "   {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\",\n"
                "    \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]},\n"
                "   {\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"}],\n"
                " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"}, {\"type\": \"ipc\"},\n"
                "   {\"type\": \"uts\"}, {\"type\": \"network\"}, {\"type\": \"cgroup\"}]%s}%s}\n",
                it_busybox_tree(), esc, process ?: "", linux_extra ?: "", extra ?: "");
        cr_assert_eq(fclose(f), 0);
}

static struct it_result oci(const char *verb, const char *id, const char *arg)
{
        char *argv[] = { (char *) oci_bin(), "--root", root, (char *) verb, (char *) id, (char *) arg, NULL };
        return it_run(30, argv);
}

/* create with its stdout and stderr in BUNDLE/out and BUNDLE/err, which
 * the container's process inherits. */
static int create(const char *id, const char *more)
{
        char cmd[2048];
        snprintf(cmd, sizeof(cmd), "exec %s --root %s create --bundle %s --pid-file %s/pid %s %s >%s/out 2>%s/err",
                 oci_bin(), root, bundle, bundle, more ?: "", id, bundle, bundle);
        char *argv[] = { "/bin/sh", "-c", cmd, NULL };
        struct it_result r = it_run(30, argv);
        int s = r.status;
        it_result_free(&r);
        return s;
}

static char *bundle_file(const char *name)
{
        char path[400];
        snprintf(path, sizeof(path), "%s/%s", bundle, name);
        return it_read_file(path);
}

/* The state's "status" and "pid". */
static void expect_state(const char *id, const char *status, pid_t pid)
{
        struct it_result r = oci("state", id, NULL);
        char want[64];

        cr_assert_eq(r.status, 0, "state: %s", r.err);
        snprintf(want, sizeof(want), "\"status\": \"%s\"", status);
        cr_expect(strstr(r.out, want), "want %s in %s", want, r.out);
        snprintf(want, sizeof(want), "\"pid\": %d,", (int) pid);
        cr_expect(strstr(r.out, want), "want %s in %s", want, r.out);
        cr_expect(strstr(r.out, "\"ociVersion\": \"1.0.2\"") && strstr(r.out, "\"bundle\": \"") &&
                  strstr(r.out, "\"id\": \""), "%s", r.out);
        it_result_free(&r);
}

static void assert_gone(const char *id)
{
        char path[400];
        snprintf(path, sizeof(path), "%s/%s", root, id);
        cr_assert_neq(access(path, F_OK), 0, "%s left behind", path);
        char *left = it_leftovers(id, it_busybox_tree());
        cr_assert_null(left, "%s", left);
}

/* runtime.md's life cycle, step by step, with the state at each. */
Test(oci, lifecycle_by_hand)
{
        write_config("echo started $$; hostname; exec sleep 1000", NULL, NULL, ", \"hostname\": \"lc\"");
        cr_assert_eq(create("lc1", NULL), 0, "create: %s", bundle_file("err"));
        char *pidtext = bundle_file("pid");
        cr_assert_not_null(pidtext);
        pid_t pid = atoi(pidtext);
        cr_assert_gt(pid, 1);
        expect_state("lc1", "created", pid);
        /* Created: the process waits, nothing of the container's ran. */
        usleep(100000);
        char *out = bundle_file("out");
        cr_expect_str_eq(out ?: "", "");

        struct it_result r = oci("start", "lc1", NULL);
        cr_assert_eq(r.status, 0, "start: %s", r.err);
        it_result_free(&r);
        expect_state("lc1", "running", pid);
        for (int i = 0; i < 100 && !strstr(out = bundle_file("out") ?: "", "lc\n"); i++)
                usleep(20000);
        cr_expect_str_eq(out, "started 1\nlc\n");

        r = oci("start", "lc1", NULL);
        cr_expect_eq(r.status, 1);
        cr_expect(strstr(r.err, "cannot start an already running container"), "%s", r.err);
        it_result_free(&r);
        r = oci("delete", "lc1", NULL);
        cr_expect_eq(r.status, 1);
        cr_expect(strstr(r.err, "cannot delete container lc1 that is not stopped: running"), "%s", r.err);
        it_result_free(&r);

        r = oci("kill", "lc1", "KILL");
        cr_assert_eq(r.status, 0, "kill: %s", r.err);
        it_result_free(&r);
        int status;
        cr_assert_eq(waitpid(pid, &status, 0), pid, "the container's process is the subreaper's child");
        cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %#x", status);
        expect_state("lc1", "stopped", 0);
        r = oci("kill", "lc1", "TERM");
        cr_expect_eq(r.status, 1);
        cr_expect(strstr(r.err, "container not running"), "%s", r.err);
        it_result_free(&r);

        r = oci("delete", "lc1", NULL);
        cr_assert_eq(r.status, 0, "delete: %s", r.err);
        it_result_free(&r);
        assert_gone("lc1");
        r = oci("state", "lc1", NULL);
        cr_expect_eq(r.status, 1);
        cr_expect(strstr(r.err, "container does not exist"), "%s", r.err);
        it_result_free(&r);
}

/* run: create, start, wait, delete; the process's status is run's. */
static struct it_result run(const char *id)
{
        char *argv[] = { (char *) oci_bin(), "--root", root, "run", "--bundle", bundle, (char *) id, NULL };
        return it_run(30, argv);
}

Test(oci, run_gives_the_exit_status)
{
        write_config("echo out; echo err >&2; exit 3", NULL, NULL, NULL);
        struct it_result r = run("st1");
        cr_expect_eq(r.status, 3, "status %d: %s", r.status, r.err);
        cr_expect_str_eq(r.out, "out\n");
        cr_expect_str_eq(r.err, "err\n");
        it_result_free(&r);
        assert_gone("st1");
}

/* runtime.md: delete of a container that is not stopped — a created one
 * too — is an error and changes nothing; with --force it goes. A config
 * without a process may be created and deleted; start refuses it. */
Test(oci, delete_created_and_force_running)
{
        write_config("exec sleep 1000", NULL, NULL, NULL);
        cr_assert_eq(create("d1", NULL), 0, "%s", bundle_file("err"));
        pid_t pid = atoi(bundle_file("pid"));
        struct it_result r = oci("delete", "d1", NULL);
        cr_expect_eq(r.status, 1);
        cr_expect(strstr(r.err, "cannot delete container d1 that is not stopped: created"), "%s", r.err);
        it_result_free(&r);
        expect_state("d1", "created", pid);
        char *argv0[] = { (char *) oci_bin(), "--root", root, "delete", "--force", "d1", NULL };
        r = it_run(30, argv0);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        waitpid(pid, NULL, 0);
        assert_gone("d1");
        cr_assert_eq(create("d2", NULL), 0, "%s", bundle_file("err"));
        pid = atoi(bundle_file("pid"));
        r = oci("start", "d2", NULL);
        it_result_free(&r);
        char *argv[] = { (char *) oci_bin(), "--root", root, "delete", "--force", "d2", NULL };
        r = it_run(30, argv);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        waitpid(pid, NULL, 0);
        assert_gone("d2");
        it_write_text(strjoin(bundle, "/config.json", NULL),
                      strjoin("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"", it_busybox_tree(),
                              "\"}, \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"}]}}"));
        cr_assert_eq(create("d3", NULL), 0, "without a process: %s", bundle_file("err"));
        pid = atoi(bundle_file("pid"));
        r = oci("start", "d3", NULL);
        cr_expect_eq(r.status, 1);
        cr_expect(strstr(r.err, "cannot start container d3: its config.json has no process"), "%s", r.err);
        it_result_free(&r);
        expect_state("d3", "created", pid);
        char *argv3[] = { (char *) oci_bin(), "--root", root, "delete", "--force", "d3", NULL };
        r = it_run(30, argv3);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        waitpid(pid, NULL, 0);
        assert_gone("d3");
}

/* pause and resume: the cgroup2 freezer. */
Test(oci, pause_and_resume)
{
        write_config("exec sleep 1000", NULL, NULL, NULL);
        cr_assert_eq(create("p1", NULL), 0, "%s", bundle_file("err"));
        pid_t pid = atoi(bundle_file("pid"));
        struct it_result r = oci("start", "p1", NULL);
        it_result_free(&r);
        r = oci("pause", "p1", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        expect_state("p1", "paused", pid);
        char path[64], *st;
        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        st = it_read_file(path);
        cr_expect(st && strstr(strrchr(st, ')'), ") S"), "a frozen process sleeps: %s", st);
        r = oci("resume", "p1", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        expect_state("p1", "running", pid);
        /* runc's table: ps -ef's header and the container's lines. */
        r = oci("ps", "p1", NULL);
        char want[32];
        snprintf(want, sizeof(want), " %d ", (int) pid);
        cr_expect(strncmp(r.out, "UID ", 4) == 0 && strstr(r.out, want) && strstr(r.out, "sleep 1000") &&
                  it_count_lines(r.out) == 2, "%s", r.out);
        it_result_free(&r);
        char *argv[] = { (char *) oci_bin(), "--root", root, "delete", "--force", "p1", NULL };
        r = it_run(30, argv);
        it_result_free(&r);
        assert_gone("p1");
}

/* What the process sees: one run per clause of config.md. */
static char *inside(const char *script, const char *process, const char *linux_extra, const char *extra)
{
        write_config(script, process, linux_extra, extra);
        struct it_result r = run("in1");
        cr_assert_eq(r.status, 0, "run: status %d, %s", r.status, r.err);
        char *out = strdup(r.out);
        it_result_free(&r);
        assert_gone("in1");
        return out;
}

Test(oci, process_args_env_cwd_user)
{
        char *out = inside("echo $0 $FOO; pwd; id -u; id -g; id -G", ", \"env\": [\"PATH=/bin\", \"FOO=bar\"]",
                           NULL, NULL);
        /* env replaces the default one; this test's own is one line on. */
        cr_expect_str_eq(out, "/bin/sh bar\n/\n0\n0\n0\n");
        write_config("pwd; id -u; id -g; id -G", NULL, NULL, NULL);
        char path[400];
        snprintf(path, sizeof(path), "%s/config.json", bundle);
        it_sh("sed -i 's|\"user\": {\"uid\": 0, \"gid\": 0}, \"cwd\": \"/\"|\"user\": {\"uid\": 1234, \"gid\": 99, "
              "\"additionalGids\": [7, 8]}, \"cwd\": \"/tmp\"|' %s", path);
        struct it_result r = run("u1");
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, "/tmp\n1234\n99\n99 7 8\n");
        it_result_free(&r);
        assert_gone("u1");
}

Test(oci, process_capabilities_sets)
{
        char *out = inside("grep Cap /proc/self/status", NULL, NULL, NULL);
        /* No capabilities object: berth's default set, none ambient. */
        cr_expect(strstr(out, "CapAmb:\t0000000000000000"), "%s", out);
        free(out);
        write_config("grep Cap /proc/self/status", NULL, NULL, NULL);
        char path[400];
        snprintf(path, sizeof(path), "%s/config.json", bundle);
        it_sh("sed -i 's|\"terminal\": false,|\"terminal\": false, \"capabilities\": {\"bounding\": [\"CAP_KILL\", "
              "\"CAP_CHOWN\", \"CAP_NET_RAW\"], \"effective\": [\"CAP_KILL\"], \"permitted\": [\"CAP_KILL\", "
              "\"CAP_CHOWN\"], \"inheritable\": [\"CAP_CHOWN\"], \"ambient\": [\"CAP_CHOWN\"]},|' %s",
              path);
        it_sh("sed -i 's|\"user\": {\"uid\": 0, \"gid\": 0}|\"user\": {\"uid\": 1000, \"gid\": 1000}|' %s", path);
        struct it_result r = run("c1");
        cr_expect_eq(r.status, 0, "%s", r.err);
        /* CHOWN 0, KILL 5, NET_RAW 13; a non-root user keeps the ambient
         * set across exec, in permitted and effective. */
        cr_expect(strstr(r.out, "CapInh:\t0000000000000001\n"), "%s", r.out);
        cr_expect(strstr(r.out, "CapPrm:\t0000000000000001\n"), "%s", r.out);
        cr_expect(strstr(r.out, "CapEff:\t0000000000000001\n"), "%s", r.out);
        cr_expect(strstr(r.out, "CapBnd:\t0000000000002021\n"), "%s", r.out);
        cr_expect(strstr(r.out, "CapAmb:\t0000000000000001\n"), "%s", r.out);
        it_result_free(&r);
        assert_gone("c1");
}

Test(oci, process_rlimits_oom_score_and_no_new_privileges)
{
        char *out = inside("ulimit -n; ulimit -Hn; cat /proc/self/oom_score_adj; grep NoNewPrivs /proc/self/status",
                           ", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 77, \"hard\": 88}],"
                           " \"oomScoreAdj\": 123, \"noNewPrivileges\": true",
                           NULL, NULL);
        cr_expect_str_eq(out, "77\n88\n123\nNoNewPrivs:\t1\n");
        free(out);
}

Test(oci, hostname_domainname_and_uts)
{
        char *out = inside("hostname; cat /proc/sys/kernel/domainname", NULL, NULL,
                           ", \"hostname\": \"box1\", \"domainname\": \"example.test\"");
        cr_expect_str_eq(out, "box1\nexample.test\n");
        free(out);
}

/* The root read-only; mounts in order with their options, a bind read-only
 * over a host directory, a tmpfs with its own options. */
Test(oci, root_and_mounts_in_order)
{
        char *dir = it_sh_out("mktemp -d");
        dir[strcspn(dir, "\n")] = 0;
        it_sh("echo host > %s/f", dir);
        char extra[1024];
        snprintf(extra, sizeof(extra),
                 ", \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
                 " {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"%s\", \"options\": [\"rbind\", \"ro\"]},"
                 " {\"destination\": \"/data2\", \"type\": \"none\", \"source\": \"%s\", \"options\": [\"bind\"]},"
                 " {\"destination\": \"/data2/sub\", \"type\": \"tmpfs\", \"source\": \"t\", \"options\": [\"size=1m\", \"noexec\"]}]",
                 dir, dir);
        /* The later "mounts" key wins in json-c: only these. */
        char *out = inside("cat /data/f; touch /data/x 2>/dev/null || echo ro; touch /x 2>/dev/null || echo rootro;"
                           " grep -E ' /data2?(/sub)? ' /proc/self/mounts | cut -d' ' -f2,3,4",
                           NULL, NULL, extra);
        cr_expect(strstr(out, "host\nro\nrootro\n"), "%s", out);
        cr_expect(strstr(out, "/data ") && strstr(out, "/data2 ") && strstr(out, "/data2/sub tmpfs rw,nosuid") == NULL,
                  "%s", out);
        cr_expect(strstr(out, "/data2/sub tmpfs rw,noexec"), "%s", out);
        cr_expect(access(strjoin(dir, "/sub", NULL), F_OK) == 0, "the bind's mount point was made through it");
        it_sh("rm -rf %s", dir);
        free(out);
}

/* /dev: the default nodes and links config-linux.md asks for. */
Test(oci, default_devices_and_links)
{
        char *out = inside("for d in null zero full random urandom tty; do [ -c /dev/$d ] && echo -n \"$d \"; done;"
                           " for l in fd stdin stdout stderr ptmx; do readlink /dev/$l; done",
                           NULL, NULL, NULL);
        cr_expect_str_eq(out, "null zero full random urandom tty /proc/self/fd\n/proc/self/fd/0\n/proc/self/fd/1\n"
                              "/proc/self/fd/2\npts/ptmx\n");
        free(out);
}

Test(oci, sysctl_masked_and_readonly_paths)
{
        char *out = inside("cat /proc/sys/kernel/msgmax; cat /proc/kcore | wc -c; ls /etc 2>&1 | wc -l;"
                           " echo 1 > /proc/sys/kernel/msgmni 2>/dev/null || echo ro",
                           NULL,
                           ", \"sysctl\": {\"kernel.msgmax\": \"4321\"}, \"maskedPaths\": [\"/proc/kcore\", \"/etc\","
                           " \"/nonexistent\"], \"readonlyPaths\": [\"/proc/sys\"]",
                           NULL);
        cr_expect_str_eq(out, "4321\n0\n0\nro\n");
        free(out);
}

static void del_netns(void)
{
        (void) !system("ip netns del berth-oci-test 2>/dev/null");
}

/* Namespaces: PID 1 in its own, the host's network when none is asked
 * for, a network namespace joined by path. */
Test(oci, namespaces_new_and_by_path)
{
        char *out = inside("echo $$; ls /sys/class/net | sort | tr '\\n' ' '", NULL, NULL, NULL);
        cr_expect_str_eq(out, "1\nlo ");
        free(out);
        it_on_teardown(del_netns);
        it_sh("ip netns add berth-oci-test");
        write_config("ls /sys/class/net | sort | tr '\\n' ' '; readlink /proc/self/ns/net", NULL, NULL, NULL);
        char path[400];
        snprintf(path, sizeof(path), "%s/config.json", bundle);
        it_sh("sed -i 's|{\"type\": \"network\"}|{\"type\": \"network\", \"path\": \"/run/netns/berth-oci-test\"}|' %s",
              path);
        it_sh("ip -n berth-oci-test link add oci0 type veth peer name oci1");
        struct it_result r = run("ns1");
        char *want = it_sh_out("readlink /proc/$(ip netns pids berth-oci-test | head -1)/ns/net 2>/dev/null; "
                               "stat -L -c 'net:[%i]' /run/netns/berth-oci-test");
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(strstr(r.out, "lo oci0 oci1 "), "%s", r.out);
        cr_expect(strstr(want, strchr(r.out, '\n') + 1), "%s vs %s", r.out, want);
        it_result_free(&r);
        del_netns();
        assert_gone("ns1");
}

/* A user namespace with the spec's one range: root inside is that range's
 * first ID on the host. */
Test(oci, user_namespace_from_the_maps)
{
        write_config("cat /proc/self/uid_map /proc/self/gid_map | tr -s ' '; id -u", NULL,
                     ", \"uidMappings\": [{\"containerID\": 0, \"hostID\": 2000000, \"size\": 65536}],"
                     " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 2000000, \"size\": 65536}]",
                     NULL);
        char path[400];
        snprintf(path, sizeof(path), "%s/config.json", bundle);
        /* Maps without a user namespace are refused, with one they are its. */
        expect_refused("un1", "linux.uidMappings given, but linux.namespaces has no user namespace");
        it_sh("sed -i 's|{\"type\": \"pid\"}|{\"type\": \"pid\"}, {\"type\": \"user\"}|' %s", path);
        struct it_result r = run("un2");
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, " 0 2000000 65536\n 0 2000000 65536\n0\n");
        it_result_free(&r);
        assert_gone("un2");
}

/* linux.resources through berth's cgroup backend: the limits are in the
 * container's cgroups while it runs. */
Test(oci, resources_in_the_cgroup)
{
        write_config("exec sleep 1000", NULL, ", \"resources\": {\"pids\": {\"limit\": 77}, \"memory\": "
                     "{\"limit\": 268435456}}", NULL);
        cr_assert_eq(create("r1", NULL), 0, "%s", bundle_file("err"));
        char *pid = bundle_file("pid");
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "for c in pids memory; do p=$(grep -E \":$c:\" /proc/%s/cgroup | cut -d: -f3);"
                 " cat /sys/fs/cgroup/$c${p%%/payload}/$c.max /sys/fs/cgroup/$c${p%%/payload}/$c.limit_in_bytes 2>/dev/null;"
                 " done", pid);
        char *limits = it_sh_out(cmd);
        cr_expect_str_eq(limits, "77\n268435456\n");
        char *fd_r1[] = { (char *) oci_bin(), "--root", root, "delete", "--force", "r1", NULL };
        struct it_result r = it_run(30, fd_r1);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        assert_gone("r1");
}

/* The terminal: its master goes to --console-socket, the process has
 * the slave as its stdio and controlling terminal. */
Test(oci, console_socket_gets_the_pty)
{
        char sock[400];
        snprintf(sock, sizeof(sock), "%s/console.sock", it.dir);
        int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
        cr_assert(l >= 0 && bind(l, (struct sockaddr *) &sa, sizeof(sa)) == 0 && listen(l, 1) == 0);
        write_config("[ -t 0 ] && [ -t 1 ] && echo tty; stty size; exec sleep 1000", NULL, NULL, NULL);
        char path[400];
        snprintf(path, sizeof(path), "%s/config.json", bundle);
        it_sh("sed -i 's|\"terminal\": false|\"terminal\": true, \"consoleSize\": {\"height\": 33, \"width\": 99}|' %s",
              path);
        char more[512];
        snprintf(more, sizeof(more), "--console-socket %s", sock);
        pid_t creator = fork();
        if (creator == 0)
                _exit(create("t1", more));
        int conn = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        cr_assert(conn >= 0);
        char buf[64];
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(int))];
        } u;
        struct iovec iov = { buf, sizeof(buf) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b) };
        cr_assert_gt(recvmsg(conn, &mh, 0), 0);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        cr_assert(cm && cm->cmsg_type == SCM_RIGHTS);
        int master;
        memcpy(&master, CMSG_DATA(cm), sizeof(int));
        int status;
        cr_assert_eq(waitpid(creator, &status, 0), creator);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "create: %s", bundle_file("err"));
        struct it_result r = oci("start", "t1", NULL);
        it_result_free(&r);
        char out[256] = "";
        size_t n = 0;
        for (int i = 0; i < 100 && !strstr(out, "99\r\n"); i++) {
                struct pollfd p = { master, POLLIN, 0 };
                if (poll(&p, 1, 50) > 0) {
                        ssize_t k = read(master, out + n, sizeof(out) - 1 - n);
                        if (k > 0)
                                n += (size_t) k;
                        out[n] = 0;
                }
        }
        cr_expect_str_eq(out, "tty\r\n33 99\r\n");
        close(master);
        close(conn);
        close(l);
        char *argv[] = { (char *) oci_bin(), "--root", root, "delete", "--force", "t1", NULL };
        r = it_run(30, argv);
        it_result_free(&r);
        assert_gone("t1");
}

/* Bad input: runc's error, status 1, and nothing left behind. */
static void expect_refused(const char *id, const char *message)
{
        char cmd[1024];
        snprintf(cmd, sizeof(cmd), "exec %s --root %s create --bundle %s %s </dev/null", oci_bin(), root, bundle, id);
        char *argv[] = { "/bin/sh", "-c", cmd, NULL };
        struct it_result r = it_run(30, argv);
        cr_expect_eq(r.status, 1, "%s: status %d", message, r.status);
        cr_expect(strstr(r.err, message), "want \"%s\" in: %s", message, r.err);
        cr_expect(strstr(r.err, "level=error msg="), "runc's log line: %s", r.err);
        cr_expect_eq(it_count_lines(r.err), 1, "%s", r.err);
        it_result_free(&r);
        if (!strchr(id, '/'))
                assert_gone(id);
}

Test(oci, bad_input_leaves_nothing)
{
        expect_refused("b1", "config.json: No such file or directory");
        it_write_text(strjoin(bundle, "/config.json", NULL), "{\"ociVersion\": ");
        expect_refused("b1", "config.json: ");
        it_write_text(strjoin(bundle, "/config.json", NULL),
                      "{\"ociVersion\": \"2.0.0\", \"root\": {\"path\": \"/\"}, \"process\": {\"args\": [\"x\"], "
                      "\"cwd\": \"/\", \"user\": {}}}");
        expect_refused("b1", "ociVersion 2.0.0: this runtime implements the 1.x specification only");
        it_write_text(strjoin(bundle, "/config.json", NULL),
                      "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"nonexistent\"}, \"process\": {\"args\": "
                      "[\"x\"], \"cwd\": \"/\", \"user\": {}}}");
        expect_refused("b1", "root.path ");
        write_config("true", NULL, NULL, NULL);
        expect_refused("a/b", "invalid container ID a/b");
        char path[400];
        snprintf(path, sizeof(path), "%s/config.json", bundle);
        it_sh("sed -i 's|{\"type\": \"network\"}|{\"type\": \"network\", \"path\": \"/proc/self/ns/uts\"}|' %s", path);
        expect_refused("b2", "linux.namespaces: /proc/self/ns/uts is not a network namespace");
        write_config("/nonexistent-program", NULL, NULL, NULL);
        it_sh("sed -i 's|\"/bin/sh\", \"-c\", ||' %s", path);
        expect_refused("b3", "/nonexistent-program\\\": executable file not found in $PATH");
        write_config("true", NULL, NULL, NULL);
        it_sh("sed -i 's|\"terminal\": false|\"terminal\": true|' %s", path);
        expect_refused("b4", "process.terminal is true: a --console-socket is needed");
        char more[512];
        snprintf(more, sizeof(more), "--console-socket %s/config.json", bundle);
        char cmd[1024];
        snprintf(cmd, sizeof(cmd), "exec %s --root %s create --bundle %s %s b5", oci_bin(), root, bundle, more);
        char *argv[] = { "/bin/sh", "-c", cmd, NULL };
        struct it_result r = it_run(30, argv);
        cr_expect_eq(r.status, 1);
        cr_expect(strstr(r.err, "connecting to --console-socket"), "%s", r.err);
        it_result_free(&r);
        assert_gone("b5");
}

Test(oci, create_twice_is_refused)
{
        write_config("exec sleep 1000", NULL, NULL, NULL);
        cr_assert_eq(create("x1", NULL), 0, "%s", bundle_file("err"));
        {
                char cmd[1024];
                snprintf(cmd, sizeof(cmd), "exec %s --root %s create --bundle %s x1 </dev/null", oci_bin(), root,
                         bundle);
                char *argv[] = { "/bin/sh", "-c", cmd, NULL };
                struct it_result r = it_run(30, argv);
                cr_expect_eq(r.status, 1);
                cr_expect(strstr(r.err, "container with id exists: x1"), "%s", r.err);
                it_result_free(&r);
        }
        expect_state("x1", "created", atoi(bundle_file("pid")));
        char *argv[] = { (char *) oci_bin(), "--root", root, "delete", "--force", "x1", NULL };
        struct it_result r = it_run(30, argv);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        assert_gone("x1");
}

/* A hook that records its name and the state it got into DIR. */
static void hook_json(FILE *f, const char *kind, const char *dir, bool last)
{
        fprintf(f,
                "\"%s\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"cat > %s/%s.json; echo %s >> %s/order\"],"
                " \"env\": [\"PATH=/usr/bin:/bin\"]}]%s",
                kind, dir, kind, kind, dir, last ? "" : ", ");
}

static char *hooks_config(const char *dir, const char *create_runtime)
{
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        fprintf(f, ", \"hooks\": {");
        hook_json(f, "prestart", dir, false);
        if (create_runtime)
                fprintf(f, "\"createRuntime\": [%s], ", create_runtime);
        else
                hook_json(f, "createRuntime", dir, false);
        hook_json(f, "createContainer", dir, false);
        fprintf(f, "\"startContainer\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"cat > /tmp/start.json\"]}], ");
        hook_json(f, "poststart", dir, false);
        hook_json(f, "poststop", dir, true);
        fprintf(f, "}");
        fclose(f);
        return text;
}

static void expect_hook_state(const char *dir, const char *kind, const char *status, pid_t pid)
{
        char path[400], want[64];
        snprintf(path, sizeof(path), "%s/%s.json", dir, kind);
        char *s = it_read_file(path);
        cr_assert_not_null(s, "hook %s did not run", kind);
        snprintf(want, sizeof(want), "\"status\":\"%s\"", status);
        cr_expect(strstr(s, want) && strstr(s, "\"id\":\"h1\"") && strstr(s, "\"ociVersion\":\"1.0.2\""), "%s: %s",
                  kind, s);
        snprintf(want, sizeof(want), "\"pid\":%d", (int) pid);
        cr_expect(strstr(s, want), "%s: %s, want %s", kind, s, want);
}

/* Every kind of hook, in the order runtime.md gives, each with the state
 * on its standard input; startContainer inside the container. */
Test(oci, hooks_in_order_with_the_state)
{
        char *dir = it_sh_out("mktemp -d");
        dir[strcspn(dir, "\n")] = 0;
        write_config("cat /tmp/start.json; exec sleep 1000", NULL, NULL, hooks_config(dir, NULL));
        cr_assert_eq(create("h1", NULL), 0, "%s", bundle_file("err"));
        pid_t pid = atoi(bundle_file("pid"));
        char order[400];
        snprintf(order, sizeof(order), "%s/order", dir);
        cr_expect_str_eq(it_read_file(order), "prestart\ncreateRuntime\ncreateContainer\n");
        expect_hook_state(dir, "prestart", "creating", pid);
        expect_hook_state(dir, "createRuntime", "creating", pid);
        expect_hook_state(dir, "createContainer", "creating", pid);
        struct it_result r = oci("start", "h1", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_expect_str_eq(it_read_file(order), "prestart\ncreateRuntime\ncreateContainer\npoststart\n");
        expect_hook_state(dir, "poststart", "running", pid);
        char *out = NULL;
        for (int i = 0; i < 100 && !strstr(out = bundle_file("out") ?: "", "}"); i++)
                usleep(20000);
        cr_expect(strstr(out, "\"status\":\"created\"") && strstr(out, "\"id\":\"h1\""), "startContainer: %s", out);
        r = oci("kill", "h1", "KILL");
        it_result_free(&r);
        waitpid(pid, NULL, 0);
        r = oci("delete", "h1", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_expect_str_eq(it_read_file(order), "prestart\ncreateRuntime\ncreateContainer\npoststart\npoststop\n");
        expect_hook_state(dir, "poststop", "stopped", pid);
        assert_gone("h1");
        it_sh("rm -rf %s", dir);
}

/* A createRuntime hook that fails, or outlasts its timeout, fails create:
 * nothing is left, and later hooks do not run. */
Test(oci, failing_hooks_fail_create)
{
        char *dir = it_sh_out("mktemp -d");
        dir[strcspn(dir, "\n")] = 0;
        write_config("true", NULL, NULL,
                     hooks_config(dir, "{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"exit 7\"]}"));
        expect_refused("h2", "hooks.createRuntime[0]: /bin/sh exited with status 7");
        write_config("true", NULL, NULL,
                     hooks_config(dir, "{\"path\": \"/bin/sleep\", \"args\": [\"sleep\", \"30\"], \"timeout\": 1}"));
        expect_refused("h3", "hooks.createRuntime[0]: /bin/sleep did not end within its timeout of 1 s");
        char order[400];
        snprintf(order, sizeof(order), "%s/order", dir);
        cr_expect_str_eq(it_read_file(order), "prestart\nprestart\n");
        it_sh("rm -rf %s", dir);
}

/* linux.seccomp through libseccomp: the default action, a rule with an
 * errno, a rule on an argument, a name this libseccomp does not know
 * (left out, as runc does). */
Test(oci, seccomp_profile)
{
        char *out = inside("grep Seccomp: /proc/self/status; mkdir /tmp/d 2>/dev/null || echo mkdir-refused;"
                           " kill -0 $$ && echo kill0; kill -USR1 $$ 2>/dev/null || echo usr1-refused",
                           NULL,
                           ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\","
                           " \"SCMP_ARCH_X86\"], \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\", \"no_such_call\"],"
                           " \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1}, {\"names\": [\"kill\"], \"action\":"
                           " \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 1, \"value\": 10, \"op\": \"SCMP_CMP_EQ\"}]}]}",
                           NULL);
        cr_expect_str_eq(out, "Seccomp:\t2\nmkdir-refused\nkill0\nusr1-refused\n");
        free(out);
        write_config("true", NULL, ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_NOTIFY\"}", NULL);
        expect_refused("sc2", "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY");
}

/* linux.cgroupsPath, relative: the cgroup there below berth-oci's own
 * (this test's), in cgroup2 and in the v1 hierarchies its limits use. */
Test(oci, cgroups_path_places_the_cgroup)
{
        write_config("exec sleep 1000", NULL,
                     ", \"cgroupsPath\": \"berth-oci-test/cp1\", \"resources\": {\"pids\": {\"limit\": 55}}", NULL);
        cr_assert_eq(create("cp1", NULL), 0, "%s", bundle_file("err"));
        char *pid = bundle_file("pid"), cmd[512];
        snprintf(cmd, sizeof(cmd), "grep -E '^(0:|[0-9]+:pids:)' /proc/%s/cgroup | cut -d: -f3 | sed 's|.*/berth-oci-test|"
                 "berth-oci-test|' | sort | uniq", pid);
        cr_expect_str_eq(it_sh_out(cmd), "berth-oci-test/cp1/payload\n");
        snprintf(cmd, sizeof(cmd), "p=$(grep :pids: /proc/%s/cgroup | cut -d: -f3); cat /sys/fs/cgroup/pids${p%%/payload}"
                 "/pids.max", pid);
        cr_expect_str_eq(it_sh_out(cmd), "55\n");
        char *fd_cp1[] = { (char *) oci_bin(), "--root", root, "delete", "--force", "cp1", NULL };
        struct it_result r = it_run(30, fd_cp1);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        /* The leaf goes; its parent is the caller's (as with runc). */
        char *left = it_sh_out("find /sys/fs/cgroup -path '*berth-oci-test/cp1' 2>/dev/null");
        cr_expect_str_eq(left, "");
        it_sh("find /sys/fs/cgroup -depth -type d -name berth-oci-test -exec rmdir {} \\;");
        assert_gone("cp1");
}

/* exec: another process in the running container, in all its namespaces
 * and its cgroup, with the spec's process as the base and the command
 * line's changes; its status is exec's; --detach leaves it to the caller
 * with its PID in the pid file. */
Test(oci, exec_joins_the_container)
{
        write_config("exec sleep 1000", NULL, NULL, ", \"hostname\": \"ex\"");
        cr_assert_eq(create("e1", NULL), 0, "%s", bundle_file("err"));
        pid_t pid = atoi(bundle_file("pid"));
        struct it_result r = oci("start", "e1", NULL);
        it_result_free(&r);
        char *argv[] = { (char *) oci_bin(), "--root", root, "exec", "--env", "X=y", "--cwd", "/tmp", "e1", "/bin/sh",
                         "-c", "echo $$ $X; pwd; hostname; cat /proc/1/cmdline | tr '\\0' ' '; exit 5", NULL };
        r = it_run(30, argv);
        cr_expect_eq(r.status, 5, "%s", r.err);
        cr_expect_str_eq(r.out, "2 y\n/tmp\nex\nsleep 1000 ");
        it_result_free(&r);
        char pidfile[400];
        snprintf(pidfile, sizeof(pidfile), "%s/exec.pid", it.dir);
        char *argv2[] = { (char *) oci_bin(), "--root", root, "exec", "--detach", "--pid-file", pidfile, "e1",
                          "sleep", "100", NULL };
        r = it_run(30, argv2);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        pid_t epid = atoi(it_read_file(pidfile) ?: "0");
        cr_assert_gt(epid, 0);
        char a[64], b[64], *na, *nb;
        snprintf(a, sizeof(a), "readlink /proc/%d/ns/pid /proc/%d/ns/mnt", (int) pid, (int) pid);
        snprintf(b, sizeof(b), "readlink /proc/%d/ns/pid /proc/%d/ns/mnt", (int) epid, (int) epid);
        na = it_sh_out(a);
        nb = it_sh_out(b);
        cr_expect_str_eq(nb, na);
        char *ps[] = { (char *) oci_bin(), "--root", root, "ps", "--format", "json", "e1", NULL };
        r = it_run(30, ps);
        char want[32];
        char want2[32];
        snprintf(want, sizeof(want), ",%d", (int) epid);
        snprintf(want2, sizeof(want2), "[%d,", (int) epid);
        cr_expect(strstr(r.out, want) || strstr(r.out, want2), "exec's process is in the cgroup: %s", r.out);
        it_result_free(&r);
        char *argv3[] = { (char *) oci_bin(), "--root", root, "exec", "e1", "/nonexistent", NULL };
        r = it_run(30, argv3);
        cr_expect_eq(r.status, 1);
        cr_expect(strstr(r.err, "executable file not found"), "%s", r.err);
        it_result_free(&r);
        /* PID 1 ends once exec's process, which its caller reaps (us, as
         * conmon does), is gone. */
        char *argv4[] = { (char *) oci_bin(), "--root", root, "kill", "--all", "e1", "KILL", NULL };
        r = it_run(30, argv4);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_expect_eq(waitpid(epid, NULL, 0), epid);
        cr_expect_eq(waitpid(pid, NULL, 0), pid);
        r = oci("delete", "e1", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        r = oci("exec", "e1", "true");
        cr_expect(strstr(r.err, "container does not exist"), "%s", r.err);
        it_result_free(&r);
        assert_gone("e1");
}

/* update: linux.resources changed while the container runs, from flags
 * and from a file on stdin; a controller first used now (cpu) is joined
 * with the container's processes, and delete removes it too. */
Test(oci, update_changes_the_limits)
{
        write_config("exec sleep 1000", NULL, ", \"resources\": {\"pids\": {\"limit\": 55}}", NULL);
        cr_assert_eq(create("u1", NULL), 0, "%s", bundle_file("err"));
        char *pid = bundle_file("pid"), cmd[1024];
        struct it_result r = oci("start", "u1", NULL);
        it_result_free(&r);
        char *argv[] = { (char *) oci_bin(), "--root", root, "update", "--pids-limit", "66", "--cpu-quota", "50000",
                         "--cpu-period", "100000", "u1", NULL };
        r = it_run(30, argv);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        snprintf(cmd, sizeof(cmd), "echo '{\"memory\": {\"limit\": 134217728}}' | %s --root %s update --resources - u1",
                 oci_bin(), root);
        it_sh("%s", cmd);
        snprintf(cmd, sizeof(cmd), "for c in pids memory cpu; do p=$(grep -E \":([a-z]+,)?$c(,[a-z]+)?:\" /proc/%s/cgroup |"
                 " cut -d: -f3); d=/sys/fs/cgroup/$c${p%%/payload}; cat $d/pids.max $d/memory.limit_in_bytes"
                 " $d/cpu.cfs_quota_us 2>/dev/null; done", pid);
        cr_expect_str_eq(it_sh_out(cmd), "66\n134217728\n50000\n");
        r = oci("delete", "u1", NULL);
        cr_expect_eq(r.status, 1, "running: %s", r.err);
        it_result_free(&r);
        char *argv2[] = { (char *) oci_bin(), "--root", root, "delete", "--force", "u1", NULL };
        r = it_run(30, argv2);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        waitpid(atoi(pid), NULL, 0);
        assert_gone("u1");
        char *argv3[] = { (char *) oci_bin(), "--root", root, "update", "--memory", "x", "u1", NULL };
        r = it_run(30, argv3);
        cr_expect_eq(r.status, 1);
        cr_expect(strstr(r.err, "--memory x: not a number"), "%s", r.err);
        it_result_free(&r);
}

/* tmpcopyup (runc's, podman's): a tmpfs that starts with what its mount
 * point held, writable while the root is read-only. */
Test(oci, tmpfs_copy_up)
{
        char *out = inside("ls /etc | sort | head -3 | tr '\\n' ' '; echo x > /etc/new && cat /etc/new;"
                           " grep ' /etc ' /proc/self/mounts | cut -d' ' -f3",
                           NULL, NULL,
                           ", \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
                           " {\"destination\": \"/etc\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": "
                           "[\"tmpcopyup\", \"mode=755\"]}]");
        char *want = it_sh_out(strjoin("ls ", it_busybox_tree(), "/etc | sort | head -3 | tr '\\n' ' '; echo"));
        want[strcspn(want, "\n")] = 0;
        cr_expect(strncmp(out, want, strlen(want)) == 0 && strstr(out, "x\ntmpfs\n"), "%s (want %s)", out, want);
        cr_expect(access(strjoin(it_busybox_tree(), "/etc/new", NULL), F_OK) != 0, "the tree was written");
        free(out);
}

/* System-container mode by annotation: a user namespace with a range of
 * berth's (claimed while the container lives, released at delete), a
 * writable cgroup2 of its own, /run and /tmp as tmpfs, container= set. */
Test(oci, system_container_mode)
{
        char *out = inside("tr -s ' ' < /proc/self/uid_map; echo $container; mkdir /sys/fs/cgroup/sub && echo cg-rw;"
                           " grep -E ' /(run|tmp|sys/fs/cgroup) ' /proc/self/mounts | cut -d' ' -f2,3 | sort",
                           NULL, NULL, ", \"annotations\": {\"org.berth.system-container\": \"true\"}");
        unsigned base = 0;
        cr_expect(sscanf(out, " 0 %u 65536", &base) == 1 && base >= 0x80000, "%s", out);
        cr_expect(strstr(out, "\nberth-oci\ncg-rw\n/run tmpfs\n/sys/fs/cgroup cgroup2\n/tmp tmpfs\n"), "%s", out);
        free(out);
        char path[400];
        snprintf(path, sizeof(path), "%s/uids/%u", it.runtime_dir, base);
        cr_expect_neq(access(path, F_OK), 0, "the range's claim is gone with the container");
        /* While it runs, the claim holds. */
        write_config("exec sleep 1000", NULL, NULL, ", \"annotations\": {\"org.berth.system-container\": \"true\"}");
        cr_assert_eq(create("sy2", NULL), 0, "%s", bundle_file("err"));
        char *claims = it_sh_out(strjoin("ls ", it.runtime_dir, "/uids"));
        cr_expect_neq(claims[0], 0, "a claim while the container exists");
        char *fd_sy2[] = { (char *) oci_bin(), "--root", root, "delete", "--force", "sy2", NULL };
        struct it_result r = it_run(30, fd_sy2);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_expect_str_eq(it_sh_out(strjoin("ls ", it.runtime_dir, "/uids")), "");
        assert_gone("sy2");
}

/* linux.devices made with their mode and owner; linux.resources.devices
 * as the cgroup's policy: what is allowed opens, what is not does not; in
 * a user namespace a node the host does not have at that path is refused. */
Test(oci, devices_and_their_policy)
{
        static const char devices[] =
                ", \"devices\": [{\"path\": \"/dev/mynull\", \"type\": \"c\", \"major\": 1, \"minor\": 3, \"fileMode\": 416,"
                " \"uid\": 5, \"gid\": 6}, {\"path\": \"/dev/sub/blocked\", \"type\": \"c\", \"major\": 1, \"minor\": 11}],"
                " \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}, {\"allow\": true, \"type\": \"c\","
                " \"major\": 1, \"minor\": 3, \"access\": \"rwm\"}]}";
        char *out = inside("stat -c '%t,%T %a %u %g' /dev/mynull; echo x > /dev/mynull && echo wrote;"
                           " head -c1 /dev/sub/blocked 2>/dev/null || echo blocked",
                           NULL, devices, NULL);
        cr_expect_str_eq(out, "1,3 640 5 6\nwrote\nblocked\n");
        free(out);
        char linux_extra[1024];
        snprintf(linux_extra, sizeof(linux_extra), "%s, \"uidMappings\": [{\"containerID\": 0, \"hostID\": 2000000, "
                 "\"size\": 65536}], \"gidMappings\": [{\"containerID\": 0, \"hostID\": 2000000, \"size\": 65536}]",
                 devices);
        write_config("true", NULL, linux_extra, NULL);
        char path[400];
        snprintf(path, sizeof(path), "%s/config.json", bundle);
        it_sh("sed -i 's|{\"type\": \"pid\"}|{\"type\": \"pid\"}, {\"type\": \"user\"}|' %s", path);
        expect_refused("dv2", "linux.devices /dev/mynull: a user namespace makes no device nodes");
}

/* linux.personality: LINUX32 makes uname say a 32-bit machine. */
Test(oci, personality_linux32)
{
        char *out = inside("uname -m", NULL, ", \"personality\": {\"domain\": \"LINUX32\"}", NULL);
        cr_expect(strcmp(out, "i686\n") == 0 || strcmp(out, "armv8l\n") == 0 || strcmp(out, "i386\n") == 0, "%s", out);
        free(out);
        write_config("true", NULL, ", \"personality\": {\"domain\": \"LINUX64\"}", NULL);
        expect_refused("pe2", "linux.personality.domain: LINUX or LINUX32");
}

/* sd_notify through berth-oci: with NOTIFY_SOCKET at create, the process
 * gets a socket of its own, and start returns once it said READY=1,
 * which it passes on to the caller's socket. */
Test(oci, notify_socket_passes_ready_on)
{
        char sock[400], cmd[2048];
        snprintf(sock, sizeof(sock), "%s/notify.sock", it.dir);
        int l = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
        cr_assert(l >= 0 && bind(l, (struct sockaddr *) &sa, sizeof(sa)) == 0);
        write_config("echo $NOTIFY_SOCKET; sleep 0.3; systemd-notify --ready; exec sleep 1000", NULL, NULL, NULL);
        char path[400];
        snprintf(path, sizeof(path), "%s/config.json", bundle);
        it_sh("sed -i 's|\"path\": \"%s\"|\"path\": \"%s\"|' %s", it_busybox_tree(), it_debian_tree(), path);
        snprintf(cmd, sizeof(cmd), "NOTIFY_SOCKET=%s %s --root %s create --bundle %s --pid-file %s/pid n1 >%s/out 2>%s/err",
                 sock, oci_bin(), root, bundle, bundle, bundle, bundle);
        char *argv[] = { "/bin/sh", "-c", cmd, NULL };
        struct it_result r = it_run(30, argv);
        cr_assert_eq(r.status, 0, "%s", bundle_file("err"));
        it_result_free(&r);
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        r = oci("start", "n1", NULL);
        clock_gettime(CLOCK_MONOTONIC, &b);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        double s = (double) (b.tv_sec - a.tv_sec) + (double) (b.tv_nsec - a.tv_nsec) / 1e9;
        cr_expect_geq(s, 0.25, "start returned after %.2f s, before READY=1", s);
        char msg[64] = "";
        ssize_t n = recv(l, msg, sizeof(msg) - 1, MSG_DONTWAIT);
        cr_expect_gt(n, 0, "nothing came to the caller's socket");
        cr_expect_str_eq(msg, "READY=1");
        cr_expect_str_eq(bundle_file("out"), "/run/notify/notify.sock\n");
        close(l);
        char *argv2[] = { (char *) oci_bin(), "--root", root, "delete", "--force", "n1", NULL };
        r = it_run(30, argv2);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        assert_gone("n1");
}

/* run in the foreground without --console-socket: the terminal the
 * process asks for is run's own, relayed both ways. */
Test(oci, run_relays_its_terminal)
{
        write_config("tty; read line; echo got $line; exit 6", NULL, NULL, NULL);
        char path[400];
        snprintf(path, sizeof(path), "%s/config.json", bundle);
        it_sh("sed -i 's|\"terminal\": false|\"terminal\": true|' %s", path);
        char *argv[] = { (char *) oci_bin(), "--root", root, "run", "--bundle", bundle, "tr1", NULL };
        struct it_pty t;
        it_pty_start(&t, argv);
        cr_expect(it_pty_expect(&t, "/dev/pts/0", 20), "%s", t.out);
        it_pty_send(&t, "hello\r");
        cr_expect(it_pty_expect(&t, "got hello", 20), "%s", t.out);
        cr_expect_eq(it_pty_finish(&t, 20), 6, "%s", t.out);
        assert_gone("tr1");
}

/* --log FILE --log-format json: one JSON object per line with level, msg
 * and time, as engines parse them; the error said on stderr too. */
Test(oci, log_format_json)
{
        char log[400], cmd[1024];
        snprintf(log, sizeof(log), "%s/log.json", it.dir);
        snprintf(cmd, sizeof(cmd), "%s --root %s --log %s --log-format json state nope", oci_bin(), root, log);
        char *argv[] = { "/bin/sh", "-c", cmd, NULL };
        struct it_result r = it_run(30, argv);
        cr_expect_eq(r.status, 1);
        cr_expect_str_eq(r.err, "container does not exist\n");
        it_result_free(&r);
        char *text = it_read_file(log);
        cr_assert_not_null(text);
        cr_expect(strncmp(text, "{\"level\":\"error\",\"msg\":\"container does not exist\",\"time\":\"", 57) == 0 &&
                  it_count_lines(text) == 1, "%s", text);
        snprintf(cmd, sizeof(cmd), "%s --log-format yaml list", oci_bin());
        r = it_run(30, argv);
        cr_expect_eq(r.status, 1);
        cr_expect(strstr(r.err, "invalid log-format: yaml"), "%s", r.err);
        it_result_free(&r);
}

/* features and spec: what engines and users read from a runtime. */
Test(oci, features_and_spec)
{
        char cmd[1024];
        snprintf(cmd, sizeof(cmd), "%s features | python3 -c 'import json,sys; f=json.load(sys.stdin); "
                 "print(f[\"ociVersionMax\"], \"createRuntime\" in f[\"hooks\"], \"rbind\" in f[\"mountOptions\"], "
                 "\"user\" in f[\"linux\"][\"namespaces\"], f[\"linux\"][\"seccomp\"][\"enabled\"])'", oci_bin());
        cr_expect_str_eq(it_sh_out(cmd), "1.1.0 True True True True\n");
        char *argv[] = { (char *) oci_bin(), "spec", "--bundle", bundle, NULL };
        struct it_result r = it_run(30, argv);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        snprintf(cmd, sizeof(cmd), "python3 -c 'import json; c=json.load(open(\"%s/config.json\")); "
                 "print(c[\"root\"][\"path\"], c[\"process\"][\"args\"][0], len(c[\"linux\"][\"namespaces\"]))'", bundle);
        cr_expect_str_eq(it_sh_out(cmd), "rootfs sh 6\n");
        r = it_run(30, argv);
        cr_expect_eq(r.status, 1);
        cr_expect(strstr(r.err, "exists. Remove it first"), "%s", r.err);
        it_result_free(&r);
}

/* list (table, JSON, -q) and kill --all: every process of the cgroup. */
Test(oci, list_and_kill_all)
{
        write_config("sleep 1000 & sleep 1000 & wait", NULL, NULL, NULL);
        cr_assert_eq(create("k1", NULL), 0, "%s", bundle_file("err"));
        pid_t pid = atoi(bundle_file("pid"));
        struct it_result r = oci("start", "k1", NULL);
        it_result_free(&r);
        char *argv[] = { (char *) oci_bin(), "--root", root, "list", "--format", "json", NULL };
        r = it_run(30, argv);
        char want[128];
        snprintf(want, sizeof(want), "\"id\":\"k1\",\"pid\":%d,\"status\":\"running\"", (int) pid);
        cr_expect(strstr(r.out, want), "%s", r.out);
        it_result_free(&r);
        r = oci("list", "-q", NULL);
        cr_expect_str_eq(r.out, "k1\n");
        it_result_free(&r);
        for (int i = 0; i < 50; i++) {
                r = oci("ps", "k1", NULL);
                size_t n = it_count_lines(r.out);
                it_result_free(&r);
                if (n >= 4)
                        break;
                usleep(20000);
        }
        char *argv2[] = { (char *) oci_bin(), "--root", root, "kill", "--all", "k1", "KILL", NULL };
        r = it_run(30, argv2);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_expect_eq(waitpid(pid, NULL, 0), pid);
        expect_state("k1", "stopped", 0);
        r = oci("delete", "k1", NULL);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        assert_gone("k1");
}

/* --preserve-fds N keeps the caller's fds 3 .. 3+N-1 for the process and
 * closes the rest; --no-pivot moves the root instead of pivot_root; a
 * shared rootfsPropagation makes / shared inside. */
Test(oci, preserve_fds_no_pivot_and_propagation)
{
        write_config("ls /proc/self/fd | sort -n | tr '\\n' ' '; echo; grep -c shared: /proc/self/mountinfo | "
                     "sed 's/^0$/none/; s/^[1-9][0-9]*$/some/'; readlink /proc/1/root",
                     NULL, ", \"rootfsPropagation\": \"rshared\"", NULL);
        char cmd[2048];
        snprintf(cmd, sizeof(cmd), "exec 3</dev/null 4</dev/null 5</dev/null; exec %s --root %s run --bundle %s "
                 "--preserve-fds 2 --no-pivot pf1", oci_bin(), root, bundle);
        char *argv[] = { "/bin/sh", "-c", cmd, NULL };
        struct it_result r = it_run(30, argv);
        cr_expect_eq(r.status, 0, "%s", r.err);
        /* 0-2, the two kept, and ls's own directory fd (5: had the
         * caller's fd 5 stayed open, ls's would be 6). */
        cr_expect(strncmp(r.out, "0 1 2 3 4 5 \n", 13) == 0, "%s", r.out);
        cr_expect(strstr(r.out, "\nsome\n/\n"), "%s", r.out);
        it_result_free(&r);
        assert_gone("pf1");
}

/* A user namespace joined by path (a process of the test's holds it, its
 * maps written by the test): the container is its root, and its other
 * namespaces are new ones of that user namespace, PID 1 too. */
Test(oci, user_namespace_by_path)
{
        int go[2];
        cr_assert_eq(pipe(go), 0);
        pid_t holder = fork();
        cr_assert_geq(holder, 0);
        if (holder == 0) {
                char b;
                close(go[1]);
                if (unshare(CLONE_NEWUSER) < 0)
                        _exit(1);
                (void) !read(go[0], &b, 1);
                pause();
                _exit(0);
        }
        close(go[0]);
        char path[400], ns[64];
        usleep(100000);
        snprintf(path, sizeof(path), "/proc/%d/uid_map", (int) holder);
        it_write_text(path, "0 2100000 65536\n");
        snprintf(path, sizeof(path), "/proc/%d/gid_map", (int) holder);
        it_write_text(path, "0 2100000 65536\n");
        snprintf(ns, sizeof(ns), "/proc/%d/ns/user", (int) holder);
        write_config("tr -s ' ' < /proc/self/uid_map; echo $$; readlink /proc/self/ns/user", NULL, NULL, NULL);
        snprintf(path, sizeof(path), "%s/config.json", bundle);
        it_sh("sed -i 's|{\"type\": \"pid\"}|{\"type\": \"pid\"}, {\"type\": \"user\", \"path\": \"%s\"}|' %s", ns, path);
        struct it_result r = run("up1");
        char want[128], *id = it_sh_out(strjoin("readlink ", ns, NULL));
        snprintf(want, sizeof(want), " 0 2100000 65536\n1\n%s", id);
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect_str_eq(r.out, want);
        it_result_free(&r);
        kill(holder, SIGKILL);
        waitpid(holder, NULL, 0);
        close(go[1]);
        assert_gone("up1");
}

/* A cgroup namespace joined by path: the process's /proc/self/cgroup is
 * seen from it (the host's, here: paths from the root). */
Test(oci, cgroup_namespace_by_path)
{
        write_config("cat /proc/self/cgroup | grep '^0::'", NULL, NULL, NULL);
        char path[400];
        snprintf(path, sizeof(path), "%s/config.json", bundle);
        it_sh("sed -i 's|{\"type\": \"cgroup\"}|{\"type\": \"cgroup\", \"path\": \"/proc/%d/ns/cgroup\"}|' %s",
              (int) getpid(), path);
        struct it_result r = run("cn1");
        cr_expect_eq(r.status, 0, "%s", r.err);
        cr_expect(strstr(r.out, "/berth-cn1/payload\n"), "seen from the host's cgroup namespace: %s", r.out);
        it_result_free(&r);
        write_config("cat /proc/self/cgroup | grep '^0::'", NULL, NULL, NULL);
        r = run("cn2");
        cr_expect_str_eq(r.out, "0::/\n", "its own: %s", r.err);
        it_result_free(&r);
        assert_gone("cn1");
}

/* A console socket that takes the connection but not the terminal (its
 * peer closes at once): create fails with runc-style line, nothing left. */
Test(oci, console_socket_refusing_the_fd)
{
        char sock[400];
        snprintf(sock, sizeof(sock), "%s/bad.sock", it.dir);
        int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
        cr_assert(l >= 0 && bind(l, (struct sockaddr *) &sa, sizeof(sa)) == 0 && listen(l, 1) == 0);
        pid_t closer = fork();
        if (closer == 0) {
                int c = accept(l, NULL, NULL);
                shutdown(c, SHUT_RDWR);
                close(c);
                _exit(0);
        }
        write_config("true", NULL, NULL, NULL);
        char path[400];
        snprintf(path, sizeof(path), "%s/config.json", bundle);
        it_sh("sed -i 's|\"terminal\": false|\"terminal\": true|' %s", path);
        char cmd[1024];
        snprintf(cmd, sizeof(cmd), "exec %s --root %s create --bundle %s --console-socket %s cs1", oci_bin(), root,
                 bundle, sock);
        char *argv[] = { "/bin/sh", "-c", cmd, NULL };
        struct it_result r = it_run(30, argv);
        waitpid(closer, NULL, 0);
        cr_expect_eq(r.status, 1);
        cr_expect(strstr(r.err, "sending the terminal to --console-socket"), "%s", r.err);
        it_result_free(&r);
        close(l);
        assert_gone("cs1");
}

/* A time namespace with linux.timeOffsets: the boot clock three days
 * on; still PID 1 in the PID namespace. */
Test(oci, time_namespace_with_offsets)
{
        write_config("echo $$; cut -d. -f1 /proc/uptime", NULL,
                     ", \"timeOffsets\": {\"boottime\": {\"secs\": 259200, \"nanosecs\": 0}}", NULL);
        char path[400];
        snprintf(path, sizeof(path), "%s/config.json", bundle);
        it_sh("sed -i 's|{\"type\": \"pid\"}|{\"type\": \"pid\"}, {\"type\": \"time\"}|' %s", path);
        struct it_result r = run("tn1");
        cr_expect_eq(r.status, 0, "%s", r.err);
        char *out = strdup(r.out);
        it_result_free(&r);
        assert_gone("tn1");
        char *host = it_sh_out("cut -d. -f1 /proc/uptime");
        long inside_up = 0, host_up = atol(host);
        cr_expect(sscanf(out, "1\n%ld", &inside_up) == 1, "%s", out);
        free(out);
        cr_expect(inside_up >= host_up + 259200 - 5, "uptime %ld inside, %ld on the host", inside_up, host_up);
}

/* memory.swap: memory and swap together, as v1's memsw; below the memory
 * limit (or without one) it is refused, nothing left. */
Test(oci, memory_swap_limit)
{
        write_config("exec sleep 1000", NULL, ", \"resources\": {\"memory\": {\"limit\": 67108864, \"swap\": 134217728}}",
                     NULL);
        cr_assert_eq(create("sw1", NULL), 0, "%s", bundle_file("err"));
        char cmd[512], *pid = bundle_file("pid");
        snprintf(cmd, sizeof(cmd), "p=$(grep -E ':memory:' /proc/%s/cgroup | cut -d: -f3); "
                 "cat /sys/fs/cgroup/memory${p%%/payload}/memory.memsw.limit_in_bytes", pid);
        cr_expect_str_eq(it_sh_out(cmd), "134217728\n");
        /* update: --memory then --memory-swap, in that order. */
        struct it_result u = oci("start", "sw1", NULL);
        it_result_free(&u);
        char *up[] = { (char *) oci_bin(), "--root", root, "update", "--memory", "33554432", "--memory-swap", "67108864",
                       "sw1", NULL };
        u = it_run(30, up);
        cr_expect_eq(u.status, 0, "%s", u.err);
        it_result_free(&u);
        cr_expect_str_eq(it_sh_out(cmd), "67108864\n");
        char *argv[] = { (char *) oci_bin(), "--root", root, "delete", "--force", "sw1", NULL };
        struct it_result r = it_run(30, argv);
        cr_expect_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        waitpid(atoi(pid), NULL, 0);
        assert_gone("sw1");
        write_config("true", NULL, ", \"resources\": {\"memory\": {\"limit\": 67108864, \"swap\": 1048576}}", NULL);
        expect_refused("sw2", "linux.resources.memory.swap 1048576: needs a memory.limit, and not one above it");
}
