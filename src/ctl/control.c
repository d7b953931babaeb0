/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* start, poweroff, reboot, terminate, freeze, thaw, kill: the verbs that change a machine;
 * wait, and start --wait: until a machine is in a state. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "bus.h"
#include "cleanup.h"
#include "log.h"
#include "state.h"
#include "util.h"
#include "verbs.h"

#define USEC_PER_SEC 1000000ULL
/* How long start --wait waits for a berthd that went away to come back
 * (a restart), when --timeout does not say. */
#define BERTHD_AWAY_SEC 90

static int manager_call_each(struct ctl *c, const char *method, char **names, unsigned n)
{
        int ret = 0;

        for (unsigned i = 0; i < n; i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                int r;

                r = sd_bus_call_method(c->bus, BERTH_BUS, BERTH_PATH, BERTH_MANAGER, method, &e, NULL, "s",
                                       names[i]);
                if (r < 0)
                        ret = ctl_log_error(&e, r, "machine %s", names[i]);
        }
        return ret;
}

int verb_poweroff(struct ctl *c, char **names, unsigned n)
{
        return manager_call_each(c, "PoweroffMachine", names, n);
}

int verb_reboot(struct ctl *c, char **names, unsigned n)
{
        return manager_call_each(c, "RebootMachine", names, n);
}

int verb_terminate(struct ctl *c, char **names, unsigned n)
{
        return manager_call_each(c, "TerminateMachine", names, n);
}

int verb_freeze(struct ctl *c, char **names, unsigned n)
{
        return manager_call_each(c, "FreezeMachine", names, n);
}

int verb_thaw(struct ctl *c, char **names, unsigned n)
{
        return manager_call_each(c, "ThawMachine", names, n);
}

int verb_set_property(struct ctl *c, char **args, unsigned n)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(c->bus, &m, BERTH_BUS, BERTH_PATH, BERTH_MANAGER, "SetMachineProperties");
        if (r >= 0)
                r = sd_bus_message_append(m, "sb", args[0], (int) c->runtime);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, args + 1);
        if (r < 0)
                return log_error_errno(r, "building the request");
        r = sd_bus_call(c->bus, m, 0, &e, NULL);
        if (r < 0)
                return ctl_log_error(&e, r, "machine %s", args[0]);
        return 0;
}

int verb_kill(struct ctl *c, char **names, unsigned n)
{
        int ret = 0;

        for (unsigned i = 0; i < n; i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                int r;

                r = sd_bus_call_method(c->bus, BERTH_BUS, BERTH_PATH, BERTH_MANAGER, "KillMachine", &e, NULL,
                                       "ssi", names[i], c->kill_whom, (int32_t) c->signal);
                if (r < 0)
                        ret = ctl_log_error(&e, r, "machine %s", names[i]);
        }
        return ret;
}

static int on_wake(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        *(bool *) userdata = true;
        return 0;
}

/* Until a signal that may tell of a new state arrives, a second has
 * passed (for a berthd that sends none) or the deadline. */
static int wait_wake(sd_bus *bus, bool *woken, uint64_t deadline)
{
        uint64_t until = now_usec(CLOCK_MONOTONIC) + USEC_PER_SEC, now;
        int r;

        if (until > deadline)
                until = deadline;
        for (;;) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return r;
                if (*woken)
                        return 0;
                if (r > 0)
                        continue;
                now = now_usec(CLOCK_MONOTONIC);
                if (now >= until)
                        return 0;
                r = sd_bus_wait(bus, until - now);
                if (r < 0)
                        return r;
        }
}

/* What the machine's launcher says of it when berthd cannot: its state
 * file's STATE, on this host only; NULL when there is none to read, or
 * its launcher is gone. */
static char *launcher_state(struct ctl *c, const char *name)
{
        _cleanup_(machine_state_done) struct machine_state st = {};

        if (c->remote || machine_state_read(name, &st) < 0 || !st.launcher_alive)
                return NULL;
        return strdup(st.state);
}

/* berthd is not on the bus (or went without answering): a restart, say.
 * The state the launcher's file says is as good as berthd's; else wait
 * for berthd to come back, as long as the deadline and BERTHD_AWAY_SEC
 * allow. 1: wait on, 0: the launcher says want, -errno: given up (logged). */
static int berthd_away(struct ctl *c, const char *name, const char *want, uint64_t *away_since, uint64_t deadline)
{
        _cleanup_free_ char *state = launcher_state(c, name);
        uint64_t now = now_usec(CLOCK_MONOTONIC);

        if (!*away_since) {
                log_debug("machine %s: berthd went away, waiting for it to come back", name);
                *away_since = now;
        }
        if (state && streq(state, want)) {
                log_debug("machine %s: %s, its launcher says", name, want);
                return 0;
        }
        if (!state && !c->remote && streq(want, "gone"))
                return 0;       /* no launcher of it runs here */
        if (now < deadline && now - *away_since < BERTHD_AWAY_SEC * USEC_PER_SEC)
                return 1;
        char limit[64];
        if (now >= deadline)
                snprintf(limit, sizeof(limit), "after %u s", c->timeout_sec);
        else
                snprintf(limit, sizeof(limit), "within %d s", BERTHD_AWAY_SEC);
        log_error("machine %s: berthd went away while waiting and was not back %s; %s%s", name, limit,
                  state ? "its launcher says it is " : "",
                  state ? state : c->remote ? "its state is not known here" : "it has no state file (it ended)");
        return -ETIMEDOUT;
}

/* A machine's states in the order they come; "gone" last. */
static int state_rank(const char *state)
{
        static const char *const order[] = { "opening", "running", "closing", "gone" };

        for (int i = 0; i < (int) ELEMENTSOF(order); i++)
                if (streq(state, order[i]))
                        return i;
        return -1;
}

static int watch(struct ctl *c, const char *path, bool *woken, sd_bus_slot *slots[4])
{
        int r = sd_bus_match_signal(c->bus, &slots[0], NULL, path, "org.freedesktop.DBus.Properties",
                                    "PropertiesChanged", on_wake, woken);
        if (r >= 0)
                r = sd_bus_match_signal(c->bus, &slots[1], NULL, BERTH_PATH, BERTH_MANAGER, "MachineRemoved", on_wake,
                                        woken);
        if (r >= 0)
                r = sd_bus_match_signal(c->bus, &slots[2], NULL, BERTH_PATH, BERTH_MANAGER, "MachineNew", on_wake,
                                        woken);
        if (r >= 0)
                r = sd_bus_add_match(c->bus, &slots[3],
                                     "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
                                     "member='NameOwnerChanged',arg0='" BERTH_BUS "'", on_wake, woken);
        return r;
}

/* Wait until the machine's State is want, or for "gone" until it is no
 * longer there: on PropertiesChanged, MachineNew, MachineRemoved or
 * berthd's coming back look again, and once a second anyway. A berthd
 * that goes away meanwhile (restarted) is waited for. may_come: a machine
 * not there yet may still come (wait); else it has ended (start --wait). */
static int wait_state(struct ctl *c, const char *name, const char *path, const char *want, bool may_come,
                      uint64_t deadline)
{
        sd_bus_slot *slots[4] = {};
        sd_bus_error none = SD_BUS_ERROR_NULL;
        uint64_t away_since = 0;
        bool woken = false, seen = false;
        int r = watch(c, path, &woken, slots);

        if (r < 0)
                r = ctl_log_error(&none, r, "machine %s: watching its state", name);
        while (r >= 0) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                _cleanup_free_ char *state = NULL;

                woken = false;
                r = ctl_machine_string(c, path, "State", &e, &state);
                if (r < 0 && ctl_error_is_berthd_away(&e)) {
                        r = berthd_away(c, name, want, &away_since, deadline);
                        if (r <= 0)
                                break;
                } else if (r < 0 && ctl_error_is_gone(&e)) {
                        r = 0;
                        if (streq(want, "gone"))
                                break;
                        if (!may_come || seen) {
                                r = log_error_ret(-ESRCH, "machine %s: it stopped before it was %s", name, want);
                                break;
                        }
                } else if (r < 0) {
                        r = ctl_log_error(&e, r, "machine %s", name);
                        break;
                } else {
                        away_since = 0;
                        seen = true;
                        log_debug("machine %s: %s", name, state);
                        if (streq(state, want))
                                break;
                        if (streq(state, "closing") && !streq(want, "gone")) {
                                r = log_error_ret(-ESRCH, "machine %s: it is closing down, it never got to %s", name,
                                                  want);
                                break;
                        }
                        if (state_rank(state) > state_rank(want) && !streq(want, "gone")) {
                                r = log_error_ret(-ESRCH, "machine %s: it is %s, past %s", name, state, want);
                                break;
                        }
                }
                if (now_usec(CLOCK_MONOTONIC) >= deadline) {
                        r = log_error_ret(-ETIMEDOUT, "machine %s: still %s after %u s", name,
                                          state ? state : "not there", c->timeout_sec);
                        break;
                }
                r = wait_wake(c->bus, &woken, deadline);
                if (r < 0)
                        r = ctl_log_error(&none, r, "machine %s: waiting for it to be %s", name, want);
        }
        for (size_t i = 0; i < ELEMENTSOF(slots); i++)
                sd_bus_slot_unref(slots[i]);
        return r < 0 ? r : 0;
}

/* berthd left before it answered StartMachine (restarted, say): its
 * launcher's state file tells whether the machine registered; with --wait
 * it is then waited for as if berthd had answered. */
static int start_unanswered(struct ctl *c, const char *name, char **ret_path)
{
        _cleanup_free_ char *state = launcher_state(c, name);

        if (state && c->wait)
                return sd_bus_path_encode(BERTH_PATH "/machine", name, ret_path) < 0 ? log_oom() : 0;
        if (state) {
                log_warning("machine %s: berthd went away before it answered; its launcher says it is %s", name,
                            state);
                return 0;
        }
        log_error("machine %s: berthd went away before it answered; %s", name,
                  c->host ? "whether it started is not known here" : "it has no state file: it did not start");
        return -ECONNRESET;
}

static int start_one(struct ctl *c, const char *name, char **ret_path)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *path;
        int r;

        r = sd_bus_call_method(c->bus, BERTH_BUS, BERTH_PATH, BERTH_MANAGER, "StartMachine", &e, &reply, "s",
                               name);
        if (r < 0 && sd_bus_error_has_name(&e, SD_BUS_ERROR_NO_REPLY))
                return start_unanswered(c, name, ret_path);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return ctl_log_error(&e, r, "machine %s", name);
        *ret_path = strdup(path);
        return *ret_path ? 0 : log_oom();
}

int verb_start(struct ctl *c, char **names, unsigned n)
{
        _cleanup_free_ char **paths = calloc(n, sizeof(char *));
        uint64_t deadline = c->timeout_sec ? now_usec(CLOCK_MONOTONIC) + c->timeout_sec * USEC_PER_SEC : UINT64_MAX;
        int ret = 0, r;

        if (!paths)
                return log_oom();
        /* Start them all, then wait: they boot side by side. A machine
         * that did not start has no path. */
        for (unsigned i = 0; i < n; i++) {
                r = start_one(c, names[i], &paths[i]);
                if (r < 0)
                        ret = r;
        }
        for (unsigned i = 0; i < n && c->wait; i++) {
                if (!paths[i])
                        continue;
                r = wait_state(c, names[i], paths[i], "running", false, deadline);
                if (r < 0)
                        ret = r;
        }
        for (unsigned i = 0; i < n; i++)
                free(paths[i]);
        return ret;
}

int verb_wait(struct ctl *c, char **names, unsigned n)
{
        uint64_t deadline = c->timeout_sec ? now_usec(CLOCK_MONOTONIC) + c->timeout_sec * USEC_PER_SEC : UINT64_MAX;
        int ret = 0;

        for (unsigned i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;
                int r = sd_bus_path_encode(BERTH_PATH "/machine", names[i], &path);
                if (r < 0)
                        return log_oom();
                r = wait_state(c, names[i], path, c->state, true, deadline);
                if (r < 0)
                        ret = r;
        }
        return ret;
}
