/* SPDX-License-Identifier: MIT */
/* a_fault.c -- EFAULT from buffers that end in an inaccessible page, are unmapped, made read-only, shrunk, replaced by mmap(MAP_FIXED) or detached (shmdt) after use (SEMANTICS 11, 12). */
#include "common_a.h"
#include <sys/mman.h>
#include <sys/shm.h>

static const char *instances[] = {
	"stream-straddle", "dgram-straddle", "seqpacket-straddle",
	"stream-unmapped", "dgram-unmapped", "seqpacket-unmapped",
	"stream-readonly", "dgram-readonly", "seqpacket-readonly",
	"stream-shrunk", "dgram-shrunk", "seqpacket-shrunk",
	"stream-mapfixed", "dgram-mapfixed", "seqpacket-mapfixed",
	"stream-shmdt", "dgram-shmdt", "seqpacket-shmdt",
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

/* A buffer used for both directions, then unmapped, made read-only,
 * shrunk, replaced by an inaccessible mmap(MAP_FIXED), or a detached
 * System V segment. */
static void after_use(int sv[2])
{
	int how = variant("unmapped") ? 0 : variant("readonly") ? 1 : variant("shrunk") ? 2 :
		  variant("mapfixed") ? 3 : 4;
	int shm = how == 4 ? shmget(IPC_PRIVATE, 2 * PG, IPC_CREAT | 0600) : -1;
	char *p = how == 4 ? (char *)shmat(shm, NULL, 0) : pages(2), *q = p + PG + 100;
	char ok[16];

	if (how == 4) {
		shmctl(shm, IPC_RMID, NULL);	/* (goes with the detach) */
		if (p == (void *)-1) {
			perror("shmat");
			exit(1);
		}
	}

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
	} else if (how == 2) {
		say("-- mremap to one page");
		if (mremap(p, 2 * PG, PG, 0) == MAP_FAILED)
			perror("mremap");
	} else if (how == 3) {
		say("-- mmap MAP_FIXED PROT_NONE over it");
		if (mmap(p, 2 * PG, PROT_NONE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != p)
			perror("mmap");
	} else {
		say("-- shmdt");
		if (shmdt(p) < 0)
			perror("shmdt");
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
	if (how == 1 || how == 3)
		munmap(p, 2 * PG);
	else if (how == 2)
		munmap(p, PG);
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
