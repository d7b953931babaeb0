/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What berthctl does to one image of the store, as machinectl's image
 * verbs: image-status, show-image, clone, rename, read-only, remove. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bus.h"
#include "log.h"
#include "output.h"
#include "util.h"
#include "verbs.h"

static json_object *prop(json_object *o, const char *key)
{
        json_object *v = NULL;

        return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static void line(const char *label, const char *value)
{
        printf("%12s: %s\n", label, value);
}

static void line_time(const char *label, json_object *v)
{
        char buf[64];
        uint64_t usec = v ? json_object_get_uint64(v) : 0;

        if (usec)
                line(label, format_timestamp(buf, sizeof(buf), usec));
}

/* The layers bottom to top, each by the first 12 digits of its digest. */
static void line_layers(json_object *layers)
{
        size_t n = layers ? json_object_array_length(layers) : 0;
        char label[16];

        for (size_t i = 0; i < n; i++) {
                const char *d = json_object_get_string(json_object_array_get_idx(layers, i));
                snprintf(label, sizeof(label), i == 0 ? "Layers" : "");
                printf("%12s%s %.19s%s\n", label, i == 0 ? ":" : " ", d, i == 0 ? " (bottom)" :
                                                                          i + 1 == n ? " (top)" : "");
        }
}

static void status_print(json_object *p)
{
        char usage[32];

        printf("%s\n", json_object_get_string(prop(p, "Name")));
        line("Type", json_object_get_string(prop(p, "Type")));
        line("Path", json_object_get_string(prop(p, "Path")));
        line("Read-only", json_object_get_boolean(prop(p, "ReadOnly")) ? "yes" : "no");
        if (prop(p, "Usage") && json_object_get_uint64(prop(p, "Usage")) != UINT64_MAX)
                line("Usage", format_bytes(usage, sizeof(usage), json_object_get_uint64(prop(p, "Usage"))));
        line_time("Created", prop(p, "CreationTimestamp"));
        line_time("Modified", prop(p, "ModificationTimestamp"));
        line_layers(prop(p, "Layers"));
}

/* Each image's properties: printed by each (status or show), or with
 * --json gathered into one array. */
static int for_each_image(struct ctl *c, char **names, unsigned n, const char *verb, bool show)
{
        _cleanup_json_ json_object *all = json_object_new_array();
        int ret = 0, r;

        if (!all)
                return log_oom();
        for (unsigned i = 0; i < n; i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                _cleanup_json_ json_object *props = NULL;

                r = ctl_image_properties(c, names[i], &e, &props);
                if (r < 0) {
                        ret = ctl_log_error(&e, r, "image %s", names[i]);
                        continue;
                }
                if (i > 0 && c->json == JSON_OFF)
                        putchar('\n');
                if (show)
                        r = ctl_show_one(c, props, all);
                else if (c->json != JSON_OFF)
                        r = json_object_array_add(all, json_object_get(props)) < 0 ? -ENOMEM : 0;
                else
                        status_print(props);
                if (r < 0)
                        ret = log_error_errno(r, "%s %s", verb, names[i]);
        }
        if (c->json != JSON_OFF && (r = ctl_json_print_all(c, all, verb)) < 0)
                ret = r;
        return ret;
}

int verb_image_status(struct ctl *c, char **names, unsigned n)
{
        return for_each_image(c, names, n, "image-status", false);
}

int verb_show_image(struct ctl *c, char **names, unsigned n)
{
        return for_each_image(c, names, n, "show-image", true);
}

int verb_clone(struct ctl *c, char **names, unsigned n)
{
        char what[160], done[160];

        snprintf(what, sizeof(what), "clone of %s as %s", names[0], names[1]);
        snprintf(done, sizeof(done), "Cloned image %s as %s.", names[0], names[1]);
        return ctl_run_transfer(c, what, done, "CloneImage", "ssb", names[0], names[1], (int) c->read_only);
}

static int call(struct ctl *c, const char *method, const char *what, const char *types, ...)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        va_list ap;
        int r = sd_bus_message_new_method_call(c->bus, &msg, BERTH_BUS, BERTH_PATH, BERTH_MANAGER, method);

        va_start(ap, types);
        if (r >= 0)
                r = sd_bus_message_appendv(msg, types, ap);
        va_end(ap);
        if (r >= 0)
                r = sd_bus_call(c->bus, msg, 0, &e, NULL);
        return r < 0 ? ctl_log_error(&e, r, "%s", what) : 0;
}

int verb_rename(struct ctl *c, char **names, unsigned n)
{
        char what[160];

        snprintf(what, sizeof(what), "renaming %s to %s", names[0], names[1]);
        return call(c, "RenameImage", what, "ss", names[0], names[1]);
}

int verb_read_only(struct ctl *c, char **names, unsigned n)
{
        char what[160];
        int ro = n > 1 ? parse_boolean(names[1]) : 1;

        if (ro < 0)
                return log_error_ret(-EINVAL, "read-only %s %s: expected yes or no", names[0], names[1]);
        snprintf(what, sizeof(what), "marking %s %s", names[0], ro ? "read-only" : "writable");
        return call(c, "MarkImageReadOnly", what, "sb", names[0], ro);
}

int verb_remove(struct ctl *c, char **names, unsigned n)
{
        char what[160];
        int ret = 0;

        for (unsigned i = 0; i < n; i++) {
                snprintf(what, sizeof(what), "removing %s", names[i]);
                int r = call(c, "RemoveImage", what, "s", names[i]);
                if (r < 0)
                        ret = r;
        }
        return ret;
}
