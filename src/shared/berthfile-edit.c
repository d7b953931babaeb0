/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* set-property's lasting half: the limits written into [Resources] of the
 * machine's settings file, every other line kept as it was. */
#include "berthfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "resources.h"
#include "util.h"

static const char *skip_blanks(const char *s)
{
        while (*s == ' ' || *s == '\t')
                s++;
        return s;
}

/* Whether line (in [Resources]) sets what changes now sets: the same key,
 * and for an I/O cap the same device. */
static bool replaced(const char *line, const struct cgroup_limits *changes)
{
        const char *p = skip_blanks(line), *eq = strchr(p, '=');
        char key[64], value[256];
        size_t klen;
        int l;

        if (!eq)
                return false;
        klen = (size_t) (eq - p);
        while (klen > 0 && (p[klen - 1] == ' ' || p[klen - 1] == '\t'))
                klen--;
        if (klen == 0 || klen >= sizeof(key))
                return false;
        memcpy(key, p, klen);
        key[klen] = 0;
        l = limit_from_name(key);
        if (l < 0 || !limits_has(changes, l))
                return false;
        if (l < LIMIT_IO_FIRST)
                return true;
        /* "DEVICE VALUE": replaced when changes assigns this cap of that device. */
        snprintf(value, sizeof(value), "%s", skip_blanks(eq + 1));
        char *sp = strrchr(value, ' ');
        dev_t dev;
        if (!sp)
                return true;
        *sp = 0;
        if (block_device_parse(value, &dev) < 0)
                return false;
        for (size_t i = 0; i < changes->n_io; i++)
                if (changes->io[i].dev == dev && (changes->io[i].assigned & (1u << (l - LIMIT_IO_FIRST))))
                        return true;
        return false;
}

/* The new lines, "Key=Value\n" each: lifts write none (the default). */
static void write_new(FILE *f, const struct cgroup_limits *changes)
{
        for (int l = 0; l < _LIMIT_MAX; l++) {
                char value[LIMITS_IO_DEVICES_MAX * 48];

                if (!limits_has(changes, l) || limits_format(changes, l, value, sizeof(value)) <= 0 ||
                    streq(value, "infinity"))
                        continue;
                for (char *v = strtok(value, "\n"); v; v = strtok(NULL, "\n"))
                        fprintf(f, "%s=%s\n", limit_name(l), v);
        }
}

int berthfile_set_limits(const char *machine, const struct cgroup_limits *changes)
{
        _cleanup_free_ char *path = NULL, *text = NULL, *out = NULL, *dir = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        bool in_resources = false, written = false;
        size_t size = 0;
        int r;

        r = berthfile_path(machine, &path);
        if (r < 0)
                return r;
        r = read_file_at(AT_FDCWD, path, &text, 256 * 1024);
        if (r == -ENOENT)
                text = strdup("");
        else if (r < 0)
                return r;
        if (!text)
                return -ENOMEM;
        f = open_memstream(&out, &size);
        if (!f)
                return -ENOMEM;
        for (char *line = text, *next; *line; line = next) {
                size_t len = strcspn(line, "\n");
                const char *p = skip_blanks(line);

                next = line + len + (line[len] ? 1 : 0);
                line[len] = 0;
                if (*p == '[') {
                        /* Leaving [Resources]: its new lines go at its end. */
                        if (in_resources && !written) {
                                write_new(f, changes);
                                written = true;
                        }
                        in_resources = strncmp(p, "[Resources]", 11) == 0;
                } else if (in_resources && replaced(line, changes))
                        continue;
                fprintf(f, "%s\n", line);
        }
        if (!written) {
                if (!in_resources)
                        fprintf(f, "%s[Resources]\n", ftell(f) > 0 ? "\n" : "");
                write_new(f, changes);
        }
        if (fflush(f) != 0)
                return -ENOMEM;
        dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        *strrchr(dir, '/') = 0;
        r = mkdir_p(dir, 0755);
        if (r < 0)
                return r;
        return write_file_atomic(path, out, 0644);
}
