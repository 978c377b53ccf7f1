/* SPDX-License-Identifier: MIT */
/* a_rights_zero.c -- fds with zero-length data (dropped on STREAM, delivered on DGRAM/SEQPACKET) and fds taken by a 0-byte read (SEMANTICS 28, 46, 47, 57, 65, 66). */
#include "common_a.h"

static const char *instances[] = ALL_TYPES;

static void run(int argc, char **argv)
{
	int sv[2], p[2], q[2];

	pair(sv);
	a_pipe("p", p);
	a_pipe("q", q);
	say("-- 0 bytes + fd");
	show("sendmsg 0 bytes + p:w", a_sendfds(sv[0], "", 0, &p[1], 1, 0));
	close(p[1]);
	a_pipe_state("p with own write end closed", p[0]);
	show("inq b", inq(sv[1]));
	show_poll("b", sv[1]);
	a_recv("recvmsg 8", sv[1], 8, 64, MSG_DONTWAIT);
	a_pipe_state("p", p[0]);
	say("-- 0-byte buffer on a segment with fds");
	show("sendmsg abcd + q:w", a_sendfds(sv[0], "abcd", 4, &q[1], 1, 0));
	show("send efgh", send(sv[0], "efgh", 4, 0));
	a_recv("recvmsg 0", sv[1], 0, 64, MSG_DONTWAIT);
	show("inq b", inq(sv[1]));
	a_recv("recvmsg 0 again", sv[1], 0, 64, MSG_DONTWAIT);
	show("inq b", inq(sv[1]));
	a_recv("recvmsg 8", sv[1], 8, 64, MSG_DONTWAIT);
	a_recv("recvmsg 8", sv[1], 8, 64, MSG_DONTWAIT);
	close(q[1]);
	a_pipe_state("q", q[0]);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
