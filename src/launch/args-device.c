/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --device=PATH[:rwm] and a settings file's DeviceAllow=: a host device
 * node for the machine's /dev, checked (and its numbers read) here, before
 * anything is made. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "cgroup.h"
#include "cleanup.h"
#include "options.h"
#include "util.h"

int device_access_from_string(const char *text, unsigned *ret, char *ret_bad)
{
        unsigned access = 0;

        *ret_bad = 0;
        if (!*text)
                return -EINVAL;
        for (const char *c = text; *c; c++) {
                unsigned bit = *c == 'r' ? CGROUP_DEVICE_READ : *c == 'w' ? CGROUP_DEVICE_WRITE :
                               *c == 'm' ? CGROUP_DEVICE_MKNOD : 0;
                if (!bit || (access & bit)) {
                        *ret_bad = *c;
                        return -EINVAL;
                }
                access |= bit;
        }
        *ret = access;
        return 0;
}

/* Below /dev/, each component a name: no "", "." or "..". */
static bool dev_path_valid(const char *p)
{
        if (strncmp(p, "/dev/", 5) != 0 || !p[5])
                return false;
        for (const char *c = p + 5; *c;) {
                size_t n = strcspn(c, "/");
                if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        return false;
                c += n;
                if (*c == '/' && !*++c)
                        return false;
        }
        return true;
}

/* What the default /dev holds (apifs.c): nothing to add there. */
static bool own_dev_entry(const char *p)
{
        static const char *const names[] = { "null", "zero", "full", "random", "urandom", "tty", "ptmx",
                                             "console", "fd", "stdin", "stdout", "stderr" };

        p += strlen("/dev/");
        if (strncmp(p, "pts/", 4) == 0 || strncmp(p, "shm/", 4) == 0)
                return true;
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(p, names[i]))
                        return true;
        return false;
}

static const char *node_kind(mode_t m)
{
        return S_ISDIR(m) ? "a directory" : S_ISREG(m) ? "a regular file" : S_ISLNK(m) ? "a symbolic link (name the node it leads to)" :
               S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" : "not a device";
}

/* The value is PATH, PATH:ACCESS or, as systemd's DeviceAllow= spells it,
 * "PATH ACCESS". A PATH that exists as given is taken whole (device paths
 * may hold colons: /dev/disk/by-path/pci-0000:00:1f.2-ata-1). */
static int split(const struct assignment *a, char **ret_path, unsigned *ret_access)
{
        _cleanup_free_ char *path = strdup(a->value);
        struct stat st;
        char *sep, bad;

        if (!path)
                return -ENOMEM;
        *ret_access = CGROUP_DEVICE_READ | CGROUP_DEVICE_WRITE | CGROUP_DEVICE_MKNOD;
        sep = strrchr(path, ' ');
        if (!sep)
                sep = strrchr(path, ':');
        if (sep && lstat(path, &st) < 0) {
                *sep = 0;
                if (device_access_from_string(sep + 1, ret_access, &bad) < 0)
                        return bad ? assignment_invalid(a, "'%c' is not an access, or given twice (r: read, w: "
                                                        "write, m: mknod)", bad)
                                   : assignment_invalid(a, "expected r, w and m after the path");
        }
        *ret_path = take_ptr(path);
        return 0;
}

int args_parse_device(struct settings *s, const struct assignment *a)
{
        _cleanup_free_ char *path = NULL;
        struct device *n;
        unsigned access;
        struct stat st;
        size_t i;
        int r;

        r = split(a, &path, &access);
        if (r < 0)
                return r;
        if (!dev_path_valid(path))
                return assignment_invalid(a, "expected PATH[:rwm], PATH the absolute path of a device node below "
                                          "/dev/");
        /* Named as it is: the machine gets it at this path. */
        const char *what = streq(path, a->value) ? "it" : path;
        if (lstat(path, &st) < 0)
                return errno == ENOENT ? assignment_invalid(a, "no such device node")
                                       : assignment_invalid(a, "%s: %s", path, strerror(errno));
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                return assignment_invalid(a, "%s is %s, not a device node", what, node_kind(st.st_mode));
        if (own_dev_entry(path))
                return assignment_invalid(a, "the machine's /dev has %s of its own", path);
        for (i = 0; i < s->n_devices && !streq(s->devices[i].path, path); i++)
                ;
        if (i == s->n_devices && s->n_devices >= DEVICES_MAX) {
                (void) assignment_invalid(a, "no more than %d devices", DEVICES_MAX);
                return -E2BIG;
        }
        if (i == s->n_devices) {
                n = realloc(s->devices, sizeof(*n) * (s->n_devices + 1));
                if (!n)
                        return -ENOMEM;
                s->devices = n;
                s->devices[s->n_devices++].path = NULL;
        }
        /* The same path again: the last one counts. */
        free(s->devices[i].path);
        s->devices[i] = (struct device) {
                .path = take_ptr(path),
                .mode = st.st_mode & (S_IFMT | 0777),
                .rdev = st.st_rdev,
                .uid = st.st_uid,
                .gid = st.st_gid,
                .access = access,
        };
        return 0;
}
