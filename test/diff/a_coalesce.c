/* SPDX-License-Identifier: MIT */
/* a_coalesce.c -- STREAM reads merge send calls and keep the rest of a short read; DGRAM/SEQPACKET return one message per read (SEMANTICS 19, 21, 23, 33, 35). */
#include "common_a.h"

static const char *instances[] = ALL_TYPES;

static void run(int argc, char **argv)
{
	char buf[2048];
	int sv[2], i, n;
	long r;

	pair(sv);
	say("-- three 3-byte sends");
	show("send abc", send(sv[0], "abc", 3, 0));
	show("send def", send(sv[0], "def", 3, 0));
	show("send ghi", send(sv[0], "ghi", 3, 0));
	show("inq b", inq(sv[1]));
	a_recv("recvmsg 64", sv[1], 64, 0, MSG_DONTWAIT);
	show("inq b", inq(sv[1]));
	a_recv("recvmsg 64", sv[1], 64, 0, MSG_DONTWAIT);
	a_recv("recvmsg 64", sv[1], 64, 0, MSG_DONTWAIT);
	a_recv("recvmsg 64", sv[1], 64, 0, MSG_DONTWAIT);
	say("-- short reads of a 10-byte send");
	show("send 0123456789", send(sv[0], "0123456789", 10, 0));
	show("send XY", send(sv[0], "XY", 2, 0));
	show("inq b", inq(sv[1]));
	a_recv("recvmsg 4", sv[1], 4, 0, MSG_DONTWAIT);
	show("inq b", inq(sv[1]));
	a_recv("recvmsg 4", sv[1], 4, 0, MSG_DONTWAIT);
	show("inq b", inq(sv[1]));
	a_recv("recvmsg 5", sv[1], 5, 0, MSG_DONTWAIT);
	show("inq b", inq(sv[1]));
	a_recv("recvmsg 5", sv[1], 5, 0, MSG_DONTWAIT);
	show("inq b", inq(sv[1]));
	say("-- 100 sends of 10 bytes");
	for (i = 0, n = 0; i < 100; i++) {
		snprintf(buf, sizeof(buf), "<%07d>", i);
		n += send(sv[0], buf, 10, 0) == 10;
	}
	say("sends ok: %d", n);
	show("inq b", inq(sv[1]));
	r = show("recv 2048", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
	if (r > 0)
		show_buf("  data", buf, r);
	for (n = 1; recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) > 0; n++)
		;
	say("reads to drain: %d", n);
	say("-- both directions at once");
	show("a send 'to b'", send(sv[0], "to b", 4, 0));
	show("b send 'to a'", send(sv[1], "to a", 4, 0));
	show("b send '!'", send(sv[1], "!", 1, 0));
	a_rd("a recv 64", sv[0], 64, MSG_DONTWAIT);
	a_rd("b recv 64", sv[1], 64, MSG_DONTWAIT);
	a_rd("a recv 64", sv[0], 64, MSG_DONTWAIT);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
