/* SPDX-License-Identifier: MIT */
/* a_passrights.c -- SO_PASSRIGHTS=0 on the receiver makes fd-carrying sends fail with EPERM and queue nothing (SEMANTICS 43). */
#include "common_a.h"

static const char *instances[] = ALL_TYPES;

static void run(int argc, char **argv)
{
	int sv[2], p[2];

	pair(sv);
	a_pipe("p", p);
	a_getint("SO_PASSRIGHTS b default", sv[1], SOL_SOCKET, SO_PASSRIGHTS);
	show("send fd before", a_sendfds(sv[0], "early", 5, &p[1], 1, 0));
	a_setint("SO_PASSRIGHTS b = 0", sv[1], SOL_SOCKET, SO_PASSRIGHTS, 0);
	a_getint("SO_PASSRIGHTS b", sv[1], SOL_SOCKET, SO_PASSRIGHTS);
	show("send fd a->b", a_sendfds(sv[0], "fd", 2, &p[1], 1, 0));
	show("send 0 bytes + fd a->b", a_sendfds(sv[0], "", 0, &p[1], 1, 0));
	show("inq b", inq(sv[1]));
	show("send plain a->b", send(sv[0], "plain", 5, 0));
	show("send fd b->a", a_sendfds(sv[1], "rev", 3, &p[1], 1, 0));
	a_recv("a recvmsg", sv[0], 16, 64, MSG_DONTWAIT);
	a_recv("b recvmsg", sv[1], 16, 64, MSG_DONTWAIT);
	a_recv("b recvmsg", sv[1], 16, 64, MSG_DONTWAIT);
	a_recv("b recvmsg", sv[1], 16, 64, MSG_DONTWAIT);
	a_setint("SO_PASSRIGHTS a = 0 (sender)", sv[0], SOL_SOCKET, SO_PASSRIGHTS, 0);
	a_setint("SO_PASSRIGHTS b = 7", sv[1], SOL_SOCKET, SO_PASSRIGHTS, 7);
	a_getint("SO_PASSRIGHTS b", sv[1], SOL_SOCKET, SO_PASSRIGHTS);
	show("send fd a->b", a_sendfds(sv[0], "again", 5, &p[1], 1, 0));
	a_recv("b recvmsg", sv[1], 16, 64, MSG_DONTWAIT);
	close(p[1]);
	a_pipe_state("p", p[0]);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
