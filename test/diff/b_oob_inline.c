/* SPDX-License-Identifier: MIT */
/* b_oob_inline.c -- SO_OOBINLINE keeps the urgent byte in the stream; recv(MSG_OOB) is EINVAL (SEMANTICS 123, 128). */
#include "common_b.h"

static const char *instances[] = { "stream", "stream-late", "stream-two", NULL };

static void run(int argc, char **argv)
{
	int sv[2], one = 1;

	pair(sv);
	if (!variant("late"))
		show("set oobinline", setsockopt(sv[1], SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one)));
	say("oobinline: %d", getint(sv[1], SOL_SOCKET, SO_OOBINLINE));
	show("send oob hello", send(sv[0], "hello", 5, MSG_OOB));
	if (variant("two"))
		show("send oob XY", send(sv[0], "XY", 2, MSG_OOB));
	show("send world", send(sv[0], "world", 5, 0));
	if (variant("late"))
		show("set oobinline late", setsockopt(sv[1], SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one)));
	show_poll("b", sv[1]);
	show("inq b", inq(sv[1]));
	rcvmsg("recv oob", sv[1], 1, MSG_OOB | MSG_DONTWAIT);
	rcv("read 100", sv[1], 100, MSG_DONTWAIT);
	show_atmark("b", sv[1]);
	show_poll("b", sv[1]);
	show("inq b", inq(sv[1]));
	rcv("peek 100", sv[1], 100, MSG_PEEK | MSG_DONTWAIT);
	rcv("read 100", sv[1], 100, MSG_DONTWAIT);
	show_atmark("b", sv[1]);
	show_poll("b", sv[1]);
	rcv("read 100", sv[1], 100, MSG_DONTWAIT);
	rcv("read 100", sv[1], 100, MSG_DONTWAIT);
	show("inq b", inq(sv[1]));
	show_poll("b end", sv[1]);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
