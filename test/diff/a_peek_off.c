/* SPDX-License-Identifier: MIT */
/* a_peek_off.c -- MSG_PEEK with and without SO_PEEK_OFF: default -1, offset moves with peeks and reads, per-message on DGRAM/SEQPACKET (SEMANTICS 94, 95, 96, 97, 98, 100, 101, 102, 103, 104, 105). */
#include "common_a.h"

static const char *instances[] = ALL_TYPES;

static int sv[2];

static void off(void)
{
	int v = -12345;
	socklen_t l = sizeof(v);

	if (getsockopt(sv[1], SOL_SOCKET, SO_PEEK_OFF, &v, &l) < 0)
		show("  SO_PEEK_OFF", -1);
	else
		say("  SO_PEEK_OFF=%d", v);
}

static void setoff(int v)
{
	char l[32];

	snprintf(l, sizeof(l), "set SO_PEEK_OFF %d", v);
	a_setint(l, sv[1], SOL_SOCKET, SO_PEEK_OFF, v);
	off();
}

static void pk(const char *label, size_t len, int flags)
{
	a_recv(label, sv[1], len, 0, MSG_DONTWAIT | MSG_PEEK | flags);
	off();
}

static void rd(const char *label, size_t len)
{
	a_recv(label, sv[1], len, 0, MSG_DONTWAIT);
	off();
}

static void run(int argc, char **argv)
{
	int s;

	pair(sv);
	off();
	setoff(-5);
	setoff(-1);
	show("send abcd", send(sv[0], "abcd", 4, 0));
	show("send efgh", send(sv[0], "efgh", 4, 0));
	show("send ijkl", send(sv[0], "ijkl", 4, 0));
	say("-- offset off");
	pk("peek 2", 2, 0);
	pk("peek 2", 2, 0);
	pk("peek 20", 20, 0);
	say("-- offset on");
	setoff(0);
	pk("peek 3", 3, 0);
	pk("peek 3", 3, 0);
	pk("peek 8", 8, 0);
	pk("peek 8", 8, 0);
	pk("peek 0 TRUNC", 0, MSG_TRUNC);
	rd("recv 1", 1);
	pk("peek 8", 8, 0);
	pk("peek 8", 8, 0);
	pk("peek 8", 8, 0);
	rd("recv 8", 8);
	pk("peek 8 TRUNC", 8, MSG_TRUNC);
	rd("recv 8", 8);
	rd("recv 8", 8);
	say("-- zero-length messages and the offset");
	show("send empty", send(sv[0], "", 0, 0));
	show("send mn", send(sv[0], "mn", 2, 0));
	setoff(0);
	pk("peek 8", 8, 0);
	pk("peek 8", 8, 0);
	pk("peek 8", 8, 0);
	setoff(-1);
	pk("peek 8", 8, 0);
	pk("peek 8", 8, 0);
	rd("recv 8", 8);
	setoff(1);
	pk("peek 1 TRUNC (offset 1 into mn)", 1, MSG_TRUNC);
	rd("recv 8", 8);
	rd("recv 8", 8);
	say("-- MSG_TRUNC peek in the middle of a message");
	show("send abcdef", send(sv[0], "abcdef", 6, 0));
	setoff(2);
	pk("peek 1 TRUNC", 1, MSG_TRUNC);
	pk("peek 0 TRUNC", 0, MSG_TRUNC);
	pk("peek 8 TRUNC", 8, MSG_TRUNC);
	rd("recv 8", 8);
	say("-- large offset, unconnected socket");
	setoff(1000);
	show("send xyz", send(sv[0], "xyz", 3, 0));
	pk("peek 8", 8, 0);
	rd("recv 8", 8);
	s = socket(AF_UNIX, T_TYPE, 0);
	a_setint("SO_PEEK_OFF 7 on unconnected socket", s, SOL_SOCKET, SO_PEEK_OFF, 7);
	a_getint("SO_PEEK_OFF", s, SOL_SOCKET, SO_PEEK_OFF);
	close(s);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
