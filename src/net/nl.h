/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* rtnetlink through libmnl: one socket per network namespace, one request
 * at a time, each acknowledged. libmnl rather than libnl-route-3: berth-net
 * needs a dozen requests of known shape, libmnl builds and parses them with
 * a few kilobytes of code and no object cache to keep in step with the
 * kernel, and it is what nftables itself is built on. */

#include <libmnl/libmnl.h>
#include <stdint.h>

struct nl {
        struct mnl_socket *sock;
        uint32_t seq, portid;
        char buf[16384];
};

/* Opened in the caller's current network namespace. */
int nl_open(struct nl *nl);
void nl_close(struct nl *nl);

/* A request header in nl->buf, NLM_F_REQUEST|NLM_F_ACK|flags. */
struct nlmsghdr *nl_request(struct nl *nl, uint16_t type, uint16_t flags);

/* Send and wait for the acknowledgement: 0 or the kernel's -errno. With
 * cb, every reply message is handed to it (for dumps and gets). */
int nl_talk(struct nl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data);
