/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "name.h"
#include "paths.h"
#include "util.h"

static int runtime_path(const char *sub, const char *name, char *buf, size_t size)
{
        int n = snprintf(buf, size, "%s/%s/%s", berth_runtime_dir(), sub, name);

        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

int machine_lock(const char *name, int *ret_fd)
{
        char path[4096], dir[4096];
        int r;

        r = runtime_path("locks", name, path, sizeof(path));
        if (r < 0)
                return r;
        snprintf(dir, sizeof(dir), "%s/locks", berth_runtime_dir());
        r = mkdir_p(dir, 0755);
        if (r < 0)
                return r;
        return lock_file_take(path, ret_fd);
}

void machine_unlock(const char *name, int fd)
{
        char path[4096];

        if (fd < 0)
                return;
        if (runtime_path("locks", name, path, sizeof(path)) >= 0)
                (void) unlink(path);
        close(fd);
}

enum state_type { STATE_STRING, STATE_PID, STATE_UINT, STATE_BOOL };

struct state_key {
        const char *key;
        enum state_type type;
        size_t offset;
};

#define KEY(k, t, f) { k, t, offsetof(struct machine_state, f) }

/* Every key once, in the order the writer writes them. */
static const struct state_key state_keys[] = {
        KEY("NAME", STATE_STRING, name),
        KEY("STATE", STATE_STRING, state),
        KEY("UUID", STATE_STRING, uuid),
        KEY("ROOT", STATE_STRING, root),
        KEY("UPPER", STATE_STRING, upper),
        KEY("CGROUP", STATE_STRING, cgroup),
        KEY("INIT", STATE_STRING, init),
        KEY("LEADER", STATE_PID, leader),
        KEY("SUPERVISOR", STATE_PID, supervisor),
        KEY("EPHEMERAL", STATE_BOOL, ephemeral),
        KEY("UID_SHIFT", STATE_UINT, uid_shift),
        KEY("UID_RANGE", STATE_UINT, uid_range),
        KEY("INIT_KIND", STATE_STRING, init_kind),
        KEY("REGISTER", STATE_BOOL, registered),
        KEY("STOP", STATE_STRING, stop),
        KEY("CGROUP_MEMORY", STATE_STRING, cgroup_memory),
        KEY("HOST_IFNAME", STATE_STRING, host_ifname),
        KEY("HOST_IFINDEX", STATE_UINT, host_ifindex),
        KEY("PORTS", STATE_STRING, ports),
        KEY("RESOLV_CONF", STATE_STRING, resolv_conf),
        KEY("TIMEZONE", STATE_STRING, timezone),
        KEY("CGROUP_BLKIO", STATE_STRING, cgroup_blkio),
};

#define FIELD(st, k, type) ((type *) ((char *) (st) + (k)->offset))
#define FIELD_RO(st, k, type) ((const type *) ((const char *) (st) + (k)->offset))

/* The value as the file spells it; a number is formatted into num. */
static const char *key_format(const struct machine_state *st, const struct state_key *k, char num[static 16])
{
        switch (k->type) {
        case STATE_STRING:
                return *FIELD_RO(st, k, char *) ?: "";
        case STATE_PID:
                snprintf(num, 16, "%d", (int) *FIELD_RO(st, k, pid_t));
                return num;
        case STATE_UINT:
                snprintf(num, 16, "%u", *FIELD_RO(st, k, unsigned));
                return num;
        case STATE_BOOL:
                return *FIELD_RO(st, k, bool) ? "yes" : "no";
        }
        return "";
}

/* A value with a newline would end its line early and could pose as
 * another key; one over the limit would be refused by every reader. */
static int state_check(const struct machine_state *st)
{
        char num[16];

        for (size_t i = 0; i < ELEMENTSOF(state_keys); i++) {
                const char *v = key_format(st, &state_keys[i], num);
                if (strlen(v) > MACHINE_STATE_VALUE_MAX || strchr(v, '\n'))
                        return -EINVAL;
        }
        return 0;
}

static int state_write_tmp(const struct machine_state *st, const char *tmp)
{
        _cleanup_fclose_ FILE *f = NULL;
        char num[16];
        int fd;

        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "w");
        if (!f) {
                int r = -errno;
                close(fd);
                return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(state_keys); i++)
                fprintf(f, "%s=%s\n", state_keys[i].key, key_format(st, &state_keys[i], num));
        if (fflush(f) != 0 || ferror(f))
                return -EIO;
        return 0;
}

int machine_state_write(const struct machine_state *st)
{
        char path[4096], tmp[4200], dir[4096];
        int r;

        r = state_check(st);
        if (r < 0)
                return r;
        r = runtime_path("machines", st->name, path, sizeof(path));
        if (r < 0)
                return r;
        snprintf(dir, sizeof(dir), "%s/machines", berth_runtime_dir());
        r = mkdir_p(dir, 0755);
        if (r < 0)
                return r;
        /* Readers skip names starting with '.'. */
        snprintf(tmp, sizeof(tmp), "%s/.#%s", dir, st->name);
        r = state_write_tmp(st, tmp);
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void) unlink(tmp);
        return r;
}

int machine_state_remove(const char *name)
{
        char path[4096];
        int r = runtime_path("machines", name, path, sizeof(path));

        if (r < 0)
                return r;
        if (unlink(path) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

static const struct state_key *key_find(const char *key)
{
        for (size_t i = 0; i < ELEMENTSOF(state_keys); i++)
                if (streq(state_keys[i].key, key))
                        return &state_keys[i];
        return NULL;
}

static int key_parse(struct machine_state *st, const struct state_key *k, const char *v)
{
        unsigned u;

        switch (k->type) {
        case STATE_STRING:
                *FIELD(st, k, const char *) = v;
                return 0;
        case STATE_PID:
                if (parse_uint(v, &u) < 0 || u > INT_MAX)
                        return -EBADMSG;
                *FIELD(st, k, pid_t) = (pid_t) u;
                return 0;
        case STATE_UINT:
                if (parse_uint(v, &u) < 0)
                        return -EBADMSG;
                *FIELD(st, k, unsigned) = u;
                return 0;
        case STATE_BOOL:
                if (!streq(v, "yes") && !streq(v, "no"))
                        return -EBADMSG;
                *FIELD(st, k, bool) = streq(v, "yes");
                return 0;
        }
        return -EBADMSG;
}

#define KEY_BIT(k) (1u << ((k) - state_keys))

/* Split text in place into st's strings. */
static int state_parse(struct machine_state *st, char *text)
{
        uint32_t seen = 0;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(state_keys); i++)
                if (state_keys[i].type == STATE_STRING)
                        *FIELD(st, &state_keys[i], const char *) = "";
        st->registered = true;  /* as berthd listed a machine before REGISTER= was written */

        /* Only lines ended by a newline: what follows the last one was cut. */
        for (char *line = text, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
                char *eq = strchr(line, '=');
                const struct state_key *k;

                *nl = 0;
                if (!eq || strlen(eq + 1) > MACHINE_STATE_VALUE_MAX)
                        return -EBADMSG;
                *eq = 0;
                k = key_find(line);
                if (!k)
                        continue;       /* a newer launcher's */
                if (seen & KEY_BIT(k))
                        return -EBADMSG;
                seen |= KEY_BIT(k);
                r = key_parse(st, k, eq + 1);
                if (r < 0)
                        return r;
        }
        if (!(seen & KEY_BIT(key_find("NAME"))) || !(seen & KEY_BIT(key_find("STATE"))) || st->supervisor <= 0)
                return -EBADMSG;
        return 0;
}

/* The launcher flock()s locks/NAME while it runs: if a shared lock can be
 * taken, nobody holds it and the state file is a dead launcher's. */
static bool launcher_alive_at(int runtime_fd, const char *name)
{
        char path[sizeof("locks/") + MACHINE_NAME_MAX];
        _cleanup_close_ int fd = -EBADF;

        snprintf(path, sizeof(path), "locks/%s", name);
        fd = openat(runtime_fd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return false;
        return flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

int machine_state_read_at(int runtime_fd, const char *name, struct machine_state *ret)
{
        _cleanup_(machine_state_done) struct machine_state st = {};
        char path[sizeof("machines/") + MACHINE_NAME_MAX];
        _cleanup_close_ int fd = -EBADF;
        ssize_t n;
        int r;

        if (!machine_name_valid(name))
                return -EINVAL;
        snprintf(path, sizeof(path), "machines/%s", name);
        fd = openat(runtime_fd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return -errno;
        st.buf = malloc(MACHINE_STATE_FILE_MAX + 2);
        if (!st.buf)
                return -ENOMEM;
        n = read_full(fd, st.buf, MACHINE_STATE_FILE_MAX + 1);
        if (n < 0)
                return (int) n;
        if (n > MACHINE_STATE_FILE_MAX)
                return -EFBIG;
        if (memchr(st.buf, 0, (size_t) n))
                return -EBADMSG;
        st.buf[n] = 0;
        r = state_parse(&st, st.buf);
        if (r < 0)
                return r;
        if (!streq(st.name, name))
                return -EBADMSG;
        st.launcher_alive = launcher_alive_at(runtime_fd, name);
        *ret = st;
        st = (struct machine_state) {};
        return 0;
}

int machine_state_read(const char *name, struct machine_state *ret)
{
        _cleanup_close_ int fd = open(berth_runtime_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        return machine_state_read_at(fd, name, ret);
}

void machine_state_done(struct machine_state *st)
{
        free(st->buf);
        *st = (struct machine_state) {};
}

int machine_state_value(const struct machine_state *st, const char *key, char **ret)
{
        const struct state_key *k = key_find(key);
        char num[16], *v;

        if (!k)
                return -ENOENT;
        v = strdup(key_format(st, k, num));
        if (!v)
                return -ENOMEM;
        *ret = v;
        return 0;
}

int berthd_lock(int *ret_fd)
{
        char path[4096];
        int r = mkdir_p(berth_runtime_dir(), 0755);

        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "%s/berthd.lock", berth_runtime_dir());
        return lock_file_take(path, ret_fd);
}

int berthd_running(void)
{
        char path[4096];
        _cleanup_close_ int fd = -EBADF;

        snprintf(path, sizeof(path), "%s/berthd.lock", berth_runtime_dir());
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        /* A shared lock fails while berthd holds its exclusive one. */
        if (flock(fd, LOCK_SH | LOCK_NB) < 0)
                return errno == EWOULDBLOCK ? 1 : -errno;
        return 0;
}
