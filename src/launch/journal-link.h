/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "launcher.h"
#include "options.h"

/* --link-journal, with systemd-nspawn's meanings: the machine's journal
 * directory /var/log/journal/MACHINE-ID shared with the host's.
 *   host, try-host: the host's directory of that name, made if missing
 *     (try-host: only where the host has /var/log/journal), is mounted on
 *     the machine's, idmapped into its user namespace: the machine's
 *     journald writes it, and the host's root reads it as its own.
 *   guest, try-guest: the machine keeps it in its writable layer, and the
 *     host's /var/log/journal/ID is a symbolic link to it there (not with
 *     --ephemeral, whose layer is on no host path: guest fails, try-guest
 *     does nothing).
 *   auto (the default): host when the host's directory exists already.
 *   no: nothing. */
int opt_link_journal(struct settings *s, const struct assignment *a);

/* The tree's machine-id, in the checks (the machine's ID otherwise). */
void journal_link_tree_id(struct launcher *l, int tree_fd);
/* After the writable layer is planned: what the mode comes to, with what
 * is made on the host for it. Logs one line and returns -errno. */
int journal_link_prepare(struct launcher *l);
/* At the end: what journal_link_prepare() made on the host (the
 * directory, the link) removed again when the machine never ran. */
void journal_link_undo(struct launcher *l);
