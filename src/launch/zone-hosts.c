/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "zone-hosts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "name.h"
#include "netpool.h"
#include "paths.h"
#include "state.h"
#include "tree.h"
#include "util.h"

#define BEGIN "# berth zone: the zone's machines (kept by berth, rewritten as they come and go)\n"
#define END "# berth zone end\n"
#define HOSTS_MAX (64 * 1024)

static void list_path(const char *zone, char *buf, size_t size)
{
        snprintf(buf, size, "%s/net/hosts-%s", berth_runtime_dir(), zone);
}

/* The list without the machine's lines, and with them unless leaving. */
static char *new_list(const char *old, const char *machine, const struct net_plan *p, bool leave)
{
        char *out = NULL, a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];
        size_t size = 0;
        FILE *f = open_memstream(&out, &size);

        if (!f)
                return NULL;
        for (const char *l = old ?: ""; *l;) {
                size_t n = strcspn(l, "\n");
                const char *name = memchr(l, ' ', n);
                if (!name || (size_t) (l + n - name - 1) != strlen(machine) || strncmp(name + 1, machine, strlen(machine)))
                        fprintf(f, "%.*s\n", (int) n, l);
                l += n + (l[n] == '\n');
        }
        if (!leave) {
                net_format4(p->addr4, a4);
                net_format6(&p->addr6, a6);
                fprintf(f, "%s %s\n%s %s\n", a4, machine, a6, machine);
        }
        if (fclose(f) != 0) {
                free(out);
                return NULL;
        }
        return out;
}

/* The machine's /etc/hosts with the block replaced, resolved in its root. */
static int rewrite_hosts(pid_t leader, const char *list, uid_t owner)
{
        _cleanup_free_ char *old = NULL, *text = NULL;
        char root_path[64];
        size_t size = 0;
        FILE *f;

        snprintf(root_path, sizeof(root_path), "/proc/%d/root", (int) leader);
        _cleanup_close_ int root = open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return -errno;
        _cleanup_close_ int in = tree_open(root, "/etc/hosts", O_RDONLY | O_NONBLOCK);
        if (in >= 0) {
                struct stat st;
                if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode))
                        return -EBADF;
                ssize_t n;
                if (!(old = malloc(HOSTS_MAX + 1)) || (n = read_full(in, old, HOSTS_MAX)) < 0)
                        return -ENOMEM;
                old[n] = 0;
        }
        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        const char *b = old ? strstr(old, BEGIN) : NULL, *e = b ? strstr(b, END) : NULL;
        if (!old)
                fputs("127.0.0.1 localhost\n::1 localhost\n", f);
        else if (b && e)
                fprintf(f, "%.*s%s", (int) (b - old), old, e + strlen(END));
        else
                fputs(old, f);
        fprintf(f, "%s%s%s", BEGIN, list, END);
        if (fclose(f) != 0)
                return -ENOMEM;
        _cleanup_close_ int etc = tree_open(root, "/etc", O_PATH | O_DIRECTORY);
        if (etc < 0)
                return etc;
        _cleanup_close_ int out = -EBADF;
        if (in >= 0)
                out = tree_open(root, "/etc/hosts", O_WRONLY | O_TRUNC | O_NONBLOCK);
        else {
                /* Made as the machine's root: the overlay, mounted in the
                 * machine's user namespace, has no owner for host root's. */
                setfsgid(owner), setfsuid(owner);
                out = openat(etc, "hosts", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
                out = out < 0 ? -errno : out;
                setfsuid(0), setfsgid(0);
        }
        if (out < 0)
                return out;
        return write_full(out, text, strlen(text));
}

/* Every member but the one leaving gets the new list. */
static void push(const char *list, const char *leaving)
{
        for (const char *l = list; *l;) {
                size_t n = strcspn(l, "\n");
                const char *sp = memchr(l, ' ', n);
                char name[MACHINE_NAME_MAX + 1];
                if (sp && (size_t) (l + n - sp - 1) <= MACHINE_NAME_MAX) {
                        snprintf(name, sizeof(name), "%.*s", (int) (l + n - sp - 1), sp + 1);
                        _cleanup_(machine_state_done) struct machine_state st = {};
                        /* Each machine once: its IPv4 line. */
                        if (!memchr(l, ':', (size_t) (sp - l)) && (!leaving || !streq(name, leaving)) &&
                            machine_state_read(name, &st) >= 0 && st.leader > 0)
                                (void) rewrite_hosts(st.leader, list, (uid_t) st.uid_shift);
                }
                l += n + (l[n] == '\n');
        }
}

int zone_hosts_update(const char *zone, const char *machine, const struct net_plan *p, bool leave)
{
        _cleanup_free_ char *old = NULL, *list = NULL;
        char path[4200];
        int r;

        _cleanup_close_ int fd = net_lock_take();
        if (fd < 0)
                return fd;
        list_path(zone, path, sizeof(path));
        (void) read_file_at(AT_FDCWD, path, &old, HOSTS_MAX);
        list = new_list(old, machine, p, leave);
        if (!list)
                return -ENOMEM;
        if (*list)
                r = write_file_at(AT_FDCWD, path, list, 0644);
        else
                r = unlink(path) < 0 && errno != ENOENT ? -errno : 0;
        if (r < 0)
                return r;
        push(list, leave ? machine : NULL);
        return 0;
}
