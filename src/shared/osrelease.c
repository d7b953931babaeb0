/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "osrelease.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "tree.h"
#include "util.h"

#define OS_RELEASE_MAX (64 * 1024)

int os_release_read(int root_fd, char **ret)
{
        _cleanup_close_ int fd = tree_open(root_fd, "/etc/os-release", O_RDONLY);
        _cleanup_free_ char *text = NULL;
        ssize_t n;

        if (fd < 0)
                fd = tree_open(root_fd, "/usr/lib/os-release", O_RDONLY);
        if (fd < 0)
                return fd;
        text = malloc(OS_RELEASE_MAX + 1);
        if (!text)
                return -ENOMEM;
        n = read_full(fd, text, OS_RELEASE_MAX);
        if (n < 0)
                return (int) n;
        text[n] = 0;
        *ret = take_ptr(text);
        return 0;
}

int os_release_next(char **state, char **key, char **value)
{
        char *line;

        while ((line = strsep(state, "\n"))) {
                char *eq = strchr(line, '=');
                size_t n;

                if (!eq || line[0] == '#' || eq == line)
                        continue;
                *eq++ = 0;
                n = strlen(eq);
                if (n >= 2 && (eq[0] == '"' || eq[0] == '\'') && eq[n - 1] == eq[0]) {
                        eq[n - 1] = 0;
                        eq++;
                }
                *key = line;
                *value = eq;
                return 1;
        }
        return 0;
}
