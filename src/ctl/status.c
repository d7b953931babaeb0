/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* status and show: one machine's properties, for people and for scripts. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "cgtree.h"
#include "effective.h"
#include "log.h"
#include "util.h"
#include "verbs.h"

#define STATUS_INDENT "                  "      /* under the values of the fields */

static json_object *prop(json_object *o, const char *key)
{
        json_object *v = NULL;

        return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* A string property; NULL when it is missing or empty. */
static const char *prop_string(json_object *o, const char *key)
{
        json_object *v = prop(o, key);
        const char *s = v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;

        return s && *s ? s : NULL;
}

static uint64_t prop_uint(json_object *o, const char *key)
{
        json_object *v = prop(o, key);

        return v && json_object_is_type(v, json_type_int) ? json_object_get_uint64(v) : 0;
}

/* The machine's properties; logs why not. */
static int machine_fetch(struct ctl *c, const char *name, json_object **ret)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        r = ctl_machine_path(c, name, &e, &path);
        if (r >= 0)
                r = ctl_machine_properties(c, path, &e, ret);
        if (r < 0)
                return ctl_log_error(&e, r, "machine %s", name);
        return 0;
}

/* The machine's addresses (GetAddresses), into props as "Addresses". */
static void fetch_addresses(struct ctl *c, const char *name, json_object *props)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *path = NULL;
        json_object *list;
        int32_t af;

        if (ctl_machine_path(c, name, &e, &path) < 0 ||
            sd_bus_call_method(c->bus, BERTH_BUS, path, BERTH_MACHINE, "GetAddresses", &e, &reply, NULL) < 0 ||
            sd_bus_message_enter_container(reply, 'a', "(iay)") < 0)
                return;
        list = json_object_new_array();
        while (sd_bus_message_enter_container(reply, 'r', "iay") > 0) {
                const void *bytes;
                size_t n;
                char buf[64];

                if (sd_bus_message_read(reply, "i", &af) < 0 ||
                    sd_bus_message_read_array(reply, 'y', &bytes, &n) < 0)
                        break;
                if ((af == AF_INET && n == 4) || (af == AF_INET6 && n == 16))
                        if (inet_ntop(af, bytes, buf, sizeof(buf)))
                                json_object_array_add(list, json_object_new_string(buf));
                (void) sd_bus_message_exit_container(reply);
        }
        json_object_object_add(props, "Addresses", list);
}

static void field(const char *label, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void field(const char *label, const char *fmt, ...)
{
        _cleanup_free_ char *text = NULL, *safe = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&text, fmt, ap);
        va_end(ap);
        /* The values come from the machine (its os-release, its hostname):
         * a control character in one is shown, not sent to the terminal. */
        safe = r >= 0 ? log_escape_dup(text) : NULL;
        printf("%16s: %s\n", label, safe ? safe : "?");
}

/* "1234 (systemd)": the name only when the process is on this host. */
static void field_pid(struct ctl *c, const char *label, uint64_t pid)
{
        _cleanup_free_ char *comm = NULL;
        char path[64];

        if (pid == 0)
                return;
        snprintf(path, sizeof(path), "/proc/%llu/comm", (unsigned long long) pid);
        if (!c->remote && read_file_at(AT_FDCWD, path, &comm, 64) > 0) {
                comm[strcspn(comm, "\n")] = 0;
                field(label, "%llu (%s)", (unsigned long long) pid, comm);
        } else
                field(label, "%llu", (unsigned long long) pid);
}

static void field_since(uint64_t usec)
{
        struct timespec ts;
        uint64_t now;
        char when[64], span[64];

        if (usec == 0)
                return;
        clock_gettime(CLOCK_REALTIME, &ts);
        now = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
        format_timestamp(when, sizeof(when), usec);
        if (now >= usec)
                field("Since", "%s; %s ago", when, format_timespan(span, sizeof(span), now - usec));
        else
                field("Since", "%s", when);
}

static void field_interfaces(struct ctl *c, json_object *a)
{
        size_t n = a && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;

        for (size_t i = 0; i < n; i++) {
                int ifindex = json_object_get_int(json_object_array_get_idx(a, i));
                char name[IF_NAMESIZE];

                bool named = !c->remote && if_indextoname((unsigned) ifindex, name);

                if (i == 0)
                        printf("%16s: ", "Iface");
                else
                        printf("%s", STATUS_INDENT);
                if (named)
                        printf("%d (%s)\n", ifindex, name);
                else
                        printf("%d\n", ifindex);
        }
}

static void field_os(json_object *os)
{
        json_object *v = NULL;

        if (os && (json_object_object_get_ex(os, "PRETTY_NAME", &v) || json_object_object_get_ex(os, "NAME", &v)))
                field("OS", "%s", json_object_get_string(v));
}

/* Memory, CPU time and tasks as the machine's cgroup counts them. */
static void field_usage(json_object *p)
{
        uint64_t mem = prop_uint(p, "MemoryCurrent"), max = prop_uint(p, "MemoryMax");
        uint64_t cpu = prop_uint(p, "CPUUsageNSec"), tasks = prop_uint(p, "TasksCurrent");

        /* Unknown values are null (2^64-1 on the bus): no line, as systemctl. */
        uint64_t peak = prop_uint(p, "MemoryPeak"), ooms = prop_uint(p, "OOMKills");
        char extra[128] = "";

        if (max && max != UINT64_MAX)
                snprintf(extra, sizeof(extra), "max: %.1fM", (double) max / (1024 * 1024));
        if (peak && peak != UINT64_MAX)
                snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), "%speak: %.1fM", extra[0] ? ", " : "",
                         (double) peak / (1024 * 1024));
        if (mem && mem != UINT64_MAX)
                field("Memory", "%.1fM%s%s%s", (double) mem / (1024 * 1024), extra[0] ? " (" : "", extra,
                      extra[0] ? ")" : "");
        if (ooms && ooms != UINT64_MAX)
                field("OOM kills", "%llu", (unsigned long long) ooms);
        if (cpu != UINT64_MAX && prop(p, "CPUUsageNSec"))
                field("CPU", "%.3fs", (double) cpu / 1e9);
        if (tasks && tasks != UINT64_MAX)
                field("Tasks", "%llu", (unsigned long long) tasks);
        uint64_t rd = prop_uint(p, "IOReadBytes"), wr = prop_uint(p, "IOWriteBytes");
        if (prop(p, "IOReadBytes") && rd != UINT64_MAX && wr != UINT64_MAX)
                field("IO", "read %.1fK, written %.1fK", (double) rd / 1024, (double) wr / 1024);
        uint64_t rx = prop_uint(p, "NetworkBytesReceived"), tx = prop_uint(p, "NetworkBytesSent");
        if (prop(p, "NetworkBytesReceived") && rx != UINT64_MAX && tx != UINT64_MAX)
                field("Network", "received %.1fK, sent %.1fK", (double) rx / 1024, (double) tx / 1024);
}

/* "tcp 8080 80 udp 53 53", as the state file has them. */
static void field_ports(const char *ports)
{
        char proto[8];
        unsigned host, machine;
        int used, n = 0;

        for (const char *c = ports; c && sscanf(c, "%7s %u %u%n", proto, &host, &machine, &used) == 3; c += used) {
                if (n++ == 0)
                        field("Port", "%s %u → %u", proto, host, machine);
                else
                        printf("%s%s %u → %u\n", STATUS_INDENT, proto, host, machine);
        }
}

/* On a terminal its width, as machinectl cuts the process tree to it;
 * elsewhere 0, lines in full. */
static size_t terminal_columns(void)
{
        struct winsize ws;

        if (!isatty(STDOUT_FILENO))
                return 0;
        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0)
                return 80;
        return ws.ws_col;
}

/* The machine's cgroup and, on this host, the processes in it. */
static void field_cgroup(struct ctl *c, const char *cgroup)
{
        _cleanup_free_ char *dir = NULL;
        int r;

        if (!cgroup)
                return;
        field("CGroup", "%s", cgroup);
        if (c->remote)
                return;
        r = cgtree_resolve(cgroup, &dir);
        if (r >= 0)
                r = cgtree_print(stdout, dir, STATUS_INDENT, c->full ? 0 : terminal_columns());
        if (r < 0)
                printf("%s(processes not readable: %s)\n", STATUS_INDENT, strerror(-r));
}

static void status_print(struct ctl *c, const char *name, json_object *p)
{
        const char *id = prop_string(p, "Id");

        printf("%s%s%s%s\n", name, id ? " (" : "", id ? id : "", id ? ")" : "");
        if (prop_string(p, "State"))
                field("State", "%s", prop_string(p, "State"));
        if (prop_string(p, "StopStep") && *prop_string(p, "StopStep"))
                field("Stopping", "%s", prop_string(p, "StopStep"));
        field_since(prop_uint(p, "Timestamp"));
        field_pid(c, "Leader", prop_uint(p, "Leader"));
        field_pid(c, "Supervisor", prop_uint(p, "Supervisor"));
        if (prop_string(p, "Service") || prop_string(p, "Class"))
                field("Service", "%s; class %s", prop_string(p, "Service") ?: "-", prop_string(p, "Class") ?: "-");
        if (prop_string(p, "Image"))
                field("Image", "%s", prop_string(p, "Image"));
        if (prop_string(p, "RootDirectory"))
                field("Root", "%s", prop_string(p, "RootDirectory"));
        if (prop_string(p, "Init") && prop_string(p, "InitKind"))
                field("Init", "%s (%s)", prop_string(p, "Init"), prop_string(p, "InitKind"));
        else if (prop_string(p, "Init"))
                field("Init", "%s", prop_string(p, "Init"));
        if (prop_uint(p, "UIDShift"))
                field("UID Shift", "%llu", (unsigned long long) prop_uint(p, "UIDShift"));
        else
                field("UID Shift", "none (the host's IDs)");
        field_interfaces(c, prop(p, "NetworkInterfaces"));
        json_object *addrs = prop(p, "Addresses");
        size_t na = addrs && json_object_is_type(addrs, json_type_array) ? json_object_array_length(addrs) : 0;
        for (size_t i = 0; i < na; i++) {
                const char *a = json_object_get_string(json_object_array_get_idx(addrs, i));
                if (i == 0)
                        field("Address", "%s", a);
                else
                        printf("%s%s\n", STATUS_INDENT, a);
        }
        field_ports(prop_string(p, "Ports"));
        const char *dns = prop_string(p, "ResolvConf"), *tz = prop_string(p, "Timezone");
        if (dns && dns[0])
                field("DNS", "/etc/resolv.conf: %s", dns);
        if (tz && tz[0])
                field("Timezone", "/etc/localtime: %s", tz);
        field_os(prop(p, "OSRelease"));
        field_usage(p);
        field_cgroup(c, prop_string(p, "ControlGroup"));
}

/* On this host, "Processes" added to the properties. */
static void status_add_processes(struct ctl *c, json_object *p)
{
        _cleanup_free_ char *dir = NULL;
        json_object *procs = NULL;
        const char *cgroup = prop_string(p, "ControlGroup");

        if (!c->remote && cgroup && cgtree_resolve(cgroup, &dir) >= 0 && cgtree_json(dir, &procs) >= 0)
                json_object_object_add(p, "Processes", procs);
}

/* --json: one array of the machines shown, in the order named, so that
 * several machines are still one document. */
int ctl_json_print_all(struct ctl *c, json_object *all, const char *verb)
{
        int r = json_print(stdout, all, c->json);

        if (r < 0)
                return log_error_errno(r, "%s: writing the JSON", verb);
        return 0;
}

int verb_status(struct ctl *c, char **names, unsigned n)
{
        _cleanup_json_ json_object *all = json_object_new_array();
        int ret = 0, r;

        if (!all)
                return log_oom();
        for (unsigned i = 0; i < n; i++) {
                _cleanup_json_ json_object *props = NULL;

                r = machine_fetch(c, names[i], &props);
                if (r < 0) {
                        ret = r;
                        continue;
                }
                fetch_addresses(c, names[i], props);
                if (c->json != JSON_OFF) {
                        status_add_processes(c, props);
                        if (json_object_array_add(all, take_ptr(props)) < 0)
                                return log_oom();
                        continue;
                }
                if (i > 0)
                        putchar('\n');
                status_print(c, names[i], props);
        }
        if (c->json != JSON_OFF) {
                r = ctl_json_print_all(c, all, "status");
                if (r < 0)
                        ret = r;
        }
        return ret;
}

static int show_line(struct ctl *c, const char *key, json_object *v)
{
        _cleanup_free_ char *raw = json_value_to_text(v);
        _cleanup_free_ char *text = raw ? log_escape_dup(raw) : NULL;

        if (!text)
                return -ENOMEM;
        if (c->value)
                printf("%s\n", text);
        else
                printf("%s=%s\n", key, text);
        return 0;
}

/* What show leaves out without --all, as machinectl does: an empty
 * string, array or dictionary. */
static bool value_empty(json_object *v)
{
        switch (json_object_get_type(v)) {
        case json_type_null:
                return true;
        case json_type_string:
                return json_object_get_string_len(v) == 0;
        case json_type_array:
                return json_object_array_length(v) == 0;
        case json_type_object:
                return json_object_object_length(v) == 0;
        default:
                return false;
        }
}

/* Only the properties asked for with -p, in that order. */
static int show_select(struct ctl *c, json_object *props, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!o)
                return -ENOMEM;
        for (char **k = c->properties; k && *k; k++) {
                json_object *v = prop(props, *k);

                if (v && json_object_object_add(o, *k, json_object_get(v)) < 0)
                        return -ENOMEM;
        }
        *ret = take_ptr(o);
        return 0;
}

/* The properties show prints, -p applied; as text, or with --json added
 * to all. */
int ctl_show_one(struct ctl *c, json_object *props, json_object *all)
{
        _cleanup_json_ json_object *selected = NULL;
        int r;

        if (c->properties) {
                r = show_select(c, props, &selected);
                if (r < 0)
                        return r;
                props = selected;
        }
        if (c->json != JSON_OFF)
                return json_object_array_add(all, json_object_get(props)) < 0 ? -ENOMEM : 0;
        json_object_object_foreach(props, key, v) {
                if (!c->all && !c->properties && value_empty(v))
                        continue;
                r = show_line(c, key, v);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* No name: berthd's own properties, as machinectl shows machined's; with
 * --json one object, there being one manager. */
static int show_manager(struct ctl *c)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_json_ json_object *props = NULL, *selected = NULL;
        int r;

        r = ctl_manager_properties(c, &e, &props);
        if (r < 0)
                return ctl_log_error(&e, r, "berthd's properties");
        if (c->json == JSON_OFF)
                r = ctl_show_one(c, props, NULL);
        else if (c->properties) {
                r = show_select(c, props, &selected);
                if (r >= 0)
                        r = json_print(stdout, selected, c->json);
        } else
                r = json_print(stdout, props, c->json);
        if (r < 0)
                return log_error_errno(r, "showing berthd's properties");
        return 0;
}

int verb_show(struct ctl *c, char **names, unsigned n)
{
        _cleanup_json_ json_object *all = json_object_new_array();
        int ret = 0, r;

        if (c->effective)
                return show_effective(names, n);
        if (n == 0)
                return show_manager(c);
        if (!all)
                return log_oom();
        for (unsigned i = 0; i < n; i++) {
                _cleanup_json_ json_object *props = NULL;

                r = machine_fetch(c, names[i], &props);
                if (r < 0) {
                        ret = r;
                        continue;
                }
                if (i > 0 && c->json == JSON_OFF)
                        putchar('\n');
                r = ctl_show_one(c, props, all);
                if (r < 0)
                        ret = log_error_errno(r, "showing %s", names[i]);
        }
        if (c->json != JSON_OFF) {
                r = ctl_json_print_all(c, all, "show");
                if (r < 0)
                        ret = r;
        }
        return ret;
}
