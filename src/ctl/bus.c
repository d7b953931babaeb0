/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthctl's side of the bus: connecting, calling berthd, and saying in
 * one line what went wrong. */
#include "bus.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "log.h"
#include "output.h"
#include "util.h"

/* The system bus of this host; logs why not, and what to do. */
static int open_system(sd_bus **ret)
{
        const char *address;
        int r;

        r = sd_bus_open_system(ret);
        if (r < 0) {
                address = getenv("DBUS_SYSTEM_BUS_ADDRESS");
                /* What to do goes after the cause, on the same line. */
                log_error("cannot connect to the system bus at %s: %s (berthd lives on the system bus: "
                          "start the bus with 'service dbus start', then berthd)",
                          address ? address : "unix:path=/run/dbus/system_bus_socket", strerror(-r));
                return r;
        }
        return 0;
}

/* -M NAME: the system bus inside the machine, as machinectl -M reaches
 * one: berthd here names the machine's leader, sd-bus enters the
 * leader's namespaces and root and connects to the bus socket there. */
static int connect_machine(struct ctl *c)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *host = NULL;
        _cleanup_free_ char *path = NULL, *address = NULL;
        struct ctl here = { .bus = NULL };
        uint32_t leader = 0;
        int r;

        r = open_system(&host);
        if (r < 0)
                return r;
        here.bus = host;
        r = ctl_machine_path(&here, c->machine, &e, &path);
        if (r >= 0)
                r = sd_bus_get_property_trivial(host, BERTH_BUS, path, BERTH_MACHINE, "Leader", &e, 'u', &leader);
        if (r < 0)
                return ctl_log_error(&e, r, "machine %s", c->machine);
        if (asprintf(&address, "x-machine-unix:pid=%" PRIu32, leader) < 0)
                return log_oom();
        r = sd_bus_new(&c->bus);
        if (r >= 0)
                r = sd_bus_set_address(c->bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(c->bus, true);
        if (r >= 0)
                r = sd_bus_start(c->bus);
        /* Connected: a first call shows that the bus there took us
         * (GetId: the bus policy of a distribution lets anyone call it,
         * not always Peer.Ping). */
        if (r >= 0)
                r = sd_bus_call_method(c->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetId", NULL, NULL, NULL);
        if (r < 0) {
                log_error("machine %s: cannot connect to the system bus inside it: %s (-M needs a dbus-daemon and "
                          "berthd running in the machine)", c->machine, strerror(-r));
                return r;
        }
        return 0;
}

int ctl_connect(struct ctl *c)
{
        int r;

        if (c->machine)
                return connect_machine(c);
        if (c->host) {
                /* ssh runs in the background: a ping shows now, not at the
                 * first real call, whether it got through. */
                r = sd_bus_open_system_remote(&c->bus, c->host);
                if (r >= 0)
                        r = sd_bus_call_method(c->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                               "org.freedesktop.DBus.Peer", "Ping", NULL, NULL, NULL);
                if (r < 0)
                        return log_error_errno(r, "cannot connect to the system bus of %s over SSH", c->host);
                return 0;
        }
        return open_system(&c->bus);
}

/* sd_bus_error_has_names() came with libsystemd 247. */
static bool error_is_one_of(const sd_bus_error *e, const char *const *names)
{
        for (; *names; names++)
                if (sd_bus_error_has_name(e, *names))
                        return true;
        return false;
}

bool ctl_error_is_gone(const sd_bus_error *e)
{
        static const char *const gone[] = {
                "org.berth.machine1.NoSuchMachine", SD_BUS_ERROR_UNKNOWN_OBJECT, SD_BUS_ERROR_UNKNOWN_INTERFACE,
                SD_BUS_ERROR_UNKNOWN_METHOD, SD_BUS_ERROR_UNKNOWN_PROPERTY, NULL,
        };

        return error_is_one_of(e, gone);
}

bool ctl_error_is_berthd_away(const sd_bus_error *e)
{
        /* NoReply: the bus's word for a callee that disconnected. */
        static const char *const away[] = {
                SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER, SD_BUS_ERROR_NO_REPLY, NULL,
        };

        return error_is_one_of(e, away);
}

const char *ctl_error_text(const sd_bus_error *e, int r)
{
        static const char *const absent[] = {
                SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER, NULL,
        };
        static const char *const silent[] = { SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT, NULL };

        if (error_is_one_of(e, absent))
                return "berthd is not running (no one owns " BERTH_BUS " on the bus): start it with "
                       "'systemctl start berthd.service', or where systemd is not PID 1 run berthd as root";
        if (error_is_one_of(e, silent))
                return "berthd did not answer in time";
        /* The bus policy refuses before berthd sees the call, in words
         * meant for whoever wrote the policy. */
        if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED) && e->message &&
            startswith(e->message, "Rejected send message"))
                return "access denied by the bus policy: only root may change machines";
        if ((r == -ECONNRESET || r == -ENOTCONN) &&
            (!sd_bus_error_is_set(e) || startswith(e->name, "System.Error.")))
                return "the connection to the bus was lost";
        if (sd_bus_error_is_set(e) && e->message && *e->message)
                return e->message;
        if (sd_bus_error_is_set(e))
                return e->name;
        return strerror(r < 0 ? -r : r);
}

int ctl_log_error(const sd_bus_error *e, int r, const char *fmt, ...)
{
        char context[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(context, sizeof(context), fmt, ap);
        va_end(ap);
        log_error("%s: %s", context, ctl_error_text(e, r));
        return r < 0 ? r : -EIO;
}

static int object_path(struct ctl *c, const char *method, const char *name, sd_bus_error *e, char **ret)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *path;
        char *p;
        int r;

        r = sd_bus_call_method(c->bus, BERTH_BUS, BERTH_PATH, BERTH_MANAGER, method, e, &reply, "s", name);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return r;
        p = strdup(path);
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

int ctl_machine_path(struct ctl *c, const char *name, sd_bus_error *e, char **ret)
{
        return object_path(c, "GetMachine", name, e, ret);
}

static int object_properties(struct ctl *c, const char *path, const char *interface, sd_bus_error *e,
                             json_object **ret)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(c->bus, BERTH_BUS, path, "org.freedesktop.DBus.Properties", "GetAll", e, &reply,
                               "s", interface);
        if (r < 0)
                return r;
        return ctl_properties_to_json(reply, ret);
}

int ctl_machine_properties(struct ctl *c, const char *path, sd_bus_error *e, json_object **ret)
{
        return object_properties(c, path, BERTH_MACHINE, e, ret);
}

int ctl_image_properties(struct ctl *c, const char *name, sd_bus_error *e, json_object **ret)
{
        _cleanup_free_ char *path = NULL;
        int r = object_path(c, "GetImage", name, e, &path);

        return r < 0 ? r : object_properties(c, path, BERTH_IMAGE, e, ret);
}

int ctl_manager_properties(struct ctl *c, sd_bus_error *e, json_object **ret)
{
        return object_properties(c, BERTH_PATH, BERTH_MANAGER, e, ret);
}

int ctl_machine_string(struct ctl *c, const char *path, const char *property, sd_bus_error *e, char **ret)
{
        return sd_bus_get_property_string(c->bus, BERTH_BUS, path, BERTH_MACHINE, property, e, ret);
}

/* One value of a basic type: 1 and *ret set, 0 at the end of an array. */
static int read_basic(sd_bus_message *m, char type, json_object **ret)
{
        union {
                uint8_t y;
                int16_t n;
                uint16_t q;
                int32_t i;
                uint32_t u;
                int64_t x;
                uint64_t t;
                double d;
                int b;
                const char *s;
        } v;
        json_object *o;
        int r;

        r = sd_bus_message_read_basic(m, type, &v);
        if (r <= 0)
                return r;
        switch (type) {
        case 'y': o = json_object_new_int(v.y); break;
        case 'n': o = json_object_new_int(v.n); break;
        case 'q': o = json_object_new_int(v.q); break;
        case 'i': o = json_object_new_int(v.i); break;
        case 'u': o = json_object_new_int64(v.u); break;
        case 'x': o = json_object_new_int64(v.x); break;
        case 't':
                /* 2^64-1 is "not set" on the bus (as systemd has it): null. */
                if (v.t == UINT64_MAX) {
                        *ret = NULL;
                        return 1;
                }
                o = json_object_new_uint64(v.t);
                break;
        case 'd': o = json_object_new_double(v.d); break;
        case 'b': o = json_object_new_boolean(v.b); break;
        case 's': case 'o': case 'g': o = json_object_new_string(v.s); break;
        default: return -EOPNOTSUPP;
        }
        if (!o)
                return -ENOMEM;
        *ret = o;
        return 1;
}

static int read_bytes_hex(sd_bus_message *m, json_object **ret)
{
        const uint8_t *p;
        size_t n;
        int r;

        r = sd_bus_message_read_array(m, 'y', (const void **) &p, &n);
        if (r < 0)
                return r;
        _cleanup_free_ char *hex = malloc(n * 2 + 1);
        if (!hex)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                sprintf(hex + i * 2, "%02x", p[i]);
        hex[n * 2] = 0;
        *ret = json_object_new_string(hex);
        return *ret ? 1 : -ENOMEM;
}

static int read_array(sd_bus_message *m, char type, json_object **ret)
{
        _cleanup_json_ json_object *a = json_object_new_array();
        char contents[2] = { type, 0 };
        int r;

        if (!a)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', contents);
        if (r < 0)
                return r;
        for (;;) {
                json_object *item = NULL;

                r = read_basic(m, type, &item);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                json_object_array_add(a, item);
        }
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = take_ptr(a);
        return 1;
}

/* A variant's value: 1 and *ret set, 0 for a type left out. */
/* a{ss} (OSRelease): a JSON object. */
static int read_string_dict(sd_bus_message *m, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        const char *k, *v;
        int r;

        if (!o)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', "{ss}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(m, "{ss}", &k, &v)) > 0)
                json_object_object_add(o, k, json_object_new_string(v));
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = take_ptr(o);
        return 1;
}

static int read_variant(sd_bus_message *m, json_object **ret)
{
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, NULL, &contents);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'v', contents);
        if (r < 0)
                return r;
        type = contents[0];
        if (strlen(contents) == 1 && strchr("ynqiuxtdbsog", type))
                r = read_basic(m, type, ret);
        else if (streq(contents, "ay"))
                r = read_bytes_hex(m, ret);
        else if (strlen(contents) == 2 && type == 'a' && strchr("ynqiuxtdbsog", contents[1]))
                r = read_array(m, contents[1], ret);
        else if (streq(contents, "a{ss}"))
                r = read_string_dict(m, ret);
        else {
                r = sd_bus_message_skip(m, contents);
                if (r >= 0)
                        r = 0;                          /* left out */
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m) < 0 ? -EBADMSG : r > 0;
}

int ctl_properties_to_json(sd_bus_message *m, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                json_object *value = NULL;
                const char *name;

                r = sd_bus_message_read(m, "s", &name);
                if (r < 0)
                        return r;
                r = read_variant(m, &value);
                if (r < 0)
                        return r;
                if (r > 0)
                        json_object_object_add(o, name, value);
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = take_ptr(o);
        return 0;
}

int ctl_for_each_machine(struct ctl *c, ctl_machine_fn fn, void *userdata)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name, *class, *service, *path;
        int r;

        r = sd_bus_call_method(c->bus, BERTH_BUS, BERTH_PATH, BERTH_MANAGER, "ListMachines", &e, &reply, NULL);
        if (r < 0)
                return ctl_log_error(&e, r, "listing machines");
        r = sd_bus_message_enter_container(reply, 'a', "(ssso)");
        if (r < 0)
                return log_error_errno(r, "listing machines: berthd's answer");
        while ((r = sd_bus_message_read(reply, "(ssso)", &name, &class, &service, &path)) > 0) {
                r = fn(c, name, class, service, path, userdata);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return log_error_errno(r, "listing machines: berthd's answer");
        return 0;
}
