/* SPDX-License-Identifier: MIT */
/* a_cred_barrier.c -- with SO_PASSCRED on the receiver a STREAM read, peek or MSG_WAITALL never spans segments with different credentials (SEMANTICS 20, 73, 74, 75, 76, 106). */
#include "common_a.h"

static const char *instances[] = {
	"stream", "stream-peek", "stream-nopass", "stream-explicit", "stream-waitall",
	"seqpacket", NULL
};

static int sv[2];

static pid_t child_send(const char *s)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(send(sv[0], s, strlen(s), 0) == (long)strlen(s) ? 0 : 1);
	reap("child", pid);
	return pid;
}

static void run(int argc, char **argv)
{
	int flags = MSG_DONTWAIT;

	alarm(10);
	pair(sv);
	if (!variant("nopass"))
		a_setint("SO_PASSCRED b", sv[1], SOL_SOCKET, SO_PASSCRED, 1);
	if (variant("explicit")) {
		show("send P1", send(sv[0], "P1", 2, 0));
		show("send X1 with creds self,1234,1234",
		     a_sendcred(sv[0], "X1", 2, getpid(), 1234, 1234, 0));
		show("send X2 with creds self,1234,1234",
		     a_sendcred(sv[0], "X2", 2, getpid(), 1234, 1234, 0));
		show("send X3 with creds self,0,0", a_sendcred(sv[0], "X3", 2, getpid(), 0, 0, 0));
		show("send P2", send(sv[0], "P2", 2, 0));
	} else {
		show("send P1", send(sv[0], "P1", 2, 0));
		show("send P2", send(sv[0], "P2", 2, 0));
		a_child = child_send("C1");
		a_child2 = child_send("C2");
		show("send P3", send(sv[0], "P3", 2, 0));
	}
	show("inq b", inq(sv[1]));
	if (variant("peek")) {
		a_recv("peek 64", sv[1], 64, 256, MSG_DONTWAIT | MSG_PEEK);
		a_recv("peek 64", sv[1], 64, 256, MSG_DONTWAIT | MSG_PEEK);
		a_recv("peek 64 (no control)", sv[1], 64, A_CTL_NULL, MSG_DONTWAIT | MSG_PEEK);
	}
	if (variant("waitall"))
		flags = MSG_WAITALL;
	a_recv("recvmsg 64", sv[1], 64, 256, flags);
	a_recv("recvmsg 64", sv[1], 64, 256, flags);
	a_recv("recvmsg 64", sv[1], 64, 256, flags);
	a_recv("recvmsg 64", sv[1], 64, 256, MSG_DONTWAIT);
	a_recv("recvmsg 64", sv[1], 64, 256, MSG_DONTWAIT);
	a_recv("recvmsg 64", sv[1], 64, 256, MSG_DONTWAIT);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
