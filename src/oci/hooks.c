/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.md's hooks, read and run: each program forked and exec'd with
 * exactly its args and env, the state written to a pipe on its standard
 * input, waited for through a pidfd with its timeout, killed past it. */
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "signals.h"
#include "util.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static const char *const hook_names[_OCI_HOOK_MAX] = {
        [OCI_HOOK_PRESTART] = "prestart",
        [OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
        [OCI_HOOK_CREATE_CONTAINER] = "createContainer",
        [OCI_HOOK_START_CONTAINER] = "startContainer",
        [OCI_HOOK_POSTSTART] = "poststart",
        [OCI_HOOK_POSTSTOP] = "poststop",
};

const char *oci_hook_name(enum oci_hook_kind k)
{
        return (unsigned) k < _OCI_HOOK_MAX ? hook_names[k] : NULL;
}

static int string_list(json_object *h, const char *key, char ***ret)
{
        json_object *a = NULL;

        if (!json_object_object_get_ex(h, key, &a) || json_object_is_type(a, json_type_null))
                return 0;
        if (!json_object_is_type(a, json_type_array))
                return -EINVAL;
        *ret = calloc(1, sizeof(char *));
        if (!*ret)
                return -ENOMEM;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *e = json_object_array_get_idx(a, i);
                if (!json_object_is_type(e, json_type_string))
                        return -EINVAL;
                if (strv_push(ret, json_object_get_string(e)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int one_hook(json_object *h, struct oci_hook *ret, const char *where, char *why, size_t why_size)
{
        json_object *v = NULL;
        int r;

        if (!json_object_is_type(h, json_type_object) || !json_object_object_get_ex(h, "path", &v) ||
            !json_object_is_type(v, json_type_string) || json_object_get_string(v)[0] != '/') {
                snprintf(why, why_size, "%s.path: required, an absolute path", where);
                return -EINVAL;
        }
        ret->path = strdup(json_object_get_string(v));
        if (!ret->path)
                return -ENOMEM;
        if ((r = string_list(h, "args", &ret->args)) < 0 || (r = string_list(h, "env", &ret->env)) < 0) {
                if (r == -EINVAL)
                        snprintf(why, why_size, "%s: args and env are lists of strings", where);
                return r;
        }
        if (json_object_object_get_ex(h, "timeout", &v) && !json_object_is_type(v, json_type_null)) {
                if (!json_object_is_type(v, json_type_int) || json_object_get_int(v) <= 0) {
                        snprintf(why, why_size, "%s.timeout: a number of seconds greater than zero", where);
                        return -EINVAL;
                }
                ret->timeout = json_object_get_int(v);
        }
        return 0;
}

int oci_hooks_parse(json_object *o, struct oci_hooks *ret, char *why, size_t why_size)
{
        *ret = (struct oci_hooks) {};
        if (!o || json_object_is_type(o, json_type_null))
                return 0;
        if (!json_object_is_type(o, json_type_object)) {
                snprintf(why, why_size, "hooks: expected an object");
                return -EINVAL;
        }
        for (int k = 0; k < _OCI_HOOK_MAX; k++) {
                json_object *a = NULL;
                if (!json_object_object_get_ex(o, hook_names[k], &a) || json_object_is_type(a, json_type_null))
                        continue;
                if (!json_object_is_type(a, json_type_array)) {
                        snprintf(why, why_size, "hooks.%s: expected an array", hook_names[k]);
                        oci_hooks_done(ret);
                        return -EINVAL;
                }
                size_t n = json_object_array_length(a);
                ret->list[k] = calloc(n ? n : 1, sizeof(struct oci_hook));
                if (!ret->list[k]) {
                        oci_hooks_done(ret);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < n; i++) {
                        char where[64];
                        snprintf(where, sizeof(where), "hooks.%s[%zu]", hook_names[k], i);
                        ret->n[k] = i + 1;
                        int r = one_hook(json_object_array_get_idx(a, i), &ret->list[k][i], where, why, why_size);
                        if (r < 0) {
                                oci_hooks_done(ret);
                                return r;
                        }
                }
        }
        ret->json = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        return ret->json ? 0 : -ENOMEM;
}

int oci_hooks_parse_text(const char *text, struct oci_hooks *ret, char *why, size_t why_size)
{
        json_object *o = text ? json_tokener_parse(text) : NULL;
        int r;

        if (text && !o) {
                snprintf(why, why_size, "hooks: not JSON");
                return -EINVAL;
        }
        r = oci_hooks_parse(o, ret, why, why_size);
        json_object_put(o);
        return r;
}

void oci_hooks_done(struct oci_hooks *h)
{
        for (int k = 0; k < _OCI_HOOK_MAX; k++) {
                for (size_t i = 0; i < h->n[k]; i++) {
                        free(h->list[k][i].path);
                        strv_free(h->list[k][i].args);
                        strv_free(h->list[k][i].env);
                }
                free(h->list[k]);
        }
        free(h->json);
        *h = (struct oci_hooks) {};
}

static int run_one(const struct oci_hook *hook, const char *state, char *why, size_t why_size)
{
        char *const empty[] = { NULL };
        char *const self[] = { hook->path, NULL };
        int in[2], pidfd = -EBADF;
        siginfo_t si = {};

        if (pipe2(in, O_CLOEXEC) < 0)
                return -errno;
        struct clone_args ca = { .flags = CLONE_PIDFD, .pidfd = (uint64_t) (uintptr_t) &pidfd, .exit_signal = SIGCHLD };
        pid_t pid = (pid_t) syscall(SYS_clone3, &ca, sizeof(ca));
        if (pid < 0) {
                int r = -errno;
                close(in[0]);
                close(in[1]);
                return r;
        }
        if (pid == 0) {
                signals_reset_all();
                if (dup2(in[0], STDIN_FILENO) < 0)
                        _exit(127);
                execve(hook->path, hook->args && hook->args[0] ? hook->args : self, hook->env ?: empty);
                _exit(127);
        }
        close(in[0]);
        /* A hook that does not read its input gets EPIPE, not us killed. */
        struct sigaction ign = { .sa_handler = SIG_IGN }, old;
        sigaction(SIGPIPE, &ign, &old);
        (void) write_full(in[1], state, strlen(state));
        close(in[1]);
        sigaction(SIGPIPE, &old, NULL);

        struct pollfd p = { pidfd, POLLIN, 0 };
        int n;
        while ((n = poll(&p, 1, hook->timeout > 0 ? hook->timeout * 1000 : -1)) < 0 && errno == EINTR)
                ;
        if (n == 0) {
                (void) syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
                (void) waitid(P_PIDFD, (id_t) pidfd, &si, WEXITED);
                close(pidfd);
                snprintf(why, why_size, "%s did not end within its timeout of %d s", hook->path, hook->timeout);
                return -ETIMEDOUT;
        }
        (void) waitid(P_PIDFD, (id_t) pidfd, &si, WEXITED);
        close(pidfd);
        if (si.si_code == CLD_EXITED && si.si_status == 0)
                return 0;
        if (si.si_code == CLD_EXITED)
                snprintf(why, why_size, "%s exited with status %d", hook->path, si.si_status);
        else
                snprintf(why, why_size, "%s was killed by signal %d", hook->path, si.si_status);
        return -ECHILD;
}

int oci_hooks_run(const struct oci_hooks *h, enum oci_hook_kind k, const char *state, char *why, size_t why_size)
{
        for (size_t i = 0; i < h->n[k]; i++) {
                char one[400];
                int r = run_one(&h->list[k][i], state, one, sizeof(one));
                if (r < 0) {
                        if (r != -ECHILD && r != -ETIMEDOUT)
                                snprintf(one, sizeof(one), "%s: %s", h->list[k][i].path, strerror(-r));
                        snprintf(why, why_size, "hooks.%s[%zu]: %s", hook_names[k], i, one);
                        return r;
                }
        }
        return 0;
}
