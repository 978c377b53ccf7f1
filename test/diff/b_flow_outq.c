/* SPDX-License-Identifier: MIT */
/* b_flow_outq.c -- SIOCOUTQ is the sender's charged truesize until the peer consumes the segment (SEMANTICS 134, 139, 143). */
#include "common_b.h"

static const char *instances[] = ALL_TYPES;

static char big[70000];

static void state(const char *label, int sv[2])
{
	say("%s: outq a=%d outq b=%d inq b=%d", label, outq(sv[0]), outq(sv[1]), inq(sv[1]));
}

static void run(int argc, char **argv)
{
	int sv[2];
	static const long sizes[] = { 0, 1, 100, 1000, 4096, 8192, 36000, 65536 };
	unsigned i;
	char buf[600];

	pair(sv);
	state("fresh", sv);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char l[40];

		snprintf(l, sizeof(l), "write %ld", sizes[i]);
		show(l, send(sv[0], big, sizes[i], MSG_DONTWAIT));
		state(l, sv);
		drain(sv[1], NULL);
		state("drained", sv);
	}
	show("write 1000", send(sv[0], big, 1000, 0));
	show("write 1000", send(sv[0], big, 1000, 0));
	state("two segments", sv);
	show("read 500", recv(sv[1], buf, 500, MSG_DONTWAIT));
	state("after read 500", sv);
	show("read 500", recv(sv[1], buf, 500, MSG_DONTWAIT));
	state("after read 500", sv);
	show("read 600", recv(sv[1], buf, 600, MSG_DONTWAIT));
	state("after read 600", sv);
	show("peek 100", recv(sv[1], buf, 100, MSG_PEEK | MSG_DONTWAIT));
	state("after peek", sv);
	drain(sv[1], NULL);
	state("drained", sv);
	/* writev of three iovecs is one segment or message */
	{
		struct iovec iov[3] = { { big, 10 }, { big, 20 }, { big, 30 } };

		show("writev 10+20+30", writev(sv[0], iov, 3));
		state("after writev", sv);
	}
	/* both directions at once */
	show("write b->a 1", send(sv[1], "x", 1, 0));
	state("both", sv);
	say("outq a (from b): inq a=%d", inq(sv[0]));
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
