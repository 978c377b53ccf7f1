/* SPDX-License-Identifier: MIT */
/* a_cmsg_errors.c -- malformed or unknown cmsgs, bad fds and too many fds fail the send and queue nothing (SEMANTICS 36, 37, 38, 39, 40, 41). */
#include "common_a.h"
#include <sys/syscall.h>
#include <linux/io_uring.h>

static const char *instances[] = {
	"stream", "dgram", "seqpacket", "stream-iouring", "seqpacket-iouring", NULL
};

static union {
	char b[4096];
	struct cmsghdr align;
} u;

static int sv[2];

/* Send "data" with ctl bytes of u.b as control and print result and SIOCINQ. */
static void try(const char *label, size_t ctl)
{
	struct iovec iov = { "data", 4 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = u.b, .msg_controllen = ctl };

	show(label, sendmsg(sv[0], &m, MSG_DONTWAIT));
	say("  inq b: %d", inq(sv[1]));
}

static struct cmsghdr *hdr(size_t off, int level, int type, size_t len)
{
	struct cmsghdr *c = (struct cmsghdr *)(u.b + off);

	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = len;
	return c;
}

static void put_fds(struct cmsghdr *c, const int *fds, int n)
{
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
}

static void drain(void)
{
	while (a_recv("recvmsg", sv[1], 16, 256, MSG_DONTWAIT) >= 0)
		;
}

static void run(int argc, char **argv)
{
	int p[2], fds[300], i, closed;
	struct cmsghdr *c;

	pair(sv);
	a_pipe("pipe", p);
	if (variant("iouring")) {
		struct io_uring_params par = { 0 };
		int ring = syscall(__NR_io_uring_setup, 4, &par);

		if (ring < 0) {
			say("io_uring unavailable: %s", errname(errno));
			return;
		}
		memset(&u, 0, sizeof(u));
		c = hdr(0, SOL_SOCKET, SCM_RIGHTS, CMSG_LEN(sizeof(int)));
		put_fds(c, &ring, 1);
		try("io_uring fd", CMSG_SPACE(sizeof(int)));
		fds[0] = p[1];
		fds[1] = ring;
		c = hdr(0, SOL_SOCKET, SCM_RIGHTS, CMSG_LEN(2 * sizeof(int)));
		put_fds(c, fds, 2);
		try("pipe + io_uring fd", CMSG_SPACE(2 * sizeof(int)));
		close(ring);
		drain();
		return;
	}
	memset(&u, 0, sizeof(u));
	hdr(0, SOL_SOCKET, SCM_RIGHTS, sizeof(struct cmsghdr) - 1);
	try("cmsg_len < sizeof(cmsghdr)", CMSG_SPACE(sizeof(int)));
	c = hdr(0, SOL_SOCKET, SCM_RIGHTS, CMSG_LEN(sizeof(int)));
	put_fds(c, &p[1], 1);
	try("cmsg_len > controllen", CMSG_LEN(sizeof(int)) - 1);
	try("controllen < sizeof(cmsghdr)", sizeof(struct cmsghdr) - 1);
	hdr(0, SOL_SOCKET, SCM_RIGHTS, CMSG_LEN(0));
	try("SCM_RIGHTS with 0 fds", CMSG_SPACE(0));
	c = hdr(0, SOL_SOCKET, SCM_RIGHTS, CMSG_LEN(sizeof(int)) + 2);
	put_fds(c, &p[1], 1);
	try("SCM_RIGHTS len CMSG_LEN(4)+2", CMSG_SPACE(2 * sizeof(int)));
	hdr(0, SOL_IP, 1, CMSG_LEN(sizeof(int)));
	try("level SOL_IP skipped", CMSG_SPACE(sizeof(int)));
	hdr(0, 12345, SCM_RIGHTS, CMSG_LEN(sizeof(int)));
	try("level 12345 skipped", CMSG_SPACE(sizeof(int)));
	hdr(0, SOL_SOCKET, 99, CMSG_LEN(sizeof(int)));
	try("SOL_SOCKET type 99", CMSG_SPACE(sizeof(int)));
	hdr(0, SOL_SOCKET, SCM_PIDFD, CMSG_LEN(sizeof(int)));
	try("SOL_SOCKET SCM_PIDFD", CMSG_SPACE(sizeof(int)));
	memset(&u, 0, sizeof(u));
	c = hdr(0, SOL_SOCKET, SCM_RIGHTS, CMSG_LEN(sizeof(int)));
	put_fds(c, &p[1], 1);
	hdr(CMSG_SPACE(sizeof(int)), SOL_SOCKET, 99, CMSG_LEN(sizeof(int)));
	try("good SCM_RIGHTS then type 99", 2 * CMSG_SPACE(sizeof(int)));
	hdr(CMSG_SPACE(sizeof(int)), SOL_SOCKET, SCM_RIGHTS, 4);
	try("good SCM_RIGHTS then cmsg_len 4", 2 * CMSG_SPACE(sizeof(int)));
	hdr(CMSG_SPACE(sizeof(int)), SOL_IP, 7, CMSG_LEN(0));
	try("good SCM_RIGHTS then SOL_IP", 2 * CMSG_SPACE(sizeof(int)));
	say("-- bad fds");
	memset(&u, 0, sizeof(u));
	c = hdr(0, SOL_SOCKET, SCM_RIGHTS, CMSG_LEN(sizeof(int)));
	fds[0] = -1;
	put_fds(c, fds, 1);
	try("fd -1", CMSG_SPACE(sizeof(int)));
	closed = dup(p[1]);
	close(closed);
	fds[0] = p[1];
	fds[1] = closed;
	c = hdr(0, SOL_SOCKET, SCM_RIGHTS, CMSG_LEN(2 * sizeof(int)));
	put_fds(c, fds, 2);
	try("pipe + closed fd", CMSG_SPACE(2 * sizeof(int)));
	fds[0] = 1 << 20;
	c = hdr(0, SOL_SOCKET, SCM_RIGHTS, CMSG_LEN(sizeof(int)));
	put_fds(c, fds, 1);
	try("fd 1<<20", CMSG_SPACE(sizeof(int)));
	say("-- too many fds");
	for (i = 0; i < 254; i++)
		fds[i] = p[1];
	c = hdr(0, SOL_SOCKET, SCM_RIGHTS, CMSG_LEN(254 * sizeof(int)));
	put_fds(c, fds, 254);
	try("254 fds", CMSG_SPACE(254 * sizeof(int)));
	say("-- NULL control, controllen > 0");
	{
		struct iovec iov = { "nul", 3 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = NULL, .msg_controllen = 24 };

		show("sendmsg", sendmsg(sv[0], &m, MSG_DONTWAIT));
		say("  inq b: %d", inq(sv[1]));
	}
	say("-- what arrived");
	drain();
	a_pipe_state("pipe", p[0]);
	close(p[1]);
	a_pipe_state("pipe after close of own write end", p[0]);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
