/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The last steps before a container's process runs, the same for the
 * process create makes and for each one exec starts: its program found
 * through its own PATH, its session and terminal, its system-call
 * filter, user and capabilities, the fds it keeps. */
#include "oci-process.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "oci-identity.h"
#include "util.h"

/* args[0] as execvp finds it, through process.env's PATH (not berth's). */
char *oci_process_find(const struct oci_process *p)
{
        const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        const char *name = p->args[0];

        if (strchr(name, '/'))
                return access(name, X_OK) == 0 ? strdup(name) : NULL;
        for (char **e = p->env; e && *e; e++)
                if (strncmp(*e, "PATH=", 5) == 0)
                        path = *e + 5;
        for (const char *d = path; *d;) {
                size_t n = strcspn(d, ":");
                _cleanup_free_ char *cand = NULL;
                struct stat st;

                if (asprintf(&cand, "%.*s/%s", (int) n, n ? d : ".", name) < 0)
                        return NULL;
                if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
                        return take_ptr(cand);
                d += n + (d[n] == ':');
        }
        return NULL;
}

int oci_process_enter(const struct oci_process *p, int tty, uint64_t bounding, const struct seccomp_program *filter,
                      unsigned filter_flags, char *what, size_t what_size)
{
        int r;

        if (setsid() < 0)
                return snprintf(what, what_size, "creating a session"), -errno;
        if (tty >= 0) {
                if (ioctl(tty, TIOCSCTTY, 0) < 0)
                        return snprintf(what, what_size, "making the terminal the controlling one"), -errno;
                for (int i = 0; i < 3; i++)
                        if (dup2(tty, i) < 0)
                                return snprintf(what, what_size, "connecting the terminal"), -errno;
                if (tty > 2)
                        close(tty);
        }
        umask(0022);
        /* Without no_new_privs the filter needs CAP_SYS_ADMIN: before the
         * identity drops it (as runc); with it, last before exec. */
        if (filter->len && !p->no_new_privileges &&
            (r = seccomp_program_install_flags(filter, filter_flags)) < 0)
                return snprintf(what, what_size, "installing linux.seccomp"), r;
        r = oci_identity_apply(p, bounding, what, what_size);
        if (r < 0)
                return r;
        if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return snprintf(what, what_size, "process.noNewPrivileges"), -errno;
        return 0;
}

int oci_process_filter_last(const struct oci_process *p, const struct seccomp_program *filter, unsigned flags)
{
        return filter->len && p->no_new_privileges ? seccomp_program_install_flags(filter, flags) : 0;
}

void oci_process_keep_fds(int preserve_fds)
{
        /* What the caller handed down stays open for the process
         * (--preserve-fds), nothing else of berth-oci's or the caller's. */
        for (int fd = 3; fd < 3 + preserve_fds; fd++)
                (void) fcntl(fd, F_SETFD, 0);
        (void) syscall(SYS_close_range, 3 + preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
}
