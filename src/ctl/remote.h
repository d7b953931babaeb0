/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* -H's [USER@]HOST[:PORT] as ssh's destination and port (NULL: none);
 * -EINVAL for what is no host, -EPROTONOSUPPORT for HOST/MACHINE. */
int remote_destination(const char *host, char **ret_dest, char **ret_port);
/* ssh's command line that runs berthctl on host with the words of argv
 * (from argv[1]), each cut to cut[i] bytes (-1: whole, 0: left out, as
 * -H's and -E's are), after a --setenv=NAME=VALUE for each of setenv:
 * ssh -x -t|-T [-p PORT] -- DEST 'berthctl' ['--setenv=...'...] 'WORD'... */
int remote_command(const char *host, int argc, char *const *argv, const int *cut, char *const *setenv, bool tty,
                   char ***ret);
/* Run that (tty: when stdin and stdout are terminals): returns only on
 * failure, logged. */
int remote_exec(const char *host, int argc, char *const *argv, const int *cut, char *const *setenv);
