/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cleanup.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)
#define _cleanup_json_ _cleanup_(json_object_putp)

enum json_mode {
        JSON_OFF,
        JSON_SHORT,     /* the document on one line */
        JSON_PRETTY,
        _JSON_MODE_MAX,
};

const char *json_mode_to_string(enum json_mode m);
int json_mode_from_string(const char *s);
/* One document and a newline on f. */
int json_print(FILE *f, json_object *o, enum json_mode mode);
/* A property's value as show prints it: strings as they are, booleans
 * as yes/no, arrays space-separated; malloc'd. */
char *json_value_to_text(json_object *v);

/* A table of strings, printed with columns as wide as their widest cell;
 * an empty or NULL cell prints as "-". */
struct table;

struct table *table_new(size_t n_columns, const char *const *headers);
struct table *table_free(struct table *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct table *, table_free)
int table_add_cell(struct table *t, const char *cell);
size_t table_rows(const struct table *t);
/* Sort the rows by the text of column. */
void table_sort(struct table *t, size_t column);
/* legend: the header line first. */
int table_print(const struct table *t, FILE *f, bool legend);

/* "Tue 2024-05-07 10:00:01 UTC" for microseconds since the epoch. */
char *format_timestamp(char *buf, size_t size, uint64_t usec);
/* The two largest units of a duration: "3min 2s", "1d 4h", "0s". */
char *format_timespan(char *buf, size_t size, uint64_t usec);
/* 1.5M, 120B, n/a for UINT64_MAX: as machinectl prints sizes. */
char *format_bytes(char *buf, size_t size, uint64_t bytes);
