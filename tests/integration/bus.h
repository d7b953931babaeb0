/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "helpers.h"

/* A private system bus and a berthd on it, for the daemon's tests.
 *
 * it_bus_start() writes a system-type dbus-daemon configuration into it.dir
 * (the default policy of Debian's system.conf, plus the project's
 * dbus/org.berth.machine1.conf), starts dbus-daemon on unix:path=it.dir/bus
 * and sets DBUS_SYSTEM_BUS_ADDRESS, so that berthd, busctl, dbus-send and
 * berth all use it. Everything started here is stopped by PID at
 * it_teardown, machines berthd started included. */

/* The bus with the default and the project's policy. */
void it_bus_start(void);
/* The same, with more XML (e.g. a <policy>) after the project's policy. */
void it_bus_start_with(const char *extra_config);
const char *it_bus_address(void);

/* Start berthd (BERTHD_BIN), stdout and stderr appended to it.dir/berthd.log,
 * and wait until it owns org.berth.machine1 and answers; returns its PID. */
pid_t it_berthd_start(void);
/* The same with one argument for berthd (NULL: none). */
pid_t it_berthd_start_with(const char *arg);
pid_t it_berthd_pid(void);
/* Send sig to berthd and wait for it to end; returns its status as it_wait. */
int it_berthd_kill(int sig);
/* Everything berthd said, across restarts. */
char *it_berthd_log(void);

/* busctl --system ARGS; as nobody (setpriv --reuid=65534 ...) for the
 * second. */
struct it_result it_busctl(int timeout_sec, ...) __attribute__((sentinel));
struct it_result it_busctl_nobody(int timeout_sec, ...) __attribute__((sentinel));
/* dbus-send --system --print-reply --dest=org.berth.machine1 ARGS: its
 * errors show the D-Bus error name ("Error NAME: MESSAGE"). */
struct it_result it_dbus_send(int timeout_sec, ...) __attribute__((sentinel));
struct it_result it_dbus_send_nobody(int timeout_sec, ...) __attribute__((sentinel));

/* Names in ListMachines, each followed by '\n', in the order berthd gives
 * them; the test fails when the call does. */
char *it_list_machines(void);
/* A property of /org/berth/machine1/machine/NAME as busctl prints its value
 * ("running" for a string, without quotes; "1234" for a number); NULL when
 * the call failed. */
char *it_machine_property(const char *machine, const char *property);
/* Wait until the property has the value; false after timeout_sec. */
bool it_wait_property(const char *machine, const char *property, const char *value, int timeout_sec);
/* Wait until ListMachines does (or does not) list machine. */
bool it_wait_listed(const char *machine, bool listed, int timeout_sec);

/* A connection of the test's own that records berthd's signals, one line
 * each: "MachineNew NAME PATH", "MachineRemoved NAME PATH" (ImageNew and
 * ImageRemoved alike),
 * "PropertiesChanged PATH Prop=value ...". */
struct it_watch;
struct it_watch *it_watch_start(void);
/* Read what came; true once a recorded line contains needle. */
bool it_watch_wait(struct it_watch *w, const char *needle, int timeout_sec);
/* Everything recorded so far (read what came first). */
const char *it_watch_log(struct it_watch *w);
void it_watch_free(struct it_watch *w);

/* A busybox machine NAME running `sleep 1000` (--ephemeral), once it runs
 * and berthd lists it; its launcher's PID. */
pid_t it_spawn_sleeper(const char *name);
/* berthctl (BERTHCTL_BIN) ARGS, stdin from /dev/null. */
const char *it_ctl_bin(void);
struct it_result it_ctl(int timeout_sec, ...) __attribute__((sentinel));
/* The store has no hidden staging directory of an import left, in
 * STATEDIR/images or STATEDIR/layers (waiting a moment for a sweep), and
 * berthd lists images images (-1: not asked). */
void it_assert_store_left(int images);
/* An image berthd can start: STATE_DIR/images/name -> target. */
void it_image_link(const char *name, const char *target);
