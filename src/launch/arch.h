/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* A tree's init built for another architecture cannot run unless
 * binfmt_misc hands it to an emulator (qemu-user): say so before booting,
 * instead of "Exec format error" from inside the machine. Returns 0 when
 * path (in the tree) runs here: a script, a program of this machine's
 * architecture (or one it runs natively, i386 on x86-64), or one a
 * binfmt_misc handler takes; -ENOEXEC with what and host naming the
 * architectures when not. */
int tree_program_runs_here(int tree_fd, const char *path, char *what, size_t what_size, char *host,
                           size_t host_size);
