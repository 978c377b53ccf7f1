/* SPDX-License-Identifier: MIT */
/* a_rights_max.c -- SCM_MAX_FD = 253 per message, several SCM_RIGHTS cmsgs joined into one list (SEMANTICS 41, 42, 51). */
#include "common_a.h"

static const char *instances[] = ALL_TYPES;

static union {
	char b[CMSG_SPACE(300 * sizeof(int)) * 2];
	struct cmsghdr align;
} u;

static int sv[2], p[2];

/* Send "M" with two SCM_RIGHTS cmsgs of n1 and n2 copies of p[1]. */
static void send2(const char *label, int n1, int n2)
{
	struct iovec iov = { "M", 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b };
	struct cmsghdr *c;
	int i, k, n[2] = { n1, n2 };

	memset(&u, 0, sizeof(u));
	m.msg_controllen = CMSG_SPACE(n1 * sizeof(int)) + (n2 ? CMSG_SPACE(n2 * sizeof(int)) : 0);
	c = CMSG_FIRSTHDR(&m);
	for (k = 0; k < 2 && n[k]; k++) {
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(n[k] * sizeof(int));
		for (i = 0; i < n[k]; i++)
			memcpy(CMSG_DATA(c) + i * sizeof(int), &p[1], sizeof(int));
		c = CMSG_NXTHDR(&m, c);
	}
	show(label, sendmsg(sv[0], &m, MSG_DONTWAIT));
}

static void recv_check(const char *label, size_t ctl)
{
	int i, ok = 0;

	a_keep = 1;
	if (a_recv(label, sv[1], 8, ctl, MSG_DONTWAIT) < 0)
		return;
	for (i = 0; i < a_nfds; i++)
		ok += !strcmp(a_ident(a_fds[i]), "p:w");
	say("  received fds: %d, all p:w: %s", a_nfds, ok == a_nfds ? "yes" : "no");
	a_close_fds();
	a_keep = 0;
}

static void run(int argc, char **argv)
{
	int fds[254], i;

	pair(sv);
	a_pipe("p", p);
	for (i = 0; i < 254; i++)
		fds[i] = p[1];
	show("send 253 fds", a_sendfds(sv[0], "A", 1, fds, 253, MSG_DONTWAIT));
	show("send 254 fds", a_sendfds(sv[0], "B", 1, fds, 254, MSG_DONTWAIT));
	send2("send 100 + 153 fds in two cmsgs", 100, 153);
	send2("send 200 + 54 fds in two cmsgs", 200, 54);
	send2("send 1 + 1 fds in two cmsgs", 1, 1);
	show("inq b", inq(sv[1]));
	recv_check("recvmsg (room for 300)", CMSG_SPACE(300 * sizeof(int)));
	recv_check("recvmsg (room for 300)", CMSG_SPACE(300 * sizeof(int)));
	recv_check("recvmsg (room for 300)", CMSG_SPACE(300 * sizeof(int)));
	recv_check("recvmsg (room for 300)", CMSG_SPACE(300 * sizeof(int)));
	close(p[1]);
	a_pipe_state("p", p[0]);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
