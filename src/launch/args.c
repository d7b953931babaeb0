/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cleanup.h"
#include "config.h"
#include "log.h"
#include "option-parse.h"
#include "options.h"
#include "settings.h"
#include "util.h"

static const char *const console_mode_table[_CONSOLE_MAX] = {
        [CONSOLE_AUTO] = "auto",
        [CONSOLE_INTERACTIVE] = "interactive",
        [CONSOLE_READ_ONLY] = "read-only",
        [CONSOLE_PASSIVE] = "passive",
        [CONSOLE_PIPE] = "pipe",
};

static const char *const ownership_table[_OWNERSHIP_MAX] = {
        [OWNERSHIP_MAP] = "map",
        [OWNERSHIP_CHOWN] = "chown",
};

const char *ownership_to_string(enum users_ownership o)
{
        if ((unsigned) o >= _OWNERSHIP_MAX)
                return NULL;
        return ownership_table[o];
}

int ownership_from_string(const char *s)
{
        for (int i = 0; i < _OWNERSHIP_MAX; i++)
                if (s && streq(s, ownership_table[i]))
                        return i;
        if (s && streq(s, "auto"))
                return OWNERSHIP_MAP;
        return -EINVAL;
}

int private_users_from_string(const char *arg, enum private_users *ret_mode, uint32_t *ret_base,
                                     uint32_t *ret_size)
{
        _cleanup_free_ char *copy = strdup(arg);
        unsigned base = 0, count = 65536;
        char *colon;

        if (!copy)
                return -ENOMEM;
        if (streq(arg, "no") || streq(arg, "false")) {
                *ret_mode = PRIVATE_USERS_NO;
                return 0;
        }
        if (streq(arg, "pick") || streq(arg, "yes") || streq(arg, "true")) {
                *ret_mode = PRIVATE_USERS_PICK;
                return 0;
        }
        colon = strchr(copy, ':');
        if (colon)
                *colon = 0;
        if (parse_uint(copy, &base) < 0 || (colon && parse_uint(colon + 1, &count) < 0) || base == 0 ||
            count == 0 || count > 65536 || (uint64_t) base + count > UINT32_MAX)
                return -EINVAL;
        *ret_mode = PRIVATE_USERS_FIXED;
        *ret_base = base;
        *ret_size = count;
        return 0;
}

const char *console_mode_to_string(enum console_mode m)
{
        if ((unsigned) m >= _CONSOLE_MAX)
                return NULL;
        return console_mode_table[m];
}

int console_mode_from_string(const char *s)
{
        for (int i = 0; i < _CONSOLE_MAX; i++)
                if (s && streq(s, console_mode_table[i]))
                        return i;
        return -EINVAL;
}

/* getopt's tables, made from option_table: a long option returns
 * LONG_BASE + its index, a short one its letter. */
#define LONG_BASE 0x100

/* Room for every option: longs has option_table_size + 1 entries, shorts
 * 2 * option_table_size + 3 bytes. */
static void getopt_tables_make(struct option *longs, char *shorts)
{
        size_t n = 0, k = 0;

        /* "+": stop at the first non-option, which starts the command;
         * ":": a missing value is ':', not '?'. */
        shorts[k++] = '+';
        shorts[k++] = ':';
        for (size_t i = 0; i < option_table_size; i++) {
                const struct option_def *o = &option_table[i];
                if (o->name)
                        longs[n++] = (struct option) { o->name,
                                                          !o->arg ? no_argument
                                                          : o->flags & OPT_OPTIONAL_VALUE ? optional_argument
                                                                                          : required_argument,
                                                          NULL, (int) (LONG_BASE + i) };
                if (o->short_name) {
                        shorts[k++] = (char) o->short_name;
                        if (o->arg)
                                shorts[k++] = ':';
                }
        }
        longs[n] = (struct option) {};
        shorts[k] = 0;
}

/* getopt's own messages carry the binary's full path and no hint: say
 * what was wrong with the word at argv[word] in one line instead. */
static const char *long_name(const char *w, size_t len)
{
        const char *found = NULL;

        for (size_t i = 0; i < option_table_size; i++) {
                const char *n = option_table[i].name;
                if (!n)
                        continue;
                if (strlen(n) == len && strncmp(n, w, len) == 0)
                        return n;
                if (strncmp(n, w, len) == 0)
                        found = found ? "" : n;
        }
        return found && *found ? found : NULL;
}

static int option_error(char **argv, int word, int c)
{
        const char *w = argv[word], *eq = strchr(w, '=');
        char *list = NULL;
        size_t size = 0, n = 0;
        FILE *f;
        int r;

        if (c == ':' && startswith(w, "--")) {
                const char *name = long_name(w + 2, strlen(w + 2));
                return log_invalid("option --%s needs a value (see berth --help)", name ? name : w + 2);
        }
        if (c == ':')
                return log_invalid("option -%c needs a value (see berth --help)", optopt);
        if (!startswith(w, "--")) {
                enum private_users mode;
                uint32_t base, count;
                /* "-Uno": getopt took -U, then stumbled on "n". */
                if (w[1] == 'U' && private_users_from_string(w + 2, &mode, &base, &count) >= 0)
                        return log_invalid("-U takes no value: write --private-users=%s", w + 2);
                /* "-U=no": the same, on "=". */
                if (optopt == '=' && eq && eq > w + 1)
                        return log_invalid("option -%c takes no value (see berth --help)", eq[-1]);
                return log_invalid("unknown option -%c (see berth --help)", optopt);
        }
        size_t len = eq ? (size_t) (eq - w - 2) : strlen(w + 2);
        if (optopt != 0 && long_name(w + 2, len))      /* given a value it does not take */
                return log_invalid("option --%s takes no value (see berth --help)", long_name(w + 2, len));
        f = open_memstream(&list, &size);
        if (!f)
                return log_oom();
        for (size_t i = 0; i < option_table_size; i++)
                if (option_table[i].name && strncmp(option_table[i].name, w + 2, len) == 0)
                        fprintf(f, "%s--%s", n++ ? ", " : "", option_table[i].name);
        fclose(f);
        if (n > 1)
                r = log_invalid("ambiguous option %.*s: %s (see berth --help)", (int) len + 2, w, list);
        else
                r = log_invalid("unknown option %.*s (see berth --help)", (int) len + 2, w);
        free(list);
        return r;
}

/* -U takes no value (as in nspawn); "-U no" would run a command "no". A
 * word after -U that is a --private-users= value is refused instead. */
static int check_u_value(int argc, char **argv, int last)
{
        enum private_users mode;
        uint32_t base, size;

        if (last != 'U' || optind >= argc || streq(argv[optind - 1], "--") ||
            private_users_from_string(argv[optind], &mode, &base, &size) < 0)
                return 0;
        return log_invalid("-U takes no value: write --private-users=%s (or put -- before a command named %s)",
                           argv[optind], argv[optind]);
}

/* Keep what the command line gave, for the settings files' precedence
 * and --show-settings. */
int settings_note(struct settings *s, const struct assignment *a)
{
        struct assignment *n = realloc(s->applied, sizeof(*n) * (s->n_applied + 1));

        if (!n)
                return -ENOMEM;
        s->applied = n;
        n += s->n_applied;
        *n = *a;
        n->value = a->value ? strdup(a->value) : NULL;
        n->path = a->path ? strdup(a->path) : NULL;
        if ((a->value && !n->value) || (a->path && !n->path)) {
                free((char *) n->value);
                free((char *) n->path);
                return -ENOMEM;
        }
        s->n_applied++;
        return 0;
}

/* One option of the command line: 0 to go on, 1 when done, -errno. */
static int parse_one(struct settings *s, int c, const char *arg)
{
        const struct option_def *as = c >= LONG_BASE ? &option_table[c - LONG_BASE] : option_by_short(c);
        struct assignment a;
        int r;

        if (!as)
                return -EINVAL;
        a = (struct assignment) {
                .opt = option_target(as),
                .as = as,
                .value = as->alias_value ? as->alias_value : arg,
                .source = SOURCE_COMMAND_LINE,
        };
        r = assignment_parse(s, &a);
        if (r != 0 || (a.opt->flags & OPT_RUN))
                return r;
        return settings_note(s, &a);
}

static int note_command(struct settings *s)
{
        const struct option_def *o = option_by_key("Exec", "Parameters");

        for (char **w = s->argv; *w; w++) {
                int r = settings_note(s, &(struct assignment) { .opt = o, .as = o, .value = *w,
                                                                .source = SOURCE_COMMAND_LINE });
                if (r < 0)
                        return r;
        }
        return 0;
}

int settings_parse_argv(struct settings *s, int argc, char **argv)
{
        struct option longs[option_table_size + 1];
        char shorts[2 * option_table_size + 3];
        int c, r, last = 0;

        s->stop_timeout_sec = BERTH_STOP_TIMEOUT_SEC;
        getopt_tables_make(longs, shorts);
        optind = 0;
        opterr = 0;
        for (;;) {
                int word = optind > 0 ? optind : 1;   /* the word getopt is in */
                c = getopt_long(argc, argv, shorts, longs, NULL);
                if (c < 0)
                        break;
                if (c == '?' || c == ':')
                        return option_error(argv, word, c);
                r = parse_one(s, c, optarg);
                if (r != 0)
                        return r < 0 ? r : 0;
                last = c;
        }
        r = check_u_value(argc, argv, last);
        if (r < 0)
                return r;
        if (!s->directory && !s->image && !s->name[0])
                return log_invalid("no tree given: use -D TREE or -i IMAGE (see berth --help)");
        s->argv = strv_copy(argv + optind);
        if (!s->argv || note_command(s) < 0)
                return -ENOMEM;
        r = settings_check(s);
        return r < 0 ? r : 1;
}

int settings_check(struct settings *s)
{
        if (s->as_pid2 && s->boot)
                return log_invalid("--as-pid2 and --boot exclude each other: with --boot the tree's init is PID 1");
        if (s->boot && (s->user || s->chdir))
                return log_invalid("--user and --chdir are for a command: with --boot the tree's init runs as "
                                   "root in /");
        if (s->ephemeral && s->upper)
                return log_invalid("--ephemeral and --upper exclude each other");
        if (s->keep_unit && s->cgroup == CGROUP_CGROUPFS)
                return log_invalid("--keep-unit needs systemd: it cannot go with --cgroup=cgroupfs");
        if (s->keep_unit && (s->slice || s->limits.set))
                return log_invalid("with --keep-unit the unit's own settings (Slice=, MemoryMax=, "
                                   "CPUQuota=, TasksMax=, CPUWeight=) apply: --slice and the limits cannot "
                                   "be given");
        if (s->keep_unit)
                s->cgroup = CGROUP_SYSTEMD;
        return 0;
}

void settings_done(struct settings *s)
{
        free(s->directory);
        free(s->lxcfs_path);
        free(s->hostname);
        free(s->user);
        free(s->chdir);
        free(s->upper);
        free(s->slice);
        for (size_t i = 0; i < s->n_binds; i++) {
                free(s->binds[i].source);
                free(s->binds[i].target);
        }
        free(s->binds);
        for (size_t i = 0; i < s->n_tmpfs; i++) {
                free(s->tmpfs[i].target);
                strv_free(s->tmpfs[i].options);
        }
        free(s->tmpfs);
        for (size_t i = 0; i < s->n_credentials; i++) {
                free(s->credentials[i].id);
                if (s->credentials[i].data)
                        explicit_bzero(s->credentials[i].data, s->credentials[i].size);
                free(s->credentials[i].data);
        }
        free(s->credentials);
        for (size_t i = 0; i < s->n_devices; i++)
                free(s->devices[i].path);
        free(s->devices);
        strv_free(s->setenv);
        strv_free(s->syscall_allow);
        strv_free(s->syscall_deny);
        strv_free(s->net.interfaces);
        strv_free(s->net.macvlan);
        strv_free(s->net.ipvlan);
        strv_free(s->net.veth_extra);
        free(s->net.namespace_path);
        free(s->image);
        free(s->layers_root);
        strv_free(s->layers);
        strv_free(s->argv);
        for (size_t i = 0; i < s->n_applied; i++) {
                free((char *) s->applied[i].value);
                free((char *) s->applied[i].path);
        }
        free(s->applied);
        *s = (struct settings) {};
}
