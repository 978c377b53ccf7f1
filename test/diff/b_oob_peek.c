/* SPDX-License-Identifier: MIT */
/* b_oob_peek.c -- MSG_PEEK and MSG_WAITALL stop at the OOB mark; MSG_OOB|MSG_PEEK keeps the byte (SEMANTICS 122, 129, 130). */
#include "common_b.h"

static const char *instances[] = { "stream-peek", "stream-waitall", "stream-oobpeek", NULL };

static void run(int argc, char **argv)
{
	int sv[2];

	watchdog(10);
	pair(sv);
	show("send abc", send(sv[0], "abc", 3, 0));
	show("send oob hello", send(sv[0], "hello", 5, MSG_OOB));
	show("send world", send(sv[0], "world", 5, 0));
	show("inq b", inq(sv[1]));
	if (variant("peek")) {
		rcv("peek 100", sv[1], 100, MSG_PEEK);
		rcv("peek 100 again", sv[1], 100, MSG_PEEK | MSG_DONTWAIT);
		rcv("peek 3", sv[1], 3, MSG_PEEK);
		rcv("read 3", sv[1], 3, 0);
		rcv("peek 100 after 3", sv[1], 100, MSG_PEEK);
	} else if (variant("waitall")) {
		/* Must return at the mark without waiting for 100 bytes. */
		rcv("read 100 waitall", sv[1], 100, MSG_WAITALL);
		show_atmark("b", sv[1]);
		rcvmsg("recv oob", sv[1], 1, MSG_OOB);
		rcv("read 5 waitall", sv[1], 5, MSG_WAITALL);
	} else {
		rcvmsg("peek oob", sv[1], 1, MSG_OOB | MSG_PEEK);
		rcvmsg("peek oob again", sv[1], 1, MSG_OOB | MSG_PEEK);
		show_poll("b after oob peeks", sv[1]);
		rcv("read 100", sv[1], 100, 0);
		show_atmark("b", sv[1]);
		rcvmsg("peek oob at mark", sv[1], 4, MSG_OOB | MSG_PEEK);
		rcvmsg("recv oob", sv[1], 4, MSG_OOB);
		rcvmsg("peek oob gone", sv[1], 4, MSG_OOB | MSG_PEEK);
	}
	show_poll("b", sv[1]);
	rcv("read rest", sv[1], 100, MSG_DONTWAIT);
	rcv("read rest again", sv[1], 100, MSG_DONTWAIT);
	show_poll("b end", sv[1]);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
