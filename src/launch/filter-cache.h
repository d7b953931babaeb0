/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <linux/filter.h>
#include <stddef.h>

/* RUNTIMEDIR/filter-cache/HASH: system-call filters changed by
 * --system-call-filter= or by capabilities, built once with libseccomp
 * (some 30 ms) and loaded ready by every later start with the same
 * options. A file holds its key, a NUL and the program; a key is the
 * whole description of what the program was built from, the launcher's
 * own binary included, and a file whose key is not the one asked for
 * does not count. */

/* 0 and the program (malloc'd) when the cache has one for key;
 * -ENOENT when not. */
int filter_cache_get(const char *key, struct sock_filter **ret, size_t *ret_len);
/* Best effort: a cache that cannot be written costs the next start time. */
void filter_cache_put(const char *key, const struct sock_filter *insns, size_t len);
