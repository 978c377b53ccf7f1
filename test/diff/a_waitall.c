/* SPDX-License-Identifier: MIT */
/* a_waitall.c -- MSG_WAITALL waits for the full length on STREAM except on shutdown, close, timeout, signal or peek; no effect on DGRAM/SEQPACKET (SEMANTICS 106, 107, 108). */
#include "common_a.h"

static const char *instances[] = {
	"stream-thread", "stream-shutdown", "stream-close", "stream-timeo", "stream-signal",
	"stream-peek", "stream-nonblock", "dgram-thread", "seqpacket-thread", NULL
};

static int sv[2];
static volatile int done;
static pthread_t main_thr;

static void on_usr1(int sig)
{
}

static void *helper(void *arg)
{
	nap_ms(50);
	if (variant("thread")) {
		if (send(sv[0], "defg", 4, 0) != 4)
			_exit(3);
		nap_ms(30);
		if (send(sv[0], "hij", 3, 0) != 3)
			_exit(3);
	} else if (variant("shutdown")) {
		shutdown(sv[0], SHUT_WR);
	} else if (variant("close")) {
		close(sv[0]);
	} else if (variant("signal")) {
		while (!done) {
			pthread_kill(main_thr, SIGUSR1);
			nap_ms(20);
		}
	}
	return NULL;
}

static void run(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	alarm(10);
	pair(sv);
	main_thr = pthread_self();
	if (variant("timeo"))
		a_rcvtimeo(sv[1], 100);
	if (variant("signal"))
		sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART */
	show("send abc", send(sv[0], "abc", 3, 0));
	if (variant("peek")) {
		a_recv("recvmsg 10 WAITALL|PEEK", sv[1], 10, 0, MSG_WAITALL | MSG_PEEK);
		a_recv("recvmsg 10 WAITALL|PEEK|DONTWAIT", sv[1], 10, 0, MSG_WAITALL | MSG_PEEK | MSG_DONTWAIT);
		show("inq b", inq(sv[1]));
		goto out;
	}
	if (variant("nonblock")) {
		a_recv("recvmsg 10 WAITALL|DONTWAIT", sv[1], 10, 0, MSG_WAITALL | MSG_DONTWAIT);
		a_recv("recvmsg 10 WAITALL|DONTWAIT", sv[1], 10, 0, MSG_WAITALL | MSG_DONTWAIT);
		a_nonblock(sv[1]);
		show("send def", send(sv[0], "def", 3, 0));
		a_recv("recvmsg 10 WAITALL, O_NONBLOCK", sv[1], 10, 0, MSG_WAITALL);
		goto out;
	}
	if (!is_stream()) {
		show("send defg", send(sv[0], "defg", 4, 0));
		a_recv("recvmsg 10 WAITALL", sv[1], 10, 0, MSG_WAITALL);
		a_recv("recvmsg 2 WAITALL", sv[1], 2, 0, MSG_WAITALL);
		a_spawn(helper, NULL);
		a_recv("blocking recvmsg 10 WAITALL", sv[1], 10, 0, MSG_WAITALL);
		a_join();
		a_recv("recvmsg 10 WAITALL", sv[1], 10, 0, MSG_WAITALL | MSG_DONTWAIT);
		goto out;
	}
	a_spawn(helper, NULL);
	a_recv("recvmsg 10 WAITALL", sv[1], 10, 0, MSG_WAITALL);
	done = 1;
	a_join();
	show("inq b", inq(sv[1]));
	a_recv("recvmsg 10 WAITALL|DONTWAIT", sv[1], 10, 0, MSG_WAITALL | MSG_DONTWAIT);
	show_poll("b", sv[1]);
out:
	if (!variant("close"))
		close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
