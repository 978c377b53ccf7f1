/* SPDX-License-Identifier: MIT */
/* b_timeo_rcv.c -- SO_RCVTIMEO: EAGAIN on an empty queue, partial count on STREAM with MSG_WAITALL or SO_RCVLOWAT, data before the timeout wins (SEMANTICS 106, 109, 191, 192, 210). */
#include "common_b.h"

static const char *instances[] = {
	"stream", "dgram", "seqpacket",
	"stream-waitall", "dgram-waitall", "seqpacket-waitall",
	"stream-lowat", "stream-arrives", "dgram-arrives", "seqpacket-arrives", NULL
};

static int sv[2];

static void *late_send(void *arg)
{
	wait_sleeping((pid_t)(long)arg);
	send(sv[0], "late", 4, 0);
	return NULL;
}

static void run(int argc, char **argv)
{
	struct timeval tv;
	socklen_t l = sizeof(tv);
	pthread_t t;

	watchdog(10);
	pair(sv);
	set_timeo(sv[1], SO_RCVTIMEO, variant("arrives") ? 3000 : 100);
	getsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, &l);
	say("rcvtimeo: %ld.%06ld", (long)tv.tv_sec, (long)tv.tv_usec);
	getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, &l);
	say("rcvtimeo a: %ld.%06ld", (long)tv.tv_sec, (long)tv.tv_usec);
	if (variant("waitall")) {
		show("a send abc", send(sv[0], "abc", 3, 0));
		rcv("b recv 10 waitall", sv[1], 10, MSG_WAITALL);
		rcv("b recv 10 waitall empty", sv[1], 10, MSG_WAITALL);
	} else if (variant("lowat")) {
		int lw = 10;

		show("set rcvlowat 10", setsockopt(sv[1], SOL_SOCKET, SO_RCVLOWAT, &lw, sizeof(lw)));
		show("a send abc", send(sv[0], "abc", 3, 0));
		show_poll("b below lowat", sv[1]);
		rcv("b recv 100", sv[1], 100, 0);
		show("a send 12", send(sv[0], "0123456789ab", 12, 0));
		rcv("b recv 100 above lowat", sv[1], 100, 0);
		show("a send 3", send(sv[0], "xyz", 3, 0));
		rcv("b recv 100 nonblock", sv[1], 100, MSG_DONTWAIT);
	} else if (variant("arrives")) {
		t = spawn_quiet(late_send, (void *)(long)gettid_());
		rcv("b recv", sv[1], 10, 0);
		pthread_join(t, NULL);
	} else {
		rcv("b recv", sv[1], 10, 0);
		rcv("b recv again", sv[1], 10, 0);
		rcv("b recv 0 bytes", sv[1], 0, 0);
		show("b send still works", send(sv[1], "ok", 2, 0));
		rcv("a recv", sv[0], 10, 0);
	}
	show_poll("b end", sv[1]);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
