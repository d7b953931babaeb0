/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "etc-files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "mnt.h"
#include "tree.h"
#include "util.h"

#define HOST_LOCALTIME "/etc/localtime"
#define FILE_MAX (1024 * 1024)

static const char *const action_names[] = {
        [ETC_AUTO] = "auto", [ETC_OFF] = "off", [ETC_COPY] = "copy", [ETC_REPLACE] = "replace",
        [ETC_BIND] = "bind", [ETC_SYMLINK] = "symlink", [ETC_DELETE] = "delete",
};
static const char *const source_names[] = {
        [RESOLV_HOST] = "host", [RESOLV_STATIC] = "static", [RESOLV_UPLINK] = "uplink", [RESOLV_STUB] = "stub",
};

const char *resolv_source_path(enum resolv_source s)
{
        static const char *const paths[] = {
                [RESOLV_HOST] = "/etc/resolv.conf",
                [RESOLV_STATIC] = "/usr/lib/systemd/resolv.conf",
                [RESOLV_UPLINK] = "/run/systemd/resolve/resolv.conf",
                [RESOLV_STUB] = "/run/systemd/resolve/stub-resolv.conf",
        };
        return paths[s];
}

int resolv_conf_from_string(const char *s, enum etc_action *ret_action, enum resolv_source *ret_source)
{
        for (enum etc_action a = ETC_AUTO; a <= ETC_DELETE; a++) {
                size_t n = strlen(action_names[a]);
                if (a == ETC_SYMLINK || strncmp(s, action_names[a], n) != 0)
                        continue;
                bool sourced = a == ETC_COPY || a == ETC_REPLACE || a == ETC_BIND;
                if (!sourced && s[n] == 0) {
                        *ret_action = a, *ret_source = RESOLV_HOST;
                        return 0;
                }
                if (!sourced || s[n] != '-')
                        continue;
                for (enum resolv_source src = RESOLV_HOST; src <= RESOLV_STUB; src++)
                        if (streq(s + n + 1, source_names[src])) {
                                *ret_action = a, *ret_source = src;
                                return 0;
                        }
        }
        return -EINVAL;
}

int timezone_from_string(const char *s, enum etc_action *ret)
{
        for (enum etc_action a = ETC_AUTO; a <= ETC_DELETE; a++)
                if (a != ETC_REPLACE && streq(s, action_names[a])) {
                        *ret = a;
                        return 0;
                }
        return -EINVAL;
}

void etc_resolv_text(const struct etc_plan *p, char *buf, size_t size)
{
        bool sourced = p->resolv == ETC_COPY || p->resolv == ETC_REPLACE || p->resolv == ETC_BIND;

        snprintf(buf, size, "%s%s%s%s", action_names[p->resolv], sourced ? "-" : "",
                 sourced ? source_names[p->resolv_source] : "", p->resolv_auto ? " (auto)" : "");
}

void etc_timezone_text(const struct etc_plan *p, char *buf, size_t size)
{
        snprintf(buf, size, "%s%s", action_names[p->timezone], p->timezone_auto ? " (auto)" : "");
}

/* The host's zone from its /etc/localtime link: "" when it has none. */
static void host_zone(char *buf, size_t size)
{
        char link[512];
        ssize_t n = readlink(HOST_LOCALTIME, link, sizeof(link) - 1);
        const char *z;

        buf[0] = 0;
        if (n <= 0)
                return;
        link[n] = 0;
        z = strstr(link, "zoneinfo/");
        if (z && z[9] && !strstr(z, ".."))
                snprintf(buf, size, "%s", z + 9);
}

void etc_files_plan(const char *machine, int tree_fd, struct etc_plan *p)
{
        /* nspawn's auto: off with a network namespace of its own, which a
         * berth machine always has (the host's servers may be on its lo). */
        if (p->resolv == ETC_AUTO) {
                p->resolv = ETC_OFF;
                p->resolv_auto = true;
        }
        if ((p->resolv == ETC_COPY || p->resolv == ETC_REPLACE || p->resolv == ETC_BIND) &&
            access(resolv_source_path(p->resolv_source), R_OK) < 0) {
                log_warning("machine %s: the host has no %s: the machine's /etc/resolv.conf stays as it is", machine,
                            resolv_source_path(p->resolv_source));
                p->resolv = ETC_OFF;
        }

        host_zone(p->zone, sizeof(p->zone));
        bool host_has = access(HOST_LOCALTIME, R_OK) == 0;
        char path[200];
        snprintf(path, sizeof(path), "usr/share/zoneinfo/%s", p->zone);
        _cleanup_close_ int zf = p->zone[0] && tree_fd >= 0 ? tree_open(tree_fd, path, O_PATH) : -ENOENT;
        if (p->timezone == ETC_AUTO) {
                /* The machine's layer is always writable: no need to bind. */
                p->timezone = !host_has ? ETC_OFF : zf >= 0 ? ETC_SYMLINK : ETC_COPY;
                p->timezone_auto = true;
        } else if (p->timezone == ETC_SYMLINK && zf < 0) {
                log_warning("machine %s: the tree has no zoneinfo of the host's zone %s: --timezone=symlink copies "
                            "the host's /etc/localtime instead", machine, p->zone[0] ? p->zone : "(none)");
                p->timezone = host_has ? ETC_COPY : ETC_OFF;
        } else if ((p->timezone == ETC_COPY || p->timezone == ETC_BIND) && !host_has) {
                log_warning("machine %s: the host has no %s: the machine's stays as it is", machine, HOST_LOCALTIME);
                p->timezone = ETC_OFF;
        }
}

/* dir/target with "." and ".." worked out, inside the tree ("" for its root). */
static int join_inside(const char *dir, const char *target, char *buf, size_t size)
{
        char tmp[1024];
        size_t n = 0;

        if (snprintf(tmp, sizeof(tmp), "%s/%s", target[0] == '/' ? "" : dir, target) >= (int) sizeof(tmp))
                return -ENAMETOOLONG;
        buf[0] = 0;
        for (char *save = NULL, *c = strtok_r(tmp, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (streq(c, "."))
                        continue;
                if (streq(c, "..")) {
                        char *slash = memrchr(buf, '/', n);
                        n = slash ? (size_t) (slash - buf) : 0;
                        buf[n] = 0;
                        continue;
                }
                int k = snprintf(buf + n, size - n, "%s%s", n ? "/" : "", c);
                if (k < 0 || (size_t) k >= size - n)
                        return -ENAMETOOLONG;
                n += (size_t) k;
        }
        return 0;
}

/* The host's file bound read-only on etc/NAME, or on what its link points
 * at inside the tree (made when missing: resolved's stub link leads into
 * the machine's empty /run). */
static int bind_host_file(int root_fd, const char *host, const char *name)
{
        char path[300], link[300], target[512], inside[1024];
        int r;

        snprintf(path, sizeof(path), "etc/%s", name);
        r = tree_dangling_link(root_fd, path, link, sizeof(link), target, sizeof(target));
        if (r < 0)
                return r;
        if (r > 0) {
                /* The link's target, and what of the path comes after it. */
                char dir[300], rest[300];
                snprintf(rest, sizeof(rest), "%s", path + strlen(link));
                snprintf(dir, sizeof(dir), "%s", link);
                char *slash = strrchr(dir, '/');
                if (slash)
                        *slash = 0;
                else
                        dir[0] = 0;
                if ((r = join_inside(dir, target, inside, sizeof(inside))) < 0)
                        return r;
                if (!inside[0])
                        return -EISDIR;
                if (snprintf(path, sizeof(path), "%s%s", inside, rest) >= (int) sizeof(path))
                        return -ENAMETOOLONG;
        }
        _cleanup_close_ int mnt = mnt_clone(AT_FDCWD, host, false);
        if (mnt < 0)
                return mnt;
        if ((r = mnt_set_read_only(mnt, false)) < 0)
                return r;
        return mnt_attach_file(mnt, root_fd, path);
}

/* The host's file copied to etc/NAME (no link followed there). */
static int copy_host_file(int etc_fd, const char *host, const char *name, bool replace)
{
        _cleanup_free_ char *buf = malloc(FILE_MAX);
        _cleanup_close_ int in = open(host, O_RDONLY | O_CLOEXEC);
        struct stat st;
        ssize_t n;

        if (!buf)
                return -ENOMEM;
        if (in < 0)
                return -errno;
        if ((n = read_full(in, buf, FILE_MAX)) < 0)
                return (int) n;
        if (fstatat(etc_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
                if (!replace)
                        return 0;       /* copy: a link or other there stays */
                if (unlinkat(etc_fd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
                        return -errno;
        }
        _cleanup_close_ int out = openat(etc_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (out < 0)
                return -errno;
        return write_full(out, buf, (size_t) n);
}

static int remove_file(int etc_fd, const char *name)
{
        if (unlinkat(etc_fd, name, 0) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

static int apply_resolv(int root_fd, int etc_fd, const struct etc_plan *p)
{
        const char *src = resolv_source_path(p->resolv_source);

        switch (p->resolv) {
        case ETC_COPY:
        case ETC_REPLACE:
                return copy_host_file(etc_fd, src, "resolv.conf", p->resolv == ETC_REPLACE);
        case ETC_BIND:
                return bind_host_file(root_fd, src, "resolv.conf");
        case ETC_DELETE:
                return remove_file(etc_fd, "resolv.conf");
        default:
                return 0;
        }
}

static int apply_timezone(int root_fd, int etc_fd, const struct etc_plan *p)
{
        char target[256];
        int r;

        switch (p->timezone) {
        case ETC_COPY:
                return copy_host_file(etc_fd, HOST_LOCALTIME, "localtime", true);
        case ETC_BIND:
                return bind_host_file(root_fd, HOST_LOCALTIME, "localtime");
        case ETC_SYMLINK:
                if ((r = remove_file(etc_fd, "localtime")) < 0)
                        return r;
                snprintf(target, sizeof(target), "../usr/share/zoneinfo/%s", p->zone);
                return symlinkat(target, etc_fd, "localtime") < 0 ? -errno : 0;
        case ETC_DELETE:
                return remove_file(etc_fd, "localtime");
        default:
                return 0;
        }
}

static int apply(int root_fd, const struct etc_plan *p, bool timezone)
{
        if ((timezone ? p->timezone : p->resolv) == ETC_OFF)
                return 0;
        _cleanup_close_ int etc = tree_open(root_fd, "etc", O_DIRECTORY | O_RDONLY);
        if (etc < 0)
                return 0;       /* not an OS tree: nothing to set */
        return timezone ? apply_timezone(root_fd, etc, p) : apply_resolv(root_fd, etc, p);
}

int etc_resolv_apply(int root_fd, const struct etc_plan *p)
{
        return apply(root_fd, p, false);
}

int etc_timezone_apply(int root_fd, const struct etc_plan *p)
{
        return apply(root_fd, p, true);
}
