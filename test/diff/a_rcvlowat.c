/* SPDX-License-Identifier: MIT */
/* a_rcvlowat.c -- SO_RCVLOWAT holds a blocking STREAM read until min(lowat, len) bytes, not poll or non-blocking reads; ignored on DGRAM/SEQPACKET (SEMANTICS 29, 109, 110, 111). */
#include "common_a.h"

static const char *instances[] = {
	"stream-thread", "stream-nonblock", "stream-timeo", "stream-len",
	"dgram", "seqpacket", NULL
};

static int sv[2];

static void *writer(void *arg)
{
	nap_ms(50);
	if (send(sv[0], "cd", 2, 0) != 2)
		_exit(3);
	nap_ms(30);
	if (send(sv[0], "efg", 3, 0) != 3)
		_exit(3);
	return NULL;
}

static void run(int argc, char **argv)
{
	alarm(10);
	pair(sv);
	a_getint("SO_RCVLOWAT default", sv[1], SOL_SOCKET, SO_RCVLOWAT);
	a_setint("SO_RCVLOWAT 0", sv[1], SOL_SOCKET, SO_RCVLOWAT, 0);
	a_getint("SO_RCVLOWAT", sv[1], SOL_SOCKET, SO_RCVLOWAT);
	a_setint("SO_RCVLOWAT -1", sv[1], SOL_SOCKET, SO_RCVLOWAT, -1);
	a_getint("SO_RCVLOWAT", sv[1], SOL_SOCKET, SO_RCVLOWAT);
	a_setint("SO_RCVLOWAT 5", sv[1], SOL_SOCKET, SO_RCVLOWAT, 5);
	a_getint("SO_RCVLOWAT", sv[1], SOL_SOCKET, SO_RCVLOWAT);
	show("send ab", send(sv[0], "ab", 2, 0));
	show_poll("b", sv[1]);
	if (variant("thread")) {
		a_spawn(writer, NULL);
		a_recv("blocking recvmsg 10", sv[1], 10, 0, 0);
		a_join();
	} else if (variant("nonblock")) {
		a_recv("recvmsg 10 DONTWAIT", sv[1], 10, 0, MSG_DONTWAIT);
		show("send cd", send(sv[0], "cd", 2, 0));
		a_nonblock(sv[1]);
		a_recv("recvmsg 10, O_NONBLOCK", sv[1], 10, 0, 0);
	} else if (variant("timeo")) {
		a_rcvtimeo(sv[1], 100);
		a_recv("blocking recvmsg 10, 100 ms timeout", sv[1], 10, 0, 0);
		a_recv("blocking recvmsg 10, 100 ms timeout", sv[1], 10, 0, 0);
	} else if (variant("len")) {
		a_recv("blocking recvmsg 1", sv[1], 1, 0, 0);
		a_recv("blocking recvmsg 1", sv[1], 1, 0, 0);
		show("send cdefgh", send(sv[0], "cdefgh", 6, 0));
		a_recv("blocking recvmsg 10", sv[1], 10, 0, 0);
	} else {
		a_recv("blocking recvmsg 10", sv[1], 10, 0, 0);
		show("send empty", send(sv[0], "", 0, 0));
		a_recv("blocking recvmsg 10", sv[1], 10, 0, 0);
	}
	show("inq b", inq(sv[1]));
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
