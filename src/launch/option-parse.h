/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "settings.h"

struct assignment;

/* The parsers of option_table (options.c), in option-parse.c: each takes
 * an assignment's value into s, returns 0, 1 when berth is done (--help,
 * --version), or -errno after logging the problem. */
int opt_flag(struct settings *s, const struct assignment *a);         /* the bool at the option's offset */
int opt_help(struct settings *s, const struct assignment *a);
int opt_version(struct settings *s, const struct assignment *a);
int opt_quiet(struct settings *s, const struct assignment *a);
int opt_settings(struct settings *s, const struct assignment *a);
int opt_directory(struct settings *s, const struct assignment *a);
int opt_image(struct settings *s, const struct assignment *a);
int opt_name(struct settings *s, const struct assignment *a);
int opt_hostname(struct settings *s, const struct assignment *a);
int opt_user(struct settings *s, const struct assignment *a);
int opt_chdir(struct settings *s, const struct assignment *a);
int opt_upper(struct settings *s, const struct assignment *a);
int opt_bind(struct settings *s, const struct assignment *a);
int opt_bind_ro(struct settings *s, const struct assignment *a);
int opt_tmpfs(struct settings *s, const struct assignment *a);
int opt_device(struct settings *s, const struct assignment *a);
int opt_setenv(struct settings *s, const struct assignment *a);
int opt_uuid(struct settings *s, const struct assignment *a);
int opt_console(struct settings *s, const struct assignment *a);
int opt_resolv_conf(struct settings *s, const struct assignment *a);
int opt_timezone(struct settings *s, const struct assignment *a);
int opt_stop_timeout(struct settings *s, const struct assignment *a);
int opt_private_users(struct settings *s, const struct assignment *a);
int opt_U(struct settings *s, const struct assignment *a);
int opt_ownership(struct settings *s, const struct assignment *a);
int opt_cgroup(struct settings *s, const struct assignment *a);
int opt_slice(struct settings *s, const struct assignment *a);
int opt_register(struct settings *s, const struct assignment *a);
int opt_signal(struct settings *s, const struct assignment *a);       /* the int at the option's offset */
int opt_capability(struct settings *s, const struct assignment *a);   /* the uint64_t at the option's offset */
int opt_notify_ready(struct settings *s, const struct assignment *a);
int opt_lxcfs(struct settings *s, const struct assignment *a);
int opt_limit(struct settings *s, const struct assignment *a);      /* MemoryMax=, IOWeight=, ... */
int opt_cpu_affinity(struct settings *s, const struct assignment *a);
int opt_parameters(struct settings *s, const struct assignment *a);
int opt_system_call_filter(struct settings *s, const struct assignment *a);
/* args-network.c */
int opt_network_bridge(struct settings *s, const struct assignment *a);
int opt_network_zone(struct settings *s, const struct assignment *a);
int opt_port(struct settings *s, const struct assignment *a);
int opt_network_interface(struct settings *s, const struct assignment *a);
int opt_network_macvlan(struct settings *s, const struct assignment *a);
int opt_network_ipvlan(struct settings *s, const struct assignment *a);
int opt_network_veth_extra(struct settings *s, const struct assignment *a);
int opt_network_namespace_path(struct settings *s, const struct assignment *a);
int opt_network_rate(struct settings *s, const struct assignment *a);
int opt_network_address_pool(struct settings *s, const struct assignment *a);
int opt_network_mac(struct settings *s, const struct assignment *a);

/* no | pick | yes | UID[:COUNT], without a word: -EINVAL when it is none. */
int private_users_from_string(const char *arg, enum private_users *ret_mode, uint32_t *ret_base,
                              uint32_t *ret_size);
