/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthd on a private system bus with the project's policy, driven by
 * clients not written here (busctl, dbus-send): its live introspection is
 * the reference XML; StartMachine boots the Debian image, which runs,
 * reboots under the same name and powers off; machines started by hand
 * register unless told not to; machines outlive a berthd killed with
 * SIGKILL and the next berthd finds them; KillMachine reaches every process;
 * errors have their names and leave nothing behind; callers other than root
 * read but change nothing, by the policy and by berthd's own check. */
#include <criterion/criterion.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "helpers.h"

TestSuite(daemon, .init = it_setup, .fini = it_teardown);

#define DEST "org.berth.machine1"
#define MANAGER_PATH "/org/berth/machine1"
#define MANAGER "org.berth.machine1.Manager"
#define MACHINE "org.berth.machine1.Machine"
#define IMAGE "org.berth.machine1.Image"

static void daemon_up(void)
{
        it_bus_start();
        it_berthd_start();
}

static char *berthd_log(void)
{
        char *l = it_berthd_log();

        return l ? l : strdup("(no log)");
}

static char *object_of(const char *machine)
{
        char *path = NULL;

        cr_assert_geq(sd_bus_path_encode(MANAGER_PATH "/machine", machine, &path), 0);
        return path;
}

/* A busybox machine started by hand that sleeps, once its state file says
 * running; extra: a --register= option or NULL. */
static pid_t spawn_sleeper(const char *name, const char *extra)
{
        const char *tree = it_busybox_tree();
        pid_t pid;

        if (extra)
                pid = it_berth_spawn(name, "-D", tree, "--ephemeral", "--name", name, extra, "--", "sleep", "1000",
                                     NULL);
        else
                pid = it_berth_spawn(name, "-D", tree, "--ephemeral", "--name", name, "--", "sleep", "1000", NULL);
        if (!it_wait_state(name, "running", 60)) {
                char *err = it_spawn_log(name, "err");
                kill(pid, SIGKILL);
                it_wait(pid, 10);
                cr_assert_fail("machine %s did not reach STATE=running; berth said:\n%s", name, err);
        }
        return pid;
}

/* A D-Bus error from dbus-send: "Error NAME: MESSAGE" with needle in the
 * message. */
static void assert_dbus_error(struct it_result *r, const char *what, const char *error_name, const char *needle)
{
        char prefix[300];

        snprintf(prefix, sizeof(prefix), "Error %s: ", error_name);
        cr_assert_neq(r->status, 0, "%s succeeded: %s", what, r->out);
        cr_assert(strncmp(r->err, prefix, strlen(prefix)) == 0, "%s: expected %s..., got '%s'", what, prefix,
                  r->err);
        if (needle)
                cr_assert(strstr(r->err + strlen(prefix), needle), "%s: the message lacks '%s': '%s'", what,
                          needle, r->err);
        it_result_free(r);
}

static unsigned count_of(const char *haystack, const char *needle)
{
        unsigned n = 0;

        for (const char *p = haystack; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

static unsigned lines_of(const char *s)
{
        unsigned n = 0;

        for (; s && *s; s++)
                n += *s == '\n';
        return n;
}

static char *state_or_fail(const char *machine, const char *key)
{
        char *v = it_state_get(machine, key);

        cr_assert_not_null(v, "machine %s: no %s in its state file", machine, key);
        return v;
}

static void assert_property(const char *machine, const char *property, const char *expected)
{
        char *v = it_machine_property(machine, property);

        cr_assert(v && strcmp(v, expected) == 0, "machine %s: %s is '%s', expected '%s'", machine, property,
                  v ? v : "(call failed)", expected);
        free(v);
}

/* The property equals the state file's key. */
static void assert_property_is_state(const char *machine, const char *property, const char *key)
{
        char *v = state_or_fail(machine, key);

        assert_property(machine, property, v);
        free(v);
}

/* Id: the 16 bytes of the state file's UUID. */
static void assert_id_is_uuid(const char *machine)
{
        char *uuid = state_or_fail(machine, "UUID"), *id = it_machine_property(machine, "Id"), hex[40] = "";
        unsigned n, b, len = 0;
        int k;

        cr_assert_not_null(id, "machine %s: reading Id failed", machine);
        cr_assert_eq(sscanf(id, "%u%n", &n, &k), 1, "Id is '%s'", id);
        cr_assert_eq(n, 16, "Id is '%s'", id);
        for (const char *p = id + k; sscanf(p, "%u%n", &b, &k) == 1 && len < 32; p += k)
                len += (unsigned) snprintf(hex + len, sizeof(hex) - len, "%02x", b);
        for (char *src = uuid, *dst = uuid; ; src++) {
                if (*src != '-')
                        *dst++ = *src;
                if (!*src)
                        break;
        }
        cr_assert_str_eq(hex, uuid, "machine %s: Id %s, UUID %s", machine, id, uuid);
        free(uuid);
        free(id);
}

/* Timestamp: µs since the epoch, within [from, to] seconds. */
static void assert_timestamp_between(const char *machine, time_t from, time_t to)
{
        char *v = it_machine_property(machine, "Timestamp");
        unsigned long long us;

        cr_assert(v && sscanf(v, "%llu", &us) == 1, "machine %s: Timestamp '%s'", machine, v ? v : "(failed)");
        cr_assert(us >= (unsigned long long) from * 1000000 - 1000000 &&
                  us <= (unsigned long long) to * 1000000 + 1000000,
                  "machine %s: Timestamp %llu is not between %lld and %lld s", machine, us, (long long) from,
                  (long long) to);
        free(v);
}

static pid_t ppid_of(pid_t pid)
{
        char path[64], *st, *p;
        int ppid = -1;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        st = it_read_file(path);
        p = st ? strrchr(st, ')') : NULL;
        if (p)
                sscanf(p + 2, "%*c %d", &ppid);
        free(st);
        return ppid;
}

static void assert_listed_exactly(const char *expected)
{
        char *names = it_list_machines();

        cr_assert_str_eq(names, expected, "ListMachines gave '%s', expected '%s'", names, expected);
        free(names);
}

static struct it_result manager_call(int timeout_sec, const char *method, const char *name)
{
        return it_busctl(timeout_sec, "call", DEST, MANAGER_PATH, MANAGER, method, "s", name, NULL);
}

/* Introspection ------------------------------------------------------ */

static char *script_path(void)
{
        const char *src = getenv("BERTH_SOURCE_ROOT");
        char *p;

        cr_assert_not_null(src, "BERTH_SOURCE_ROOT is not set");
        asprintf(&p, "%s/tests/integration/introspect-compare.py", src);
        return p;
}

static void require_python(void)
{
        char *argv[] = { "python3", "-c", "import xml.etree.ElementTree", NULL };
        struct it_result r = it_run(60, argv);

        if (r.status != 0)
                cr_skip_test("python3 with xml.etree is needed to compare the introspection (%d: %s)", r.status,
                             r.err);
        it_result_free(&r);
}

/* busctl --xml-interface introspect of an object, into it.dir/file. */
static char *introspect_to(const char *object, const char *file)
{
        struct it_result r = it_busctl(30, "--xml-interface", "introspect", DEST, object, NULL);
        char *path;
        FILE *f;

        cr_assert_eq(r.status, 0, "introspecting %s: %s", object, r.err);
        cr_assert(strstr(r.out, "<node"), "introspecting %s gave no XML: %s", object, r.out);
        asprintf(&path, "%s/%s", it.dir, file);
        f = fopen(path, "we");
        cr_assert_not_null(f);
        fputs(r.out, f);
        cr_assert_eq(fclose(f), 0);
        it_result_free(&r);
        return path;
}

static struct it_result compare(const char *reference, const char *manager_xml, const char *machine_xml,
                                const char *image_xml, const char *transfer_xml)
{
        char *script = script_path(), *a1, *a2, *a3 = NULL, *a4 = NULL;
        struct it_result r;

        asprintf(&a1, "%s=" MANAGER, manager_xml);
        asprintf(&a2, "%s=" MACHINE, machine_xml);
        if (image_xml)
                asprintf(&a3, "%s=" IMAGE, image_xml);
        if (transfer_xml)
                asprintf(&a4, "%s=org.berth.machine1.Transfer", transfer_xml);
        char *argv[] = { "python3", script, (char *) reference, a1, a2, a3 ?: a4, a3 ? a4 : NULL, NULL };
        r = it_run(60, argv);
        free(a1);
        free(a2);
        free(a3);
        free(a4);
        free(script);
        return r;
}

static char *reference_path(void)
{
        char *p;

        asprintf(&p, "%s/dbus/org.berth.machine1.xml", getenv("BERTH_SOURCE_ROOT"));
        return p;
}

Test(daemon, live_introspection_is_the_reference)
{
        char *ref = reference_path(), *mgr, *mach, *obj;
        struct it_result r;
        pid_t pid;

        require_python();
        daemon_up();
        /* A machine, for an object of org.berth.machine1.Machine. */
        pid = spawn_sleeper("dm-intro", NULL);
        cr_assert(it_wait_listed("dm-intro", true, 30), "machine dm-intro is not listed");
        obj = object_of("dm-intro");
        mgr = introspect_to(MANAGER_PATH, "manager.xml");
        mach = introspect_to(obj, "machine.xml");
        /* An image of the store, for an object of org.berth.machine1.Image. */
        it_sh("mkdir -p '%s/images/dm-img'", it.state_dir);
        char *img = introspect_to("/org/berth/machine1/image/dm_2dimg", "image.xml");
        /* An import that waits for its input, for a Transfer object. */
        char cmd[1200];
        it_sh("mkfifo '%s/slow.fifo'", it.dir);
        snprintf(cmd, sizeof(cmd), "exec '%s' import-tar - dm-slow <'%s/slow.fifo'", getenv("BERTHCTL_BIN"), it.dir);
        pid_t importer = it_spawn_sh("slow-import", cmd);
        snprintf(cmd, sizeof(cmd), "exec sleep 60 >'%s/slow.fifo'", it.dir);
        pid_t writer = it_spawn_sh("slow-writer", cmd);
        bool listed = false;
        for (int i = 0; i < 100 && !listed; i++, usleep(50000)) {
                r = it_busctl(30, "call", DEST, MANAGER_PATH, MANAGER, "ListTransfers", NULL);
                listed = strstr(r.out, "dm-slow") != NULL;
                it_result_free(&r);
        }
        cr_assert(listed, "the import of dm-slow is not listed");
        char *tr = introspect_to("/org/berth/machine1/transfer/1", "transfer.xml");

        r = compare(ref, mgr, mach, img, tr);
        cr_assert_eq(r.status, 0, "the live introspection differs from %s:\n%s%s", ref, r.out, r.err);
        cr_assert_str_eq(r.out, "same\n");
        it_result_free(&r);

        /* busctl's own table agrees on what a client sees. */
        r = it_busctl(30, "introspect", DEST, MANAGER_PATH, MANAGER, NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        cr_assert(strstr(r.out, ".StartMachine ") && strstr(r.out, ".KillMachine ") &&
                  strstr(r.out, ".MachineNew "), "busctl introspect:\n%s", r.out);
        it_result_free(&r);

        /* Its input ends empty: the import fails, and leaves nothing. */
        cr_assert_eq(kill(writer, SIGTERM), 0);
        cr_assert_neq(it_wait(writer, 30), -1);
        cr_expect_eq(it_wait(importer, 30), 1, "berthctl import-tar of nothing");
        char *err = it_spawn_log("slow-import", "err");
        cr_expect(strstr(err, "standard input is no tarball berth reads"), "%s", err);
        free(err);
        char *left = it_sh_out("ls -A \"$BERTH_STATE_DIR/images\" | grep -v '^dm-img$' || true");
        cr_expect_str_eq(left, "", "left in the store: %s", left);
        free(left);
        free(tr);

        cr_assert_eq(kill(pid, SIGTERM), 0);
        cr_assert_neq(it_wait(pid, 30), -1);
        it_assert_clean("dm-intro", it_busybox_tree());
        free(ref);
        free(mgr);
        free(mach);
        free(img);
        free(obj);
}

/* The comparison can fail: a reference with one type changed, one method
 * missing and one property more is three differences (and a fourth: no
 * transfer runs to check that interface by). */
Test(daemon, introspection_check_sees_differences)
{
        char *ref = reference_path(), *text = it_read_file(ref), *mgr, *mach, *obj, *bad, *p;
        struct it_result r;
        pid_t pid;
        FILE *f;

        require_python();
        cr_assert_not_null(text, "%s", ref);
        daemon_up();
        pid = spawn_sleeper("dm-introbad", NULL);
        cr_assert(it_wait_listed("dm-introbad", true, 30));
        obj = object_of("dm-introbad");
        mgr = introspect_to(MANAGER_PATH, "manager.xml");
        mach = introspect_to(obj, "machine.xml");
        it_sh("mkdir -p '%s/images/dm-img'", it.state_dir);
        char *img = introspect_to("/org/berth/machine1/image/dm_2dimg", "image.xml");

        p = strstr(text, "<property name=\"UIDShift\" type=\"u\"");
        cr_assert_not_null(p, "the reference has no UIDShift of type u");
        p[strlen("<property name=\"UIDShift\" type=\"")] = 't';
        p = strstr(text, "<method name=\"Reboot\"/>");
        cr_assert_not_null(p, "the reference has no Machine.Reboot");
        memcpy(p, "<!--", 4);
        memcpy(p + strlen("<method name=\"Reboot\"/>") - 3, "-->", 3);
        p = strstr(text, "<property name=\"Name\"");
        cr_assert_not_null(p);
        asprintf(&bad, "%s/bad.xml", it.dir);
        f = fopen(bad, "we");
        cr_assert_not_null(f);
        fprintf(f, "%.*s<property name=\"Extra\" type=\"s\" access=\"read\"/>\n%s", (int) (p - text), text, p);
        cr_assert_eq(fclose(f), 0);

        r = compare(bad, mgr, mach, img, NULL);
        free(img);
        cr_assert_eq(r.status, 1, "the check passed a wrong reference (%d):\n%s%s", r.status, r.out, r.err);
        cr_assert(strstr(r.out, "property " MACHINE ".UIDShift: reference type t, access read, bus type u, "
                                "access read\n"), "%s", r.out);
        cr_assert(strstr(r.out, "method " MACHINE ".Reboot is on the bus but not in the reference\n"), "%s", r.out);
        cr_assert(strstr(r.out, "property " MACHINE ".Extra is in the reference but not on the bus\n"), "%s",
                  r.out);
        /* No transfer runs here to check its interface by. */
        cr_assert(strstr(r.out, "interface org.berth.machine1.Transfer of the reference was not checked\n"), "%s",
                  r.out);
        cr_assert_eq(lines_of(r.out), 4, "%s", r.out);
        it_result_free(&r);

        cr_assert_eq(kill(pid, SIGTERM), 0);
        cr_assert_neq(it_wait(pid, 30), -1);
        free(ref);
        free(text);
        free(mgr);
        free(mach);
        free(obj);
        free(bad);
}

/* The Debian machine through the bus ----------------------------------- */

Test(daemon, debian_starts_reboots_and_powers_off_through_the_bus)
{
        const char *tree = it_debian_tree();
        char real[PATH_MAX], resolved[PATH_MAX], *leader, *leader2 = NULL, *sup, *cg, *path, *procs, *v, *log, want[200];
        struct it_watch *w;
        struct it_result r;
        time_t started;
        pid_t sup_pid;

        cr_assert_not_null(realpath(tree, real));
        it_image_link("deb", tree);
        daemon_up();
        w = it_watch_start();
        started = time(NULL);

        r = manager_call(240, "StartMachine", "deb");
        log = berthd_log();
        cr_assert_eq(r.status, 0, "StartMachine deb failed (%d): %s\nberthd:\n%s", r.status, r.err, log);
        free(log);
        cr_assert_str_eq(r.out, "o \"/org/berth/machine1/machine/deb\"\n");
        it_result_free(&r);
        assert_listed_exactly("deb\n");
        cr_assert(it_watch_wait(w, "MachineNew deb /org/berth/machine1/machine/deb\n", 30),
                  "no MachineNew for deb; signals:\n%s", it_watch_log(w));

        /* Running once systemd said READY=1, and the bus said so too. */
        cr_assert(it_wait_property("deb", "State", "running", 240), "deb never became running (State %s)",
                  it_machine_property("deb", "State"));
        cr_assert(it_watch_wait(w, "PropertiesChanged /org/berth/machine1/machine/deb State=running", 30),
                  "no PropertiesChanged with State=running; signals:\n%s", it_watch_log(w));
        v = state_or_fail("deb", "STATE");
        cr_assert_str_eq(v, "running");
        free(v);

        /* The properties are the machine's. */
        assert_property("deb", "Name", "deb");
        assert_property("deb", "Class", "container");
        assert_property("deb", "Service", "berth");
        /* The image as given to the launcher: the link to the tree. */
        assert_property_is_state("deb", "RootDirectory", "ROOT");
        v = it_machine_property("deb", "RootDirectory");
        cr_assert(v && realpath(v, resolved) && strcmp(resolved, real) == 0, "RootDirectory %s is not %s",
                  v ? v : "(call failed)", real);
        free(v);
        assert_property_is_state("deb", "Leader", "LEADER");
        assert_property_is_state("deb", "Supervisor", "SUPERVISOR");
        assert_property_is_state("deb", "ControlGroup", "CGROUP");
        assert_property_is_state("deb", "UIDShift", "UID_SHIFT");
        assert_property_is_state("deb", "Init", "INIT");
        assert_id_is_uuid("deb");
        assert_timestamp_between("deb", started, time(NULL));
        v = it_machine_property("deb", "UIDShift");
        cr_assert(v && strcmp(v, "0") != 0, "UIDShift is %s", v ? v : "(call failed)");
        free(v);

        leader = state_or_fail("deb", "LEADER");
        sup = state_or_fail("deb", "SUPERVISOR");
        sup_pid = (pid_t) atoi(sup);
        /* berthd started the launcher; the leader is the tree's systemd. */
        cr_assert_eq(ppid_of(sup_pid), it_berthd_pid(), "the launcher %d is a child of %d, not of berthd %d",
                     sup_pid, ppid_of(sup_pid), it_berthd_pid());
        asprintf(&path, "/proc/%s/comm", leader);
        v = it_read_file(path);
        cr_assert(v && strcmp(v, "systemd\n") == 0, "the leader %s is '%s'", leader, v ? v : "(gone)");
        free(v);
        free(path);
        cg = state_or_fail("deb", "CGROUP");
        asprintf(&path, "%s/payload/init.scope/cgroup.procs", cg);
        procs = it_read_file(path);
        snprintf(want, sizeof(want), "%s\n", leader);
        cr_assert(procs && (strncmp(procs, want, strlen(want)) == 0 || strstr(procs, want)),
                  "the leader %s is not in %s: %s", leader, path, procs ? procs : "(missing)");
        free(procs);
        free(path);
        it_assert_inside_eq("deb", "cat /proc/1/comm", "systemd\n");
        it_assert_inside_eq("deb", "hostname", "deb\n");
        r = it_busctl(30, "call", DEST, MANAGER_PATH, MANAGER, "GetMachineByPID", "u", leader, NULL);
        cr_assert_eq(r.status, 0, "GetMachineByPID %s: %s", leader, r.err);
        cr_assert_str_eq(r.out, "o \"/org/berth/machine1/machine/deb\"\n");
        it_result_free(&r);

        /* A unit whose stop leaves a marker: a clean shutdown stops it, a
         * kill does not. */
        it_assert_inside_eq("deb", "systemd-run --quiet --unit=dm-reboot --remain-after-exit "
                                "-p 'ExecStop=/usr/bin/touch /var/tmp/dm-reboot-marker' /bin/true && "
                                "systemctl is-active dm-reboot",
                         "active\n");

        /* Reboot: the same machine, a new PID 1, running again. */
        r = manager_call(60, "RebootMachine", "deb");
        cr_assert_eq(r.status, 0, "RebootMachine deb: %s", r.err);
        it_result_free(&r);
        for (double end = it_now() + 240;; usleep(200000)) {
                char *state = it_machine_property("deb", "State");
                free(leader2);
                leader2 = it_machine_property("deb", "Leader");
                bool back = state && leader2 && strcmp(state, "running") == 0 && strcmp(leader2, leader) != 0;
                free(state);
                if (back)
                        break;
                cr_assert_lt(it_now(), end, "deb did not come back from the reboot (Leader %s, was %s)",
                             leader2 ? leader2 : "?", leader);
        }
        assert_property("deb", "Supervisor", sup);
        assert_property_is_state("deb", "Leader", "LEADER");
        assert_property("deb", "Name", "deb");
        assert_listed_exactly("deb\n");
        snprintf(want, sizeof(want), "PropertiesChanged /org/berth/machine1/machine/deb State=running Leader=%s",
                 leader2);
        cr_assert(it_watch_wait(w, want, 30), "no '%s'; signals:\n%s", want, it_watch_log(w));
        cr_assert_null(strstr(it_watch_log(w), "MachineRemoved"), "the reboot removed the machine:\n%s",
                       it_watch_log(w));
        cr_assert_eq(count_of(it_watch_log(w), "MachineNew "), 1, "signals:\n%s", it_watch_log(w));
        it_assert_inside_eq("deb", "cat /proc/1/comm", "systemd\n");
        it_assert_inside_eq("deb", "test -e /var/tmp/dm-reboot-marker && echo clean", "clean\n");

        /* A reboot from inside: the same again, never "already exists". */
        free(leader);
        leader = leader2;
        leader2 = NULL;
        r = it_exec_in("deb", 60, "systemctl reboot");
        it_result_free(&r);
        for (double end = it_now() + 240;; usleep(200000)) {
                char *state = it_machine_property("deb", "State");
                free(leader2);
                leader2 = it_machine_property("deb", "Leader");
                bool back = state && leader2 && strcmp(state, "running") == 0 && strcmp(leader2, leader) != 0;
                free(state);
                if (back)
                        break;
                cr_assert_lt(it_now(), end, "deb did not come back from a reboot inside (Leader %s, was %s)",
                             leader2 ? leader2 : "?", leader);
        }
        assert_property("deb", "Supervisor", sup);
        assert_listed_exactly("deb\n");
        cr_assert_null(strstr(it_watch_log(w), "MachineRemoved"), "the reboot removed the machine:\n%s",
                       it_watch_log(w));
        cr_assert_eq(count_of(it_watch_log(w), "MachineNew "), 1, "signals:\n%s", it_watch_log(w));
        it_assert_inside_eq("deb", "cat /proc/1/comm", "systemd\n");
        it_assert_inside_eq("deb", "systemd-run --quiet --unit=dm-poweroff --remain-after-exit "
                                "-p 'ExecStop=/usr/bin/touch /var/tmp/dm-poweroff-marker' /bin/true && "
                                "systemctl is-active dm-poweroff",
                         "active\n");

        /* Poweroff: gone from the list and from the host. */
        r = manager_call(60, "PoweroffMachine", "deb");
        cr_assert_eq(r.status, 0, "PoweroffMachine deb: %s", r.err);
        it_result_free(&r);
        cr_assert(it_wait_listed("deb", false, 180), "deb is still listed after PoweroffMachine");
        assert_listed_exactly("");
        cr_assert(it_watch_wait(w, "MachineRemoved deb /org/berth/machine1/machine/deb\n", 30),
                  "no MachineRemoved for deb; signals:\n%s", it_watch_log(w));
        /* berthd reaped its launcher. */
        asprintf(&path, "/proc/%d", (int) sup_pid);
        for (double end = it_now() + 30; access(path, F_OK) == 0 && it_now() < end;)
                usleep(50000);
        cr_assert_neq(access(path, F_OK), 0, "the launcher %d is still there (a zombie of berthd?)", sup_pid);
        free(path);
        log = berthd_log();
        cr_assert(strstr(log, "machine deb registered") && strstr(log, "machine deb is gone"), "berthd said:\n%s",
                  log);
        free(log);
        it_assert_clean("deb", tree);
        /* systemd shut down: the unit was stopped (in the machine's
         * writable layer, which stays on the host). */
        asprintf(&path, "%s/machines/deb/upper/var/tmp/dm-poweroff-marker", it.state_dir);
        cr_assert_eq(access(path, F_OK), 0, "no %s: PoweroffMachine did not shut systemd down", path);
        free(path);
        it_watch_free(w);
        free(leader);
        free(leader2);
        free(sup);
        free(cg);
}

/* Machines started by hand -------------------------------------------- */

/* A process of the machine other than its leader, by the host's PID. */
static pid_t child_in_machine(const char *machine)
{
        char *cg = state_or_fail(machine, "CGROUP"), *leader = state_or_fail(machine, "LEADER"), *procs, *path;
        pid_t found = 0;

        asprintf(&path, "%s/payload/cgroup.procs", cg);
        for (double end = it_now() + 30; !found && it_now() < end; usleep(50000)) {
                procs = it_read_file(path);
                for (char *l = procs ? strtok(procs, "\n") : NULL; l && !found; l = strtok(NULL, "\n"))
                        if (strcmp(l, leader) != 0)
                                found = (pid_t) atoi(l);
                free(procs);
        }
        cr_assert_gt(found, 0, "no process but the leader %s in %s", leader, path);
        free(path);
        free(cg);
        free(leader);
        return found;
}

static void assert_by_pid_is(const char *machine, pid_t pid)
{
        char *obj = object_of(machine), pid_text[32], want[300];
        struct it_result r;

        snprintf(pid_text, sizeof(pid_text), "%d", (int) pid);
        r = it_busctl(30, "call", DEST, MANAGER_PATH, MANAGER, "GetMachineByPID", "u", pid_text, NULL);
        cr_assert_eq(r.status, 0, "GetMachineByPID %d: %s", (int) pid, r.err);
        snprintf(want, sizeof(want), "o \"%s\"\n", obj);
        cr_assert_str_eq(r.out, want, "GetMachineByPID %d", (int) pid);
        it_result_free(&r);
        free(obj);
}

Test(daemon, machines_started_by_hand_register_unless_told_not_to)
{
        const char *tree = it_busybox_tree();
        struct it_watch *w;
        struct it_result r;
        char *obj, what[64];
        pid_t hand, hidden, crash;
        int status;

        daemon_up();
        w = it_watch_start();
        hidden = spawn_sleeper("dm-hidden", "--register=no");
        hand = spawn_sleeper("dm-hand", NULL);
        cr_assert(it_wait_listed("dm-hand", true, 30), "machine dm-hand (--register=auto) is not listed");
        /* dm-hidden's state file came first: berthd has seen it too. */
        assert_listed_exactly("dm-hand\n");
        r = it_dbus_send(30, MANAGER_PATH, MANAGER ".GetMachine", "string:dm-hidden", NULL);
        assert_dbus_error(&r, "GetMachine dm-hidden", "org.berth.machine1.NoSuchMachine", "dm-hidden");
        cr_assert(it_watch_wait(w, "MachineNew dm-hand /org/berth/machine1/machine/dm_2dhand\n", 30),
                  "signals:\n%s", it_watch_log(w));
        cr_assert_null(strstr(it_watch_log(w), "dm-hidden"), "signals:\n%s", it_watch_log(w));
        /* Nothing can reach an unlisted machine's launcher: it opens no
         * control socket; a listed one does. */
        char sock[600];
        snprintf(sock, sizeof(sock), "%s/control/dm-hidden", it.runtime_dir);
        cr_expect_neq(access(sock, F_OK), 0, "%s exists", sock);
        snprintf(sock, sizeof(sock), "%s/control/dm-hand", it.runtime_dir);
        cr_expect_eq(access(sock, F_OK), 0, "%s is missing", sock);

        assert_property("dm-hand", "Name", "dm-hand");
        assert_property("dm-hand", "State", "running");
        assert_property_is_state("dm-hand", "Leader", "LEADER");
        assert_property_is_state("dm-hand", "UIDShift", "UID_SHIFT");
        char pid_text[32];
        snprintf(pid_text, sizeof(pid_text), "%d", (int) hand);
        assert_property("dm-hand", "Supervisor", pid_text);

        /* Any process of the machine belongs to it: the sleep is PID 1's
         * child. The test itself belongs to none. */
        assert_by_pid_is("dm-hand", child_in_machine("dm-hand"));
        snprintf(pid_text, sizeof(pid_text), "%d", (int) getpid());
        r = it_dbus_send(30, MANAGER_PATH, MANAGER ".GetMachineByPID", "uint32:1", NULL);
        assert_dbus_error(&r, "GetMachineByPID 1", "org.berth.machine1.NoSuchMachine", NULL);
        snprintf(what, sizeof(what), "uint32:%d", (int) getpid());
        r = it_dbus_send(30, MANAGER_PATH, MANAGER ".GetMachineByPID", what, NULL);
        assert_dbus_error(&r, "GetMachineByPID of the test", "org.berth.machine1.NoSuchMachine", pid_text);

        /* A new berthd reads the same from the directory. */
        status = it_berthd_kill(SIGTERM);
        cr_assert_eq(status, 0, "berthd exited with %d on SIGTERM", status);
        it_berthd_start();
        assert_listed_exactly("dm-hand\n");
        assert_property_is_state("dm-hand", "Leader", "LEADER");

        /* The machine object's own Terminate. */
        obj = object_of("dm-hand");
        r = it_busctl(30, "call", DEST, obj, MACHINE, "Terminate", NULL);
        cr_assert_eq(r.status, 0, "Terminate on %s: %s", obj, r.err);
        it_result_free(&r);
        status = it_wait(hand, 30);
        cr_assert_neq(status, -1, "the launcher of dm-hand still runs after Terminate");
        cr_assert(it_wait_listed("dm-hand", false, 30), "dm-hand is still listed after it ended");
        cr_assert(it_watch_wait(w, "MachineRemoved dm-hand /org/berth/machine1/machine/dm_2dhand\n", 30),
                  "signals:\n%s", it_watch_log(w));
        it_assert_clean("dm-hand", tree);

        /* A launcher killed while berthd runs: gone from the list, though
         * its state file stays; the next start clears what it left. */
        crash = spawn_sleeper("dm-crash", NULL);
        cr_assert(it_wait_listed("dm-crash", true, 30), "machine dm-crash is not listed");
        cr_assert_eq(kill(crash, SIGKILL), 0);
        cr_assert_eq(it_wait(crash, 30), 128 + SIGKILL);
        cr_assert(it_wait_listed("dm-crash", false, 30), "dm-crash is still listed after its launcher died");
        cr_assert(it_watch_wait(w, "MachineRemoved dm-crash ", 30), "signals:\n%s", it_watch_log(w));
        r = it_berth_run(60, "-D", tree, "--ephemeral", "--name", "dm-crash", "--", "true", NULL);
        cr_assert_eq(r.status, 0, "starting dm-crash again: %s", r.err);
        it_result_free(&r);
        it_assert_clean("dm-crash", tree);

        /* The unlisted one ran all along. */
        cr_assert_eq(waitpid(hidden, &status, WNOHANG), 0, "machine dm-hidden ended");
        cr_assert_eq(kill(hidden, SIGTERM), 0);
        cr_assert_neq(it_wait(hidden, 30), -1);
        it_assert_clean("dm-hidden", tree);
        cr_assert_null(strstr(it_watch_log(w), "dm-hidden"), "signals:\n%s", it_watch_log(w));
        it_watch_free(w);
        free(obj);
}

/* OSRelease is the machine's own os-release, resolved inside the machine:
 * its /etc/os-release, an absolute symlink to a file that exists only on
 * the host, must not make berthd read the host's file. */
Test(daemon, os_release_is_the_machines_own_and_cannot_point_at_the_host)
{
        char *tree = it_copy_busybox(), host_file[600], path[700];
        FILE *f;
        pid_t pid;

        daemon_up();
        snprintf(host_file, sizeof(host_file), "%s/host-os-release", it.dir);
        f = fopen(host_file, "w");
        cr_assert_not_null(f);
        fputs("LEAKED_FROM_THE_HOST=yes\n", f);
        cr_assert_eq(fclose(f), 0);
        snprintf(path, sizeof(path), "%s/etc/os-release", tree);
        cr_assert_eq(unlink(path), 0);
        cr_assert_eq(symlink(host_file, path), 0);
        snprintf(path, sizeof(path), "%s/usr/lib", tree);
        cr_assert_eq(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/usr/lib/os-release", tree);
        f = fopen(path, "w");
        cr_assert_not_null(f);
        fputs("# the machine's own\nID=berth-inside\nPRETTY_NAME=\"inside the machine\"\n", f);
        cr_assert_eq(fclose(f), 0);

        pid = it_berth_spawn("dm-osr", "-D", tree, "--ephemeral", "--name", "dm-osr", "--", "sleep", "1000", NULL);
        cr_assert(it_wait_state("dm-osr", "running", 60), "%s", it_spawn_log("dm-osr", "err"));
        cr_assert(it_wait_listed("dm-osr", true, 30), "machine dm-osr is not listed");
        char *v = it_machine_property("dm-osr", "OSRelease");
        cr_expect(v && strstr(v, "\"ID\" \"berth-inside\"") && strstr(v, "\"PRETTY_NAME\" \"inside the machine\""),
                  "OSRelease: %s", v ? v : "(call failed)");
        cr_expect(v && !strstr(v, "LEAKED"), "berthd read the host's file: %s", v);
        free(v);
        cr_assert_eq(kill(pid, SIGTERM), 0);
        cr_assert_neq(it_wait(pid, 30), -1);
        it_assert_clean("dm-osr", tree);
        free(tree);
}

Test(daemon, register_yes_needs_berthd_and_auto_does_not)
{
        const char *tree = it_busybox_tree();
        struct it_result r;
        pid_t pid;

        /* No bus, no berthd. */
        r = it_berth_run(60, "-D", tree, "--ephemeral", "--name", "dm-regyes", "--register=yes", "--", "true", NULL);
        cr_assert_neq(r.status, 0, "--register=yes ran without berthd");
        cr_assert_eq(lines_of(r.err), 1, "expected one line, berth said:\n%s", r.err);
        cr_assert(strstr(r.err, "berthd is not running"), "berth said: %s", r.err);
        it_result_free(&r);
        it_assert_clean("dm-regyes", tree);

        /* auto: standalone, and never a complaint about activation. */
        r = it_berth_run(60, "-D", tree, "--ephemeral", "--name", "dm-regauto", "--", "/bin/sh", "-c",
                         "echo standalone", NULL);
        cr_assert_eq(r.status, 0, "berth without berthd exited with %d: %s", r.status, r.err);
        cr_assert_str_eq(r.out, "standalone\n");
        cr_assert_null(strstr(r.err, "activatable"), "%s", r.err);
        cr_assert_null(strstr(r.err, "berthd"), "%s", r.err);
        it_result_free(&r);
        it_assert_clean("dm-regauto", tree);

        /* With berthd, yes registers. */
        daemon_up();
        pid = spawn_sleeper("dm-regyes", "--register=yes");
        cr_assert(it_wait_listed("dm-regyes", true, 30), "dm-regyes (--register=yes) is not listed");
        cr_assert_eq(kill(pid, SIGTERM), 0);
        cr_assert_neq(it_wait(pid, 30), -1);
        cr_assert(it_wait_listed("dm-regyes", false, 30));
        it_assert_clean("dm-regyes", tree);
}

/* A copy of the busybox tree whose init runs a sleep, as image name. */
static char *busybox_image(const char *name)
{
        char *tree = it_copy_busybox(), path[600];
        FILE *f;

        snprintf(path, sizeof(path), "%s/etc/inittab", tree);
        f = fopen(path, "we");
        cr_assert_not_null(f);
        fputs("::sysinit:/bin/echo booted\n"
              "::respawn:/bin/sleep 1000\n"
              "::shutdown:/bin/touch /shutdown-marker\n", f);
        cr_assert_eq(fclose(f), 0);
        it_image_link(name, tree);
        return tree;
}

static bool process_alive(pid_t pid)
{
        char path[64], *st;
        bool alive;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        st = it_read_file(path);
        alive = st && strrchr(st, ')') && strrchr(st, ')')[2] != 'Z';
        free(st);
        return alive;
}

Test(daemon, machines_outlive_berthd_killed_and_the_next_one_finds_them)
{
        const char *bb = it_busybox_tree();
        char *img = busybox_image("dm-img"), *names, *sup, *gone_state, *marker;
        struct it_result r;
        pid_t hand, gone, sup_pid;
        int status;

        daemon_up();
        r = manager_call(120, "StartMachine", "dm-img");
        cr_assert_eq(r.status, 0, "StartMachine dm-img: %s\nberthd:\n%s", r.err, berthd_log());
        it_result_free(&r);
        cr_assert(it_wait_property("dm-img", "State", "running", 60), "dm-img is not running");
        hand = spawn_sleeper("dm-hand2", NULL);
        gone = spawn_sleeper("dm-gone", NULL);
        cr_assert(it_wait_listed("dm-hand2", true, 30) && it_wait_listed("dm-gone", true, 30));
        sup = state_or_fail("dm-img", "SUPERVISOR");
        sup_pid = (pid_t) atoi(sup);

        status = it_berthd_kill(SIGKILL);
        cr_assert_eq(status, 128 + SIGKILL);
        /* The machines run on without it. */
        cr_assert(process_alive(sup_pid), "the launcher of dm-img died with berthd");
        cr_assert_eq(waitpid(hand, &status, WNOHANG), 0, "dm-hand2 died with berthd");
        it_assert_inside_eq("dm-img", "cat /proc/1/comm", "init\n");
        it_assert_inside_eq("dm-hand2", "echo alive", "alive\n");
        /* One launcher dies while no berthd runs: its state file stays. */
        cr_assert_eq(kill(gone, SIGKILL), 0);
        cr_assert_eq(it_wait(gone, 30), 128 + SIGKILL);
        gone_state = it_state_get("dm-gone", "SUPERVISOR");
        cr_assert_not_null(gone_state, "the state file of dm-gone went with its launcher: the test needs it");
        free(gone_state);

        it_berthd_start();
        names = it_list_machines();
        cr_assert_eq(lines_of(names), 2, "ListMachines after the restart: %s", names);
        cr_assert(strstr(names, "dm-img\n") && strstr(names, "dm-hand2\n"), "ListMachines: %s", names);
        free(names);
        assert_property_is_state("dm-img", "Leader", "LEADER");
        assert_property("dm-img", "Supervisor", sup);
        assert_property("dm-img", "State", "running");
        assert_property_is_state("dm-hand2", "Leader", "LEADER");

        /* ... and can end them. */
        r = manager_call(60, "PoweroffMachine", "dm-img");
        cr_assert_eq(r.status, 0, "PoweroffMachine dm-img: %s", r.err);
        it_result_free(&r);
        cr_assert(it_wait_listed("dm-img", false, 60), "dm-img is still listed after PoweroffMachine");
        for (double end = it_now() + 30; process_alive(sup_pid) && it_now() < end;)
                usleep(50000);
        cr_assert(!process_alive(sup_pid), "the launcher of dm-img still runs");
        /* busybox init ran its shutdown action: a poweroff, not a kill. */
        asprintf(&marker, "%s/machines/dm-img/upper/shutdown-marker", it.state_dir);
        cr_assert_eq(access(marker, F_OK), 0, "no %s: PoweroffMachine did not shut busybox init down", marker);
        free(marker);
        r = manager_call(60, "TerminateMachine", "dm-hand2");
        cr_assert_eq(r.status, 0, "TerminateMachine dm-hand2: %s", r.err);
        it_result_free(&r);
        cr_assert_neq(it_wait(hand, 30), -1, "dm-hand2 still runs after TerminateMachine");
        cr_assert(it_wait_listed("dm-hand2", false, 30));
        assert_listed_exactly("");
        it_assert_clean("dm-img", img);
        it_assert_clean("dm-hand2", bb);

        /* The next start of dm-gone clears what its killed launcher left. */
        r = it_berth_run(60, "-D", bb, "--ephemeral", "--name", "dm-gone", "--", "true", NULL);
        cr_assert_eq(r.status, 0, "starting dm-gone again: %s", r.err);
        it_result_free(&r);
        it_assert_clean("dm-gone", bb);
        free(sup);
        free(img);
}

/* A busybox machine whose shell below PID 1 and its child shell trap TERM
 * and leave markers ("outer", "inner") in it.dir/mark, bound at /mark;
 * returns the launcher's PID once both run and berthd lists it. */
static pid_t spawn_trappers(const char *name)
{
        char mark[400], bind[500], ready[450];
        pid_t pid;

        snprintf(mark, sizeof(mark), "%s/mark", it.dir);
        cr_assert_eq(mkdir(mark, 0777), 0);
        cr_assert_eq(chmod(mark, 0777), 0);
        snprintf(bind, sizeof(bind), "--bind=%s:/mark", mark);
        snprintf(ready, sizeof(ready), "%s/ready", mark);
        pid = it_berth_spawn(name, "-D", it_busybox_tree(), "--ephemeral", "--name", name, bind, "--", "/bin/sh",
                             "-c",
                             "trap 'echo outer > /mark/outer' TERM; "
                             "/bin/sh -c 'trap \"echo inner > /mark/inner; exit 0\" TERM; echo ready > /mark/ready; "
                             "while :; do sleep 1; done' & "
                             "while :; do sleep 1; done",
                             NULL);
        for (double end = it_now() + 60; access(ready, F_OK) != 0; usleep(50000))
                cr_assert_lt(it_now(), end, "the shells never got ready; berth said:\n%s", it_spawn_log(name, "err"));
        cr_assert(it_wait_listed(name, true, 30));
        return pid;
}

static bool marked(const char *which)
{
        char path[450];

        snprintf(path, sizeof(path), "%s/mark/%s", it.dir, which);
        return access(path, F_OK) == 0;
}

/* KillMachine(name, "all", SIGTERM) reaches both shells. */
Test(daemon, kill_all_reaches_every_process_of_the_machine)
{
        const char *tree = it_busybox_tree();
        char path[450], *s;
        struct it_result r;
        pid_t pid;

        daemon_up();
        pid = spawn_trappers("dm-killer");
        cr_assert(!marked("inner"));

        r = it_busctl(30, "call", DEST, MANAGER_PATH, MANAGER, "KillMachine", "ssi", "dm-killer", "all", "15", NULL);
        cr_assert_eq(r.status, 0, "KillMachine dm-killer all 15: %s", r.err);
        it_result_free(&r);
        for (double end = it_now() + 30; !marked("inner") || !marked("outer"); usleep(50000))
                cr_assert_lt(it_now(), end, "SIGTERM did not reach both shells (inner %s, outer %s)",
                             marked("inner") ? "yes" : "no", marked("outer") ? "yes" : "no");
        snprintf(path, sizeof(path), "%s/mark/inner", it.dir);
        s = it_read_file(path);
        cr_assert_str_eq(s, "inner\n");
        free(s);
        snprintf(path, sizeof(path), "%s/mark/outer", it.dir);
        s = it_read_file(path);
        cr_assert_str_eq(s, "outer\n");
        free(s);

        /* The outer shell trapped SIGTERM and runs on, so the machine is
         * still there; TerminateMachine ends it, and nothing is left. */
        assert_listed_exactly("dm-killer\n");
        r = manager_call(30, "TerminateMachine", "dm-killer");
        cr_assert_eq(r.status, 0, "TerminateMachine dm-killer: %s", r.err);
        it_result_free(&r);
        cr_assert_neq(it_wait(pid, 30), -1, "dm-killer still runs after TerminateMachine");
        cr_assert(it_wait_listed("dm-killer", false, 30));
        assert_listed_exactly("");
        it_assert_clean("dm-killer", tree);
}

/* An empty who is no target (machined takes "leader" or "all"): refused
 * by name on the Manager and on the Machine, and nothing is signalled. */
Test(daemon, kill_with_an_empty_target_is_refused_and_signals_nothing)
{
        const char *tree = it_busybox_tree();
        char *obj = object_of("dm-empty-who"), *leader;
        struct it_result r;
        pid_t pid;

        daemon_up();
        pid = spawn_trappers("dm-empty-who");
        leader = state_or_fail("dm-empty-who", "LEADER");

        r = it_dbus_send(30, MANAGER_PATH, MANAGER ".KillMachine", "string:dm-empty-who", "string:", "int32:15",
                         NULL);
        assert_dbus_error(&r, "KillMachine dm-empty-who '' 15", "org.freedesktop.DBus.Error.InvalidArgs",
                          "\"leader\" or \"all\"");
        r = it_dbus_send(30, obj, MACHINE ".Kill", "string:", "int32:15", NULL);
        assert_dbus_error(&r, "Kill '' 15", "org.freedesktop.DBus.Error.InvalidArgs", "\"leader\" or \"all\"");

        /* A signal would have left a marker within this second, or ended
         * the machine (its PID 1 is berth's stub init). */
        usleep(1000000);
        cr_assert(!marked("outer") && !marked("inner"), "a shell got SIGTERM (outer %s, inner %s)",
                  marked("outer") ? "yes" : "no", marked("inner") ? "yes" : "no");
        cr_assert_eq(waitpid(pid, NULL, WNOHANG), 0, "dm-empty-who ended");
        assert_property("dm-empty-who", "Leader", leader);
        assert_property("dm-empty-who", "State", "running");

        r = manager_call(30, "TerminateMachine", "dm-empty-who");
        cr_assert_eq(r.status, 0, "TerminateMachine dm-empty-who: %s", r.err);
        it_result_free(&r);
        cr_assert_neq(it_wait(pid, 30), -1, "dm-empty-who still runs");
        it_assert_clean("dm-empty-who", tree);
        free(leader);
        free(obj);
}

/* Errors -------------------------------------------------------------- */

/* No process (a zombie included) has parent as its parent. */
static void assert_no_children_of(pid_t parent)
{
        char cmd[200];
        struct it_result r;

        snprintf(cmd, sizeof(cmd), "ps -o pid=,stat=,args= --ppid %d", (int) parent);
        char *argv[] = { "sh", "-c", cmd, NULL };
        r = it_run(30, argv);
        cr_assert_str_eq(r.out, "", "processes of %d left:\n%s", (int) parent, r.out);
        it_result_free(&r);
}

static struct it_result send_manager(const char *method, const char *name)
{
        char member[100], arg[200];

        snprintf(member, sizeof(member), MANAGER ".%s", method);
        snprintf(arg, sizeof(arg), "string:%s", name);
        if (strcmp(method, "KillMachine") == 0)
                return it_dbus_send(60, MANAGER_PATH, member, arg, "string:all", "int32:15", NULL);
        return it_dbus_send(60, MANAGER_PATH, member, arg, NULL);
}

Test(daemon, errors_have_their_names_and_leave_nothing_behind)
{
        const char *tree = it_busybox_tree();
        static const char *const by_name[] = { "GetMachine", "PoweroffMachine", "RebootMachine",
                                               "TerminateMachine", "KillMachine", "StartMachine" };
        char long_name[80], what[400], *before_state, *before_run, *after, *leader, *names;
        struct it_result r;
        pid_t dup;

        it_image_link("dm-dup", tree);
        snprintf(what, sizeof(what), "%s/empty", it.dir);
        cr_assert_eq(mkdir(what, 0755), 0);
        it_image_link("dm-empty", what);
        daemon_up();
        dup = spawn_sleeper("dm-dup", NULL);
        cr_assert(it_wait_listed("dm-dup", true, 30));
        leader = state_or_fail("dm-dup", "LEADER");
        before_state = it_tree_manifest(it.state_dir);
        before_run = it_tree_manifest(it.runtime_dir);

        /* An unknown machine, for every method that takes one. */
        for (size_t i = 0; i < 5; i++) {
                snprintf(what, sizeof(what), "%s dm-nope", by_name[i]);
                r = send_manager(by_name[i], "dm-nope");
                assert_dbus_error(&r, what, "org.berth.machine1.NoSuchMachine", "dm-nope");
        }
        /* busctl shows it as one line. */
        r = manager_call(30, "GetMachine", "dm-nope");
        cr_assert_neq(r.status, 0);
        cr_assert_eq(lines_of(r.err), 1, "busctl said:\n%s", r.err);
        cr_assert(strstr(r.err, "dm-nope"), "busctl said: %s", r.err);
        it_result_free(&r);

        /* A machine already running, even with an image of that name. */
        r = send_manager("StartMachine", "dm-dup");
        assert_dbus_error(&r, "StartMachine dm-dup", "org.berth.machine1.MachineExists", "dm-dup");
        /* No image. */
        r = send_manager("StartMachine", "dm-missing");
        assert_dbus_error(&r, "StartMachine dm-missing", "org.berth.machine1.NoSuchImage", "dm-missing");
        r = manager_call(30, "StartMachine", "dm-missing");
        cr_assert_neq(r.status, 0);
        cr_assert_eq(lines_of(r.err), 1, "busctl said:\n%s", r.err);
        cr_assert(strstr(r.err, "dm-missing"), "busctl said: %s", r.err);
        it_result_free(&r);

        /* An image the launcher cannot boot: its own words come back. */
        r = send_manager("StartMachine", "dm-empty");
        assert_dbus_error(&r, "StartMachine dm-empty", "org.berth.machine1.StartFailed", "has no init to boot");
        r = manager_call(60, "StartMachine", "dm-empty");
        cr_assert_neq(r.status, 0);
        cr_assert_eq(lines_of(r.err), 1, "busctl said:\n%s", r.err);
        cr_assert(strstr(r.err, "dm-empty"), "busctl said: %s", r.err);
        it_result_free(&r);

        /* Names that must not become paths. */
        memset(long_name, 'a', 65);
        long_name[65] = 0;
        const char *const bad[] = { "../x", "..", "a/b", "/x", ".hidden", "-x", "", "bad\tname", "bad name",
                                    long_name };
        for (size_t n = 0; n < sizeof(bad) / sizeof(bad[0]); n++)
                for (size_t i = 0; i < 6; i++) {
                        snprintf(what, sizeof(what), "%s '%s'", by_name[i], bad[n]);
                        r = send_manager(by_name[i], bad[n]);
                        assert_dbus_error(&r, what, "org.freedesktop.DBus.Error.InvalidArgs", NULL);
                }
        r = send_manager("StartMachine", "../x");
        assert_dbus_error(&r, "StartMachine ../x", "org.freedesktop.DBus.Error.InvalidArgs", "'../x'");
        /* Bad kill targets and signals. */
        r = it_dbus_send(30, MANAGER_PATH, MANAGER ".KillMachine", "string:dm-dup", "string:everyone", "int32:15",
                         NULL);
        assert_dbus_error(&r, "KillMachine dm-dup everyone", "org.freedesktop.DBus.Error.InvalidArgs", "everyone");
        r = it_dbus_send(30, MANAGER_PATH, MANAGER ".KillMachine", "string:dm-dup", "string:all", "int32:0", NULL);
        assert_dbus_error(&r, "KillMachine dm-dup all 0", "org.freedesktop.DBus.Error.InvalidArgs", NULL);
        r = it_dbus_send(30, MANAGER_PATH, MANAGER ".KillMachine", "string:dm-dup", "string:all", "int32:99",
                         NULL);
        assert_dbus_error(&r, "KillMachine dm-dup all 99", "org.freedesktop.DBus.Error.InvalidArgs", NULL);

        /* Nothing changed: the same files, the same machine, no launcher. */
        after = it_tree_manifest(it.state_dir);
        cr_assert_str_eq(after, before_state, "the state directory changed");
        free(after);
        after = it_tree_manifest(it.runtime_dir);
        cr_assert_str_eq(after, before_run, "the runtime directory changed");
        free(after);
        names = it_list_machines();
        cr_assert_str_eq(names, "dm-dup\n");
        free(names);
        assert_property("dm-dup", "Leader", leader);
        assert_property("dm-dup", "State", "running");
        cr_assert_null(it_process_with_arg("dm-missing"));
        cr_assert_null(it_process_with_arg("images/dm-dup"));
        it_assert_clean("dm-missing", NULL);
        it_assert_clean("dm-empty", NULL);
        assert_no_children_of(it_berthd_pid());

        /* PoweroffMachine of a command's machine: its stub passes it on. */
        r = manager_call(30, "PoweroffMachine", "dm-dup");
        cr_assert_eq(r.status, 0, "PoweroffMachine dm-dup: %s", r.err);
        it_result_free(&r);
        cr_assert_neq(it_wait(dup, 60), -1, "dm-dup still runs after PoweroffMachine");
        cr_assert(it_wait_listed("dm-dup", false, 30));
        it_assert_clean("dm-dup", tree);
        free(leader);
        free(before_state);
        free(before_run);
}

/* Callers other than root -------------------------------------------- */

struct change {
        const char *object;     /* NULL: the manager */
        const char *member;
        const char *busctl_sig;
        const char *busctl_args[3];
        const char *dbus_send_args[3];
};

static void assert_nobody_cannot_change(const char *machine, const char *error_message)
{
        char *obj = object_of(machine), arg[100];
        const struct change changes[] = {
                { NULL, "StartMachine", "s", { "dm-img2" }, { "string:dm-img2" } },
                { NULL, "PoweroffMachine", "s", { machine }, { arg } },
                { NULL, "RebootMachine", "s", { machine }, { arg } },
                { NULL, "TerminateMachine", "s", { machine }, { arg } },
                { NULL, "KillMachine", "ssi", { machine, "all", "9" }, { arg, "string:all", "int32:9" } },
                { obj, "Poweroff", NULL, {}, {} },
                { obj, "Reboot", NULL, {}, {} },
                { obj, "Terminate", NULL, {}, {} },
                { obj, "Kill", "si", { "all", "9" }, { "string:all", "int32:9" } },
        };

        snprintf(arg, sizeof(arg), "string:%s", machine);
        for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
                const struct change *c = &changes[i];
                const char *object = c->object ? c->object : MANAGER_PATH;
                const char *iface = c->object ? MACHINE : MANAGER;
                char member[200], what[300];
                struct it_result r;

                snprintf(what, sizeof(what), "%s.%s as nobody", iface, c->member);
                if (c->busctl_sig)
                        r = it_busctl_nobody(30, "call", DEST, object, iface, c->member, c->busctl_sig,
                                             c->busctl_args[0], c->busctl_args[1], c->busctl_args[2], NULL);
                else
                        r = it_busctl_nobody(30, "call", DEST, object, iface, c->member, NULL);
                cr_assert_neq(r.status, 0, "busctl %s succeeded: %s", what, r.out);
                cr_assert_eq(lines_of(r.err), 1, "busctl %s said:\n%s", what, r.err);
                it_result_free(&r);

                snprintf(member, sizeof(member), "%s.%s", iface, c->member);
                r = it_dbus_send_nobody(30, object, member, c->dbus_send_args[0], c->dbus_send_args[1],
                                        c->dbus_send_args[2], NULL);
                assert_dbus_error(&r, what, "org.freedesktop.DBus.Error.AccessDenied", error_message);
        }
        free(obj);
}

static void assert_nobody_can_read(const char *machine)
{
        char *obj = object_of(machine), *leader = state_or_fail(machine, "LEADER"), want[100];
        struct it_result r;

        r = it_busctl_nobody(30, "call", DEST, MANAGER_PATH, MANAGER, "ListMachines", NULL);
        cr_assert_eq(r.status, 0, "ListMachines as nobody: %s", r.err);
        snprintf(want, sizeof(want), "a(ssso) 1 \"%s\" \"container\" \"berth\" \"%s\"\n", machine, obj);
        cr_assert_str_eq(r.out, want);
        it_result_free(&r);
        r = it_busctl_nobody(30, "call", DEST, MANAGER_PATH, MANAGER, "GetMachine", "s", machine, NULL);
        cr_assert_eq(r.status, 0, "GetMachine as nobody: %s", r.err);
        it_result_free(&r);
        r = it_busctl_nobody(30, "get-property", DEST, obj, MACHINE, "Leader", NULL);
        cr_assert_eq(r.status, 0, "reading Leader as nobody: %s", r.err);
        snprintf(want, sizeof(want), "u %s\n", leader);
        cr_assert_str_eq(r.out, want);
        it_result_free(&r);
        r = it_busctl_nobody(30, "get-property", DEST, obj, MACHINE, "State", NULL);
        cr_assert_eq(r.status, 0, "reading State as nobody: %s", r.err);
        cr_assert_str_eq(r.out, "s \"running\"\n");
        it_result_free(&r);
        r = it_busctl_nobody(30, "introspect", DEST, obj, NULL);
        cr_assert_eq(r.status, 0, "introspecting as nobody: %s", r.err);
        cr_assert(strstr(r.out, ".UIDShift "), "%s", r.out);
        it_result_free(&r);
        /* It really is nobody that calls. */
        char *argv[] = { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "id", "-u", NULL };
        r = it_run(30, argv);
        cr_assert_str_eq(r.out, "65534\n", "setpriv ... id -u: %s%s", r.out, r.err);
        it_result_free(&r);
        free(obj);
        free(leader);
}

static void nobody_reads_but_changes_nothing(const char *error_message)
{
        const char *tree = it_busybox_tree();
        struct it_watch *w = it_watch_start();
        char *leader;
        pid_t pub;
        int status;

        it_image_link("dm-img2", tree);
        pub = spawn_sleeper("dm-pub", NULL);
        cr_assert(it_wait_listed("dm-pub", true, 30));
        cr_assert(it_watch_wait(w, "MachineNew dm-pub", 30), "%s", it_watch_log(w));
        leader = state_or_fail("dm-pub", "LEADER");

        assert_nobody_can_read("dm-pub");
        assert_nobody_cannot_change("dm-pub", error_message);

        /* Untouched: the same leader, running, no machine started. */
        cr_assert_eq(waitpid(pub, &status, WNOHANG), 0, "machine dm-pub ended");
        assert_property("dm-pub", "Leader", leader);
        assert_property("dm-pub", "State", "running");
        assert_listed_exactly("dm-pub\n");
        cr_assert(it_watch_wait(w, NULL, 1));
        cr_assert_null(strstr(it_watch_log(w), "dm-img2"), "signals:\n%s", it_watch_log(w));
        cr_assert_null(strstr(it_watch_log(w), "MachineRemoved"), "signals:\n%s", it_watch_log(w));
        cr_assert_null(it_state_get("dm-img2", "STATE"), "machine dm-img2 was started");

        cr_assert_eq(kill(pub, SIGTERM), 0);
        cr_assert_neq(it_wait(pub, 30), -1);
        it_assert_clean("dm-pub", tree);
        it_watch_free(w);
        free(leader);
}

/* The policy keeps them out before berthd sees the call. */
Test(daemon, non_root_reads_but_the_policy_denies_changes)
{
        daemon_up();
        nobody_reads_but_changes_nothing("Rejected send message");
}

/* With a policy that lets everything through, berthd refuses itself. */
Test(daemon, non_root_is_denied_by_berthd_itself)
{
        it_bus_start_with("  <policy context=\"default\">\n"
                          "    <allow send_destination=\"org.berth.machine1\"/>\n"
                          "  </policy>\n");
        it_berthd_start();
        nobody_reads_but_changes_nothing("only root may change machines");
}

Test(daemon, second_berthd_refuses_to_run)
{
        const char *bin = getenv("BERTHD_BIN");
        struct it_result r;

        daemon_up();
        char *argv[] = { (char *) bin, NULL };
        r = it_run(60, argv);
        cr_assert_eq(r.status, 1, "a second berthd exited with %d: %s", r.status, r.err);
        cr_assert(strstr(r.err, "another berthd runs already"), "it said: %s", r.err);
        it_result_free(&r);
        /* The first one still answers. */
        assert_listed_exactly("");
        cr_assert_eq(kill(it_berthd_pid(), 0), 0);
}

/* Two StartMachine calls for one name at once, on one connection, so that
 * berthd has both before the first launcher registers: the first gets the
 * machine, the second the machine too or MachineExists. */
static int on_start_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        char **out = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        const char *path;

        if (e)
                asprintf(out, "error %s: %s", e->name, e->message);
        else if (sd_bus_message_read(m, "o", &path) >= 0)
                asprintf(out, "path %s", path);
        else
                *out = strdup("an unreadable reply");
        return 0;
}

Test(daemon, two_starts_at_once_start_one_machine)
{
        char *img = busybox_image("dm-twice"), *reply[2] = {}, *obj = object_of("dm-twice"), want[300];
        sd_bus *bus = NULL;
        int r;

        daemon_up();
        cr_assert_geq(sd_bus_open_system(&bus), 0);
        for (size_t i = 0; i < 2; i++) {
                sd_bus_message *m = NULL;
                cr_assert_geq(sd_bus_message_new_method_call(bus, &m, DEST, MANAGER_PATH, MANAGER, "StartMachine"),
                              0);
                cr_assert_geq(sd_bus_message_append(m, "s", "dm-twice"), 0);
                r = sd_bus_call_async(bus, NULL, m, on_start_reply, &reply[i], 120 * 1000000ULL);
                cr_assert_geq(r, 0, "sending StartMachine: %s", strerror(-r));
                sd_bus_message_unref(m);
        }
        for (double end = it_now() + 130; !(reply[0] && reply[1]) && it_now() < end;) {
                while ((r = sd_bus_process(bus, NULL)) > 0)
                        ;
                cr_assert_geq(r, 0);
                if (!(reply[0] && reply[1]))
                        (void) sd_bus_wait(bus, 1000000);
        }
        cr_assert(reply[0] && reply[1], "no reply to both StartMachine calls");

        /* One machine runs. */
        cr_assert(it_wait_property("dm-twice", "State", "running", 60), "dm-twice is not running");
        assert_listed_exactly("dm-twice\n");
        snprintf(want, sizeof(want), "path %s", obj);
        cr_assert_str_eq(reply[0], want, "the first StartMachine dm-twice: %s (the second: %s)", reply[0],
                         reply[1]);
        cr_assert(strcmp(reply[1], want) == 0 ||
                  strncmp(reply[1], "error org.berth.machine1.MachineExists: ", 41) == 0,
                  "the second StartMachine dm-twice: %s", reply[1]);

        r = (int) manager_call(60, "PoweroffMachine", "dm-twice").status;
        cr_assert_eq(r, 0);
        cr_assert(it_wait_listed("dm-twice", false, 60), "dm-twice is still listed after PoweroffMachine");
        for (double end = it_now() + 30; it_leftovers("dm-twice", img) && it_now() < end;)
                usleep(100000);
        it_assert_clean("dm-twice", img);
        sd_bus_flush_close_unref(bus);
        free(reply[0]);
        free(reply[1]);
        free(obj);
        free(img);
}
