/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What berthctl prints: tables for people, JSON for scripts. */
#include "output.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "util.h"

static const char *const json_mode_table[_JSON_MODE_MAX] = {
        [JSON_OFF] = "off",
        [JSON_SHORT] = "short",
        [JSON_PRETTY] = "pretty",
};

const char *json_mode_to_string(enum json_mode m)
{
        if ((unsigned) m >= _JSON_MODE_MAX)
                return NULL;
        return json_mode_table[m];
}

int json_mode_from_string(const char *s)
{
        for (int i = 0; i < _JSON_MODE_MAX; i++)
                if (s && streq(s, json_mode_table[i]))
                        return i;
        return -EINVAL;
}

int json_print(FILE *f, json_object *o, enum json_mode mode)
{
        int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
        const char *s;

        flags |= mode == JSON_PRETTY ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN;
        s = json_object_to_json_string_ext(o, flags);
        if (!s)
                return -ENOMEM;
        if (fprintf(f, "%s\n", s) < 0)
                return -EIO;
        return 0;
}

char *json_value_to_text(json_object *v)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        switch (json_object_get_type(v)) {
        case json_type_null:
                return strdup("[not set]");     /* as systemctl show says it */
        case json_type_boolean:
                return strdup(json_object_get_boolean(v) ? "yes" : "no");
        case json_type_array:
                f = open_memstream(&buf, &size);
                if (!f)
                        return NULL;
                for (size_t i = 0; i < json_object_array_length(v); i++) {
                        _cleanup_free_ char *item = json_value_to_text(json_object_array_get_idx(v, i));

                        fprintf(f, "%s%s", i ? " " : "", item ? item : "");
                }
                if (fclose(f) < 0) {
                        free(buf);
                        return NULL;
                }
                return buf;
        default:
                return strdup(json_object_get_string(v));
        }
}

struct table {
        size_t n_columns;
        size_t n_cells;         /* the header's included */
        size_t allocated;
        char **cells;
};

struct table *table_new(size_t n_columns, const char *const *headers)
{
        struct table *t = calloc(1, sizeof(*t));

        if (!t)
                return NULL;
        t->n_columns = n_columns;
        for (size_t i = 0; i < n_columns; i++)
                if (table_add_cell(t, headers[i]) < 0)
                        return table_free(t);
        return t;
}

struct table *table_free(struct table *t)
{
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_cells; i++)
                free(t->cells[i]);
        free(t->cells);
        free(t);
        return NULL;
}

int table_add_cell(struct table *t, const char *cell)
{
        /* Cells repeat what machines say (names, states): never raw. */
        char *copy = log_escape_dup(cell && *cell ? cell : "-");

        if (!copy)
                return -ENOMEM;
        if (t->n_cells == t->allocated) {
                size_t n = t->allocated ? t->allocated * 2 : 16;
                char **c = reallocarray(t->cells, n, sizeof(char *));

                if (!c) {
                        free(copy);
                        return -ENOMEM;
                }
                t->cells = c;
                t->allocated = n;
        }
        t->cells[t->n_cells++] = copy;
        return 0;
}

size_t table_rows(const struct table *t)
{
        return t->n_cells / t->n_columns - 1;
}

static int row_compare(const void *a, const void *b, void *userdata)
{
        char *const *ra = a, *const *rb = b;
        size_t column = *(const size_t *) userdata;

        return strcmp(ra[column], rb[column]);
}

void table_sort(struct table *t, size_t column)
{
        /* Rows are runs of n_columns pointers: sort them as elements of
         * that size, the header row (the first) left where it is. */
        qsort_r(t->cells + t->n_columns, table_rows(t), t->n_columns * sizeof(char *), row_compare, &column);
}

int table_print(const struct table *t, FILE *f, bool legend)
{
        _cleanup_free_ size_t *width = calloc(t->n_columns, sizeof(size_t));
        size_t first = legend ? 0 : t->n_columns;

        if (!width)
                return -ENOMEM;
        for (size_t i = first; i < t->n_cells; i++) {
                size_t l = strlen(t->cells[i]);

                if (l > width[i % t->n_columns])
                        width[i % t->n_columns] = l;
        }
        /* Whole rows only: a row still being filled is not printed. */
        for (size_t i = first; i + t->n_columns <= t->n_cells; i += t->n_columns)
                for (size_t c = 0; c < t->n_columns; c++) {
                        if (c + 1 < t->n_columns)
                                fprintf(f, "%-*s ", (int) width[c], t->cells[i + c]);
                        else
                                fprintf(f, "%s\n", t->cells[i + c]);
                }
        return ferror(f) ? -EIO : 0;
}

char *format_timestamp(char *buf, size_t size, uint64_t usec)
{
        time_t sec = (time_t) (usec / 1000000);
        struct tm tm;

        if (!localtime_r(&sec, &tm) || strftime(buf, size, "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                snprintf(buf, size, "%llu", (unsigned long long) usec);
        return buf;
}

char *format_timespan(char *buf, size_t size, uint64_t usec)
{
        static const struct {
                const char *suffix;
                uint64_t sec;
        } units[] = {
                { "y", 31557600 }, { "month", 2629800 }, { "w", 604800 }, { "d", 86400 },
                { "h", 3600 }, { "min", 60 }, { "s", 1 },
        };
        uint64_t left = usec / 1000000;
        size_t n = 0, shown = 0;

        buf[0] = 0;
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && shown < 2; i++) {
                uint64_t k = left / units[i].sec;

                if (k == 0) {
                        if (shown)      /* "1h 5s" would skip a unit: stop at "1h" */
                                break;
                        continue;
                }
                left -= k * units[i].sec;
                n += (size_t) snprintf(buf + n, n < size ? size - n : 0, "%s%llu%s", shown ? " " : "",
                                       (unsigned long long) k, units[i].suffix);
                shown++;
        }
        if (!shown)
                snprintf(buf, size, "0s");
        return buf;
}

char *format_bytes(char *buf, size_t size, uint64_t bytes)
{
        static const char units[] = "KMGT";
        double v = (double) bytes;
        int u = -1;

        if (bytes == UINT64_MAX) {
                snprintf(buf, size, "n/a");
                return buf;
        }
        while (v >= 1024 && u < 3)
                v /= 1024, u++;
        if (u < 0)
                snprintf(buf, size, "%" PRIu64 "B", bytes);
        else
                snprintf(buf, size, "%.1f%c", v, units[u]);
        return buf;
}
