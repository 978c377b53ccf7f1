/* SPDX-License-Identifier: MIT */
/* a_trunc.c -- MSG_TRUNC in and out: truncation of messages, real length with MSG_TRUNC, 0-byte buffers, STREAM ignores it (SEMANTICS 21, 22, 24, 25, 26, 27, 28). */
#include "common_a.h"

static const char *instances[] = ALL_TYPES;

static void run(int argc, char **argv)
{
	char b[16];
	int sv[2];

	pair(sv);
	say("-- output MSG_TRUNC");
	show("send 0123456789", send(sv[0], "0123456789", 10, 0));
	show("send abcd", send(sv[0], "abcd", 4, 0));
	a_recv("recvmsg 4", sv[1], 4, 0, MSG_DONTWAIT);
	show("inq b", inq(sv[1]));
	a_recv("recvmsg 4", sv[1], 4, 0, MSG_DONTWAIT);
	a_recv("recvmsg 4", sv[1], 4, 0, MSG_DONTWAIT);
	a_recv("recvmsg 4", sv[1], 4, 0, MSG_DONTWAIT);
	say("-- input MSG_TRUNC");
	show("send 0123456789", send(sv[0], "0123456789", 10, 0));
	show("send abcd", send(sv[0], "abcd", 4, 0));
	a_recv("recvmsg 4 TRUNC|PEEK", sv[1], 4, 0, MSG_DONTWAIT | MSG_TRUNC | MSG_PEEK);
	show("recv NULL,0 TRUNC|PEEK", recv(sv[1], NULL, 0, MSG_DONTWAIT | MSG_TRUNC | MSG_PEEK));
	show("inq b", inq(sv[1]));
	a_recv("recvmsg 4 TRUNC", sv[1], 4, 0, MSG_DONTWAIT | MSG_TRUNC);
	show("inq b", inq(sv[1]));
	show("recvfrom 2 TRUNC", recvfrom(sv[1], b, 2, MSG_DONTWAIT | MSG_TRUNC, NULL, NULL));
	show_buf("  data", b, 2);
	show("inq b", inq(sv[1]));
	a_recv("recvmsg 16 TRUNC", sv[1], 16, 0, MSG_DONTWAIT | MSG_TRUNC);
	a_recv("recvmsg 16 TRUNC", sv[1], 16, 0, MSG_DONTWAIT | MSG_TRUNC);
	say("-- exact fit");
	show("send wxyz", send(sv[0], "wxyz", 4, 0));
	a_recv("recvmsg 4", sv[1], 4, 0, MSG_DONTWAIT);
	say("-- 0-byte buffer");
	show("send 12345", send(sv[0], "12345", 5, 0));
	show("send 678", send(sv[0], "678", 3, 0));
	a_recv("recvmsg 0", sv[1], 0, 0, MSG_DONTWAIT);
	show("inq b", inq(sv[1]));
	a_recv("recvmsg 0 TRUNC", sv[1], 0, 0, MSG_DONTWAIT | MSG_TRUNC);
	show("inq b", inq(sv[1]));
	a_recv("recvmsg 16", sv[1], 16, 0, MSG_DONTWAIT);
	a_recv("recvmsg 16", sv[1], 16, 0, MSG_DONTWAIT);
	say("-- empty message with MSG_TRUNC");
	show("send empty", send(sv[0], "", 0, 0));
	show("recv NULL,0 TRUNC|PEEK", recv(sv[1], NULL, 0, MSG_DONTWAIT | MSG_TRUNC | MSG_PEEK));
	a_recv("recvmsg 0", sv[1], 0, 0, MSG_DONTWAIT);
	a_recv("recvmsg 4 TRUNC", sv[1], 4, 0, MSG_DONTWAIT | MSG_TRUNC);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
