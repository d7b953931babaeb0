/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-oci: berth as an OCI runtime, with runc's command line, so that
 * podman (conmon), containerd's runc shim and anything else that calls
 * runc can call it instead. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "oci-console.h"
#include "oci-create.h"
#include "oci-exec.h"
#include "oci-update.h"
#include "oci-log.h"
#include "oci-proc.h"
#include "oci-runtime.h"
#include "oci-state.h"
#include "util.h"
#include "verbs.h"

#define DEFAULT_ROOT "/run/berth-oci"

static void help(void)
{
        printf("berth-oci [GLOBAL OPTIONS] COMMAND [OPTIONS] ID\n"
               "\n"
               "berth as an OCI runtime, called as runc is (see berth-oci(8)).\n"
               "\n"
               "Commands:\n"
               "  create --bundle DIR [--pid-file F] [--console-socket S] [--no-pivot]\n"
               "         [--no-new-keyring] [--preserve-fds N] ID\n"
               "  start ID                     let the created container's process run\n"
               "  run [create's options] [--detach] ID   create and start (and wait)\n"
               "  exec [--process FILE] [-t] [-d] [--console-socket S] [--pid-file F]\n"
               "       [--cwd D] [-e K=V] [-u UID[:GID]] [-c CAP] ID [COMMAND...]\n"
               "                               another process in the container\n"
               "  state ID                     the OCI state JSON\n"
               "  kill [--all] ID [SIGNAL]     SIGTERM by default\n"
               "  delete [--force] ID\n"
               "  pause ID, resume ID          the cgroup2 freezer\n"
               "  update [--resources FILE|-] [--memory N] [--pids-limit N] [--cpu-quota N] ... ID\n"
               "                               change a running container's linux.resources\n"
               "  ps [--format table|json] ID [PS OPTIONS]  the container's processes\n"
               "  list [--format table|json] [--quiet]\n"
               "  features                     what this runtime implements, as JSON\n"
               "  spec [--bundle DIR]          write a default config.json\n"
               "\n"
               "Global options:\n"
               "  --root DIR          state directory (default " DEFAULT_ROOT ")\n"
               "  --log FILE          log there (default: standard error)\n"
               "  --log-format FMT    text or json\n"
               "  --systemd-cgroup    cgroupsPath is systemd's slice:prefix:name\n"
               "  --debug             log debug messages\n"
               "  -v, --version       print the version\n"
               "  -h, --help          print this help\n");
}

struct globals {
        const char *root;
        const char *log, *log_format;
        bool systemd_cgroup;
        bool debug;
};

static int parse_create(int argc, char **argv, struct oci_create_opts *o, bool *detach, bool run)
{
        enum { ARG_PID_FILE = 0x100, ARG_CONSOLE, ARG_NO_PIVOT, ARG_NO_KEYRING, ARG_PRESERVE };
        static const struct option opts[] = {
                { "bundle", required_argument, NULL, 'b' },
                { "pid-file", required_argument, NULL, ARG_PID_FILE },
                { "console-socket", required_argument, NULL, ARG_CONSOLE },
                { "no-pivot", no_argument, NULL, ARG_NO_PIVOT },
                { "no-new-keyring", no_argument, NULL, ARG_NO_KEYRING },
                { "preserve-fds", required_argument, NULL, ARG_PRESERVE },
                { "detach", no_argument, NULL, 'd' },
                {},
        };
        int c;

        o->bundle = ".";
        optind = 1;
        while ((c = getopt_long(argc, argv, run ? "+b:d" : "+b:", opts, NULL)) >= 0)
                switch (c) {
                case 'b':
                        o->bundle = optarg;
                        break;
                case ARG_PID_FILE:
                        o->pid_file = optarg;
                        break;
                case ARG_CONSOLE:
                        o->console_socket = optarg;
                        break;
                case ARG_NO_PIVOT:
                        o->no_pivot = true;
                        break;
                case ARG_NO_KEYRING:
                        o->no_new_keyring = true;
                        break;
                case ARG_PRESERVE:
                        o->preserve_fds = atoi(optarg);
                        if (o->preserve_fds < 0 || o->preserve_fds > 4096)
                                return log_error_ret(-EINVAL, "--preserve-fds %s: not a count of fds", optarg);
                        break;
                case 'd':
                        if (!run)
                                return log_error_ret(-EINVAL, "flag provided but not defined: -detach");
                        *detach = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind != argc - 1)
                return log_error_ret(-EINVAL, "%s: exactly one container ID is needed", argv[0]);
        o->id = argv[optind];
        return 0;
}

static int parse_exec(int argc, char **argv, struct oci_exec_opts *o)
{
        enum { ARG_CONSOLE = 0x100, ARG_PID_FILE, ARG_CWD, ARG_NO_NEW_PRIVS, ARG_PRESERVE, ARG_IGNORE_PAUSED,
               ARG_LABEL, ARG_APPARMOR, ARG_CGROUP };
        static const struct option opts[] = {
                { "console-socket", required_argument, NULL, ARG_CONSOLE },
                { "pid-file", required_argument, NULL, ARG_PID_FILE },
                { "cwd", required_argument, NULL, ARG_CWD },
                { "env", required_argument, NULL, 'e' },
                { "tty", no_argument, NULL, 't' },
                { "user", required_argument, NULL, 'u' },
                { "process", required_argument, NULL, 'p' },
                { "detach", no_argument, NULL, 'd' },
                { "cap", required_argument, NULL, 'c' },
                { "no-new-privs", no_argument, NULL, ARG_NO_NEW_PRIVS },
                { "preserve-fds", required_argument, NULL, ARG_PRESERVE },
                { "ignore-paused", no_argument, NULL, ARG_IGNORE_PAUSED },
                { "process-label", required_argument, NULL, ARG_LABEL },
                { "apparmor", required_argument, NULL, ARG_APPARMOR },
                { "cgroup", required_argument, NULL, ARG_CGROUP },
                {},
        };
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "+e:tu:p:dc:", opts, NULL)) >= 0)
                switch (c) {
                case ARG_CONSOLE:
                        o->console_socket = optarg;
                        break;
                case ARG_PID_FILE:
                        o->pid_file = optarg;
                        break;
                case ARG_CWD:
                        o->cwd = optarg;
                        break;
                case 'e':
                        if (strv_push(&o->env, optarg) < 0)
                                return log_oom();
                        break;
                case 't':
                        o->tty = true;
                        break;
                case 'u':
                        o->user = optarg;
                        break;
                case 'p':
                        o->process_file = optarg;
                        break;
                case 'd':
                        o->detach = true;
                        break;
                case 'c':
                        if (strv_push(&o->caps, optarg) < 0)
                                return log_oom();
                        break;
                case ARG_NO_NEW_PRIVS:
                        o->no_new_privs = true;
                        break;
                case ARG_PRESERVE:
                        o->preserve_fds = atoi(optarg);
                        break;
                case ARG_IGNORE_PAUSED:
                        o->ignore_paused = true;
                        break;
                case ARG_LABEL:
                case ARG_APPARMOR:
                        log_warning("--%s: this host has no LSM berth-oci uses; ignored",
                                    c == ARG_LABEL ? "process-label" : "apparmor");
                        break;
                case ARG_CGROUP:
                        return log_error_ret(-EOPNOTSUPP, "--cgroup: a sub-cgroup for exec is not supported");
                default:
                        return -EINVAL;
                }
        if (optind >= argc)
                return log_error_ret(-EINVAL, "exec: a container ID is needed");
        o->id = argv[optind++];
        o->args = argv + optind;
        return 0;
}

/* runc run without --detach: create, start, and stay the process's
 * parent until it ends, with its status as ours. */
static int run_container(struct oci_create_opts *o, bool detach)
{
        int local = -EBADF, remote = -EBADF, master = -EBADF, r;

        if (!detach && prctl_subreaper() < 0)
                return log_error_errno(-errno, "becoming the container's subreaper");
        /* In the foreground without --console-socket, a terminal the
         * process asks for is run's own, relayed to its stdin and stdout. */
        if (!detach && !o->console_socket && (r = oci_console_pair(&local, &remote)) < 0)
                return r;
        o->console_fd = remote;
        r = oci_create(o);
        safe_close(remote);
        o->console_fd = -EBADF;
        if (r >= 0 && local >= 0)
                (void) oci_console_take(local, &master);
        safe_close(local);
        if (r >= 0)
                r = oci_verb_start(o->root, o->id);
        if (r < 0 || detach) {
                safe_close(master);
                return r;
        }
        if (master >= 0) {
                struct oci_state st;
                if (oci_state_load(o->root, o->id, &st) >= 0) {
                        (void) oci_console_relay(master, st.pid);
                        oci_state_done(&st);
                } else
                        safe_close(master);
        }
        return oci_wait_and_delete(o->root, o->id);
}

/* The ID, one positional argument; with the rest of argv after it in
 * *rest (kill's signal). */
static int one_id(int argc, char **argv, const char *shortopts, const struct option *opts, bool *flag,
                  const char **format, const char **ret_id)
{
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) >= 0)
                switch (c) {
                case 'a':
                case 'f':
                case 'q':
                        *flag = true;
                        break;
                case 'F':
                        *format = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (ret_id) {
                if (optind >= argc)
                        return log_error_ret(-EINVAL, "%s: a container ID is needed", argv[0]);
                *ret_id = argv[optind++];
        }
        return optind;
}

static int dispatch(const struct globals *g, int argc, char **argv)
{
        static const struct option kill_opts[] = { { "all", no_argument, NULL, 'a' }, {} };
        static const struct option delete_opts[] = { { "force", no_argument, NULL, 'f' }, {} };
        static const struct option format_opts[] = { { "format", required_argument, NULL, 'F' },
                                                     { "quiet", no_argument, NULL, 'q' }, {} };
        const char *cmd = argv[0], *id = NULL, *format = "table";
        bool flag = false;
        int r;

        if (streq(cmd, "create") || streq(cmd, "run")) {
                struct oci_create_opts o = { .root = g->root, .systemd_cgroup = g->systemd_cgroup,
                                             .console_fd = -EBADF };
                bool detach = false;
                r = parse_create(argc, argv, &o, &detach, streq(cmd, "run"));
                if (r < 0)
                        return r;
                return streq(cmd, "create") ? oci_create(&o) : run_container(&o, detach);
        }
        if (streq(cmd, "exec")) {
                struct oci_exec_opts o = { .root = g->root };
                r = parse_exec(argc, argv, &o);
                if (r >= 0)
                        r = oci_exec(&o);
                strv_free(o.env);
                strv_free(o.caps);
                return r;
        }
        if (streq(cmd, "update"))
                return oci_update(g->root, argc, argv);
        if (streq(cmd, "checkpoint") || streq(cmd, "restore") || streq(cmd, "events"))
                return log_error_ret(-EOPNOTSUPP, "%s is not implemented by berth-oci", cmd);
        if (streq(cmd, "features"))
                return oci_print_features();
        if (streq(cmd, "spec"))
                return oci_write_default_spec(argc, argv);
        if (streq(cmd, "list")) {
                r = one_id(argc, argv, "+F:q", format_opts, &flag, &format, NULL);
                return r < 0 ? r : oci_verb_list(g->root, streq(format, "json"), flag);
        }
        if (streq(cmd, "kill")) {
                r = one_id(argc, argv, "+a", kill_opts, &flag, &format, &id);
                return r < 0 ? r : oci_verb_kill(g->root, id, r < argc ? argv[r] : NULL, flag);
        }
        if (streq(cmd, "delete")) {
                r = one_id(argc, argv, "+f", delete_opts, &flag, &format, &id);
                return r < 0 ? r : oci_verb_delete(g->root, id, flag);
        }
        if (streq(cmd, "ps")) {
                r = one_id(argc, argv, "+F:", format_opts, &flag, &format, &id);
                return r < 0 ? r : oci_verb_ps(g->root, id, streq(format, "json"), argv + r);
        }
        static const struct option none[] = { {} };
        r = one_id(argc, argv, "+", none, &flag, &format, &id);
        if (r < 0)
                return r;
        if (streq(cmd, "start"))
                return oci_verb_start(g->root, id);
        if (streq(cmd, "state"))
                return oci_verb_state(g->root, id);
        if (streq(cmd, "pause") || streq(cmd, "resume"))
                return oci_verb_pause(g->root, id, streq(cmd, "pause"));
        return log_error_ret(-EINVAL, "No help topic for '%s'", cmd);
}

int main(int argc, char **argv)
{
        enum { ARG_ROOT = 0x100, ARG_LOG, ARG_LOG_FORMAT, ARG_SYSTEMD_CGROUP, ARG_DEBUG, ARG_ROOTLESS, ARG_CRIU };
        static const struct option opts[] = {
                { "root", required_argument, NULL, ARG_ROOT },
                { "log", required_argument, NULL, ARG_LOG },
                { "log-format", required_argument, NULL, ARG_LOG_FORMAT },
                { "systemd-cgroup", no_argument, NULL, ARG_SYSTEMD_CGROUP },
                { "debug", no_argument, NULL, ARG_DEBUG },
                { "rootless", required_argument, NULL, ARG_ROOTLESS },
                { "criu", required_argument, NULL, ARG_CRIU },
                { "version", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        struct globals g = { .root = DEFAULT_ROOT };
        int c;

        log_setup("berth-oci");
        while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) >= 0)
                switch (c) {
                case ARG_ROOT:
                        g.root = optarg;
                        break;
                case ARG_LOG:
                        g.log = optarg;
                        break;
                case ARG_LOG_FORMAT:
                        g.log_format = optarg;
                        break;
                case ARG_SYSTEMD_CGROUP:
                        g.systemd_cgroup = true;
                        break;
                case ARG_DEBUG:
                        g.debug = true;
                        break;
                case ARG_ROOTLESS:
                        if (!streq(optarg, "false") && !streq(optarg, "auto")) {
                                fprintf(stderr, "berth-oci: --rootless=%s: berth-oci runs as root only\n", optarg);
                                return 1;
                        }
                        break;
                case ARG_CRIU:
                        break;  /* checkpoint/restore is not implemented: the commands say so */
                case 'v':
                        printf("berth-oci version %s\nspec: 1.1.0\n", BERTH_VERSION);
                        return 0;
                case 'h':
                        help();
                        return 0;
                default:
                        return 1;
                }
        if (oci_log_setup(g.log, g.log_format) < 0)
                return 1;
        if (g.debug)
                log_set_level(LOG_LEVEL_DEBUG);
        if (optind >= argc) {
                help();
                return 1;
        }
        if (streq(argv[optind], "help")) {
                help();
                return 0;
        }
        if (geteuid() != 0)
                return log_error("berth-oci must run as root"), 1;
        int r = dispatch(&g, argc - optind, argv + optind);
        return r < 0 ? 1 : r;
}
