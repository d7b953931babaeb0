/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The machine's /etc/resolv.conf and /etc/localtime, as systemd-nspawn's
 * --resolv-conf= and --timezone= set them: decided by the launcher
 * (etc_files_plan, which picks what auto means and checks the host has
 * the file), carried out by the machine's first process in its root
 * before pivot_root (etc_resolv_apply, etc_timezone_apply), every path inside the machine
 * resolved in its root, never followed onto the host. */

enum etc_action {
        ETC_AUTO,       /* the default: decided by etc_files_plan */
        ETC_OFF,        /* the tree's file as it is */
        ETC_COPY,       /* the host's copied in, unless the tree has a non-file there */
        ETC_REPLACE,    /* the host's copied in, whatever the tree has */
        ETC_BIND,       /* the host's bound read-only over the tree's (or its link's target) */
        ETC_SYMLINK,    /* timezone: a link to the tree's own zoneinfo of the host's zone */
        ETC_DELETE,     /* removed */
};

enum resolv_source {
        RESOLV_HOST,    /* /etc/resolv.conf */
        RESOLV_STATIC,  /* /usr/lib/systemd/resolv.conf: resolved's stub, 127.0.0.53 */
        RESOLV_UPLINK,  /* /run/systemd/resolve/resolv.conf: resolved's upstream servers */
        RESOLV_STUB,    /* /run/systemd/resolve/stub-resolv.conf */
};

struct etc_plan {
        enum etc_action resolv;
        enum resolv_source resolv_source;
        bool resolv_auto;
        enum etc_action timezone;
        bool timezone_auto;
        char zone[128];         /* the host's zone ("Europe/Berlin"), for ETC_SYMLINK */
};

/* "copy-host", "bind-uplink", "off", "delete", "auto", ... */
int resolv_conf_from_string(const char *s, enum etc_action *ret_action, enum resolv_source *ret_source);
/* "off", "copy", "bind", "symlink", "delete", "auto". */
int timezone_from_string(const char *s, enum etc_action *ret);
/* What was done, for the state file: "copy-host", "off (auto)", ... into buf. */
void etc_resolv_text(const struct etc_plan *p, char *buf, size_t size);
void etc_timezone_text(const struct etc_plan *p, char *buf, size_t size);
const char *resolv_source_path(enum resolv_source s);

/* Turns auto into a mode and a mode whose host file is missing into off,
 * saying so in one warning. tree_fd: the machine's tree, to see whether
 * it has the host's zone. */
void etc_files_plan(const char *machine, int tree_fd, struct etc_plan *p);

/* In the machine's root, before pivot_root: -errno on failure. */
int etc_resolv_apply(int root_fd, const struct etc_plan *p);
int etc_timezone_apply(int root_fd, const struct etc_plan *p);
