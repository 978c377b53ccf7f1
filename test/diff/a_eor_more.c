/* SPDX-License-Identifier: MIT */
/* a_eor_more.c -- MSG_EOR and MSG_MORE accepted and ignored, MSG_EOR never reported, MSG_ERRQUEUE ignored (SEMANTICS 15, 31, 32). */
#include "common_a.h"

static const char *instances[] = ALL_TYPES;

static void run(int argc, char **argv)
{
	struct iovec iov = { "msgflags", 8 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_flags = MSG_EOR | MSG_TRUNC };
	int sv[2];

	alarm(10);
	pair(sv);
	say("-- MSG_MORE does not cork");
	show("send ab MORE", send(sv[0], "ab", 2, MSG_MORE));
	show_poll("b", sv[1]);
	show("inq b", inq(sv[1]));
	a_recv("recvmsg 16", sv[1], 16, 0, MSG_DONTWAIT);
	say("-- MSG_EOR");
	show("send cd EOR", send(sv[0], "cd", 2, MSG_EOR));
	show("send ef MORE|EOR", send(sv[0], "ef", 2, MSG_MORE | MSG_EOR));
	show("sendmsg msg_flags=EOR|TRUNC", sendmsg(sv[0], &m, 0));
	show("write gh", write(sv[0], "gh", 2));
	show("inq b", inq(sv[1]));
	a_recv("recvmsg 16", sv[1], 16, 0, MSG_DONTWAIT);
	a_recv("recvmsg 16", sv[1], 16, 0, MSG_DONTWAIT);
	a_recv("recvmsg 16 EOR", sv[1], 16, 0, MSG_DONTWAIT | MSG_EOR);
	a_recv("recvmsg 2", sv[1], 2, 0, MSG_DONTWAIT);
	a_recv("recvmsg 16", sv[1], 16, 0, MSG_DONTWAIT);
	say("-- MSG_ERRQUEUE");
	show("recv ERRQUEUE empty", recv(sv[1], (char[8]){0}, 8, MSG_ERRQUEUE | MSG_DONTWAIT));
	show("send ij", send(sv[0], "ij", 2, 0));
	a_recv("recvmsg ERRQUEUE|PEEK", sv[1], 8, 64, MSG_ERRQUEUE | MSG_PEEK);
	a_recv("recvmsg ERRQUEUE", sv[1], 8, 64, MSG_ERRQUEUE);
	show("inq b", inq(sv[1]));
	a_recv("recvmsg ERRQUEUE dontwait", sv[1], 8, 64, MSG_ERRQUEUE | MSG_DONTWAIT);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
