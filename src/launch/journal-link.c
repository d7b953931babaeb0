/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "journal-link.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "tree.h"
#include "util.h"

#define HOST_JOURNAL "/var/log/journal"

static const char *const modes[] = {
        [LINK_JOURNAL_AUTO] = "auto",   [LINK_JOURNAL_NO] = "no",
        [LINK_JOURNAL_HOST] = "host",   [LINK_JOURNAL_TRY_HOST] = "try-host",
        [LINK_JOURNAL_GUEST] = "guest", [LINK_JOURNAL_TRY_GUEST] = "try-guest",
};

int opt_link_journal(struct settings *s, const struct assignment *a)
{
        for (size_t i = 0; i < ELEMENTSOF(modes); i++)
                if (streq(a->value, modes[i])) {
                        s->link_journal = (enum link_journal) i;
                        return 0;
                }
        return assignment_invalid(a, "expected no, host, try-host, guest, try-guest or auto");
}

/* Nothing to link: no, or auto where the host keeps no journal at all
 * (then neither the tree's ID is read nor anything looked at again). */
static bool nothing_to_do(const struct launcher *l)
{
        struct stat st;

        return l->s->link_journal == LINK_JOURNAL_NO ||
               (l->s->link_journal == LINK_JOURNAL_AUTO && stat(HOST_JOURNAL, &st) < 0);
}

void journal_link_tree_id(struct launcher *l, int tree_fd)
{
        l->tree_machine_id[0] = 0;
        if (nothing_to_do(l))
                return;
        _cleanup_close_ int fd = tree_open(tree_fd, "etc/machine-id", O_RDONLY);
        char buf[64];
        ssize_t n = fd >= 0 ? read_full(fd, buf, sizeof(buf) - 1) : -1;

        if (n < 32)
                return;
        buf[n] = 0;
        buf[strcspn(buf, "\n")] = 0;
        if (id128_valid(buf))
                snprintf(l->tree_machine_id, sizeof(l->tree_machine_id), "%.32s", buf);
}

/* try: a mode that gives up quietly; r and what for the one line. */
static int cannot(struct launcher *l, bool try, int r, const char *what)
{
        if (try) {
                log_debug("machine %s: no linked journal: %s", l->name, what);
                return 0;
        }
        return log_error_ret(r, "machine %s: --link-journal=%s: %s", l->name, modes[l->s->link_journal], what);
}

static int prepare_host(struct launcher *l, const char *dir, bool try)
{
        struct stat st;
        int r;

        if (try && stat(HOST_JOURNAL, &st) < 0)
                return cannot(l, true, -ENOENT, "the host has no " HOST_JOURNAL);
        bool there = lstat(dir, &st) == 0;
        if (there && !S_ISDIR(st.st_mode))
                return cannot(l, try, -EEXIST, "the host's path is there and no directory");
        r = mkdir_p(dir, 0755);
        if (r < 0)
                return cannot(l, try, r, strerror(-r));
        if (!there && !(l->journal_made = strdup(dir)))
                return log_oom();
        l->m.journal_source = strdup(dir);
        return l->m.journal_source ? 1 : log_oom();
}

static int prepare_guest(struct launcher *l, const char *dir, const char *id, bool try)
{
        _cleanup_free_ char *target = NULL;
        char link[4096];
        struct stat st;
        int r;

        if (!l->m.upper)
                return cannot(l, try, -EINVAL, "an --ephemeral machine's journal is on no host path");
        if (try && stat(HOST_JOURNAL, &st) < 0)
                return cannot(l, true, -ENOENT, "the host has no " HOST_JOURNAL);
        if (asprintf(&target, "%s" HOST_JOURNAL "/%s", l->m.upper, id) < 0)
                return log_oom();
        ssize_t n = readlink(dir, link, sizeof(link) - 1);
        if (n >= 0) {
                link[n] = 0;
                if (!streq(link, target))
                        return cannot(l, try, -EEXIST, "the host's link leads elsewhere");
        } else if (lstat(dir, &st) == 0) {
                return cannot(l, try, -EEXIST, "the host's path is there and no link");
        } else {
                if ((r = mkdir_p(HOST_JOURNAL, 0755)) < 0)
                        return cannot(l, try, r, strerror(-r));
                if (symlink(target, dir) < 0)
                        return cannot(l, try, -errno, strerror(errno));
                if (!(l->journal_made = strdup(dir)))
                        return log_oom();
        }
        l->m.journal_guest = true;
        return 1;
}

void journal_link_undo(struct launcher *l)
{
        if (!l->journal_made)
                return;
        /* The empty directory, or the link: a machine that never ran
         * leaves nothing in the host's journal. */
        if (!l->ever_started && rmdir(l->journal_made) < 0 && errno == ENOTDIR)
                (void) unlink(l->journal_made);
        free(l->journal_made);
        l->journal_made = NULL;
}

int journal_link_prepare(struct launcher *l)
{
        enum link_journal mode = l->s->link_journal;
        const char *id = l->tree_machine_id[0] ? l->tree_machine_id : l->m.id128;
        char dir[128];
        struct stat st;
        int r = 0;

        if (nothing_to_do(l))
                return 0;
        snprintf(dir, sizeof(dir), HOST_JOURNAL "/%s", id);
        snprintf(l->m.journal_id, sizeof(l->m.journal_id), "%s", id);
        if (mode == LINK_JOURNAL_AUTO)
                mode = stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? LINK_JOURNAL_HOST : LINK_JOURNAL_NO;
        if (mode == LINK_JOURNAL_HOST || mode == LINK_JOURNAL_TRY_HOST)
                r = prepare_host(l, dir, mode == LINK_JOURNAL_TRY_HOST);
        else if (mode == LINK_JOURNAL_GUEST || mode == LINK_JOURNAL_TRY_GUEST)
                r = prepare_guest(l, dir, id, mode == LINK_JOURNAL_TRY_GUEST);
        if (r > 0)
                log_debug("machine %s: its journal is %s's %s", l->name, l->m.journal_guest ? "the machine" : "the host",
                          dir);
        return r < 0 ? r : 0;
}
