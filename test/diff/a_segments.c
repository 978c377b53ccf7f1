/* SPDX-License-Identifier: MIT */
/* a_segments.c -- STREAM send cut into segments of sndbuf/2-64 (cap 36544), fds only on the first segment (SEMANTICS 7, 8, 9, 19, 48). */
#include "common_a.h"

static const char *instances[] = {
	"stream", "stream-sndbuf", "stream-fd", "stream-fdsmall", NULL
};

static char big[1 << 20];

/* Drain fd with non-blocking reads of up to len bytes, printing each count. */
static void drain(int fd, size_t len)
{
	long r, total = 0;
	int k = 0;

	while ((r = recv(fd, big, len, MSG_DONTWAIT)) > 0) {
		if (k++ < 12)
			say("  read: %ld", r);
		total += r;
	}
	show("  last read", r);
	say("  total: %ld", total);
}

static void run(int argc, char **argv)
{
	int sv[2], p[2];
	long i;

	for (i = 0; i < (long)sizeof(big); i++)
		big[i] = 'a' + i % 26;
	pair(sv);
	if (variant("sndbuf")) {
		a_setint("SO_SNDBUF 20000", sv[0], SOL_SOCKET, SO_SNDBUF, 20000);
		a_getint("SO_SNDBUF", sv[0], SOL_SOCKET, SO_SNDBUF);
		show("send 100000 dontwait", send(sv[0], big, 100000, MSG_DONTWAIT));
		show("inq b", inq(sv[1]));
		drain(sv[1], 100000);
	} else if (variant("fd") || variant("fdsmall")) {
		long n = variant("fd") ? 100000 : 10;

		a_pipe("pipe", p);
		show("sendmsg with fd", a_sendfds(sv[0], big, n, &p[1], 1, 0));
		show("inq b", inq(sv[1]));
		a_recv("recvmsg 200000", sv[1], 200000, 64, MSG_DONTWAIT);
		a_recv("recvmsg 200000", sv[1], 200000, 64, MSG_DONTWAIT);
		a_recv("recvmsg 200000", sv[1], 200000, 64, MSG_DONTWAIT);
		show("send 5 more", send(sv[0], "tail!", 5, 0));
		a_recv("recvmsg 200000", sv[1], 200000, 64, MSG_DONTWAIT);
	} else {
		show("send 1MiB dontwait", send(sv[0], big, sizeof(big), MSG_DONTWAIT));
		show("inq b", inq(sv[1]));
		show("send 1 dontwait", send(sv[0], big, 1, MSG_DONTWAIT));
		drain(sv[1], sizeof(big));
		say("send 100 x 10");
		for (i = 0; i < 100; i++)
			if (send(sv[0], big, 10, 0) != 10)
				say("short send %ld", i);
		show("inq b", inq(sv[1]));
		drain(sv[1], sizeof(big));
	}
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
