/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The systemd cgroup backend, for real: the Debian tree boots as a machine
 * with its own systemd and D-Bus, and inside it berth runs a small machine
 * of its own; that systemd makes the scope. No mock of systemd anywhere. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(systemd, .init = it_setup, .fini = it_teardown);

/* The outer machine: Debian, with berth's build directory and the busybox
 * tree bound in (idmapped, so root's files are root's inside). */
static pid_t boot_outer_tree(const char *name, const char *outer_tree)
{
        char bin[512], berth_dir[600], tree[600];
        pid_t pid;

        snprintf(bin, sizeof(bin), "%s", it_berth());
        snprintf(berth_dir, sizeof(berth_dir), "--bind-ro=%s:/opt/berth:idmap", dirname(bin));
        snprintf(tree, sizeof(tree), "--bind-ro=%s:/srv/tree:idmap", it_busybox_tree());
        pid = it_berth_spawn(name, "-D", outer_tree, "--ephemeral", "--boot", "--name", name, berth_dir, tree,
                             NULL);
        cr_assert(it_wait_state(name, "running", 60), "machine %s did not come up: %s", name,
                  it_spawn_log(name, "err"));
        return pid;
}

static pid_t boot_outer(const char *name)
{
        return boot_outer_tree(name, it_debian_tree());
}

static void power_off(pid_t pid, const char *name)
{
        cr_assert_eq(kill(pid, SIGTERM), 0);
        cr_assert_eq(it_wait(pid, 60), 0, "machine %s did not power off cleanly", name);
        char *left = it_leftovers(name, it_debian_tree());
        cr_assert_null(left, "%s", left);
}

/* Run a command in the outer machine through its systemd (so that it lives
 * in the outer machine's cgroup tree), in the background, output to a file. */
static pid_t spawn_in(const char *machine, const char *command, const char *log)
{
        char *leader = it_state_get(machine, "LEADER"), path[600];
        pid_t pid;

        cr_assert_not_null(leader);
        snprintf(path, sizeof(path), "%s/%s", it.dir, log);
        pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), null = open("/dev/null", O_RDONLY);
                dup2(null, 0);
                dup2(fd, 1);
                dup2(fd, 2);
                execlp("nsenter", "nsenter", "-t", leader, "-a", "systemd-run", "--wait", "--pipe", "-q", "/bin/sh",
                       "-c", command, (char *) NULL);
                _exit(127);
        }
        free(leader);
        return pid;
}

static char *inside(const char *machine, const char *command)
{
        struct it_result r = it_exec_in(machine, 30, command);
        char *out = r.out;

        cr_assert_eq(r.status, 0, "'%s' in %s: %s%s", command, machine, r.out, r.err);
        free(r.err);
        return out;
}

static bool wait_inside(const char *machine, const char *command, const char *want, int timeout_sec)
{
        for (double end = it_now() + timeout_sec; it_now() < end; usleep(100000)) {
                struct it_result r = it_exec_in(machine, 10, command);
                bool ok = r.status == 0 && strcmp(r.out, want) == 0;
                it_result_free(&r);
                if (ok)
                        return true;
        }
        return false;
}

Test(systemd, the_machines_systemd_makes_the_scope)
{
        const char *outer = "sd-outer";
        pid_t pid = boot_outer(outer), inner;
        char *out, *log, path[600];

        cr_assert(wait_inside(outer, "systemctl is-system-running --wait", "running\n", 60));
        inner = spawn_in(outer,
                         "/opt/berth/berth -D /srv/tree -x --private-users=no --cgroup=systemd --name inner "
                         "--memory-max=100M --tasks-max=77 --cpu-quota=50% --io-weight=300 "
                         "\"--io-write-bandwidth-max=$(ls /sys/dev/block | head -1) 5M\" -- "
                         "/bin/sh -c 'grep ^0:: /proc/self/cgroup; echo started; sleep 4; echo done'",
                         "inner.log");
        cr_assert(wait_inside(outer, "systemctl show -p ActiveState --value machine-inner.scope", "active\n", 30),
                  "no active machine-inner.scope; berth said: %s", it_read_file((snprintf(path, sizeof(path),
                                                                               "%s/inner.log", it.dir), path)));
        out = inside(outer, "systemctl show -p Delegate -p MemoryMax -p TasksMax -p CPUQuotaPerSecUSec -p Slice "
                            "-p ControlGroup -p IOWeight -p IOWriteBandwidthMax machine-inner.scope");
        cr_expect(strstr(out, "Delegate=yes\n"), "%s", out);
        cr_expect(strstr(out, "MemoryMax=104857600\n"), "%s", out);
        cr_expect(strstr(out, "TasksMax=77\n"), "%s", out);
        cr_expect(strstr(out, "CPUQuotaPerSecUSec=500ms\n"), "%s", out);
        cr_expect(strstr(out, "IOWeight=300\n"), "%s", out);
        cr_expect(strstr(out, "IOWriteBandwidthMax=/dev/block/") && strstr(out, " 5000000\n"), "%s", out);
        cr_expect(strstr(out, "Slice=machine.slice\n"), "%s", out);
        cr_expect(strstr(out, "ControlGroup=/machine.slice/machine-inner.scope\n"), "%s", out);
        free(out);
        /* The launcher in supervisor/, the machine in payload/ of the scope. */
        out = inside(outer, "cd /sys/fs/cgroup/machine.slice/machine-inner.scope && "
                            "wc -l < supervisor/cgroup.procs && wc -l < payload/cgroup.procs && wc -l < cgroup.procs");
        int sup = -1, pay = -1, top = -1;
        cr_assert_eq(sscanf(out, "%d %d %d", &sup, &pay, &top), 3, "%s", out);
        cr_expect(sup == 1 && pay >= 2 && top == 0,
                  "the launcher in supervisor/, stub and command in payload/, none at the top: %d %d %d", sup, pay,
                  top);
        free(out);

        cr_assert_eq(it_wait(inner, 30), 0);
        snprintf(path, sizeof(path), "%s/inner.log", it.dir);
        log = it_read_file(path);
        cr_expect(strstr(log, "0::/\nstarted\n"), "the machine's cgroup namespace: %s", log);
        cr_expect(strstr(log, "done\n"), "%s", log);
        free(log);
        /* Gone after exit, in systemd and in the cgroup tree. */
        cr_assert(wait_inside(outer, "systemctl show -p LoadState --value machine-inner.scope", "not-found\n", 10));
        out = inside(outer, "test -e /sys/fs/cgroup/machine.slice/machine-inner.scope && echo left || echo gone");
        cr_expect_str_eq(out, "gone\n");
        free(out);
        power_off(pid, outer);
}

Test(systemd, a_refused_scope_is_one_line_and_nothing_starts)
{
        const char *outer = "sd-refuse";
        pid_t pid = boot_outer(outer);
        struct it_result r;

        cr_assert(wait_inside(outer, "systemctl is-system-running --wait", "running\n", 60));
        /* systemd refuses a slice name with a dash at its end. */
        r = it_exec_in(outer, 30, "/opt/berth/berth -D /srv/tree -x --private-users=no --cgroup=systemd "
                                  "--name inner --slice=bad-.slice -- /bin/true; echo status=$?; "
                                  "systemctl show -p LoadState --value machine-inner.scope; "
                                  "ls /run/berth/machines /run/berth/locks 2>/dev/null | grep -c inner");
        cr_expect(strstr(r.out, "status=1\nnot-found\n0\n"), "out: %s err: %s", r.out, r.err);
        cr_expect(strstr(r.err, "machine-inner.scope"), "err: %s", r.err);
        cr_expect(strchr(r.err, '\n') && strchr(r.err, '\n')[1] == 0, "not one line: %s", r.err);
        it_result_free(&r);
        power_off(pid, outer);
}

/* systemd is PID 1, but its bus does not answer berth-bus: with the default
 * --cgroup=auto berth says so in one line and does without it. */
Test(systemd, a_silent_bus_falls_back_to_the_cgroup_file_system)
{
        const char *outer = "sd-silent";
        pid_t pid = boot_outer(outer), inner;
        char *out, *log, path[600];

        cr_assert(wait_inside(outer, "systemctl is-system-running --wait", "running\n", 60));
        inner = spawn_in(outer,
                         "exec systemd-run --wait --pipe -q --unit=silent -p Delegate=yes "
                         "-E DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent "
                         "/opt/berth/berth -D /srv/tree -x --private-users=no --name inner -- "
                         "/bin/sh -c 'grep ^0:: /proc/self/cgroup; echo started; sleep 4; echo done'",
                         "silent.log");
        snprintf(path, sizeof(path), "%s/silent.log", it.dir);
        cr_assert(wait_inside(outer, "cat /sys/fs/cgroup/system.slice/silent.service/berth-inner/payload/cgroup.procs "
                                     "2>/dev/null | wc -l | grep -qv '^0$' && echo there", "there\n", 30),
                  "no berth-inner below silent.service; berth said: %s", it_read_file(path));
        out = inside(outer, "systemctl show -p LoadState --value machine-inner.scope");
        cr_expect_str_eq(out, "not-found\n", "a scope was made although its bus did not answer");
        free(out);

        cr_assert_eq(it_wait(inner, 30), 0);
        log = it_read_file(path);
        cr_expect(strstr(log, "machine inner: no system bus answers: No such file or directory; using the cgroup "
                              "file system\n0::/\nstarted\n"), "%s", log);
        cr_expect(strstr(log, "done\n"), "%s", log);
        free(log);
        out = inside(outer, "test -e /sys/fs/cgroup/system.slice/silent.service/berth-inner && echo left || echo gone");
        cr_expect_str_eq(out, "gone\n");
        free(out);
        power_off(pid, outer);
}

Test(systemd, systemd_asked_for_where_it_does_not_run)
{
        /* This host has no systemd as PID 1. */
        if (access("/run/systemd/system", F_OK) == 0)
                cr_skip_test("systemd runs as PID 1 here: nothing to refuse");
        struct it_result r = it_berth_run(30, "-D", it_busybox_tree(), "--name", "sd-none", "--cgroup=systemd", "--",
                                          "/bin/true", NULL);
        cr_expect_eq(r.status, 1);
        cr_expect(strstr(r.err, "systemd is not running as PID 1"), "%s", r.err);
        cr_expect(strchr(r.err, '\n') && strchr(r.err, '\n')[1] == 0, "not one line: %s", r.err);
        char *left = it_leftovers("sd-none", it_busybox_tree());
        cr_expect_null(left, "%s", left);
        it_result_free(&r);
}

Test(systemd, keep_unit_uses_the_service_berth_runs_in)
{
        const char *outer = "sd-keep";
        pid_t pid = boot_outer(outer), inner;
        char *out, *log, path[600];

        cr_assert(wait_inside(outer, "systemctl is-system-running --wait", "running\n", 60));
        /* As berth@.service runs it: a Type=notify service with Delegate=yes. */
        inner = spawn_in(outer,
                         "exec systemd-run --wait --pipe -q --unit=keeper -p Type=notify -p Delegate=yes "
                         "/opt/berth/berth -D /srv/tree -x --private-users=no --keep-unit --name kept -- "
                         "/bin/sh -c 'grep ^0:: /proc/self/cgroup; echo started; sleep 4; echo done'",
                         "keeper.log");
        /* Type=notify: the service is active only once berth passed READY=1 on. */
        cr_assert(wait_inside(outer, "systemctl show -p ActiveState --value keeper.service", "active\n", 30),
                  "keeper.service never became active: %s",
                  it_read_file((snprintf(path, sizeof(path), "%s/keeper.log", it.dir), path)));
        out = inside(outer, "cd /sys/fs/cgroup/system.slice/keeper.service && "
                            "wc -l < supervisor/cgroup.procs && wc -l < payload/cgroup.procs && wc -l < cgroup.procs; "
                            "systemctl show -p LoadState --value machine-kept.scope");
        int sup = -1, pay = -1, top = -1;
        char state[64] = "";
        cr_assert_eq(sscanf(out, "%d %d %d %63s", &sup, &pay, &top, state), 4, "%s", out);
        cr_expect(sup == 1 && pay >= 2 && top == 0, "supervisor %d, payload %d, top %d", sup, pay, top);
        cr_expect_str_eq(state, "not-found", "a scope was made although --keep-unit was given");
        free(out);

        cr_assert_eq(it_wait(inner, 30), 0);
        snprintf(path, sizeof(path), "%s/keeper.log", it.dir);
        log = it_read_file(path);
        cr_expect(strstr(log, "0::/\nstarted\n"), "%s", log);
        cr_expect(strstr(log, "done\n"), "%s", log);
        free(log);
        power_off(pid, outer);
}

/* Where systemd runs, StartMachine starts berth@NAME.service: the unit of
 * units/ runs the launcher (--keep-unit), systemd supervises it, and berthd
 * still answers once the machine registered. Berth, berthd, berthctl, the
 * bus policy, the unit and the busybox image are all bound into a Debian
 * machine, whose systemd and D-Bus do the rest. */
static char *unit_file(void)
{
        char src[600], *text, *out;
        FILE *f;

        snprintf(src, sizeof(src), "%s/units/berth@.service.in", getenv("BERTH_SOURCE_ROOT"));
        text = it_read_file(src);
        cr_assert_not_null(text, "%s", src);
        cr_assert(asprintf(&out, "%s/berth@.service", it.dir) > 0);
        f = fopen(out, "w");
        cr_assert_not_null(f);
        for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
                char line[1024];
                snprintf(line, sizeof(line), "%s", l);
                /* A machine inside a machine has no 65536 IDs to give away. */
                if (strncmp(line, "ExecStart=", 10) == 0)
                        fprintf(f, "ExecStart=/opt/berth/berth --quiet --keep-unit --boot --console=passive "
                                   "--private-users=no -x --machine=%%i\n");
                else if (strstr(line, "@statedir@"))
                        fprintf(f, "RequiresMountsFor=/var/lib/berth/images/%%i\n");
                else
                        fprintf(f, "%s\n", line);
        }
        fclose(f);
        free(text);
        return out;
}

Test(systemd, start_machine_runs_the_unit)
{
        const char *outer = "sd-unit";
        char bin[512], berthd[512], ctl[512], a1[700], a2[700], a3[700], a4[700], a5[700], a6[700];
        char *unit = unit_file();
        struct it_result r;
        pid_t pid;

        snprintf(bin, sizeof(bin), "%s", it_berth());
        snprintf(berthd, sizeof(berthd), "%s", getenv("BERTHD_BIN"));
        snprintf(ctl, sizeof(ctl), "%s", getenv("BERTHCTL_BIN"));
        snprintf(a1, sizeof(a1), "--bind-ro=%s:/opt/berth:idmap", dirname(bin));
        snprintf(a2, sizeof(a2), "--bind-ro=%s:/opt/berthd:idmap", dirname(berthd));
        snprintf(a3, sizeof(a3), "--bind-ro=%s:/opt/berthctl:idmap", dirname(ctl));
        snprintf(a4, sizeof(a4), "--bind-ro=%s/dbus/org.berth.machine1.conf:/etc/dbus-1/system.d/"
                                 "org.berth.machine1.conf:idmap", getenv("BERTH_SOURCE_ROOT"));
        snprintf(a5, sizeof(a5), "--bind-ro=%s:/etc/systemd/system/berth@.service:idmap", unit);
        snprintf(a6, sizeof(a6), "--bind-ro=%s:/var/lib/berth/images/bb:idmap", it_busybox_tree());
        pid = it_berth_spawn(outer, "-D", it_debian_tree(), "--ephemeral", "--boot", "--name", outer, a1, a2, a3, a4,
                             a5, a6, NULL);
        cr_assert(it_wait_state(outer, "running", 60), "%s", it_spawn_log(outer, "err"));
        cr_assert(wait_inside(outer, "systemctl is-system-running --wait", "running\n", 60));
        r = it_exec_in(outer, 30, "systemd-run -q --unit=berthd-test -E BERTH_LAUNCHER=/opt/berth/berth "
                                  "/opt/berthd/berthd && sleep 1 && /opt/berthctl/berthctl start --wait bb");
        cr_assert_eq(r.status, 0, "start: %s%s", r.out, r.err);
        it_result_free(&r);

        char *out = inside(outer, "systemctl is-active berth@bb.service; /opt/berthctl/berthctl list --no-legend | "
                                  "cut -d' ' -f1; systemctl show -p MainPID --value berth@bb.service; "
                                  "/opt/berthctl/berthctl show bb -p Supervisor --value");
        char active[32] = "", listed[64] = "";
        unsigned main_pid = 0, supervisor = 1;
        cr_assert_eq(sscanf(out, "%31s %63s %u %u", active, listed, &main_pid, &supervisor), 4, "%s", out);
        cr_expect_str_eq(active, "active");
        cr_expect_str_eq(listed, "bb");
        cr_expect_eq(main_pid, supervisor, "the unit's main process is not the machine's launcher: %s", out);
        free(out);

        /* set-property through systemd (SetUnitProperties on the unit the
         * machine is), freeze and thaw through the unit's cgroup. */
        r = it_exec_in(outer, 30, "/opt/berthctl/berthctl set-property --runtime bb TasksMax=77 MemoryMax=300M && "
                                  "systemctl show -p TasksMax -p MemoryMax berth@bb.service");
        cr_expect(r.status == 0 && strstr(r.out, "TasksMax=77\n") && strstr(r.out, "MemoryMax=314572800\n"),
                  "set-property: %s%s", r.out, r.err);
        it_result_free(&r);
        r = it_exec_in(outer, 30, "/opt/berthctl/berthctl freeze bb && /opt/berthctl/berthctl show bb -p State "
                                  "--value && /opt/berthctl/berthctl thaw bb && /opt/berthctl/berthctl show bb -p "
                                  "State --value");
        cr_expect(r.status == 0 && strcmp(r.out, "frozen\nrunning\n") == 0, "freeze: %s%s", r.out, r.err);
        it_result_free(&r);

        r = it_exec_in(outer, 30, "/opt/berthctl/berthctl poweroff bb");
        cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
        it_result_free(&r);
        bool gone = wait_inside(outer, "systemctl is-active berth@bb.service || true", "inactive\n", 30);
        if (!gone) {
                char *st = inside(outer, "systemctl status --no-pager -n 20 berth@bb.service berthd-test || true");
                cr_expect(gone, "berth@bb.service did not stop:\n%s", st);
                free(st);
        }
        cr_expect(wait_inside(outer, "/opt/berthctl/berthctl list --no-legend", "", 30));
        power_off(pid, outer);
}

/* Where systemd-machined runs (the outer machine has systemd-container),
 * the launcher registers the machine there: machinectl of that systemd
 * lists it with its class, service, leader and scope, and it is gone from
 * machined once it ends; with machined masked, --register=auto still
 * starts it, with one warning line. */
Test(systemd, machined_registers_the_machine_while_it_runs)
{
        const char *outer = "sd-md";
        pid_t pid = boot_outer_tree(outer, it_debian_machined_tree());
        char path[600];

        cr_assert(wait_inside(outer, "systemctl is-system-running --wait", "running\n", 60));
        pid_t inner = spawn_in(outer, "/opt/berth/berth -D /srv/tree -x --private-users=no --name inner -- sleep 60",
                               "md-inner.log");
        snprintf(path, sizeof(path), "%s/md-inner.log", it.dir);
        cr_assert(wait_inside(outer, "machinectl list --no-legend | grep -c '^inner '", "1\n", 30),
                  "machined does not list inner; berth said: %s", it_read_file(path));
        char *out = inside(outer, "machinectl show inner -p Class -p Service -p Unit -p Leader");
        cr_expect(strstr(out, "Class=container\n") && strstr(out, "Service=berth\n") &&
                  strstr(out, "Unit=machine-inner.scope\n") && !strstr(out, "Leader=0\n"),
                  "%s", out);
        free(out);
        out = inside(outer, "machinectl terminate inner && echo ok");
        cr_expect_str_eq(out, "ok\n");
        free(out);
        cr_expect_neq(it_wait(inner, 30), -1, "inner did not end on machinectl terminate");
        cr_expect(wait_inside(outer, "machinectl list --no-legend | grep -c '^inner ' || true", "0\n", 30),
                  "machined still lists inner after its end");

        out = inside(outer, "systemctl stop systemd-machined && systemctl mask --runtime systemd-machined && echo ok");
        cr_expect_str_eq(out, "ok\n");
        free(out);
        inner = spawn_in(outer, "/opt/berth/berth -D /srv/tree -x --private-users=no --name inner2 -- /bin/true",
                         "md-inner2.log");
        cr_expect_eq(it_wait(inner, 60), 0, "without machined the machine did not run");
        snprintf(path, sizeof(path), "%s/md-inner2.log", it.dir);
        char *log = it_read_file(path);
        cr_expect(log && strstr(log, "machine inner2: ") && strstr(log, "it runs unregistered there"), "%s", log);
        free(log);
        power_off(pid, outer);
}

/* Boot the outer machine with berth's binaries, its dbus policy and
 * berth@.service, and the busybox tree as the image bb. */
static pid_t boot_with_unit(const char *outer)
{
        char bin[512], ctl[512], a1[700], a3[700], a4[700], a5[700], a6[700];
        char *unit = unit_file();

        snprintf(bin, sizeof(bin), "%s", it_berth());
        snprintf(ctl, sizeof(ctl), "%s", getenv("BERTHCTL_BIN"));
        snprintf(a1, sizeof(a1), "--bind-ro=%s:/opt/berth:idmap", dirname(bin));
        snprintf(a3, sizeof(a3), "--bind-ro=%s:/opt/berthctl:idmap", dirname(ctl));
        snprintf(a4, sizeof(a4), "--bind-ro=%s/dbus/org.berth.machine1.conf:/etc/dbus-1/system.d/"
                                 "org.berth.machine1.conf:idmap", getenv("BERTH_SOURCE_ROOT"));
        snprintf(a5, sizeof(a5), "--bind-ro=%s:/etc/systemd/system/berth@.service:idmap", unit);
        snprintf(a6, sizeof(a6), "--bind-ro=%s:/var/lib/berth/images/bb:idmap", it_busybox_tree());
        pid_t pid = it_berth_spawn(outer, "-D", it_debian_tree(), "--ephemeral", "--boot", "--name", outer, a1, a3,
                                   a4, a5, a6, NULL);
        cr_assert(it_wait_state(outer, "running", 60), "%s", it_spawn_log(outer, "err"));
        free(unit);
        return pid;
}

/* A reboot of the outer machine (its layer kept), until it runs again. */
static void reboot_outer(const char *outer)
{
        char *before = it_state_get(outer, "LEADER");
        struct it_result r = it_exec_in(outer, 30, "systemctl reboot");
        it_result_free(&r);
        bool again = false;
        for (double end = it_now() + 60; !again && it_now() < end; usleep(100000)) {
                char *now = it_state_get(outer, "LEADER"), *state = it_state_get(outer, "STATE");
                again = now && state && strcmp(now, before) != 0 && strcmp(state, "running") == 0;
                free(now), free(state);
        }
        free(before);
        cr_assert(again, "the outer machine did not come back");
        cr_assert(wait_inside(outer, "systemctl is-system-running --wait", "running\n", 60));
}

/* berthctl enable puts berth@bb.service into machines.target: after a
 * reboot of the outer machine bb comes up by itself; disable takes it out,
 * and after the next reboot it does not. Where no systemd answers, enable
 * says so. */
Test(systemd, enable_starts_the_machine_at_boot)
{
        const char *outer = "sd-en";
        pid_t pid = boot_with_unit(outer);
        cr_assert(wait_inside(outer, "systemctl is-system-running --wait", "running\n", 60));
        struct it_result r = it_exec_in(outer, 30, "/opt/berthctl/berthctl enable bb");
        cr_assert_eq(r.status, 0, "enable: %s%s", r.out, r.err);
        cr_expect(strstr(r.err, "machines.target.wants/berth@bb.service"), "%s", r.err);
        it_result_free(&r);
        char *out = inside(outer, "systemctl is-enabled berth@bb.service");
        cr_expect_str_eq(out, "enabled\n");
        free(out);
        reboot_outer(outer);
        cr_expect(wait_inside(outer, "systemctl is-active berth@bb.service", "active\n", 60),
                  "bb did not come up at boot");
        r = it_exec_in(outer, 30, "/opt/berthctl/berthctl disable bb");
        cr_assert_eq(r.status, 0, "disable: %s%s", r.out, r.err);
        it_result_free(&r);
        reboot_outer(outer);
        out = inside(outer, "systemctl is-active berth@bb.service || true");
        cr_expect_str_eq(out, "inactive\n", "bb came up after disable");
        free(out);
        power_off(pid, outer);
}

/* A Debian machine inside the Debian with machined: registered there,
 * `systemd-run -M inner --wait --pipe` and `systemctl -M inner` reach its
 * own systemd through its bus, and with --link-journal=try-host `journalctl -M inner` reads
 * its boot. (Ephemeral: the outer's root is an overlay, which the inner
 * overlay cannot take as its upper layer.) */
Test(systemd, machined_reaches_a_registered_machines_bus_and_journal)
{
        const char *outer = "sd-mdj";
        char bin[512], a1[700], a2[700];

        snprintf(bin, sizeof(bin), "%s", it_berth());
        snprintf(a1, sizeof(a1), "--bind-ro=%s:/opt/berth:idmap", dirname(bin));
        snprintf(a2, sizeof(a2), "--bind-ro=%s:/srv/deb:idmap", it_debian_tree());
        pid_t pid = it_berth_spawn(outer, "-D", it_debian_machined_tree(), "--ephemeral", "--boot", "--name", outer,
                                   a1, a2, NULL);
        cr_assert(it_wait_state(outer, "running", 60), "%s", it_spawn_log(outer, "err"));
        cr_assert(wait_inside(outer, "systemctl is-system-running --wait", "running\n", 60));
        pid_t inner = spawn_in(outer, "/opt/berth/berth -D /srv/deb -x --private-users=no --boot --name inner "
                                      "--link-journal=try-host --console=passive",
                               "mdj-inner.log");
        char path[600];
        snprintf(path, sizeof(path), "%s/mdj-inner.log", it.dir);
        bool listed = wait_inside(outer, "machinectl list --no-legend | grep -c '^inner '", "1\n", 60);
        cr_assert(listed, "machined does not list inner: %s", it_read_file(path));
        cr_expect(wait_inside(outer, "systemd-run -M inner --wait --pipe -q /bin/sh -c 'echo from-$(hostname)' "
                                     "2>/dev/null || true",
                              "from-inner\n", 60),
                  "systemd-run -M inner did not run in inner");
        cr_expect(wait_inside(outer, "systemctl -M inner is-system-running --wait 2>/dev/null || true", "running\n",
                              60),
                  "systemctl -M inner does not say running");
        struct it_result r = it_exec_in(outer, 30, "journalctl -M inner --no-pager -q -o cat | grep -c 'Reached target'");
        cr_expect(r.status == 0 && atoi(r.out) > 0, "journalctl -M inner: %s%s", r.out, r.err);
        it_result_free(&r);
        r = it_exec_in(outer, 60, "machinectl poweroff inner");
        it_result_free(&r);
        cr_expect_eq(it_wait(inner, 60), 0, "inner did not power off: %s", it_read_file(path));
        power_off(pid, outer);
}
