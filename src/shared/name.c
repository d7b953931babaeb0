/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "name.h"

#include <errno.h>
#include <string.h>

static bool name_char_ok(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.';
}

const char *machine_name_problem(const char *name)
{
        size_t n;

        if (!name || !*name)
                return "it is empty";
        n = strlen(name);
        if (n > MACHINE_NAME_MAX)
                return "it is longer than 64 characters";
        if (strchr(name, '/'))
                return "it contains '/'";
        if (strstr(name, ".."))
                return "it contains '..'";
        if (name[0] == '.' || name[0] == '-')
                return "it starts with '.' or '-'";
        for (size_t i = 0; i < n; i++) {
                if ((unsigned char) name[i] < 0x20 || name[i] == 0x7f)
                        return "it contains a control character";
                if (!name_char_ok(name[i]))
                        return "it contains a character other than letters, digits, '-', '_' and '.'";
        }
        return NULL;
}

bool machine_name_valid(const char *name)
{
        return machine_name_problem(name) == NULL;
}

int machine_name_from_path(const char *path, char *ret, size_t size)
{
        const char *base;
        size_t len, j = 0;
        char buf[MACHINE_NAME_MAX + 1];

        if (!path)
                return -EINVAL;
        len = strlen(path);
        while (len > 1 && path[len - 1] == '/')
                len--;
        base = path + len;
        while (base > path && base[-1] != '/')
                base--;
        for (const char *p = base; p < path + len && j < MACHINE_NAME_MAX; p++) {
                char c = *p;
                if (!name_char_ok(c))
                        c = '-';
                if (j == 0 && (c == '.' || c == '-'))
                        continue;
                if (c == '.' && j > 0 && buf[j - 1] == '.')
                        continue;
                buf[j++] = c;
        }
        buf[j] = 0;
        if (!machine_name_valid(buf))
                return -EINVAL;
        if (j + 1 > size)
                return -ENOBUFS;
        memcpy(ret, buf, j + 1);
        return 0;
}

bool hostname_valid(const char *name)
{
        size_t n;

        if (!name || !*name)
                return false;
        n = strlen(name);
        if (n > 64 || name[0] == '.' || name[0] == '-' || name[n - 1] == '.')
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = name[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.'))
                        return false;
                if (c == '.' && name[i + 1] == '.')
                        return false;
        }
        return true;
}
