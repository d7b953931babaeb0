/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* berth-oci exec's options, as runc's. */
struct oci_exec_opts {
        const char *root, *id;
        const char *process_file;       /* --process: a process object; else args over the spec's */
        char **args;                    /* the command */
        char **env;                     /* --env, added */
        char **caps;                    /* --cap, added */
        const char *cwd, *user;         /* --cwd, --user UID[:GID] */
        const char *pid_file, *console_socket;
        bool tty, detach, no_new_privs, ignore_paused;
        int preserve_fds;
};

/* With detach 0 once the process runs; else its exit status (128+N for a
 * signal N), as runc exec's. -errno after one log line. */
int oci_exec(const struct oci_exec_opts *o);
