/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

/* An import berthd runs: berth-import as its child, its progress lines
 * read as they come (progress.h in src/image), its last error line kept
 * for the end. Modelled on importd's transfers. */
struct transfer {
        struct transfer *next;
        struct transfers *owner;
        uint32_t id;
        char type[16];          /* "import-tar", "import-oci", "clone", ... */
        char *remote;           /* where it comes from (an export: where it goes) */
        char *local;            /* the image it makes (an export: the image) */
        char phase[16];         /* "reading", "verifying", "unpacking", ... */
        uint64_t bytes, total, files;
        pid_t pid;
        int out_fd, err_fd;
        char out[256];          /* a progress line being read */
        size_t n_out;
        char err[512];
        bool cancelled;
        sd_event_source *out_source, *child_source;
        void *waiter;           /* a call answered at the end (machined's CloneImage), or NULL */
};

/* What the bus face is told. result: "done", "failed" or "canceled";
 * message: why it failed (berth-import's line), "" when done. */
struct transfer_events {
        void (*transfer_new)(struct transfer *t, void *userdata);
        void (*transfer_removed)(struct transfer *t, const char *result, const char *message, void *userdata);
};

struct transfers {
        sd_event *event;
        struct transfer *list;
        uint32_t next_id;
        const struct transfer_events *events;
        void *userdata;
};

/* Runs berth-import VERB SOURCE NAME with in_fd (or /dev/null, -1) as its
 * standard input (for export-tar IMAGE -, the descriptor it writes to).
 * -errno when it cannot be started. */
int transfer_start(struct transfers *ts, const char *verb, const char *source, const char *name, int in_fd,
                   struct transfer **ret);
struct transfer *transfer_find(struct transfers *ts, uint32_t id);
/* SIGTERM to berth-import; its end comes as for any transfer, "canceled",
 * with what it left removed. */
int transfer_cancel(struct transfer *t);
void transfers_done(struct transfers *ts);
/* 0..1, or -1 while the total is unknown. */
double transfer_progress(const struct transfer *t);
