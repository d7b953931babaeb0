/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The value parsers of the option table: one per kind of value, each
 * called alike for the command line and the settings files. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "caps.h"
#include "cleanup.h"
#include "cpulist.h"
#include "config.h"
#include "layers.h"
#include "log.h"
#include "resources.h"
#include "option-parse.h"
#include "options.h"
#include "paths.h"
#include "seccomp-build.h"
#include "syscall-filter.h"
#include "signals.h"
#include "util.h"

#define FIELD(s, a, type) ((type *) ((char *) (s) + (a)->opt->offset))

/* A flag is set by its bare option, or by a boolean's text (a file's
 * Boot=yes, --notify-ready=no). */
static int flag_value(const struct assignment *a)
{
        int r = a->value ? parse_boolean(a->value) : 1;

        if (r < 0)
                return assignment_invalid(a, "expected yes or no");
        return r;
}

int opt_flag(struct settings *s, const struct assignment *a)
{
        int r = flag_value(a);

        if (r < 0)
                return r;
        *FIELD(s, a, bool) = r;
        return 0;
}

int opt_help(struct settings *s, const struct assignment *a)
{
        options_help();
        return 1;
}

int opt_version(struct settings *s, const struct assignment *a)
{
        printf("berth %s\n", BERTH_VERSION);
        return 1;
}

int opt_quiet(struct settings *s, const struct assignment *a)
{
        s->quiet = true;
        log_set_level(LOG_LEVEL_WARNING);
        return 0;
}

int opt_settings(struct settings *s, const struct assignment *a)
{
        static const char *const modes[_SETTINGS_MODE_MAX] = {
                [SETTINGS_YES] = "yes", [SETTINGS_NO] = "no", [SETTINGS_TRUSTED] = "trusted",
                [SETTINGS_OVERRIDE] = "override",
        };
        int b = parse_boolean(a->value);

        if (b >= 0) {
                s->settings_mode = b ? SETTINGS_YES : SETTINGS_NO;
                return 0;
        }
        for (int i = 0; i < _SETTINGS_MODE_MAX; i++)
                if (streq(a->value, modes[i])) {
                        s->settings_mode = i;
                        return 0;
                }
        return assignment_invalid(a, "expected yes, no, trusted or override");
}

/* -D TREE on the command line; a file's Image= is an absolute path or the
 * name of an image in STATEDIR/images (a tree, NAME.raw or NAME.layers),
 * as berthd reads it. */
int opt_directory(struct settings *s, const struct assignment *a)
{
        char *p;
        bool file = false;

        if (a->source == SOURCE_COMMAND_LINE)
                return args_absolute_path("tree", a->value, false, &s->directory);
        if (a->value[0] == '/')
                p = strdup(a->value);
        else if (machine_name_valid(a->value)) {
                /* One that is not there is the tree's path, for the error. */
                if (image_store_find(a->value, &p, &file) == -ENOMEM)
                        p = NULL;
        } else
                return assignment_invalid(a, "expected an absolute path or the name of an image in %s/images",
                                          berth_state_dir());
        if (!p)
                return -ENOMEM;
        if (file) {
                free(s->image);
                s->image = p;
                free(s->directory);
                s->directory = NULL;
        } else {
                free(s->directory);
                s->directory = p;
        }
        return 0;
}

int opt_image(struct settings *s, const struct assignment *a)
{
        if (a->source != SOURCE_COMMAND_LINE && a->value[0] != '/')
                return assignment_invalid(a, "not an absolute path");
        int r = args_absolute_path("image", a->value, false, &s->image);
        if (r < 0 || s->name[0])
                return r;
        /* The machine's name, unless one is given: vm1 of vm1.raw, web of
         * web.layers. */
        const char *base = strrchr(s->image, '/') + 1;
        size_t n = strlen(base);
        if (image_file_stem(base) > 0)
                n = image_file_stem(base);
        if (n <= MACHINE_NAME_MAX)
                snprintf(s->name, sizeof(s->name), "%.*s", (int) n, base);
        if (!machine_name_valid(s->name)) {
                s->name[0] = 0;
                return assignment_invalid(a, "cannot make a machine name of it: give one with --name");
        }
        return 0;
}

int opt_name(struct settings *s, const struct assignment *a)
{
        const char *why = machine_name_problem(a->value);

        if (why)
                return log_invalid("invalid machine name '%s': %s", a->value, why);
        snprintf(s->name, sizeof(s->name), "%s", a->value);
        return 0;
}

int opt_hostname(struct settings *s, const struct assignment *a)
{
        if (!hostname_valid(a->value))
                return assignment_invalid(a, "not a hostname (up to 64 letters, digits, '-', '_' and '.')");
        return free_and_strdup(&s->hostname, a->value);
}

/* NAME, UID, NAME:GROUP or UID:GID, as OCI's User and nspawn's --user:
 * looked up in the machine's own /etc/passwd and /etc/group when it runs. */
int opt_user(struct settings *s, const struct assignment *a)
{
        if (!*a->value || strlen(a->value) > 256 || strpbrk(a->value, " \t\n/") || a->value[0] == ':')
                return assignment_invalid(a, "expected a user name or UID, and a group or GID after ':'");
        return free_and_strdup(&s->user, a->value);
}

int opt_chdir(struct settings *s, const struct assignment *a)
{
        if (a->value[0] != '/' || strchr(a->value, '\n'))
                return assignment_invalid(a, "not an absolute path");
        return free_and_strdup(&s->chdir, a->value);
}

int opt_upper(struct settings *s, const struct assignment *a)
{
        if (a->source != SOURCE_COMMAND_LINE && a->value[0] != '/')
                return assignment_invalid(a, "not an absolute path");
        return args_absolute_path("--upper", a->value, false, &s->upper);
}

int opt_bind(struct settings *s, const struct assignment *a)
{
        return args_parse_bind(s, a, false);
}

int opt_bind_ro(struct settings *s, const struct assignment *a)
{
        return args_parse_bind(s, a, true);
}

int opt_tmpfs(struct settings *s, const struct assignment *a)
{
        return args_parse_tmpfs(s, a);
}

int opt_device(struct settings *s, const struct assignment *a)
{
        return args_parse_device(s, a);
}

/* NAME=VALUE, or NAME alone for its value in berth's own environment
 * (empty when it has none there), as nspawn's --setenv does. */
int opt_setenv(struct settings *s, const struct assignment *a)
{
        _cleanup_free_ char *assignment = NULL;
        size_t n = strcspn(a->value, "=");
        int r;

        if (n == 0)
                return assignment_invalid(a, "expected NAME=VALUE, or a NAME to pass on from berth's environment");
        if (a->value[n])
                return strv_push(&s->setenv, a->value);
        /* A file does not reach into berth's environment. */
        if (a->source != SOURCE_COMMAND_LINE)
                return assignment_invalid(a, "expected NAME=VALUE");
        r = env_assignment_from(a->value, &assignment);
        if (r == -EINVAL)
                return assignment_invalid(a, "a NAME to pass on has only letters, digits and '_' and does not "
                                          "start with a digit");
        if (r < 0)
                return r;
        return strv_push(&s->setenv, assignment);
}

int opt_uuid(struct settings *s, const struct assignment *a)
{
        if (uuid_parse(a->value, s->uuid) < 0)
                return assignment_invalid(a, "not a UUID");
        s->uuid_set = true;
        return 0;
}

int opt_console(struct settings *s, const struct assignment *a)
{
        int r = console_mode_from_string(a->value);

        if (r < 0 || r == CONSOLE_AUTO)
                return assignment_invalid(a, "expected interactive, read-only, passive or pipe");
        s->console = r;
        return 0;
}

int opt_resolv_conf(struct settings *s, const struct assignment *a)
{
        if (resolv_conf_from_string(a->value, &s->resolv_conf, &s->resolv_source) < 0)
                return assignment_invalid(a, "expected off, copy-, replace- or bind- with host, static, uplink or "
                                          "stub, delete or auto");
        return 0;
}

int opt_timezone(struct settings *s, const struct assignment *a)
{
        if (timezone_from_string(a->value, &s->timezone) < 0)
                return assignment_invalid(a, "expected off, copy, bind, symlink, delete or auto");
        return 0;
}

int opt_stop_timeout(struct settings *s, const struct assignment *a)
{
        if (parse_sec(a->value, &s->stop_timeout_sec) < 0 || s->stop_timeout_sec == 0)
                return assignment_invalid(a, "expected a number of seconds");
        return 0;
}

int opt_private_users(struct settings *s, const struct assignment *a)
{
        int r = private_users_from_string(a->value ? a->value : "pick", &s->private_users, &s->users_base,
                                          &s->users_size);

        if (r == -EINVAL)
                return assignment_invalid(a, "expected no, pick, or UID[:COUNT] with a UID above 0 and a COUNT "
                                          "of 1 to 65536");
        return r;
}

/* nspawn's -U: pick, and the ownership chosen for the tree. */
int opt_U(struct settings *s, const struct assignment *a)
{
        s->private_users = PRIVATE_USERS_PICK;
        s->ownership = OWNERSHIP_MAP;
        return 0;
}

int opt_ownership(struct settings *s, const struct assignment *a)
{
        int r = ownership_from_string(a->value);

        if (r < 0)
                return assignment_invalid(a, "expected map or chown");
        s->ownership = r;
        return 0;
}

int opt_cgroup(struct settings *s, const struct assignment *a)
{
        int r = cgroup_mode_from_string(a->value);

        if (r < 0)
                return assignment_invalid(a, "expected auto, systemd or cgroupfs");
        s->cgroup = r;
        return 0;
}

int opt_slice(struct settings *s, const struct assignment *a)
{
        size_t n = strlen(a->value);

        if (n < 7 || !streq(a->value + n - 6, ".slice") || strchr(a->value, '/'))
                return assignment_invalid(a, "expected a slice unit name (NAME.slice)");
        return free_and_strdup(&s->slice, a->value);
}

int opt_register(struct settings *s, const struct assignment *a)
{
        static const char *const modes[] = { [REGISTER_AUTO] = "auto", [REGISTER_YES] = "yes",
                                             [REGISTER_NO] = "no" };

        for (size_t i = 0; i < ELEMENTSOF(modes); i++)
                if (streq(a->value, modes[i])) {
                        s->register_mode = i;
                        return 0;
                }
        return assignment_invalid(a, "expected auto, yes or no");
}

/* --lxcfs=auto|yes|no|PATH */
int opt_lxcfs(struct settings *s, const struct assignment *a)
{
        static const char *const modes[] = { [LXCFS_AUTO] = "auto", [LXCFS_YES] = "yes", [LXCFS_NO] = "no" };

        for (size_t i = 0; i < ELEMENTSOF(modes); i++)
                if (streq(a->value, modes[i])) {
                        s->lxcfs = i;
                        free(s->lxcfs_path);
                        s->lxcfs_path = NULL;
                        return 0;
                }
        if (a->value[0] != '/')
                return assignment_invalid(a, "expected auto, yes, no or the absolute path of lxcfs's mount point");
        if (free_and_strdup(&s->lxcfs_path, a->value) < 0)
                return log_oom();
        s->lxcfs = LXCFS_YES;
        return 0;
}

/* --kill-signal=, --poweroff-signal=, --reboot-signal= */
int opt_signal(struct settings *s, const struct assignment *a)
{
        int sig = signal_from_string(a->value);

        if (sig <= 0 || sig == SIGKILL || sig == SIGSTOP)
                return assignment_invalid(a, "expected a signal name or number (not KILL or STOP)");
        *FIELD(s, a, int) = sig;
        return 0;
}

/* --capability=help: the names berth knows, one a line. */
static int capabilities_help(void)
{
        for (unsigned c = 0; c < capability_count(); c++)
                printf("%s\n", capability_to_name(c));
        return 1;
}

/* --capability=, --drop-capability=: capability names (CAP_NET_ADMIN,
 * net_admin) or "all", split at commas (nspawn's command line) and blanks
 * (nspawn's files), into the bits at the option's offset. */
int opt_capability(struct settings *s, const struct assignment *a)
{
        _cleanup_free_ char *copy = strdup(a->value);
        uint64_t mask = 0;
        char *save = NULL;

        if (!copy)
                return log_oom();
        if (streq(a->value, "help") && a->source == SOURCE_COMMAND_LINE)
                return capabilities_help();
        for (char *w = strtok_r(copy, ", \t", &save); w; w = strtok_r(NULL, ", \t", &save)) {
                int c = streq(w, "all") ? 64 : capability_from_name(w);
                if (c < 0)
                        return assignment_invalid(a, "unknown capability '%s' (berth --capability=help lists "
                                                  "them)", w);
                mask |= c == 64 ? CAPS_ALL : UINT64_C(1) << c;
        }
        if (mask == 0)
                return assignment_invalid(a, "expected capability names, such as CAP_NET_ADMIN, or all");
        *FIELD(s, a, uint64_t) |= mask;
        return 0;
}

int opt_notify_ready(struct settings *s, const struct assignment *a)
{
        int r = flag_value(a);

        if (r < 0)
                return r;
        s->ready_at_exec = r == 0;
        return 0;
}

/* The resource limits, by their settings file keys, which are systemd's
 * property names (resources.c reads them for set-property too). */
int opt_limit(struct settings *s, const struct assignment *a)
{
        char why_buf[256];
        const char *why;

        if (limits_assign(&s->limits, a->opt->key, a->value, why_buf, sizeof(why_buf), &why) < 0)
                return assignment_invalid(a, "%s", why);
        return 0;
}

int opt_cpu_affinity(struct settings *s, const struct assignment *a)
{
        int r = cpu_list_parse(a->value, &s->cpu_affinity);

        if (r == -ERANGE)
                return assignment_invalid(a, "a CPU number past %d", CPU_SETSIZE - 1);
        if (r < 0)
                return assignment_invalid(a, "expected CPU numbers and ranges, such as 0-3,6");
        s->cpu_affinity_set = true;
        return 0;
}

/* A file's Parameters=: words split at blanks, as a shell would with
 * "..." and '...' quoting and a backslash before any character. */
int opt_parameters(struct settings *s, const struct assignment *a)
{
        _cleanup_strv_ char **words = NULL;
        int r;

        if (a->source == SOURCE_COMMAND_LINE)   /* a word of its own */
                return strv_push(&s->argv, a->value);
        r = split_words(a->value, &words);
        if (r == -EINVAL)
                return assignment_invalid(a, "a quote is not closed");
        if (r < 0)
                return r;
        for (char **w = words; *w; w++) {
                r = strv_push(&s->argv, *w);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* [~]NAME|@GROUP ...: added to the default filter, or with ~ removed;
 * empty: the ones before are forgotten; help: the list, printed. */
int opt_system_call_filter(struct settings *s, const struct assignment *a)
{
        _cleanup_strv_ char **words = NULL;
        bool deny = a->value[0] == '~';
        int r;

        if (streq(a->value, "help")) {
                if (a->source != SOURCE_COMMAND_LINE)
                        return assignment_invalid(a, "help prints the list on the command line only");
                r = seccomp_print_help(s, s->private_users != PRIVATE_USERS_NO, caps_machine_keep(s));
                return r < 0 ? log_error_errno(r, "listing the system-call filter") : 1;
        }
        if (!a->value[0]) {
                strv_free(s->syscall_allow);
                strv_free(s->syscall_deny);
                s->syscall_allow = s->syscall_deny = NULL;
                return 0;
        }
        r = split_words(a->value + deny, &words);
        if (r == -EINVAL)
                return assignment_invalid(a, "a quote is not closed");
        if (r < 0)
                return log_oom();
        if (!words[0])
                return assignment_invalid(a, "expected system calls or @groups after ~");
        for (char **w = words; *w; w++) {
                if (seccomp_name_check(*w) < 0)
                        return assignment_invalid(a, "%s is %s (berth --system-call-filter=help lists them)", *w,
                                                  (*w)[0] == '@' ? "not a group of system calls"
                                                                 : "not a system call this berth knows");
                r = strv_push(deny ? &s->syscall_deny : &s->syscall_allow, *w);
                if (r < 0)
                        return log_oom();
        }
        return 0;
}
