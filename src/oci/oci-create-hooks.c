/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* create's hooks: prestart and createRuntime run here, in berth-oci's
 * namespaces, with the state (status creating) on their stdin; the
 * process gets the state for its createContainer and startContainer. */
#include "oci-create-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cleanup.h"
#include "hooks.h"
#include "log.h"
#include "oci-state.h"
#include "util.h"

/* The state as hooks get it on their standard input. */
static char *hook_state(struct create *c, enum oci_status status)
{
        struct oci_state st = {
                .oci_version = c->spec.oci_version,
                .id = (char *) c->o->id,
                .status = status,
                .pid = c->pid,
                .bundle = c->bundle,
                .annotations = c->spec.annotations,
        };

        return oci_state_to_json(&st, 0);
}

static int memfd_with(const char *name, const char *text)
{
        _cleanup_close_ int fd = memfd_create(name, MFD_CLOEXEC);

        if (fd < 0)
                return -errno;
        if (write_full(fd, text, strlen(text)) < 0 || lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        return take_fd(&fd);
}

int oci_create_run_hooks(struct create *c)
{
        _cleanup_free_ char *creating = hook_state(c, OCI_CREATING), *created = hook_state(c, OCI_CREATED);
        char why[512];
        int fds[2] = { -EBADF, -EBADF }, r;

        if (!creating || !created)
                return log_oom();
        for (int k = OCI_HOOK_PRESTART; k <= OCI_HOOK_CREATE_RUNTIME; k++) {
                r = oci_hooks_run(&c->spec.hooks, k, creating, why, sizeof(why));
                if (r < 0)
                        return log_error_ret(r, "%s", why);
        }
        fds[0] = memfd_with("state", creating);
        fds[1] = memfd_with("state", created);
        r = fds[0] < 0 ? fds[0] : fds[1] < 0 ? fds[1] : sync_send(c->sync_fd, SYNC_GO, fds, 2);
        safe_close(fds[0]);
        safe_close(fds[1]);
        return r < 0 ? log_error_errno(r, "handing the state to the container's hooks") : 0;
}
