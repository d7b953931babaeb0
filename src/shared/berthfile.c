/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "berthfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "util.h"

static char *strip(char *s)
{
        char *e;

        while (*s == ' ' || *s == '\t')
                s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
                *--e = 0;
        return s;
}

int berthfile_get(const char *machine, const char *section, const char *key, char **ret)
{
        const char *dir = getenv("BERTH_CONFIG_DIR");
        _cleanup_free_ char *text = NULL, *found = NULL;
        char path[4096], current[128] = "";
        int r;

        snprintf(path, sizeof(path), "%s/%s.berth", dir && dir[0] == '/' ? dir : "/etc/berth", machine);
        r = read_file_at(AT_FDCWD, path, &text, 256 * 1024);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
                char *l = strip(line), *eq;

                if (!*l || *l == '#' || *l == ';')
                        continue;
                if (*l == '[') {
                        char *end = strchr(l, ']');
                        if (end) {
                                *end = 0;
                                snprintf(current, sizeof(current), "%s", l + 1);
                        }
                        continue;
                }
                eq = strchr(l, '=');
                if (!eq || !streq(current, section))
                        continue;
                *eq = 0;
                if (!streq(strip(l), key))
                        continue;
                free(found);
                found = strdup(strip(eq + 1));
                if (!found)
                        return -ENOMEM;
        }
        if (!found)
                return 0;
        *ret = take_ptr(found);
        return 1;
}
