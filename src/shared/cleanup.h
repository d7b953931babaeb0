/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Declare a cleanup function for a pointer type: free_func(*p) when set. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                 \
        static inline void func##p(type *p)                     \
        {                                                       \
                if (*p)                                         \
                        func(*p);                               \
        }

static inline void freep(void *p)
{
        free(*(void **) p);
}

static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}

static inline void strv_free(char **l)
{
        if (!l)
                return;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(FILE *, fclose)
DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir)

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_strv_ _cleanup_(strv_freep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Hand a value on and leave the variable empty, so its cleanup does nothing. */
#define take_ptr(p)                                     \
        ({                                              \
                typeof(p) *_pp = &(p);                  \
                typeof(p) _v = *_pp;                    \
                *_pp = NULL;                            \
                _v;                                     \
        })

static inline int take_fd(int *fd)
{
        int v = *fd;
        *fd = -EBADF;
        return v;
}

static inline int safe_close(int fd)
{
        if (fd >= 0)
                closep(&fd);
        return -EBADF;
}

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
