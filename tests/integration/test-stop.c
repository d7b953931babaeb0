/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A stop that does not finish in time: the steps it takes show in the
 * machine's StopStep property (and berthctl status) while it runs, and
 * berthd says which step ended it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "helpers.h"

TestSuite(stop, .init = it_setup, .fini = it_teardown);

Test(stop, a_stop_says_which_step_ended_it)
{
        const char *tree = it_busybox_tree();
        char *v, cmd[1024], *argv[] = { "/bin/sh", "-c", cmd, NULL };
        struct it_result r;
        pid_t pid;

        it_bus_start();
        it_berthd_start();
        /* A command that ignores the polite request. */
        pid = it_berth_spawn("stubborn", "-D", tree, "-x", "--name", "stubborn", "--stop-timeout=3", "--", "/bin/sh",
                             "-c", "trap '' TERM; echo ready; while :; do sleep 1; done", NULL);
        cr_assert(it_wait_log("stubborn", "out", "ready\n", 30));
        cr_assert(it_wait_listed("stubborn", true, 30));
        v = it_machine_property("stubborn", "StopStep");
        cr_expect(v && !*v, "StopStep before any stop: '%s'", v);
        free(v);

        /* status shows what the machine's own network namespace holds: lo. */
        snprintf(cmd, sizeof(cmd), "%s status stubborn", getenv("BERTHCTL_BIN"));
        r = it_run(30, argv);
        cr_expect(strstr(r.out, "Address: 127.0.0.1\n") && strstr(r.out, "::1\n"), "status: %s", r.out);
        it_result_free(&r);
        r = it_busctl_nobody(30, "call", "org.berth.machine1", "/org/berth/machine1/machine/stubborn",
                             "org.berth.machine1.Machine", "GetAddresses", NULL);
        cr_expect(r.status == 0 && strstr(r.out, "2 4 127 0 0 1"), "GetAddresses as nobody: %s%s", r.out, r.err);
        it_result_free(&r);

        r = it_busctl(30, "call", "org.berth.machine1", "/org/berth/machine1", "org.berth.machine1.Manager",
                      "PoweroffMachine", "s", "stubborn", NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        it_result_free(&r);
        cr_assert(it_wait_property("stubborn", "State", "closing", 10));
        v = it_machine_property("stubborn", "StopStep");
        cr_expect(v && strstr(v, "asked PID 1 to end with signal 15; SIGKILL after 3s"), "StopStep: '%s'", v);
        free(v);
        snprintf(cmd, sizeof(cmd), "%s status stubborn", getenv("BERTHCTL_BIN"));
        r = it_run(30, argv);
        cr_expect(strstr(r.out, "Stopping: asked PID 1"), "status: %s", r.out);
        it_result_free(&r);

        cr_expect_eq(it_wait(pid, 30), 137, "the stubborn machine did not end killed");
        cr_assert(it_wait_listed("stubborn", false, 30));
        char *log = it_berthd_log();
        cr_expect(strstr(log, "machine stubborn is gone (stop: did not end within 3s: killed with SIGKILL)"),
                  "berthd said: %s", log);
        free(log);
        char *left = it_leftovers("stubborn", tree);
        cr_expect_null(left, "%s", left);
}
