/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"

bool startswith(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool endswith(const char *s, const char *suffix)
{
        size_t n = strlen(s), k = strlen(suffix);
        return n >= k && strcmp(s + n - k, suffix) == 0;
}

char *strjoin(const char *a, const char *b, const char *c)
{
        size_t la = strlen(a), lb = b ? strlen(b) : 0, lc = c ? strlen(c) : 0;
        char *r = malloc(la + lb + lc + 1);

        if (!r)
                return NULL;
        memcpy(r, a, la);
        if (b)
                memcpy(r + la, b, lb);
        if (c)
                memcpy(r + la + lb, c, lc);
        r[la + lb + lc] = 0;
        return r;
}

size_t strv_length(char *const *l)
{
        size_t n = 0;

        while (l && l[n])
                n++;
        return n;
}

int strv_push(char ***l, const char *value)
{
        size_t n = strv_length(*l);
        char **nl;
        char *v = strdup(value);

        if (!v)
                return -ENOMEM;
        nl = realloc(*l, sizeof(char *) * (n + 2));
        if (!nl) {
                free(v);
                return -ENOMEM;
        }
        nl[n] = v;
        nl[n + 1] = NULL;
        *l = nl;
        return 0;
}

int strv_env_set(char ***l, const char *assignment)
{
        size_t n = strcspn(assignment, "=") + 1;
        char *copy;

        for (char **e = *l; e && *e; e++)
                if (strncmp(*e, assignment, n) == 0) {
                        copy = strdup(assignment);
                        if (!copy)
                                return -ENOMEM;
                        free(*e);
                        *e = copy;
                        return 0;
                }
        return strv_push(l, assignment);
}

int env_assignment_from(const char *arg, char **ret)
{
        size_t n = strcspn(arg, "=");
        const char *v;
        char *a;

        if (n == 0 || (arg[0] >= '0' && arg[0] <= '9') ||
            strspn(arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != n)
                return -EINVAL;
        if (arg[n])
                a = strdup(arg);
        else if (asprintf(&a, "%s=%s", arg, (v = getenv(arg)) ? v : "") < 0)
                a = NULL;
        if (!a)
                return -ENOMEM;
        *ret = a;
        return 0;
}

char **strv_copy(char *const *l)
{
        _cleanup_strv_ char **r = calloc(1, sizeof(char *));

        if (!r)
                return NULL;
        for (size_t i = 0; l && l[i]; i++)
                if (strv_push(&r, l[i]) < 0)
                        return NULL;
        return take_ptr(r);
}

ssize_t read_full(int fd, void *buf, size_t size)
{
        size_t done = 0;

        while (done < size) {
                ssize_t k = read(fd, (char *) buf + done, size - done);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                done += (size_t) k;
        }
        return (ssize_t) done;
}

int write_full(int fd, const void *buf, size_t size)
{
        const char *p = buf;

        while (size > 0) {
                ssize_t k = write(fd, p, size);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                size -= (size_t) k;
        }
        return 0;
}

int read_file_at(int dir_fd, const char *path, char **ret, size_t max)
{
        _cleanup_close_ int fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        _cleanup_free_ char *buf = NULL;
        ssize_t n;

        if (fd < 0)
                return -errno;
        buf = malloc(max + 1);
        if (!buf)
                return -ENOMEM;
        n = read_full(fd, buf, max);
        if (n < 0)
                return (int) n;
        buf[n] = 0;
        *ret = take_ptr(buf);
        return (int) n;
}

int write_file_at(int dir_fd, const char *path, const char *contents, mode_t mode)
{
        _cleanup_close_ int fd = openat(dir_fd, path,
                                        O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
                                        mode);

        if (fd < 0)
                return -errno;
        return write_full(fd, contents, strlen(contents));
}

int write_file_atomic(const char *path, const char *contents, mode_t mode)
{
        _cleanup_free_ char *tmp = NULL;
        int r;

        if (asprintf(&tmp, "%s.tmp", path) < 0)
                return -ENOMEM;
        r = write_file_at(AT_FDCWD, tmp, contents, mode);
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void) unlink(tmp);
        return r;
}

int write_string_at(int dir_fd, const char *path, const char *contents)
{
        _cleanup_close_ int fd = openat(dir_fd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        ssize_t k;

        if (fd < 0)
                return -errno;
        /* Kernel knobs want the value in one write() and report errors there. */
        k = write(fd, contents, strlen(contents));
        if (k < 0)
                return -errno;
        return 0;
}

int mkdir_p(const char *path, mode_t mode)
{
        _cleanup_free_ char *p = strdup(path);

        struct stat st;

        if (!p)
                return -ENOMEM;
        if (!*p)
                return -ENOENT;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = 0;
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, mode) >= 0)
                return 0;
        if (errno != EEXIST)
                return -errno;
        if (stat(p, &st) < 0)
                return -errno;
        return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int lock_file_take(const char *path, int *ret_fd)
{
        for (;;) {
                _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
                struct stat a, b;

                if (fd < 0)
                        return -errno;
                if (flock(fd, LOCK_EX | LOCK_NB) < 0)
                        return errno == EWOULDBLOCK ? -EBUSY : -errno;
                if (fstat(fd, &a) < 0)
                        return -errno;
                if (stat(path, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
                        continue;
                *ret_fd = take_fd(&fd);
                return 0;
        }
}

static int rm_rf_children(int fd, dev_t dev)
{
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        int r = 0;

        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        while ((de = readdir(d))) {
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno != ENOENT)
                                r = -errno;
                        continue;
                }
                if (S_ISDIR(st.st_mode)) {
                        int cfd;

                        if (st.st_dev != dev)   /* a mount point: leave it alone */
                                continue;
                        cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (cfd < 0) {
                                r = -errno;
                                continue;
                        }
                        int q = rm_rf_children(cfd, dev);
                        if (q < 0)
                                r = q;
                        if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                                r = -errno;
                } else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
                        r = -errno;
        }
        return r;
}

int close_all_but(const int *keep, size_t n)
{
        unsigned from = 3;

        /* In ascending order, the gaps between the kept ones. */
        for (;;) {
                unsigned next = UINT_MAX;
                for (size_t i = 0; i < n; i++)
                        if (keep[i] >= (int) from && (unsigned) keep[i] < next)
                                next = (unsigned) keep[i];
                if (next > from && syscall(SYS_close_range, from, next - 1, 0) < 0)
                        return -errno;
                if (next == UINT_MAX)
                        return 0;
                from = next + 1;
        }
}

int rm_rf_at(int dir_fd, const char *name)
{
        struct stat st;
        int fd, r;

        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode))
                return unlinkat(dir_fd, name, 0) < 0 ? -errno : 0;
        fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = rm_rf_children(fd, st.st_dev);
        if (unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r >= 0)
                r = -errno;
        return r;
}

int parse_uint(const char *s, unsigned *ret)
{
        char *end;
        unsigned long v;

        if (!s || *s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno)
                return -errno;
        if (*end)
                return -EINVAL;
        if (v > UINT_MAX)
                return -ERANGE;
        *ret = (unsigned) v;
        return 0;
}

int parse_boolean(const char *s)
{
        static const char *const yes[] = { "yes", "true", "on", "1", "y", "t" };
        static const char *const no[] = { "no", "false", "off", "0", "n", "f" };

        for (size_t i = 0; s && i < sizeof(yes) / sizeof(yes[0]); i++) {
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        }
        return -EINVAL;
}

int parse_sec(const char *s, unsigned *ret)
{
        _cleanup_free_ char *n = strdup(s ? s : "");
        size_t l;

        if (!n)
                return -ENOMEM;
        l = strlen(n);
        if (l > 1 && n[l - 1] == 's')
                n[l - 1] = 0;
        return parse_uint(n, ret);
}

int uuid_random(uint8_t ret[16])
{
        ssize_t k = getrandom(ret, 16, 0);

        if (k < 0)
                return -errno;
        if (k != 16)
                return -EIO;
        ret[6] = (ret[6] & 0x0f) | 0x40;        /* version 4 */
        ret[8] = (ret[8] & 0x3f) | 0x80;        /* RFC 4122 variant */
        return 0;
}

static int unhex(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int uuid_parse(const char *s, uint8_t ret[16])
{
        uint8_t id[16];
        size_t i = 0, l = strlen(s);

        if (l != 32 && l != 36)
                return -EINVAL;
        for (size_t b = 0; b < 16; b++) {
                int hi, lo;

                if (l == 36 && (i == 8 || i == 13 || i == 18 || i == 23)) {
                        if (s[i] != '-')
                                return -EINVAL;
                        i++;
                }
                hi = unhex(s[i]);
                lo = unhex(s[i + 1]);
                if (hi < 0 || lo < 0)
                        return -EINVAL;
                id[b] = (uint8_t) (hi << 4 | lo);
                i += 2;
        }
        memcpy(ret, id, 16);
        return 0;
}

void uuid_to_id128(const uint8_t id[16], char ret[33])
{
        for (size_t i = 0; i < 16; i++)
                snprintf(ret + 2 * i, 3, "%02x", id[i]);
}

void uuid_to_string(const uint8_t id[16], char ret[37])
{
        char h[33];

        uuid_to_id128(id, h);
        snprintf(ret, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

bool id128_valid(const char *s)
{
        size_t n = 0;
        bool nonzero = false;

        for (; s[n] && s[n] != '\n'; n++) {
                if (unhex(s[n]) < 0 || (s[n] >= 'A' && s[n] <= 'F'))
                        return false;
                if (s[n] != '0')
                        nonzero = true;
        }
        /* 32 digits, then the end, or one newline and the end. */
        if (n != 32 || (s[n] == '\n' && s[n + 1] != 0))
                return false;
        return nonzero;
}

uint64_t now_usec(clockid_t clock)
{
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

int free_and_strdup(char **p, const char *s)
{
        char *n = s ? strdup(s) : NULL;

        if (s && !n)
                return -ENOMEM;
        free(*p);
        *p = n;
        return 0;
}

/* One word of s at *p: blanks end it, "..." and '...' quote, a backslash
 * takes the next character as it is. */
static int next_word(const char **p, char **ret)
{
        const char *s = *p + strspn(*p, " \t\n");
        _cleanup_free_ char *w = malloc(strlen(s) + 1);
        size_t n = 0;
        char quote = 0;

        if (!w)
                return -ENOMEM;
        if (!*s) {
                *ret = NULL;
                return 0;
        }
        for (; *s && (quote || !strchr(" \t\n", *s)); s++) {
                if (*s == '\\' && s[1] && quote != '\'')
                        w[n++] = *++s;
                else if (quote && *s == quote)
                        quote = 0;
                else if (!quote && (*s == '"' || *s == '\''))
                        quote = *s;
                else
                        w[n++] = *s;
        }
        if (quote)
                return -EINVAL;
        w[n] = 0;
        *p = s;
        *ret = take_ptr(w);
        return 1;
}

int split_words(const char *s, char ***ret)
{
        _cleanup_strv_ char **l = calloc(1, sizeof(char *));
        int r;

        if (!l)
                return -ENOMEM;
        for (;;) {
                _cleanup_free_ char *w = NULL;
                r = next_word(&s, &w);
                if (r <= 0)
                        break;
                r = strv_push(&l, w);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        *ret = take_ptr(l);
        return 0;
}

int proc_stat_fields(pid_t pid, char *ret_state, unsigned long long *ret_start)
{
        _cleanup_free_ char *text = NULL;
        char path[64];
        int r;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        r = read_file_at(AT_FDCWD, path, &text, 4096);
        if (r < 0)
                return r == -ENOENT ? -ESRCH : r;
        /* The command in parentheses may hold spaces and parentheses. */
        const char *p = strrchr(text, ')');
        if (!p || sscanf(p + 2, "%c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
                         ret_state, ret_start) != 2)
                return -EBADMSG;
        return 0;
}

char *strv_join(char *const *l, const char *sep)
{
        size_t len = 1;
        char *out;

        for (char *const *e = l; e && *e; e++)
                len += strlen(*e) + strlen(sep);
        out = malloc(len);
        if (!out)
                return NULL;
        out[0] = 0;
        for (char *const *e = l; e && *e; e++) {
                if (e != l)
                        strcat(out, sep);
                strcat(out, *e);
        }
        return out;
}
