/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "nl.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <time.h>

int nl_open(struct nl *nl)
{
        nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
        if (!nl->sock)
                return -errno;
        if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
                int r = -errno;
                mnl_socket_close(nl->sock);
                nl->sock = NULL;
                return r;
        }
        nl->portid = mnl_socket_get_portid(nl->sock);
        nl->seq = (uint32_t) time(NULL);
        return 0;
}

void nl_close(struct nl *nl)
{
        if (nl->sock)
                mnl_socket_close(nl->sock);
        nl->sock = NULL;
}

struct nlmsghdr *nl_request(struct nl *nl, uint16_t type, uint16_t flags)
{
        struct nlmsghdr *h = mnl_nlmsg_put_header(nl->buf);

        h->nlmsg_type = type;
        h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        h->nlmsg_seq = ++nl->seq;
        return h;
}

int nl_talk(struct nl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
        uint32_t seq = req->nlmsg_seq;
        char rbuf[MNL_SOCKET_BUFFER_SIZE];
        ssize_t n;
        int r;

        if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
                return -errno;
        do {
                n = mnl_socket_recvfrom(nl->sock, rbuf, sizeof(rbuf));
                if (n < 0)
                        return -errno;
                /* mnl_cb_run sets errno from an NLMSG_ERROR and stops at
                 * the ACK or NLMSG_DONE. */
                r = mnl_cb_run(rbuf, (size_t) n, seq, nl->portid, cb, data);
        } while (r == MNL_CB_OK);
        return r < 0 ? -errno : 0;
}
