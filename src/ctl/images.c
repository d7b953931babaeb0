/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* list-images: the images of berthd's store, one line each, as
 * machinectl list-images prints them. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bus.h"
#include "log.h"
#include "util.h"
#include "verbs.h"

static int read_images(struct ctl *c, json_object *rows)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name, *type, *path;
        int ro, r;
        uint64_t crtime, mtime, usage;

        r = sd_bus_call_method(c->bus, BERTH_BUS, BERTH_PATH, BERTH_MANAGER, "ListImages", &e, &reply, NULL);
        if (r < 0)
                return ctl_log_error(&e, r, "listing images");
        r = sd_bus_message_enter_container(reply, 'a', "(ssbttto)");
        while (r >= 0 &&
               (r = sd_bus_message_read(reply, "(ssbttto)", &name, &type, &ro, &crtime, &mtime, &usage, &path)) > 0) {
                json_object *row = json_object_new_object();
                if (!row)
                        return log_oom();
                json_object_object_add(row, "name", json_object_new_string(name));
                json_object_object_add(row, "type", json_object_new_string(type));
                json_object_object_add(row, "ro", json_object_new_boolean(ro));
                json_object_object_add(row, "usage", usage == UINT64_MAX ? NULL : json_object_new_uint64(usage));
                json_object_object_add(row, "created", crtime ? json_object_new_uint64(crtime) : NULL);
                json_object_object_add(row, "modified", json_object_new_uint64(mtime));
                json_object_array_add(rows, row);
        }
        if (r < 0)
                return log_error_errno(r, "listing images: berthd's answer");
        return 0;
}

static int print_images(struct ctl *c, json_object *rows)
{
        static const char *const headers[] = { "NAME", "TYPE", "RO", "USAGE", "CREATED", "MODIFIED" };
        _cleanup_(table_freep) struct table *t = table_new(ELEMENTSOF(headers), headers);
        size_t n = json_object_array_length(rows);
        int r = 0;

        if (!t)
                return log_oom();
        if (n == 0) {
                if (!c->no_legend)
                        printf("No images.\n");
                return 0;
        }
        for (size_t i = 0; i < n && r >= 0; i++) {
                json_object *row = json_object_array_get_idx(rows, i), *v;
                char usage[32] = "n/a", created[64] = "n/a", modified[64] = "n/a";
                if (json_object_object_get_ex(row, "usage", &v) && v)
                        format_bytes(usage, sizeof(usage), json_object_get_uint64(v));
                if (json_object_object_get_ex(row, "created", &v) && v)
                        format_timestamp(created, sizeof(created), json_object_get_uint64(v));
                if (json_object_object_get_ex(row, "modified", &v) && v)
                        format_timestamp(modified, sizeof(modified), json_object_get_uint64(v));
                json_object_object_get_ex(row, "ro", &v);
                const char *cells[] = { json_object_get_string(json_object_object_get(row, "name")),
                                        json_object_get_string(json_object_object_get(row, "type")),
                                        json_object_get_boolean(v) ? "yes" : "no", usage, created, modified };
                for (size_t k = 0; k < ELEMENTSOF(cells) && r >= 0; k++)
                        r = table_add_cell(t, cells[k]);
        }
        if (r < 0)
                return log_oom();
        r = table_print(t, stdout, !c->no_legend);
        if (r >= 0 && !c->no_legend)
                printf("\n%zu images listed.\n", n);
        return r;
}

int verb_list_images(struct ctl *c, char **names, unsigned n)
{
        _cleanup_json_ json_object *rows = json_object_new_array();
        int r;

        if (!rows)
                return log_oom();
        r = read_images(c, rows);
        if (r < 0)
                return r;
        if (c->json != JSON_OFF)
                return json_print(stdout, rows, c->json);
        return print_images(c, rows);
}
