/* SPDX-License-Identifier: MIT */
/* b_close_peer.c -- peer close with nothing unread at the peer: data then EOF, EPIPE/SIGPIPE, DGRAM ECONNREFUSED then ENOTCONN (SEMANTICS 167, 168, 172, 175, 176, 180, 203, 204, 206). */
#include "common_b.h"

static const char *instances[] = {
	"stream", "dgram", "seqpacket",
	"stream-blocked", "seqpacket-blocked",
	"stream-dup", "dgram-dup", "seqpacket-dup", NULL
};

static int sv[2];

static void *closer(void *arg)
{
	wait_sleeping((pid_t)(long)arg);
	close(sv[0]);
	return NULL;
}

static void run(int argc, char **argv)
{
	pthread_t t;
	int d;

	watchdog(10);
	count_sigpipe();
	pair(sv);
	if (variant("blocked")) {
		/* b sleeps in recv; a closes under it. */
		t = spawn_quiet(closer, (void *)(long)gettid_());
		rcv("b read blocking", sv[1], 10, 0);
		pthread_join(t, NULL);
		show_poll("b", sv[1]);
		show("b send", send(sv[1], "x", 1, 0));
		show_sigpipe("b send");
		close(sv[1]);
		return;
	}
	show("a send abc", send(sv[0], "abc", 3, 0));
	show("a send de", send(sv[0], "de", 2, 0));
	if (variant("dup")) {
		d = dup(sv[0]);
		show("close a (dup kept)", close(sv[0]));
		show_poll("b with dup alive", sv[1]);
		rcv("b read", sv[1], 10, MSG_DONTWAIT);
		rcv("b read", sv[1], 10, MSG_DONTWAIT);
		show("send via dup", send(d, "fg", 2, 0));
		rcv("b read", sv[1], 10, MSG_DONTWAIT);
		show("close dup", close(d));
	} else {
		show("close a", close(sv[0]));
	}
	show_poll("b", sv[1]);
	show("inq b", inq(sv[1]));
	show("so_error b", so_error(sv[1]));
	rcv("b read", sv[1], 10, MSG_DONTWAIT);
	rcv("b read", sv[1], 10, MSG_DONTWAIT);
	rcv("b read", sv[1], 10, MSG_DONTWAIT);
	if (!is_dgram())
		rcv("b read blocking", sv[1], 10, 0);
	show_poll("b drained", sv[1]);
	show("b send", send(sv[1], "x", 1, 0));
	show_sigpipe("b send");
	show("b send again", send(sv[1], "x", 1, 0));
	show_sigpipe("b send again");
	show("b send nosignal", send(sv[1], "x", 1, MSG_NOSIGNAL));
	show_sigpipe("b send nosignal");
	show_poll("b end", sv[1]);
	rcv("b read end", sv[1], 10, MSG_DONTWAIT);
	close(sv[1]);
}

SCENARIO_MAIN
