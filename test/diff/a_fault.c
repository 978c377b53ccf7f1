/* SPDX-License-Identifier: MIT */
/* a_fault.c -- EFAULT from buffers that end in an inaccessible page, are unmapped, made read-only or shrunk after use (SEMANTICS 11, 12). */
#include "common_a.h"
#include <sys/mman.h>

static const char *instances[] = {
	"stream-straddle", "dgram-straddle", "seqpacket-straddle",
	"stream-unmapped", "dgram-unmapped", "seqpacket-unmapped",
	"stream-readonly", "dgram-readonly", "seqpacket-readonly",
	"stream-shrunk", "dgram-shrunk", "seqpacket-shrunk",
	NULL
};

#define PG 4096

static char *pages(int n)
{
	char *p = mmap(NULL, (size_t)n * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	memset(p, '.', (size_t)n * PG);
	return p;
}

static void rd_into(const char *label, int fd, char *buf, size_t len, int flags)
{
	long r = show(label, recv(fd, buf, len, flags | MSG_DONTWAIT));

	if (r > 0)
		show_buf("  data", buf, r);
}

/* The first page is ours, the second is PROT_NONE: a buffer that runs
 * from 4 bytes before the boundary has 4 good bytes. */
static void straddle(int sv[2])
{
	char *p = pages(2), *edge = p + PG - 4;
	char ok[16];
	struct iovec v[2] = { { edge, 4 }, { p + PG, 4 } };
	struct msghdr m = { .msg_iov = v, .msg_iovlen = 2 };

	if (mprotect(p + PG, PG, PROT_NONE) < 0) {
		perror("mprotect");
		exit(1);
	}
	memcpy(edge, "wxyz", 4);
	show("send 4 good bytes", send(sv[0], edge, 4, 0));
	show("send 8 over the edge", send(sv[0], edge, 8, 0));
	show("inq b", inq(sv[1]));
	rd_into("recv 16", sv[1], ok, sizeof(ok), 0);
	show("send 12345678", send(sv[0], "12345678", 8, 0));
	show("send abcd", send(sv[0], "abcd", 4, 0));
	show_poll("b", sv[1]);
	rd_into("peek 8 over the edge", sv[1], edge, 8, MSG_PEEK);
	show("inq b", inq(sv[1]));
	rd_into("recv 8 over the edge", sv[1], edge, 8, 0);
	show("inq b", inq(sv[1]));
	show_poll("b", sv[1]);
	rd_into("recv 4 before the edge", sv[1], edge, 4, 0);
	show("inq b", inq(sv[1]));
	show("recvmsg [good 4][none 4]", recvmsg(sv[1], &m, MSG_DONTWAIT));
	show("inq b", inq(sv[1]));
	show_poll("b", sv[1]);
	rd_into("recv 16", sv[1], ok, sizeof(ok), 0);
	say("-- two messages, the second over the edge");
	show("send efgh", send(sv[0], "efgh", 4, 0));
	show("send ijkl", send(sv[0], "ijkl", 4, 0));
	rd_into("recv 8 over the edge", sv[1], edge, 8, 0);
	show("inq b", inq(sv[1]));
	rd_into("recv 16", sv[1], ok, sizeof(ok), 0);
	rd_into("recv 16", sv[1], ok, sizeof(ok), 0);
	munmap(p, 2 * PG);
}

/* A buffer used for both directions, then unmapped, made read-only, or
 * shrunk under it. */
static void after_use(int sv[2])
{
	char *p = pages(2), *q = p + PG + 100;
	char ok[16];
	int how = variant("unmapped") ? 0 : variant("readonly") ? 1 : 2;

	memcpy(q, "good", 4);
	show("send from buf", send(sv[0], q, 4, 0));
	rd_into("recv into buf", sv[1], q, 16, 0);
	show("send from buf", send(sv[0], q, 4, 0));
	rd_into("recv into buf", sv[1], q, 16, 0);
	if (how == 0) {
		say("-- munmap");
		munmap(p, 2 * PG);
	} else if (how == 1) {
		say("-- mprotect PROT_READ");
		mprotect(p, 2 * PG, PROT_READ);
	} else {
		say("-- mremap to one page");
		if (mremap(p, 2 * PG, PG, 0) == MAP_FAILED)
			perror("mremap");
	}
	show("send from buf", send(sv[0], q, 4, 0));
	show("inq b", inq(sv[1]));
	show("send next", send(sv[0], "next", 4, 0));
	show_poll("b", sv[1]);
	rd_into("recv into buf", sv[1], q, 16, 0);
	show("inq b", inq(sv[1]));
	show_poll("b", sv[1]);
	rd_into("recv 16", sv[1], ok, sizeof(ok), 0);
	rd_into("recv 16", sv[1], ok, sizeof(ok), 0);
	if (how != 0)
		munmap(p, how == 1 ? 2 * PG : PG);
}

static void run(int argc, char **argv)
{
	int sv[2];

	(void)argc;
	(void)argv;
	pair(sv);
	if (variant("straddle"))
		straddle(sv);
	else
		after_use(sv);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
