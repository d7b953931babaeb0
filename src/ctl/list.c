/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* list: the machines berthd knows, one line each. */
#include <errno.h>
#include <string.h>

#include "bus.h"
#include "log.h"
#include "util.h"
#include "verbs.h"

static json_object *json_get(json_object *o, const char *key)
{
        json_object *v = NULL;

        return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* One machine as list shows it; 0 without adding one that went away
 * meanwhile. */
static int list_add(struct ctl *c, json_object *rows, const char *name, const char *class, const char *service,
                    const char *path)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_json_ json_object *props = NULL, *row = json_object_new_object();
        json_object *state, *leader;
        int r;

        if (!row)
                return -ENOMEM;
        r = ctl_machine_properties(c, path, &e, &props);
        if (r < 0 && ctl_error_is_gone(&e))
                return 0;
        if (r < 0)
                return ctl_log_error(&e, r, "machine %s", name);
        state = json_get(props, "State");
        leader = json_get(props, "Leader");
        json_object_object_add(row, "name", json_object_new_string(name));
        json_object_object_add(row, "class", json_object_new_string(class));
        json_object_object_add(row, "service", json_object_new_string(service));
        json_object_object_add(row, "state", json_object_get(state));
        json_object_object_add(row, "leader", json_object_get(leader));
        json_object_array_add(rows, take_ptr(row));
        return 0;
}

static int list_one(struct ctl *c, const char *name, const char *class, const char *service, const char *path,
                    void *rows)
{
        return list_add(c, rows, name, class, service, path);
}

static int by_name(const void *a, const void *b)
{
        json_object *const *ra = a, *const *rb = b;

        return strcmp(json_object_get_string(json_get(*ra, "name")), json_object_get_string(json_get(*rb, "name")));
}

static int list_print(struct ctl *c, json_object *rows)
{
        static const char *const headers[] = { "NAME", "CLASS", "SERVICE", "STATE", "LEADER" };
        static const char *const keys[] = { "name", "class", "service", "state", "leader" };
        _cleanup_(table_freep) struct table *t = table_new(ELEMENTSOF(headers), headers);
        size_t n = json_object_array_length(rows);
        int r;

        if (!t)
                return log_oom();
        if (n == 0) {
                if (!c->no_legend)
                        printf("No machines.\n");
                return 0;
        }
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
                        json_object *v = json_get(json_object_array_get_idx(rows, i), keys[k]);

                        r = table_add_cell(t, v ? json_object_get_string(v) : NULL);
                        if (r < 0)
                                return log_oom();
                }
        r = table_print(t, stdout, !c->no_legend);
        if (r >= 0 && !c->no_legend)
                printf("\n%zu machines listed.\n", n);
        return r;
}

int verb_list(struct ctl *c, char **names, unsigned n)
{
        _cleanup_json_ json_object *rows = json_object_new_array();
        int r;

        if (!rows)
                return log_oom();
        r = ctl_for_each_machine(c, list_one, rows);
        if (r < 0)
                return r;
        json_object_array_sort(rows, by_name);
        if (c->json != JSON_OFF)
                return json_print(stdout, rows, c->json);
        return list_print(c, rows);
}
