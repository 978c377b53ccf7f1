/* SPDX-License-Identifier: MIT */
/* a_inq.c -- SIOCINQ/FIONREAD per type: total bytes, sum of messages, or first message only (SEMANTICS 33, 35). */
#include "common_a.h"
#include <sys/mman.h>

static const char *instances[] = ALL_TYPES;
/* (volatile: the compiler must not see what it is) */
static void *volatile bad = (void *)16;

static void both(const char *label, int fd)
{
	int n = -1;

	if (ioctl(fd, FIONREAD, &n) < 0)
		n = -errno;
	say("%s: SIOCINQ=%d FIONREAD=%d", label, inq(fd), n);
}

static void run(int argc, char **argv)
{
	char b[64];
	int sv[2], p[2];
	void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	pair(sv);
	both("fresh b", sv[1]);
	show("send empty", send(sv[0], "", 0, 0));
	both("b", sv[1]);
	show("send 5", send(sv[0], "12345", 5, 0));
	both("b", sv[1]);
	show("send 7", send(sv[0], "abcdefg", 7, 0));
	both("b", sv[1]);
	both("a (sender)", sv[0]);
	show("peek 3", recv(sv[1], b, 3, MSG_PEEK | MSG_DONTWAIT));
	both("b after peek", sv[1]);
	show("recv 3", recv(sv[1], b, 3, MSG_DONTWAIT));
	both("b", sv[1]);
	show("recv 3", recv(sv[1], b, 3, MSG_DONTWAIT));
	both("b", sv[1]);
	show("recv 3", recv(sv[1], b, 3, MSG_DONTWAIT));
	both("b", sv[1]);
	a_pipe("pipe", p);
	show("sendmsg 4 + fd", a_sendfds(sv[0], "FDFD", 4, &p[1], 1, 0));
	both("b", sv[1]);
	while (recv(sv[1], b, sizeof(b), MSG_DONTWAIT) >= 0)
		;
	both("b drained", sv[1]);
	say("-- 10 queued, 4 read");
	show("send 10", send(sv[0], "0123456789", 10, 0));
	show("recv 4", recv(sv[1], b, 4, MSG_DONTWAIT));
	both("b", sv[1]);
	show("send 2", send(sv[0], "xy", 2, 0));
	both("b", sv[1]);
	show("ioctl SIOCINQ NULL", ioctl(sv[1], SIOCINQ, NULL));
	show("ioctl SIOCINQ bad pointer", ioctl(sv[1], SIOCINQ, bad));
	show("ioctl SIOCOUTQ bad pointer", ioctl(sv[0], SIOCOUTQ, bad));
	show("ioctl FIONREAD read-only", ioctl(sv[1], FIONREAD, ro));
	close(sv[0]);
	both("b after peer close", sv[1]);
	close(sv[1]);
}

SCENARIO_MAIN
