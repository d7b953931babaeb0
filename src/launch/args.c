/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "log.h"
#include "paths.h"
#include "signals.h"
#include <signal.h>
#include "args.h"
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

/* no | pick | yes | UID[:COUNT], without a word: -EINVAL when it is none. */
static int private_users_from_string(const char *arg, enum private_users *ret_mode, uint32_t *ret_base,
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

static int parse_private_users(struct settings *s, const char *arg)
{
        int r = private_users_from_string(arg, &s->private_users, &s->users_base, &s->users_size);

        if (r == -EINVAL)
                return log_invalid("--private-users=%s: expected no, pick, or UID[:COUNT] with a UID above 0 "
                                   "and a COUNT of 1 to 65536", arg);
        return r;
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

static void help(void)
{
        printf("%s [OPTIONS...] -D TREE [--boot] [-- COMMAND|INIT-ARGS...]\n"
               "%s boot-test [OPTIONS...] TREE...   (see %s boot-test --help)\n\n"
               "Boot an OS tree, or run a command in it, as a fresh machine on a writable\n"
               "overlay over the read-only tree.\n\n"
               "  -h --help                 Show this help\n"
               "     --version              Show the version\n"
               "  -q --quiet                Say nothing but warnings and errors\n"
               "  -D --directory=TREE       The base tree (never written)\n"
               "  -M --name=NAME            Machine name (default: the tree's base name;\n"
               "     --machine=NAME         with --ephemeral, plus a random suffix)\n"
               "     --hostname=NAME        Hostname inside (default: the machine name)\n"
               "  -b --boot                 Run the tree's init as PID 1 (args after --)\n"
               "  -a --as-pid2              The stub init is PID 1, the command PID 2: what\n"
               "                            berth does without --boot\n"
               "  -x --ephemeral            Writable layer on tmpfs, gone at exit\n"
               "     --upper=DIR            Writable layer in DIR instead of the machine's own\n"
               "     --bind=SRC[:DST[:idmap]]\n"
               "                            Bind-mount a host path into the machine; idmap:\n"
               "                            the host's IDs 0... show as the machine's 0...\n"
               "     --bind-ro=SRC[:DST[:idmap]]  Same, read-only\n"
               "     --tmpfs=DST[:OPTIONS]  Mount an empty tmpfs on DST; OPTIONS: mode=, size=,\n"
               "                            nr_inodes=, uid=, gid=, ro, noexec, ... (berth(1))\n"
               "  -E --setenv=NAME[=VALUE]  Set an environment variable for PID 1 (NAME alone:\n"
               "                            the value berth has, or empty)\n"
               "     --uuid=UUID            Machine UUID (default: random)\n"
               "     --console=MODE         interactive, read-only, passive or pipe\n"
               "  -U                        The same as --private-users=pick (takes no value)\n"
               "     --private-users=pick|no|UID[:COUNT]\n"
               "                            The machine's own user namespace and ID range\n"
               "                            (default: pick a free 65536-ID range)\n"
               "     --private-users-ownership=map|chown\n"
               "                            map: idmapped mount of the tree (default);\n"
               "                            chown: a shifted copy of the tree (slow)\n"
               "     --cgroup=auto|systemd|cgroupfs\n"
               "                            How the machine gets its cgroup (default: auto)\n"
               "     --slice=SLICE          systemd: the slice of the machine's scope\n"
               "                            (default: machine.slice)\n"
               "     --keep-unit            systemd: the unit berth runs in is the machine's\n"
               "                            (a Type=notify service with Delegate=yes)\n"
               "     --memory-max=BYTES     Memory limit (K, M, G, T suffixes)\n"
               "     --cpu-quota=PERCENT    CPU time limit, in percent of one CPU\n"
               "     --tasks-max=N          Limit on processes and threads\n"
               "     --cpu-weight=WEIGHT    CPU weight, 1-10000 (default 100)\n"
               "     --register=auto|yes|no berthd lists the machine (yes: berthd must run)\n"
               "     --kill-signal=SIGNAL   What PID 1 gets when berth is told to stop\n"
               "     --poweroff-signal=SIGNAL, --reboot-signal=SIGNAL\n"
               "                            What PID 1 gets for a poweroff / reboot\n"
               "                            (default: what its init wants; see berth(1))\n"
               "     --private-network      Only lo in the machine (berth's only network)\n"
               "     --notify-ready=yes|no  yes: READY=1 on berth's NOTIFY_SOCKET once the\n"
               "                            machine's systemd says READY=1 (the default);\n"
               "                            no: once PID 1 runs\n"
               "     --stop-timeout=SEC     How long a poweroff may take before the machine\n"
               "                            is killed (default: %u)\n\n"
               "Machines live in %s/machines/NAME; state in %s.\n"
               "See berth(1).\n",
               program_invocation_short_name, program_invocation_short_name, program_invocation_short_name,
               BERTH_STOP_TIMEOUT_SEC, berth_state_dir(), berth_runtime_dir());
}

enum {
        ARG_VERSION = 0x100,
        ARG_HOSTNAME,
        ARG_UPPER,
        ARG_BIND,
        ARG_BIND_RO,
        ARG_TMPFS,
        ARG_UUID,
        ARG_CONSOLE,
        ARG_STOP_TIMEOUT,
        ARG_PRIVATE_USERS,
        ARG_OWNERSHIP,
        ARG_CGROUP,
        ARG_MEMORY_MAX,
        ARG_CPU_QUOTA,
        ARG_TASKS_MAX,
        ARG_CPU_WEIGHT,
        ARG_SLICE,
        ARG_KEEP_UNIT,
        ARG_REGISTER,
        ARG_KILL_SIGNAL,
        ARG_POWEROFF_SIGNAL,
        ARG_REBOOT_SIGNAL,
        ARG_NOTIFY_READY,
        ARG_PRIVATE_NETWORK,
};

static const struct option options[] = {
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, ARG_VERSION },
        { "quiet", no_argument, NULL, 'q' },
        { "directory", required_argument, NULL, 'D' },
        { "name", required_argument, NULL, 'M' },
        { "machine", required_argument, NULL, 'M' },
        { "hostname", required_argument, NULL, ARG_HOSTNAME },
        { "boot", no_argument, NULL, 'b' },
        { "ephemeral", no_argument, NULL, 'x' },
        { "upper", required_argument, NULL, ARG_UPPER },
        { "bind", required_argument, NULL, ARG_BIND },
        { "bind-ro", required_argument, NULL, ARG_BIND_RO },
        { "tmpfs", required_argument, NULL, ARG_TMPFS },
        { "setenv", required_argument, NULL, 'E' },
        { "uuid", required_argument, NULL, ARG_UUID },
        { "console", required_argument, NULL, ARG_CONSOLE },
        { "stop-timeout", required_argument, NULL, ARG_STOP_TIMEOUT },
        { "private-users", required_argument, NULL, ARG_PRIVATE_USERS },
        { "private-users-ownership", required_argument, NULL, ARG_OWNERSHIP },
        { "cgroup", required_argument, NULL, ARG_CGROUP },
        { "memory-max", required_argument, NULL, ARG_MEMORY_MAX },
        { "cpu-quota", required_argument, NULL, ARG_CPU_QUOTA },
        { "tasks-max", required_argument, NULL, ARG_TASKS_MAX },
        { "cpu-weight", required_argument, NULL, ARG_CPU_WEIGHT },
        { "slice", required_argument, NULL, ARG_SLICE },
        { "keep-unit", no_argument, NULL, ARG_KEEP_UNIT },
        { "register", required_argument, NULL, ARG_REGISTER },
        { "kill-signal", required_argument, NULL, ARG_KILL_SIGNAL },
        { "poweroff-signal", required_argument, NULL, ARG_POWEROFF_SIGNAL },
        { "reboot-signal", required_argument, NULL, ARG_REBOOT_SIGNAL },
        { "as-pid2", no_argument, NULL, 'a' },
        { "notify-ready", required_argument, NULL, ARG_NOTIFY_READY },
        { "private-network", no_argument, NULL, ARG_PRIVATE_NETWORK },
        {}
};

/* NAME=VALUE, or NAME alone for its value in berth's own environment
 * (empty when it has none there), as nspawn's --setenv does. */
static int parse_setenv(struct settings *s, const char *arg)
{
        _cleanup_free_ char *assignment = NULL;
        size_t n = strcspn(arg, "=");

        if (n == 0)
                return log_invalid("--setenv=%s: expected NAME=VALUE, or a NAME to pass on from berth's "
                                   "environment", arg);
        if (arg[n])
                return strv_push(&s->setenv, arg);
        if (strspn(arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != n ||
            (arg[0] >= '0' && arg[0] <= '9'))
                return log_invalid("--setenv=%s: a NAME to pass on has only letters, digits and '_' and does "
                                   "not start with a digit", arg);
        const char *v = getenv(arg);
        if (asprintf(&assignment, "%s=%s", arg, v ? v : "") < 0)
                return -ENOMEM;
        return strv_push(&s->setenv, assignment);
}

static int parse_one(struct settings *s, int c, const char *arg)
{
        int r;

        switch (c) {
        case 'h':
                help();
                return 0;
        case ARG_VERSION:
                printf("berth %s\n", BERTH_VERSION);
                return 0;
        case 'q':
                s->quiet = true;
                log_set_level(LOG_LEVEL_WARNING);
                return 1;
        case 'D':
                r = args_absolute_path("tree", arg, false, &s->directory);
                return r < 0 ? r : 1;
        case 'M': {
                const char *why = machine_name_problem(arg);
                if (why)
                        return log_invalid("invalid machine name '%s': %s", arg, why);
                snprintf(s->name, sizeof(s->name), "%s", arg);
                return 1;
        }
        case ARG_HOSTNAME:
                if (!hostname_valid(arg))
                        return log_invalid("invalid hostname '%s'", arg);
                free(s->hostname);
                s->hostname = strdup(arg);
                return s->hostname ? 1 : -ENOMEM;
        case 'b':
                s->boot = true;
                return 1;
        case 'x':
                s->ephemeral = true;
                return 1;
        case 'U':
                /* nspawn's -U: pick, and the ownership chosen for the tree. */
                s->private_users = PRIVATE_USERS_PICK;
                s->ownership = OWNERSHIP_MAP;
                return 1;
        case ARG_UPPER:
                r = args_absolute_path("--upper", arg, false, &s->upper);
                return r < 0 ? r : 1;
        case ARG_BIND:
        case ARG_BIND_RO:
                r = args_parse_bind(s, arg, c == ARG_BIND_RO);
                return r < 0 ? r : 1;
        case ARG_TMPFS:
                r = args_parse_tmpfs(s, arg);
                return r < 0 ? r : 1;
        case 'E':
                r = parse_setenv(s, arg);
                return r < 0 ? r : 1;
        case 'a':
                s->as_pid2 = true;
                return 1;
        case ARG_PRIVATE_NETWORK:
                s->private_network = true;
                return 1;
        case ARG_NOTIFY_READY:
                r = parse_boolean(arg);
                if (r < 0)
                        return log_invalid("--notify-ready=%s: expected yes or no", arg);
                s->ready_at_exec = r == 0;
                return 1;
        case ARG_UUID:
                if (uuid_parse(arg, s->uuid) < 0)
                        return log_invalid("--uuid=%s: not a UUID", arg);
                s->uuid_set = true;
                return 1;
        case ARG_CONSOLE:
                r = console_mode_from_string(arg);
                if (r < 0 || r == CONSOLE_AUTO)
                        return log_error_errno(-EINVAL,
                                               "--console=%s: expected interactive, read-only, passive or pipe", arg);
                s->console = r;
                return 1;
        case ARG_STOP_TIMEOUT:
                if (parse_sec(arg, &s->stop_timeout_sec) < 0 || s->stop_timeout_sec == 0)
                        return log_invalid("--stop-timeout=%s: expected a number of seconds", arg);
                return 1;
        case ARG_PRIVATE_USERS:
                r = parse_private_users(s, arg);
                return r < 0 ? r : 1;
        case ARG_OWNERSHIP:
                r = ownership_from_string(arg);
                if (r < 0)
                        return log_invalid("--private-users-ownership=%s: expected map or chown", arg);
                s->ownership = r;
                return 1;
        case ARG_CGROUP:
                r = cgroup_mode_from_string(arg);
                if (r < 0)
                        return log_invalid("--cgroup=%s: expected auto, systemd or cgroupfs", arg);
                s->cgroup = r;
                return 1;
        case ARG_SLICE: {
                size_t n = strlen(arg);
                if (n < 7 || !streq(arg + n - 6, ".slice") || strchr(arg, '/'))
                        return log_invalid("--slice=%s: expected a slice unit name (NAME.slice)", arg);
                free(s->slice);
                s->slice = strdup(arg);
                return s->slice ? 1 : -ENOMEM;
        }
        case ARG_KEEP_UNIT:
                s->keep_unit = true;
                return 1;
        case ARG_KILL_SIGNAL:
        case ARG_POWEROFF_SIGNAL:
        case ARG_REBOOT_SIGNAL: {
                int sig = signal_from_string(arg);
                if (sig <= 0 || sig == SIGKILL || sig == SIGSTOP)
                        return log_invalid("--%s=%s: expected a signal name or number (not KILL or STOP)",
                                           c == ARG_KILL_SIGNAL ? "kill-signal" :
                                           c == ARG_POWEROFF_SIGNAL ? "poweroff-signal" : "reboot-signal", arg);
                *(c == ARG_KILL_SIGNAL ? &s->kill_signal : c == ARG_POWEROFF_SIGNAL ? &s->poweroff_signal
                                                                                     : &s->reboot_signal) = sig;
                return 1;
        }
        case ARG_REGISTER:
                if (streq(arg, "auto"))
                        s->register_mode = REGISTER_AUTO;
                else if (streq(arg, "yes"))
                        s->register_mode = REGISTER_YES;
                else if (streq(arg, "no"))
                        s->register_mode = REGISTER_NO;
                else
                        return log_invalid("--register=%s: expected auto, yes or no", arg);
                return 1;
        case ARG_MEMORY_MAX:
                if (parse_size(arg, &s->limits.memory_max) < 0)
                        return log_invalid("--memory-max=%s: expected bytes with K, M, G or T, "
                                               "or infinity", arg);
                return 1;
        case ARG_CPU_QUOTA: {
                _cleanup_free_ char *n = strdup(arg);
                unsigned v;
                if (!n)
                        return -ENOMEM;
                if (*n && n[strlen(n) - 1] == '%')
                        n[strlen(n) - 1] = 0;
                if (parse_uint(n, &v) < 0 || v == 0 || v > 100000)
                        return log_invalid("--cpu-quota=%s: expected a percentage of one CPU, "
                                               "1%% to 100000%%", arg);
                s->limits.cpu_quota = v;
                return 1;
        }
        case ARG_TASKS_MAX: {
                unsigned v;
                if (streq(arg, "infinity"))
                        s->limits.tasks_max = 0;
                else if (parse_uint(arg, &v) < 0 || v == 0)
                        return log_invalid("--tasks-max=%s: expected a positive number or infinity",
                                               arg);
                else
                        s->limits.tasks_max = v;
                return 1;
        }
        case ARG_CPU_WEIGHT: {
                unsigned v;
                if (parse_uint(arg, &v) < 0 || v < 1 || v > 10000)
                        return log_invalid("--cpu-weight=%s: expected 1 to 10000", arg);
                s->limits.cpu_weight = v;
                return 1;
        }
        default:
                return -EINVAL;
        }
}

/* getopt's own messages carry the binary's full path and no hint: say
 * what was wrong with the word at argv[word] in one line instead. */
static const char *long_name(const char *w, size_t len)
{
        const char *found = NULL;

        for (const struct option *o = options; o->name; o++) {
                if (strlen(o->name) == len && strncmp(o->name, w, len) == 0)
                        return o->name;
                if (strncmp(o->name, w, len) == 0)
                        found = found ? "" : o->name;
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
                uint32_t base, size;
                /* "-Uno": getopt took -U, then stumbled on "n". */
                if (w[1] == 'U' && private_users_from_string(w + 2, &mode, &base, &size) >= 0)
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
        for (const struct option *o = options; o->name; o++)
                if (strncmp(o->name, w + 2, len) == 0)
                        fprintf(f, "%s--%s", n++ ? ", " : "", o->name);
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

int settings_parse_argv(struct settings *s, int argc, char **argv)
{
        int c, r, last = 0;

        s->stop_timeout_sec = BERTH_STOP_TIMEOUT_SEC;
        optind = 0;
        opterr = 0;
        /* "+": stop at the first non-option, which starts the command;
         * ":": a missing value is ':', not '?'. */
        for (;;) {
                int word = optind > 0 ? optind : 1;   /* the word getopt is in */
                c = getopt_long(argc, argv, "+:hqD:M:bxE:Ua", options, NULL);
                if (c < 0)
                        break;
                if (c == '?' || c == ':')
                        return option_error(argv, word, c);
                r = parse_one(s, c, optarg);
                if (r <= 0)
                        return r;
                last = c;
        }
        r = check_u_value(argc, argv, last);
        if (r < 0)
                return r;

        if (!s->directory)
                return log_invalid("no tree given: use -D TREE (see berth --help)");
        if (s->as_pid2 && s->boot)
                return log_invalid("--as-pid2 and --boot exclude each other: with --boot the tree's init is PID 1");
        if (s->ephemeral && s->upper)
                return log_invalid("--ephemeral and --upper exclude each other");
        if (s->keep_unit && s->cgroup == CGROUP_CGROUPFS)
                return log_invalid("--keep-unit needs systemd: it cannot go with --cgroup=cgroupfs");
        if (s->keep_unit && (s->slice || s->limits.memory_max || s->limits.cpu_quota || s->limits.tasks_max ||
                             s->limits.cpu_weight))
                return log_invalid("with --keep-unit the unit's own settings (Slice=, MemoryMax=, "
                                       "CPUQuota=, TasksMax=, CPUWeight=) apply: --slice and the limits cannot "
                                       "be given");
        if (s->keep_unit)
                s->cgroup = CGROUP_SYSTEMD;

        s->argv = strv_copy(argv + optind);
        if (!s->argv)
                return -ENOMEM;
        return 1;
}

void settings_done(struct settings *s)
{
        free(s->directory);
        free(s->hostname);
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
        strv_free(s->setenv);
        strv_free(s->argv);
        *s = (struct settings) {};
}
