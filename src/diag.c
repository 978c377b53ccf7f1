/* SPDX-License-Identifier: MIT */
/* diag.c -- ask the kernel (sock_diag) which socket is the peer of one of ours. */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "internal.h"

/* Inode of the peer of the AF_UNIX socket with inode `ino`, or 0. This is
 * the kernel's own answer; nothing a peer says can change it. */
uint32_t udsx_diag_peer(uint32_t ino)
{
	struct {
		struct nlmsghdr nh;
		struct unix_diag_req rq;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST },
		.rq = { .sdiag_family = AF_UNIX, .udiag_ino = ino, .udiag_show = UDIAG_SHOW_PEER,
			.udiag_cookie = { ~0u, ~0u } },
	};
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	union {
		struct nlmsghdr nh;
		char b[1024];
	} rsp;
	uint32_t peer = 0;
	ssize_t n;
	int s;

	s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (s < 0)
		return 0;
	if (udsx_real.sendto(s, &req, sizeof(req), 0, (struct sockaddr *)&nl, sizeof(nl)) != sizeof(req))
		goto out;
	n = udsx_real.recv(s, &rsp, sizeof(rsp), 0);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct unix_diag_msg)) ||
	    !NLMSG_OK(&rsp.nh, (size_t)n) || rsp.nh.nlmsg_type != SOCK_DIAG_BY_FAMILY)
		goto out;
	{
		struct unix_diag_msg *m = NLMSG_DATA(&rsp.nh);
		int len = (int)rsp.nh.nlmsg_len - (int)NLMSG_LENGTH(sizeof(*m));
		struct rtattr *a = (struct rtattr *)(m + 1);

		if (m->udiag_ino != ino)
			goto out;
		for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
			if (a->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(a) >= sizeof(uint32_t))
				memcpy(&peer, RTA_DATA(a), sizeof(peer));
	}
out:
	udsx_real.close(s);
	return peer;
}
