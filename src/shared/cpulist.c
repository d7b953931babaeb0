/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cpulist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int number(const char **p, unsigned *ret)
{
        char *end;
        unsigned long v;

        if (**p < '0' || **p > '9')
                return -EINVAL;
        errno = 0;
        v = strtoul(*p, &end, 10);
        if (errno || v >= CPU_SETSIZE)
                return -ERANGE;
        *p = end;
        *ret = (unsigned) v;
        return 0;
}

int cpu_list_parse(const char *s, cpu_set_t *ret)
{
        cpu_set_t set;
        size_t n = 0;

        CPU_ZERO(&set);
        for (const char *p = s; *p;) {
                unsigned a, b;
                int r;

                if (*p == ',' || *p == ' ' || *p == '\t') {
                        p++;
                        continue;
                }
                if ((r = number(&p, &a)) < 0)
                        return r;
                b = a;
                if (*p == '-') {
                        p++;
                        if ((r = number(&p, &b)) < 0)
                                return r;
                        if (b < a)
                                return -EINVAL;
                }
                if (*p && *p != ',' && *p != ' ' && *p != '\t')
                        return -EINVAL;
                for (unsigned c = a; c <= b; c++, n++)
                        CPU_SET(c, &set);
        }
        if (n == 0)
                return -ENODATA;
        *ret = set;
        return 0;
}

void cpu_list_format(const cpu_set_t *set, char *buf, size_t size)
{
        size_t len = 0;

        buf[0] = 0;
        for (unsigned c = 0; c < CPU_SETSIZE && len < size; c++) {
                if (!CPU_ISSET(c, set))
                        continue;
                unsigned end = c;
                while (end + 1 < CPU_SETSIZE && CPU_ISSET(end + 1, set))
                        end++;
                int k = end > c ? snprintf(buf + len, size - len, "%s%u-%u", len ? "," : "", c, end)
                                : snprintf(buf + len, size - len, "%s%u", len ? "," : "", c);
                if (k < 0)
                        return;
                len += (size_t) k;
                c = end;
        }
}
