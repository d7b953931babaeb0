/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth boot-test: verdicts and exit statuses on real trees and on broken
 * fixtures made from them (a unit that fails at boot, no init, a unit that
 * hangs the shutdown); the JSON report; the JUnit report checked against the
 * JUnit XML schema with libxml2; the base trees unchanged; a matrix; Ctrl-C;
 * nothing left behind. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(boottest, .init = it_setup, .fini = it_teardown);

#define FAIL_UNIT "berth-fixture-fail.service"
#define FAIL_LINE "fixture: this unit fails on purpose"
#define HANG_UNIT "berth-fixture-hang.service"
/* A start that never ends: the boot waits for it until --timeout. */
#define SLOW_START "Type=oneshot\nExecStart=/bin/sleep infinity\nTimeoutStartSec=infinity"

static const char *cached(const char *name, const char *probe)
{
        static char path[8][300];
        static int next;
        char p[400];
        char *t = path[next++ % 8];

        snprintf(t, 300, "/var/cache/berth-test/%s", name);
        snprintf(p, sizeof(p), "%s/%s", t, probe);
        if (access(p, F_OK) < 0)
                cr_skip_test("test tree %s is missing (tools/test builds it)", t);
        return t;
}

/* A fixture: the bookworm tree hard-linked into the test's directory (new
 * files go into the copy's own directories; no file of the base is ever
 * opened for writing), then changed by script. */
static char *fixture_of(const char *base, const char *name, const char *script)
{
        static char dir[8][600];
        static int next;
        char *d = dir[next++ % 8];

        snprintf(d, 600, "%s/%s", it.dir, name);
        it_sh("cp -al '%s' '%s' 2>/dev/null || cp -a '%s' '%s'", base, d, base, d);
        it_sh("cd '%s' && %s", d, script);
        return d;
}

static char *fixture(const char *name, const char *script)
{
        return fixture_of(it_debian_tree(), name, script);
}

/* The runit tree with a service whose run exits at once: runsv restarts
 * it every second, for ever. */
static char *runit_restart_loop(void)
{
        return fixture_of(cached("debian-runit", "lib/runit/runit-init"), "runit-loop",
                          "mkdir etc/sv/bt-quick && printf '#!/bin/sh\\necho bt-quick exits\\nexit 1\\n' "
                          ">etc/sv/bt-quick/run && chmod 755 etc/sv/bt-quick/run && "
                          "ln -s /etc/sv/bt-quick etc/runit/runsvdir/default/bt-quick");
}

/* The OpenRC tree with a service of the default runlevel whose start fails. */
static char *openrc_failing(void)
{
        return fixture_of(cached("debian-openrc", "sbin/openrc"), "openrc-fail",
                          "printf '#!/sbin/openrc-run\\nstart() {\\n\\tebegin bt-bad\\n\\teend 1\\n}\\n' "
                          ">etc/init.d/bt-bad && chmod 755 etc/init.d/bt-bad && "
                          "ln -s /etc/init.d/bt-bad etc/runlevels/default/bt-bad");
}

/* A unit in the fixture, wanted by multi-user.target. */
static void add_unit(const char *tree, const char *unit, const char *service_section)
{
        char path[800], link[900];
        snprintf(path, sizeof(path), "%s/etc/systemd/system/%s", tree, unit);
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f, "%s", path);
        fprintf(f, "[Unit]\nDescription=berth fixture %s\n[Service]\n%s\n[Install]\nWantedBy=multi-user.target\n",
                unit, service_section);
        cr_assert_eq(fclose(f), 0);
        snprintf(path, sizeof(path), "/etc/systemd/system/%s", unit);
        snprintf(link, sizeof(link), "%s/etc/systemd/system/multi-user.target.wants/%s", tree, unit);
        cr_assert_eq(symlink(path, link), 0, "%s", link);
}

static json_object *load_json(const char *path)
{
        json_object *o = json_object_from_file(path);
        cr_assert_not_null(o, "%s is not JSON: %s", path, json_util_get_last_err());
        return o;
}

static json_object *jget(json_object *o, const char *path)
{
        char buf[256], *save = NULL;

        snprintf(buf, sizeof(buf), "%s", path);
        for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save)) {
                json_object *v = NULL;
                if (json_object_is_type(o, json_type_array))
                        v = json_object_array_get_idx(o, (size_t) atoi(k));
                else if (!json_object_object_get_ex(o, k, &v))
                        v = NULL;
                o = v;
        }
        return o;
}

static const char *jstr(json_object *o, const char *path)
{
        json_object *v = jget(o, path);
        return v ? json_object_get_string(v) : NULL;
}

static json_object *failed_unit(json_object *tree, const char *unit, const char *phase)
{
        json_object *f = jget(tree, "failed_units");
        for (size_t i = 0; f && i < json_object_array_length(f); i++) {
                json_object *x = json_object_array_get_idx(f, i);
                if (strcmp(jstr(x, "unit") ?: "", unit) == 0 && strcmp(jstr(x, "phase") ?: "", phase) == 0)
                        return x;
        }
        return NULL;
}

static bool array_has_substring(json_object *arr, const char *needle)
{
        for (size_t i = 0; arr && i < json_object_array_length(arr); i++)
                if (strstr(json_object_get_string(json_object_array_get_idx(arr, i)), needle))
                        return true;
        return false;
}

/* The JUnit file against tests/data/junit.xsd, with libxml2's parser and
 * schema validator. Returns the parsed document. */
static xmlDocPtr junit_valid(const char *path)
{
        char xsd[600];
        const char *root = getenv("BERTH_SOURCE_ROOT");

        snprintf(xsd, sizeof(xsd), "%s/tests/data/junit.xsd", root ? root : ".");
        xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(xsd);
        xmlSchemaPtr schema = xmlSchemaParse(pc);
        cr_assert_not_null(schema, "cannot load %s", xsd);
        xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
        cr_assert_not_null(doc, "%s is not well-formed XML", path);
        xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
        int r = xmlSchemaValidateDoc(vc, doc);
        cr_assert_eq(r, 0, "%s does not validate against the JUnit schema (%d)", path, r);
        xmlSchemaFreeValidCtxt(vc);
        xmlSchemaFree(schema);
        xmlSchemaFreeParserCtxt(pc);
        return doc;
}

static char *xpath_string(xmlDocPtr doc, const char *expr)
{
        xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
        xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
        char *s = o ? (char *) xmlXPathCastToString(o) : NULL;
        xmlXPathFreeObject(o);
        xmlXPathFreeContext(ctx);
        return s;
}

/* The JUnit file validates, and the XPath expression's string value
 * contains needle. */
static void expect_junit(const char *junit, const char *expr, const char *needle)
{
        xmlDocPtr doc = junit_valid(junit);
        char *v = xpath_string(doc, expr);
        cr_expect(v && strstr(v, needle), "%s: \"%s\", wanted \"%s\"", expr, v ? v : "(none)", needle);
        xmlFree(v);
        xmlFreeDoc(doc);
}

static void assert_nothing_left(json_object *report)
{
        json_object *trees = jget(report, "trees");
        for (size_t i = 0; i < json_object_array_length(trees); i++) {
                json_object *t = json_object_array_get_idx(trees, i);
                if (!jstr(t, "machine"))
                        continue;
                char *left = it_leftovers(jstr(t, "machine"), jstr(t, "tree"));
                cr_assert_null(left, "%s", left);
        }
}

static int count_machines(void)
{
        char cmd[800];
        int n = 0;
        snprintf(cmd, sizeof(cmd), "ls %s/machines 2>/dev/null | grep -c '^bt-'", it.runtime_dir);
        FILE *p = popen(cmd, "r");
        if (p && fscanf(p, "%d", &n) != 1)
                n = 0;
        if (p)
                pclose(p);
        return n;
}

struct run {
        struct it_result r;
        json_object *report, *tree;
        char json[600], junit[600];
        double seconds;
};

/* berth boot-test --json --junit [args...] */
static struct run boot_test(int timeout_sec, const char *tag, const char *const *args)
{
        struct run x = {};
        char *argv[32];
        size_t n = 0;

        snprintf(x.json, sizeof(x.json), "%s/%s.json", it.dir, tag);
        snprintf(x.junit, sizeof(x.junit), "%s/%s.xml", it.dir, tag);
        argv[n++] = (char *) it_berth();
        argv[n++] = (char *) "boot-test";
        argv[n++] = (char *) "--json";
        argv[n++] = x.json;
        argv[n++] = (char *) "--junit";
        argv[n++] = x.junit;
        for (; *args && n < 31; args++)
                argv[n++] = (char *) *args;
        argv[n] = NULL;
        double t0 = it_now();
        x.r = it_run(timeout_sec, argv);
        x.seconds = it_now() - t0;
        x.report = load_json(x.json);
        x.tree = jget(x.report, "trees.0");
        return x;
}

Test(boottest, bookworm_passes)
{
        it_require_root();
        const char *tree = it_debian_tree();
        char *before = it_tree_manifest(tree);
        struct run x = boot_test(300, "pass", (const char *[]) { "-D", tree, NULL });

        cr_assert_eq(x.r.status, 0, "exit %d\n%s%s", x.r.status, x.r.out, x.r.err);
        cr_expect(strstr(x.r.out, "PASS"), "%s", x.r.out);
        cr_expect_eq(json_object_get_int(jget(x.report, "schema_version")), 1);
        cr_expect_str_eq(jstr(x.tree, "verdict"), "pass");
        cr_expect_str_eq(jstr(x.tree, "system_state"), "running");
        cr_expect_eq(json_object_array_length(jget(x.tree, "failed_units")), 0);
        cr_expect_str_eq(jstr(x.tree, "init.kind"), "systemd");
        cr_expect(strstr(jstr(x.tree, "init.version"), "252"), "%s", jstr(x.tree, "init.version"));
        /* Looked inside: units with their timing, a getty, identity. */
        cr_expect_gt(json_object_array_length(jget(x.tree, "units")), 20);
        cr_expect_not_null(jget(x.tree, "units.0.activation_sec"));
        cr_expect_gt(json_object_get_double(jget(x.tree, "timing.userspace_sec")), 0);
        cr_expect_gt(json_object_get_double(jget(x.tree, "timing.ready_sec")), 0);
        cr_expect(json_object_get_boolean(jget(x.tree, "login.getty_running")));
        cr_expect(array_has_substring(jget(x.tree, "login.getty_units"), "getty"));
        cr_expect(json_object_get_boolean(jget(x.tree, "hostname.ok")));
        cr_expect_str_eq(jstr(x.tree, "hostname.value"), jstr(x.tree, "machine"));
        cr_expect(json_object_get_boolean(jget(x.tree, "machine_id.ok")));
        cr_expect_eq(strlen(jstr(x.tree, "machine_id.value")), 32);
        cr_expect(json_object_get_boolean(jget(x.tree, "shutdown.clean")));
        cr_expect(json_object_get_boolean(jget(x.tree, "journal.available")));
        cr_expect_gt(json_object_get_int(jget(x.tree, "journal.entries")), 10);
        cr_expect(strstr(jstr(x.tree, "os.pretty_name"), "bookworm"));

        expect_junit(x.junit, "string(/testsuites/testsuite/@failures = 0)", "true");
        expect_junit(x.junit, "string(count(//testcase[@name='getty']) = 1 and not(//testcase[@name='getty']/failure))",
                     "true");

        char *after = it_tree_manifest(tree);
        cr_expect(strcmp(before, after) == 0, "the base tree changed");
        assert_nothing_left(x.report);
        free(before), free(after);
        /* The reports were written under a hidden name and renamed: only
         * they are left, next to the test's other files. */
        char cmd[700];
        snprintf(cmd, sizeof(cmd), "ls -A '%s' | grep -q '^\\.pass\\.'", it.dir);
        cr_expect_neq(system(cmd), 0, "a temporary report file was left in %s", it.dir);
}

Test(boottest, a_failing_unit_is_degraded_and_named_with_its_journal)
{
        it_require_root();
        char *before = it_tree_manifest(it_debian_tree());
        const char *tree = fixture("failing", "true");
        add_unit(tree, FAIL_UNIT, "Type=oneshot\nExecStart=/bin/sh -c \"echo " FAIL_LINE " >&2; exit 3\"");
        struct run x = boot_test(300, "failing", (const char *[]) { tree, NULL });

        cr_assert_eq(x.r.status, 1, "exit %d\n%s%s", x.r.status, x.r.out, x.r.err);
        cr_expect(strstr(x.r.out, "DEGRADED") && strstr(x.r.out, FAIL_UNIT), "%s", x.r.out);
        cr_expect_str_eq(jstr(x.tree, "verdict"), "degraded");
        cr_expect_str_eq(jstr(x.tree, "system_state"), "degraded");
        json_object *f = failed_unit(x.tree, FAIL_UNIT, "boot");
        cr_assert_not_null(f, "%s", json_object_to_json_string(jget(x.tree, "failed_units")));
        cr_expect_str_eq(jstr(f, "result"), "exit-code");
        cr_expect(array_has_substring(jget(f, "journal"), FAIL_LINE), "%s", json_object_to_json_string(f));
        /* It shut down cleanly all the same. */
        cr_expect(json_object_get_boolean(jget(x.tree, "shutdown.clean")));

        expect_junit(x.junit, "string(//testcase[@name='" FAIL_UNIT "']/failure/@message)", "exit-code");
        expect_junit(x.junit, "string(//testcase[@name='" FAIL_UNIT "']/failure)", FAIL_LINE);
        expect_junit(x.junit, "string(/testsuites/testsuite/@failures > 0)", "true");

        char *after = it_tree_manifest(it_debian_tree());
        cr_expect(strcmp(before, after) == 0, "the base tree changed");
        assert_nothing_left(x.report);
}

Test(boottest, a_unit_failing_on_the_way_down_is_degraded)
{
        it_require_root();
        const char *tree = fixture("stopfail", "true");
        add_unit(tree, "stopfail.service", "Type=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n"
                                          "ExecStop=/bin/sh -c \"echo fixture: the stop fails >&2; exit 4\"");
        struct run x = boot_test(300, "stopfail", (const char *[]) { tree, NULL });

        cr_assert_eq(x.r.status, 1, "exit %d\n%s%s", x.r.status, x.r.out, x.r.err);
        /* Up and running at boot; failed during the shutdown, which itself
         * finished in time. */
        cr_expect_str_eq(jstr(x.tree, "system_state"), "running");
        cr_expect_null(failed_unit(x.tree, "stopfail.service", "boot"));
        json_object *f = failed_unit(x.tree, "stopfail.service", "shutdown");
        cr_assert_not_null(f, "%s", json_object_to_json_string(jget(x.tree, "failed_units")));
        cr_expect_str_eq(jstr(f, "result"), "exit-code");
        cr_expect(array_has_substring(jget(f, "journal"), "fixture: the stop fails"), "%s", json_object_to_json_string(f));
        cr_expect(json_object_get_boolean(jget(x.tree, "shutdown.clean")));

        expect_junit(x.junit, "string(//testcase[@name='stopfail.service (shutdown)']/failure)", "fixture: the stop fails");
        assert_nothing_left(x.report);
}

Test(boottest, a_tree_without_init_did_not_boot)
{
        it_require_root();
        const char *tree = fixture("noinit", "rm -f sbin/init usr/sbin/init lib/systemd/systemd usr/lib/systemd/systemd "
                                             "bin/init usr/bin/init");
        /* And one whose init is built for another architecture (busybox's
         * ELF header made aarch64's), unless this host runs those. */
        bool foreign = system("grep -qsx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64") != 0;
        const char *arch = fixture("foreign", "true");
        char cmd[2000];
        snprintf(cmd, sizeof(cmd), "rm -f '%s/usr/lib/systemd/systemd' && cp '%s/bin/busybox' '%s/usr/lib/systemd/systemd' && "
                 "printf '\\267\\000' | dd of='%s/usr/lib/systemd/systemd' bs=1 seek=18 conv=notrunc status=none",
                 arch, it_busybox_tree(), arch, arch);
        cr_assert_eq(system(cmd), 0, "%s", cmd);
        struct run x = boot_test(120, "noinit", (const char *[]) { "-j", "2", "-D", tree, foreign ? arch : tree, NULL });

        cr_assert_eq(x.r.status, 2, "exit %d\n%s%s", x.r.status, x.r.out, x.r.err);
        cr_expect_str_eq(jstr(x.tree, "verdict"), "not-booted");
        cr_expect(strstr(jstr(x.tree, "reason"), "init"), "reason: %s", jstr(x.tree, "reason"));
        if (foreign) {
                cr_expect_str_eq(jstr(x.report, "trees.1.verdict"), "not-booted");
                cr_expect(strstr(jstr(x.report, "trees.1.reason"), "is a program for aarch64"), "reason: %s",
                          jstr(x.report, "trees.1.reason"));
        }
        expect_junit(x.junit, "string(//testcase[@name='boot']/failure/@message)", "init");
        assert_nothing_left(x.report);
}

Test(boottest, pid1_dying_or_emergency_mode_did_not_boot)
{
        it_require_root();
        /* The init is replaced (unlinked first: the base's file stays). */
        const char *dies = fixture("dies", "rm usr/lib/systemd/systemd && "
                                           "printf '#!/bin/sh\\nprintf \"half a line\\\\0\"\\n"
                                           "echo init gives up >&2\\nexit 1\\n' > usr/lib/systemd/systemd && "
                                           "chmod 755 usr/lib/systemd/systemd");
        const char *emergency = fixture("emergency", "ln -sfn /lib/systemd/system/emergency.target etc/systemd/system/default.target");
        struct run x = boot_test(300, "died", (const char *[]) { "-j", "2", dies, emergency, NULL });

        cr_assert_eq(x.r.status, 2, "exit %d\n%s%s", x.r.status, x.r.out, x.r.err);
        json_object *d = jget(x.report, "trees.0"), *e = jget(x.report, "trees.1");
        cr_expect_str_eq(jstr(d, "verdict"), "not-booted");
        cr_expect(strstr(jstr(d, "reason"), "PID 1"), "reason: %s", jstr(d, "reason"));
        cr_expect(array_has_substring(jget(d, "console"), "init gives up"), "%s", json_object_to_json_string(jget(d, "console")));
        cr_expect_str_eq(jstr(e, "verdict"), "not-booted");
        cr_expect_str_eq(jstr(e, "system_state"), "maintenance");
        cr_expect(strstr(jstr(e, "reason"), "emergency"), "reason: %s", jstr(e, "reason"));
        junit_valid(x.junit);
        assert_nothing_left(x.report);
}

Test(boottest, no_ready_in_time_is_a_timeout_that_names_the_waiting_jobs)
{
        it_require_root();
        const char *slow = fixture("slowboot", "true");
        add_unit(slow, "slow.service", SLOW_START);
        struct run x = boot_test(120, "slowboot", (const char *[]) { "--timeout=4", slow, NULL });

        cr_assert_eq(x.r.status, 3, "exit %d\n%s%s", x.r.status, x.r.out, x.r.err);
        cr_expect_str_eq(jstr(x.tree, "verdict"), "timeout");
        cr_expect(strstr(jstr(x.tree, "reason"), "no READY=1"), "reason: %s", jstr(x.tree, "reason"));
        json_object *w = jget(x.tree, "waiting_for");
        bool named = false;
        for (size_t i = 0; w && i < json_object_array_length(w); i++)
                named |= strcmp(jstr(json_object_array_get_idx(w, i), "unit") ?: "", "slow.service") == 0;
        cr_expect(named, "waiting for: %s", json_object_to_json_string(w));
        cr_expect_lt(x.seconds, 4 + 6, "took %.1fs", x.seconds);
        junit_valid(x.junit);
        assert_nothing_left(x.report);
}

/* The journal is read after the machine is gone by the machine's own
 * journalctl: it must run as the machine's root, never as the host's, and
 * see no host process. A fixture's journalctl reports what it is. */
Test(boottest, the_stopped_machine_is_read_as_its_own_root)
{
        it_require_root();
        const char *tree = fixture("probe", "rm usr/bin/journalctl");
        char path[700];
        snprintf(path, sizeof(path), "%s/usr/bin/journalctl", tree);
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f);
        fputs("#!/bin/sh\n"
              "uid=$(id -u)\n"
              "map=$(tr -s ' ' < /proc/self/uid_map | tr -d '\\n')\n"
              "n=$(ls /proc | grep -c '^[0-9]')\n"
              "boot=$(tr -d -- '-\\n' < /proc/sys/kernel/random/boot_id)\n"
              "now=$(awk '{ printf \"%.0f\", $1 * 1000000 }' /proc/uptime)\n"
              "printf '{\"_BOOT_ID\":\"%s\",\"__MONOTONIC_TIMESTAMP\":\"%s\",\"PRIORITY\":\"3\","
              "\"SYSLOG_IDENTIFIER\":\"probe\",\"MESSAGE\":\"uid=%s map=%s procs=%s\"}\\n' "
              "\"$boot\" \"$now\" \"$uid\" \"$map\" \"$n\"\n", f);
        fclose(f);
        chmod(path, 0755);
        struct run x = boot_test(300, "probe", (const char *[]) { tree, NULL });

        cr_assert_eq(x.r.status, 0, "exit %d\n%s%s", x.r.status, x.r.out, x.r.err);
        const char *msg = jstr(x.tree, "journal_errors.0.message");
        cr_assert_not_null(msg, "%s", json_object_to_json_string(jget(x.tree, "journal")));
        unsigned uid, inside, outside, count, procs;
        cr_assert_eq(sscanf(msg, "uid=%u map= %u %u %u procs=%u", &uid, &inside, &outside, &count, &procs), 5, "%s", msg);
        cr_expect_eq(uid, 0, "%s", msg);
        cr_expect_eq(inside, 0, "%s", msg);
        cr_expect_neq(outside, 0, "it ran in the host's user namespace: %s", msg);
        cr_expect_eq(count, 65536, "%s", msg);
        cr_expect_leq(procs, 8, "it saw the host's processes: %s", msg);
        assert_nothing_left(x.report);
}

Test(boottest, a_hanging_shutdown_times_out_in_time)
{
        it_require_root();
        const char *tree = fixture("hang", "true");
        add_unit(tree, HANG_UNIT, "Type=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n"
                                  "ExecStop=/bin/sleep infinity\nTimeoutStopSec=infinity");
        const unsigned timeout = 8;
        struct run x = boot_test(120, "hang", (const char *[]) { "--timeout=8", tree, NULL });

        cr_assert_eq(x.r.status, 3, "exit %d\n%s%s", x.r.status, x.r.out, x.r.err);
        cr_expect_str_eq(jstr(x.tree, "verdict"), "timeout");
        cr_expect(json_object_get_boolean(jget(x.tree, "shutdown.timed_out")));
        /* It says what the shutdown waited for. */
        json_object *w = jget(x.tree, "shutdown.waiting_for");
        bool named = false;
        for (size_t i = 0; w && i < json_object_array_length(w); i++)
                named |= strcmp(jstr(json_object_array_get_idx(w, i), "unit") ?: "", HANG_UNIT) == 0;
        cr_expect(named, "waiting for: %s", json_object_to_json_string(w));
        cr_expect(strstr(x.r.out, HANG_UNIT), "%s", x.r.out);
        /* The timeout plus a few seconds: the boot and the kill. */
        cr_expect_lt(x.seconds, timeout + 6, "took %.1fs", x.seconds);
        junit_valid(x.junit);
        assert_nothing_left(x.report);
}

Test(boottest, other_inits_say_what_was_checked)
{
        it_require_root();
        const char *sysv = cached("debian-sysvinit", "sbin/init");
        struct run x = boot_test(300, "others", (const char *[]) { "-j", "2", sysv, it_busybox_tree(), NULL });

        cr_assert_eq(x.r.status, 0, "exit %d\n%s%s", x.r.status, x.r.out, x.r.err);
        json_object *s = jget(x.report, "trees.0"), *b = jget(x.report, "trees.1");
        cr_expect_str_eq(jstr(s, "init.kind"), "sysvinit");
        cr_expect_str_eq(jstr(s, "verdict"), "pass");
        cr_expect_str_eq(jstr(s, "rc.runlevel"), "2");
        cr_expect(json_object_get_boolean(jget(s, "rc.finished")));
        cr_expect(array_has_substring(jget(s, "checked"), "runlevel"));
        cr_expect(array_has_substring(jget(s, "not_checked"), "failed-units"));
        cr_expect_str_eq(jstr(b, "init.kind"), "busybox");
        cr_expect_str_eq(jstr(b, "verdict"), "pass");
        cr_expect(json_object_get_boolean(jget(b, "pid1_alive")));
        junit_valid(x.junit);
        assert_nothing_left(x.report);
}

/* runit and OpenRC: up at stage 2 and at the default runlevel, their
 * services asked of runsv and rc-status. */
Test(boottest, runit_and_openrc_are_asked_for_their_services)
{
        it_require_root();
        const char *runit = cached("debian-runit", "lib/runit/runit-init");
        const char *openrc = cached("debian-openrc", "sbin/openrc");
        struct run x = boot_test(300, "services", (const char *[]) { "-j", "2", runit, openrc, NULL });

        cr_assert_eq(x.r.status, 0, "exit %d\n%s%s", x.r.status, x.r.out, x.r.err);
        json_object *r = jget(x.report, "trees.0"), *o = jget(x.report, "trees.1");
        cr_expect_str_eq(jstr(r, "init.kind"), "runit");
        cr_expect_str_eq(jstr(o, "init.kind"), "openrc");
        for (int i = 0; i < 2; i++) {
                json_object *t = i ? o : r;
                cr_expect_str_eq(jstr(t, "verdict"), "pass", "%s: %s", jstr(t, "label"), jstr(t, "reason"));
                cr_expect(json_object_get_boolean(jget(t, "rc.finished")), "%s", jstr(t, "label"));
                cr_expect(array_has_substring(jget(t, "checked"), "failed-units"), "%s", jstr(t, "label"));
                cr_expect_eq(json_object_array_length(jget(t, "failed_units")), 0, "%s", jstr(t, "label"));
        }
        cr_expect(array_has_substring(jget(r, "checked"), "runit-stage-2"));
        cr_expect(array_has_substring(jget(o, "checked"), "openrc-runlevel-reached"));
        cr_expect_str_eq(jstr(o, "rc.runlevel"), "2");
        /* What each supervisor said: runit's syslog runs; OpenRC started
         * the default runlevel's rmnologin. */
        bool syslog = false, rmnologin = false;
        for (size_t i = 0; i < json_object_array_length(jget(r, "units")); i++) {
                json_object *u = json_object_array_get_idx(jget(r, "units"), i);
                syslog |= strcmp(jstr(u, "unit") ?: "", "default-syslog") == 0 &&
                          strcmp(jstr(u, "sub_state") ?: "", "run") == 0;
        }
        for (size_t i = 0; i < json_object_array_length(jget(o, "units")); i++) {
                json_object *u = json_object_array_get_idx(jget(o, "units"), i);
                rmnologin |= strcmp(jstr(u, "unit") ?: "", "rmnologin") == 0 &&
                             strcmp(jstr(u, "sub_state") ?: "", "started") == 0;
        }
        cr_expect(syslog, "runit's default-syslog is not running: %s",
                  json_object_to_json_string(jget(r, "units")));
        cr_expect(rmnologin, "OpenRC's rmnologin was not started: %s", json_object_to_json_string(jget(o, "units")));
        junit_valid(x.junit);
        assert_nothing_left(x.report);
}

/* Every init side by side, with the verdict each deserves: a runit
 * service in a restart loop and an OpenRC service that fails make their
 * trees DEGRADED, named in the JSON and the JUnit report. */
Test(boottest, a_matrix_of_every_init, .timeout = 600)
{
        it_require_root();
        const char *trees[] = { it_debian_tree(), cached("debian-sysvinit", "sbin/init"), openrc_failing(),
                                runit_restart_loop(), it_busybox_tree() };
        const char *kinds[] = { "systemd", "sysvinit", "openrc", "runit", "busybox" };
        const char *verdicts[] = { "pass", "pass", "degraded", "degraded", "pass" };
        const char *failed[] = { NULL, NULL, "bt-bad", "bt-quick", NULL };
        struct run x = boot_test(600, "inits",
                                 (const char *[]) { "-j", "3", trees[0], trees[1], trees[2], trees[3], trees[4], NULL });

        cr_assert_eq(x.r.status, 1, "exit %d (the worst verdict: degraded)\n%s%s", x.r.status, x.r.out, x.r.err);
        for (int i = 0; i < 5; i++) {
                char key[32];
                snprintf(key, sizeof(key), "trees.%d", i);
                json_object *t = jget(x.report, key);
                cr_expect_str_eq(jstr(t, "init.kind"), kinds[i]);
                cr_expect_str_eq(jstr(t, "verdict"), verdicts[i], "%s: %s", kinds[i], jstr(t, "reason"));
                if (!failed[i])
                        continue;
                cr_expect(failed_unit(t, failed[i], "boot"), "%s: %s is not a failed unit: %s", kinds[i], failed[i],
                          json_object_to_json_string(jget(t, "failed_units")));
                cr_expect(strstr(jstr(t, "reason") ?: "", failed[i]), "%s: %s", kinds[i], jstr(t, "reason"));
        }
        expect_junit(x.junit, "string(count(/testsuites/testsuite))", "5");
        expect_junit(x.junit, "string(//testsuite[@name='runit-loop']/testcase[@name='bt-quick']/failure/@message)",
                     "bt-quick failed with result restarting");
        expect_junit(x.junit, "string(//testsuite[@name='openrc-fail']/testcase[@name='bt-bad']/failure/@message)",
                     "bt-bad failed with result stopped");
        assert_nothing_left(x.report);
}

Test(boottest, a_matrix_runs_side_by_side)
{
        it_require_root();
        const char *trees[] = { cached("debian-bullseye", "usr/lib/systemd/systemd"), it_debian_tree(),
                                cached("debian-trixie", "usr/lib/systemd/systemd") };
        char *before[3];
        for (int i = 0; i < 3; i++)
                before[i] = it_tree_manifest(trees[i]);

        struct run serial = boot_test(600, "serial", (const char *[]) { "-j", "1", trees[0], trees[1], trees[2], NULL });
        struct run side = boot_test(600, "matrix", (const char *[]) { "-j", "3", trees[0], trees[1], trees[2], NULL });

        cr_assert_eq(serial.r.status, 0, "exit %d\n%s%s", serial.r.status, serial.r.out, serial.r.err);
        cr_assert_eq(side.r.status, 0, "exit %d\n%s%s", side.r.status, side.r.out, side.r.err);
        const char *versions[] = { "247", "252", "257" };
        for (int i = 0; i < 3; i++) {
                char key[32];
                snprintf(key, sizeof(key), "trees.%d", i);
                json_object *t = jget(side.report, key);
                cr_expect_str_eq(jstr(t, "verdict"), "pass", "%s", jstr(t, "label"));
                cr_expect(strstr(jstr(t, "init.version") ?: "", versions[i]), "%s", jstr(t, "init.version"));
        }
        /* One suite per tree. */
        expect_junit(side.junit, "string(count(/testsuites/testsuite))", "3");
        double d1 = json_object_get_double(jget(serial.report, "duration_sec"));
        double d3 = json_object_get_double(jget(side.report, "duration_sec"));
        cr_expect_lt(d3, d1 * 0.8, "-j 3 took %.2fs, one after another %.2fs", d3, d1);
        cr_log_info("matrix of 3: serial %.2fs, -j 3 %.2fs", d1, d3);
        for (int i = 0; i < 3; i++) {
                char *after = it_tree_manifest(trees[i]);
                cr_expect(strcmp(before[i], after) == 0, "%s changed", trees[i]);
                free(after), free(before[i]);
        }
        assert_nothing_left(serial.report);
        assert_nothing_left(side.report);
}

Test(boottest, ctrl_c_stops_everything)
{
        it_require_root();
        char json[600];
        snprintf(json, sizeof(json), "%s/int.json", it.dir);
        /* Trees that stay in their boot until interrupted: a unit that never
         * finishes starting, well within --timeout. */
        const char *slow = fixture("slow", "true");
        add_unit(slow, "slow.service", SLOW_START);
        pid_t pid = it_berth_spawn("int", "boot-test", "--json", json, "-j", "2", "--timeout=120", slow, slow,
                                   it_busybox_tree(), NULL);
        double t0 = it_now();
        while (it_now() - t0 < 60 && count_machines() < 2)
                usleep(100000);
        cr_assert_eq(count_machines(), 2, "the machines did not start: %s", it_spawn_log("int", "out"));
        sleep(2);       /* their systemd is up and waits for the unit */
        t0 = it_now();
        cr_assert_eq(kill(pid, SIGINT), 0);
        int status = it_wait(pid, 60);
        double took = it_now() - t0;
        cr_expect_eq(status, 130, "exit %d: %s %s", status, it_spawn_log("int", "out"), it_spawn_log("int", "err"));
        cr_expect_lt(took, 15, "stopping took %.1fs", took);
        json_object *report = load_json(json);
        cr_expect_str_eq(jstr(report, "trees.0.verdict"), "interrupted");
        cr_expect_str_eq(jstr(report, "trees.1.verdict"), "interrupted");
        /* The third never started. */
        cr_expect_str_eq(jstr(report, "trees.2.verdict"), "interrupted");
        cr_expect_null(jget(report, "trees.2.machine"));
        cr_expect_eq(count_machines(), 0);
        assert_nothing_left(report);
}

Test(boottest, bad_input_is_one_line_and_boots_nothing)
{
        it_require_root();
        struct it_result r = it_berth_run(30, "boot-test", "/nonexistent/tree", NULL);
        cr_expect_eq(r.status, 64);
        cr_expect(strstr(r.err, "/nonexistent/tree: No such file or directory"), "%s", r.err);
        it_result_free(&r);
        r = it_berth_run(30, "boot-test", "-j", "0", it_busybox_tree(), NULL);
        cr_expect_eq(r.status, 64);
        cr_expect(strstr(r.err, "--jobs=0"), "%s", r.err);
        it_result_free(&r);
        r = it_berth_run(30, "boot-test", NULL);
        cr_expect_eq(r.status, 64);
        cr_expect(strstr(r.err, "no tree given"), "%s", r.err);
        it_result_free(&r);
        /* A report that cannot be written is said before anything boots. */
        r = it_berth_run(30, "boot-test", "--junit", "/nonexistent/dir/out.xml", it_busybox_tree(), NULL);
        cr_expect_eq(r.status, 64);
        cr_expect(strstr(r.err, "/nonexistent/dir/out.xml cannot be written"), "%s", r.err);
        cr_expect(!strstr(r.out, "busybox"), "it booted: %s", r.out);
        it_result_free(&r);
        cr_expect_eq(count_machines(), 0);
}
