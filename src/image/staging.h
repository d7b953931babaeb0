/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* Every import writes into a hidden directory beside where the result
 * goes, ".import-NAME-PID", and renames it into place only when it is
 * complete: a failed import removes it, a killed one's is removed by the
 * next import (staging_sweep), so that no half image is ever seen. */
struct staging {
        int parent_fd;          /* where the result goes */
        char name[300];         /* the hidden directory's name in it */
        int fd;                 /* the hidden directory */
};

/* parent_fd is duplicated; the hidden directory is made 0755. -errno. */
int staging_begin(struct staging *s, int parent_fd, const char *final);
/* Renames what (the hidden directory itself for "", else an entry in it)
 * to final in the parent, not replacing anything: -EEXIST when final is
 * there. */
int staging_commit(struct staging *s, const char *what, const char *final);
/* Removes the hidden directory with what is left in it. */
void staging_done(struct staging *s);
/* Removes every hidden directory of a process that is gone; with pid > 0
 * those of that process only, which its parent knows has ended (it may
 * still be a zombie, which kill(2) cannot tell from a live one). */
void staging_sweep(int parent_fd, pid_t pid);
