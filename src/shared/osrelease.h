/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A tree's os-release: /etc/os-release, else /usr/lib/os-release, resolved
 * inside the tree (root_fd), so that a symlink of the tree's cannot lead to
 * a file of the host's. Returns the text (malloc'd) or -errno. */
int os_release_read(int root_fd, char **ret);

/* The next KEY=VALUE of that text, quotes removed; comments and other
 * lines skipped. Changes the text in place; *state starts as the text.
 * Returns 1 with *key and *value set, 0 at the end. */
int os_release_next(char **state, char **key, char **value);
