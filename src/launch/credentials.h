/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "options.h"
#include "settings.h"

/* Credentials for the machine's PID 1, as the container interface passes
 * them (systemd >= 247 imports them; a unit takes one with
 * LoadCredential=ID and reads %d/ID): files in /run/host/credentials, a
 * read-only ramfs (never swapped) of the machine's root, mode 0500 and
 * each file 0400, named by $CREDENTIALS_DIRECTORY. */
#define CREDENTIALS_PATH "/run/host/credentials"
#define CREDENTIAL_SIZE_MAX (1024 * 1024)

int opt_set_credential(struct settings *s, const struct assignment *a);
/* PATH absolute, or relative to berth's own $CREDENTIALS_DIRECTORY (a
 * credential berth was given, passed on); read when parsed. */
int opt_load_credential(struct settings *s, const struct assignment *a);

/* In the child, as the machine's root, before pivoting: the directory
 * made and mounted below root_fd; nothing without credentials. -errno. */
int credentials_mount(int root_fd, const struct settings *s);
