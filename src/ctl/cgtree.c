/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The process tree of a machine, read from its cgroup on this host. */
#include "cgtree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgutil.h"
#include "cleanup.h"
#include "log.h"
#include "output.h"
#include "util.h"

#define CMDLINE_MAX (64 * 1024)
#define DEPTH_MAX 32

int cgtree_resolve(const char *cgroup, char **ret)
{
        _cleanup_free_ char *mnt = NULL;
        struct stat st;
        char *p;
        int r;

        if (!cgroup || cgroup[0] != '/')
                return -EINVAL;
        if (startswith(cgroup, "/sys/fs/cgroup/") && stat(cgroup, &st) == 0 && S_ISDIR(st.st_mode)) {
                p = strdup(cgroup);
                if (!p)
                        return -ENOMEM;
                *ret = p;
                return 0;
        }
        r = cgroup2_mount_point(&mnt);
        if (r < 0)
                return r;
        p = strjoin(mnt, streq(cgroup, "/") ? "" : cgroup, NULL);
        if (!p)
                return -ENOMEM;
        if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
                free(p);
                return -ENOENT;
        }
        *ret = p;
        return 0;
}

static int pid_compare(const void *a, const void *b)
{
        long x = *(const long *) a, y = *(const long *) b;

        return (x > y) - (x < y);
}

/* The PIDs in a cgroup's cgroup.procs, sorted. */
static int cgroup_pids(int dir_fd, long **ret, size_t *ret_n)
{
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ long *pids = NULL;
        size_t n = 0, allocated = 0;
        char *p, *end;
        int r;

        r = read_file_at(dir_fd, "cgroup.procs", &buf, 1 << 20);
        if (r < 0)
                return r;
        for (p = buf; *p; p = end) {
                long pid = strtol(p, &end, 10);

                if (end == p)
                        break;
                if (n + 1 >= allocated) {
                        long *np = reallocarray(pids, allocated ? allocated * 2 : 16, sizeof(long));

                        if (!np)
                                return -ENOMEM;
                        pids = np;
                        allocated = allocated ? allocated * 2 : 16;
                }
                pids[n++] = pid;
        }
        if (n)
                qsort(pids, n, sizeof(long), pid_compare);
        *ret = take_ptr(pids);
        *ret_n = n;
        return 0;
}

static int name_compare(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The child cgroups of a cgroup, sorted by name. */
static int cgroup_children(int dir_fd, char ***ret)
{
        _cleanup_strv_ char **names = NULL;
        _cleanup_(closedirp) DIR *d = NULL;
        int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *de;
        int r;

        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                r = -errno;
                close(fd);
                return r;
        }
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                r = strv_push(&names, de->d_name);
                if (r < 0)
                        return r;
        }
        if (names)
                qsort(names, strv_length(names), sizeof(char *), name_compare);
        *ret = take_ptr(names);
        return 0;
}

/* The command line with spaces for NULs, or "[comm]" for a process
 * without one (a kernel thread, a zombie). */
static char *pid_cmdline(long pid)
{
        char path[64];
        char *buf = NULL;
        int n;

        snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
        n = read_file_at(AT_FDCWD, path, &buf, CMDLINE_MAX);
        if (n > 0) {
                for (int i = 0; i < n; i++)
                        if (buf[i] == 0 || buf[i] == '\n')
                                buf[i] = ' ';
                while (n > 0 && buf[n - 1] == ' ')
                        buf[--n] = 0;
                /* A process in the machine chooses its command line. */
                char *safe = log_escape_dup(buf);
                free(buf);
                return safe;
        }
        free(buf);
        buf = NULL;
        snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
        if (read_file_at(AT_FDCWD, path, &buf, 64) > 0) {
                char *nl = strchr(buf, '\n');
                char *c;

                if (nl)
                        *nl = 0;
                _cleanup_free_ char *safe = log_escape_dup(buf);
                c = safe ? strjoin("[", safe, "]") : NULL;
                free(buf);
                return c;
        }
        free(buf);
        return strdup("?");
}

static bool locale_utf8(void)
{
        const char *set = nl_langinfo(CODESET);

        return set && streq(set, "UTF-8");
}

/* Characters on the screen: UTF-8 lead bytes (the tree's lines and
 * command lines are taken to be one column each). */
static size_t text_columns(const char *s)
{
        size_t n = 0;

        for (; *s; s++)
                n += ((unsigned char) *s & 0xc0) != 0x80;
        return n;
}

/* How many bytes of cmd fit in columns with room for an ellipsis of
 * ellipsis_columns after them; all of it when it fits as it is. */
static size_t fit_columns(const char *cmd, size_t columns, size_t ellipsis_columns, bool *ret_cut)
{
        size_t n = 0, i = 0;

        *ret_cut = text_columns(cmd) > columns;
        if (!*ret_cut)
                return strlen(cmd);
        while (cmd[i] && n + ellipsis_columns < columns) {
                n++;
                i++;
                while (((unsigned char) cmd[i] & 0xc0) == 0x80)
                        i++;    /* the rest of a multi-byte character */
        }
        return i;
}

static void print_process(FILE *f, const char *lead, long pid, const char *cmd, size_t width)
{
        const char *ellipsis = locale_utf8() ? "\u2026" : "...";
        char head[512];
        size_t used, len;
        bool cut = false;

        snprintf(head, sizeof(head), "%s%ld ", lead, pid);
        used = text_columns(head);
        if (width == 0 || used + 8 > width) {   /* no room worth cutting to */
                fprintf(f, "%s%s\n", head, cmd);
                return;
        }
        len = fit_columns(cmd, width - used, text_columns(ellipsis), &cut);
        fprintf(f, "%s%.*s%s\n", head, (int) len, cmd, cut ? ellipsis : "");
}

static int print_level(FILE *f, int dir_fd, const char *prefix, size_t width, unsigned depth)
{
        const char *branch = locale_utf8() ? "├─" : "|-", *last_branch = locale_utf8() ? "└─" : "`-";
        const char *bar = locale_utf8() ? "│ " : "| ";
        _cleanup_free_ long *pids = NULL;
        _cleanup_strv_ char **children = NULL;
        size_t n_pids = 0, n_children;
        int r;

        r = cgroup_pids(dir_fd, &pids, &n_pids);
        if (r < 0)
                return r;
        r = cgroup_children(dir_fd, &children);
        if (r < 0)
                return r;
        n_children = strv_length(children);
        for (size_t i = 0; i < n_pids; i++) {
                _cleanup_free_ char *cmd = pid_cmdline(pids[i]), *lead = NULL;
                bool last = i + 1 == n_pids && n_children == 0;

                lead = strjoin(prefix, last ? last_branch : branch, NULL);
                if (!lead)
                        return -ENOMEM;
                print_process(f, lead, pids[i], cmd ? cmd : "?", width);
        }
        for (size_t i = 0; i < n_children && depth < DEPTH_MAX; i++) {
                _cleanup_close_ int fd = openat(dir_fd, children[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                bool last = i + 1 == n_children;
                _cleanup_free_ char *sub = strjoin(prefix, last ? "  " : bar, NULL);
                _cleanup_free_ char *name = log_escape_dup(children[i]);   /* the machine names its cgroups */

                if (!sub || !name)
                        return -ENOMEM;
                fprintf(f, "%s%s%s\n", prefix, last ? last_branch : branch, name);
                if (fd < 0)
                        continue;       /* gone meanwhile */
                r = print_level(f, fd, sub, width, depth + 1);
                if (r < 0 && r != -ENOENT && r != -ENODEV)
                        return r;
        }
        return 0;
}

int cgtree_print(FILE *f, const char *path, const char *prefix, size_t width)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        return print_level(f, fd, prefix, width, 0);
}

static int add_process(json_object *a, const char *cgroup, long pid)
{
        _cleanup_free_ char *cmd = pid_cmdline(pid);
        json_object *o = json_object_new_object();

        if (!o || !cmd) {
                json_object_put(o);
                return -ENOMEM;
        }
        json_object_object_add(o, "cgroup", json_object_new_string(cgroup));
        json_object_object_add(o, "pid", json_object_new_int64(pid));
        json_object_object_add(o, "command", json_object_new_string(cmd));
        return json_object_array_add(a, o) < 0 ? -ENOMEM : 0;
}

static int json_level(json_object *a, int dir_fd, const char *cgroup, unsigned depth)
{
        _cleanup_free_ long *pids = NULL;
        _cleanup_strv_ char **children = NULL;
        size_t n_pids = 0;
        int r;

        r = cgroup_pids(dir_fd, &pids, &n_pids);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_pids; i++) {
                r = add_process(a, cgroup, pids[i]);
                if (r < 0)
                        return r;
        }
        r = cgroup_children(dir_fd, &children);
        if (r < 0)
                return r;
        for (size_t i = 0; children && children[i] && depth < DEPTH_MAX; i++) {
                _cleanup_close_ int fd = openat(dir_fd, children[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                _cleanup_free_ char *sub = strjoin(cgroup, streq(cgroup, "/") ? "" : "/", children[i]);

                if (!sub)
                        return -ENOMEM;
                if (fd < 0)
                        continue;
                r = json_level(a, fd, sub, depth + 1);
                if (r < 0 && r != -ENOENT && r != -ENODEV)
                        return r;
        }
        return 0;
}

int cgtree_json(const char *path, json_object **ret)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_json_ json_object *a = json_object_new_array();
        int r;

        if (!a)
                return -ENOMEM;
        if (fd < 0)
                return -errno;
        r = json_level(a, fd, "/", 0);
        if (r < 0)
                return r;
        *ret = take_ptr(a);
        return 0;
}
