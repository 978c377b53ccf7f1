/* SPDX-License-Identifier: MIT */
/* a_so_inq.c -- SO_INQ/SCM_INQ on STREAM only, value equals SIOCINQ after the read, comes last among cmsgs (SEMANTICS 91, 92, 93). */
#include "common_a.h"

static const char *instances[] = ALL_TYPES;

static void run(int argc, char **argv)
{
	int sv[2], p[2];

	pair(sv);
	a_pipe("p", p);
	a_getint("SO_INQ b", sv[1], SOL_SOCKET, SO_INQ);
	a_setint("SO_INQ b = 1", sv[1], SOL_SOCKET, SO_INQ, 1);
	a_getint("SO_INQ b", sv[1], SOL_SOCKET, SO_INQ);
	a_setint("SO_INQ b = 2", sv[1], SOL_SOCKET, SO_INQ, 2);
	a_getint("SO_INQ b", sv[1], SOL_SOCKET, SO_INQ);
	show("send 0123456789", send(sv[0], "0123456789", 10, 0));
	show("send abc", send(sv[0], "abc", 3, 0));
	a_recv("recvmsg 4", sv[1], 4, 256, MSG_DONTWAIT);
	show("  SIOCINQ", inq(sv[1]));
	a_recv("peek 4", sv[1], 4, 256, MSG_DONTWAIT | MSG_PEEK);
	a_recv("recvmsg 4, control 16", sv[1], 4, 16, MSG_DONTWAIT);
	a_recv("recvmsg 4, control NULL", sv[1], 4, A_CTL_NULL, MSG_DONTWAIT);
	a_recv("recvmsg 64", sv[1], 64, 256, MSG_DONTWAIT);
	a_recv("recvmsg 64 (empty)", sv[1], 64, 256, MSG_DONTWAIT);
	say("-- with SO_PASSCRED, SO_PASSPIDFD and SCM_RIGHTS");
	a_setint("SO_PASSCRED b", sv[1], SOL_SOCKET, SO_PASSCRED, 1);
	a_setint("SO_PASSPIDFD b", sv[1], SOL_SOCKET, SO_PASSPIDFD, 1);
	show("send fd", a_sendfds(sv[0], "fd", 2, &p[1], 1, 0));
	show("send more", send(sv[0], "more", 4, 0));
	a_recv("recvmsg 64", sv[1], 64, 256, MSG_DONTWAIT);
	a_recv("recvmsg 64", sv[1], 64, 256, MSG_DONTWAIT);
	a_setint("SO_INQ b = 0", sv[1], SOL_SOCKET, SO_INQ, 0);
	show("send x", send(sv[0], "x", 1, 0));
	a_recv("recvmsg 64", sv[1], 64, 256, MSG_DONTWAIT);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
