/* SPDX-License-Identifier: MIT */
/* a_pidfd.c -- SO_PASSPIDFD: SCM_PIDFD for stamped data only, close-on-exec, CTRUNC without room, dead senders, cmsg order, STREAM barrier (SEMANTICS 70, 73, 86, 87, 88, 89, 90, 91). */
#include "common_a.h"

static const char *instances[] = ALL_TYPES;

static void run(int argc, char **argv)
{
	int sv[2], p[2], low;

	alarm(10);
	pair(sv);
	a_pipe("p", p);
	a_getint("SO_PASSPIDFD b", sv[1], SOL_SOCKET, SO_PASSPIDFD);
	say("-- unstamped, then stamped");
	show("send u", send(sv[0], "u", 1, 0));
	a_setint("SO_PASSPIDFD b = 1", sv[1], SOL_SOCKET, SO_PASSPIDFD, 1);
	a_getint("SO_PASSPIDFD b", sv[1], SOL_SOCKET, SO_PASSPIDFD);
	show("send s", send(sv[0], "s", 1, 0));
	a_recv("recvmsg", sv[1], 16, 256, MSG_DONTWAIT);
	a_recv("recvmsg", sv[1], 16, 256, MSG_DONTWAIT);
	say("-- a sender that has exited and been reaped");
	a_child = fork();
	if (a_child == 0)
		_exit(send(sv[0], "dead", 4, 0) == 4 ? 0 : 1);
	reap("child", a_child);
	show("send alive", send(sv[0], "alive", 5, 0));
	a_recv("recvmsg", sv[1], 16, 256, MSG_DONTWAIT);
	a_recv("recvmsg", sv[1], 16, 256, MSG_DONTWAIT);
	say("-- too little control buffer");
	show("send t1", send(sv[0], "t1", 2, 0));
	show("send t2", send(sv[0], "t2", 2, 0));
	low = a_lowest_free();
	a_recv("recvmsg, control CMSG_LEN(int)-1", sv[1], 2, CMSG_LEN(sizeof(int)) - 1, MSG_DONTWAIT);
	say("  fd table unchanged: %s", a_lowest_free() == low ? "yes" : "no");
	a_recv("recvmsg, control NULL", sv[1], 2, A_CTL_NULL, MSG_DONTWAIT);
	say("  fd table unchanged: %s", a_lowest_free() == low ? "yes" : "no");
	say("-- order with SO_PASSCRED and SCM_RIGHTS");
	a_setint("SO_PASSCRED b = 1", sv[1], SOL_SOCKET, SO_PASSCRED, 1);
	show("send fd", a_sendfds(sv[0], "fd", 2, &p[1], 1, 0));
	a_recv("recvmsg", sv[1], 16, 256, MSG_DONTWAIT);
	show("send fd", a_sendfds(sv[0], "fd", 2, &p[1], 1, 0));
	a_recv("recvmsg, room for creds and rights only", sv[1], 16,
	       CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int)), MSG_DONTWAIT);
	say("  fd table unchanged: %s", a_lowest_free() == low ? "yes" : "no");
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
