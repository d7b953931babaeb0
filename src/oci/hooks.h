/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* config.md's hooks: programs the runtime runs at points of the life
 * cycle, each with the container's state on its standard input. */
enum oci_hook_kind {
        OCI_HOOK_PRESTART,              /* deprecated: as createRuntime, before it */
        OCI_HOOK_CREATE_RUNTIME,        /* create, in berth-oci's namespaces, before pivot_root */
        OCI_HOOK_CREATE_CONTAINER,      /* create, in the container's mount namespace, before pivot_root */
        OCI_HOOK_START_CONTAINER,       /* start, in the container, before process.args runs */
        OCI_HOOK_POSTSTART,             /* start, after the process runs, before start returns */
        OCI_HOOK_POSTSTOP,              /* delete, after the container is gone */
        _OCI_HOOK_MAX,
};

struct oci_hook {
        char *path;             /* absolute */
        char **args;            /* argv, NULL: just path */
        char **env;             /* the whole environment; NULL: empty */
        int timeout;            /* seconds; 0: none */
};

struct oci_hooks {
        struct oci_hook *list[_OCI_HOOK_MAX];
        size_t n[_OCI_HOOK_MAX];
        char *json;             /* the hooks object as config.json had it, for the state */
};

const char *oci_hook_name(enum oci_hook_kind k);
struct json_object;
/* config.json's "hooks" (NULL: none); on failure why names the field. */
int oci_hooks_parse(struct json_object *o, struct oci_hooks *ret, char *why, size_t why_size);
int oci_hooks_parse_text(const char *json, struct oci_hooks *ret, char *why, size_t why_size);
void oci_hooks_done(struct oci_hooks *h);
/* Run each hook of kind k in order, with state (JSON) on its standard
 * input and a timeout; the first that fails ends it: -errno, with why
 * saying which hook and how (its exit status, its signal, the timeout). */
int oci_hooks_run(const struct oci_hooks *h, enum oci_hook_kind k, const char *state, char *why, size_t why_size);
