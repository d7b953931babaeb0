/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A connection of the test's own to the private bus that records berthd's
 * signals, one line each. */
#include "bus.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

struct it_watch {
        sd_bus *bus;
        sd_bus_slot *slot;
        char *log;
        size_t len;
};

static void watch_add(struct it_watch *w, const char *line)
{
        size_t l = strlen(line);

        w->log = realloc(w->log, w->len + l + 2);
        memcpy(w->log + w->len, line, l);
        w->len += l;
        w->log[w->len++] = '\n';
        w->log[w->len] = 0;
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct it_watch *w = userdata;
        const char *member = sd_bus_message_get_member(m), *path = sd_bus_message_get_path(m);
        char *line = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&line, &size);

        if (!member || !path || !f) {
                if (f)
                        fclose(f);
                free(line);
                return 0;
        }
        if (strcmp(member, "MachineNew") == 0 || strcmp(member, "MachineRemoved") == 0 ||
            strcmp(member, "ImageNew") == 0 || strcmp(member, "ImageRemoved") == 0) {
                const char *name = "?", *obj = "?";
                (void) sd_bus_message_read(m, "so", &name, &obj);
                fprintf(f, "%s %s %s", member, name, obj);
        } else if (strcmp(member, "PropertiesChanged") == 0) {
                const char *iface = "?";
                fprintf(f, "PropertiesChanged %s", path);
                if (sd_bus_message_read(m, "s", &iface) >= 0 &&
                    sd_bus_message_enter_container(m, 'a', "{sv}") >= 0) {
                        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                                const char *prop, *contents;
                                char type;
                                if (sd_bus_message_read(m, "s", &prop) < 0 ||
                                    sd_bus_message_peek_type(m, &type, &contents) < 0 ||
                                    sd_bus_message_enter_container(m, 'v', contents) < 0)
                                        break;
                                if (strcmp(contents, "s") == 0) {
                                        const char *v;
                                        (void) sd_bus_message_read(m, "s", &v);
                                        fprintf(f, " %s=%s", prop, v);
                                } else if (strcmp(contents, "u") == 0) {
                                        uint32_t v;
                                        (void) sd_bus_message_read(m, "u", &v);
                                        fprintf(f, " %s=%u", prop, v);
                                } else {
                                        (void) sd_bus_message_skip(m, contents);
                                        fprintf(f, " %s=(%s)", prop, contents);
                                }
                                (void) sd_bus_message_exit_container(m);
                                (void) sd_bus_message_exit_container(m);
                        }
                        (void) sd_bus_message_exit_container(m);
                }
        } else {
                fprintf(f, "%s %s", member, path);
        }
        fclose(f);
        watch_add(w, line);
        free(line);
        return 0;
}

struct it_watch *it_watch_start(void)
{
        struct it_watch *w = calloc(1, sizeof(*w));
        int r;

        cr_assert(it_bus_address()[0], "it_watch_start before it_bus_start");
        w->log = calloc(1, 1);
        r = sd_bus_open_system(&w->bus);
        cr_assert_geq(r, 0, "connecting to %s: %s", it_bus_address(), strerror(-r));
        /* Synchronous: the match is in place when this returns. Only berthd
         * sends anything below /org/berth/machine1. */
        r = sd_bus_add_match(w->bus, &w->slot, "type='signal',path_namespace='/org/berth/machine1'", on_signal, w);
        cr_assert_geq(r, 0, "adding the match: %s", strerror(-r));
        return w;
}

bool it_watch_wait(struct it_watch *w, const char *needle, int timeout_sec)
{
        double end = it_now() + timeout_sec;

        for (;;) {
                int r;
                while ((r = sd_bus_process(w->bus, NULL)) > 0)
                        ;
                cr_assert_geq(r, 0, "reading the bus: %s", strerror(-r));
                if (needle && strstr(w->log, needle))
                        return true;
                if (it_now() >= end) {
                        if (needle)
                                it_print_consoles("it_watch_wait gave up: no signal of berthd's with '%s' within %d s; "
                                                  "it saw:\n%s", needle, timeout_sec, w->log);
                        return needle == NULL;
                }
                (void) sd_bus_wait(w->bus, (uint64_t) ((end - it_now()) * 1e6) + 1);
        }
}

const char *it_watch_log(struct it_watch *w)
{
        return w->log;
}

void it_watch_free(struct it_watch *w)
{
        if (!w)
                return;
        sd_bus_slot_unref(w->slot);
        sd_bus_flush_close_unref(w->bus);
        free(w->log);
        free(w);
}
