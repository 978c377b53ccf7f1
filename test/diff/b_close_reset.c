/* SPDX-License-Identifier: MIT */
/* b_close_reset.c -- peer closes with unread data: ECONNRESET after the data on STREAM, before it on SEQPACKET; POLLERR, SO_ERROR, sends (SEMANTICS 168, 169, 170, 171, 172, 186, 205). */
#include "common_b.h"

static const char *instances[] = {
	"stream-read", "seqpacket-read",
	"stream-soerror", "seqpacket-soerror",
	"stream-send", "seqpacket-send",
	"stream-blocked", "seqpacket-blocked",
	"stream-empty", "seqpacket-empty",
	"dgram-read", NULL
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

	watchdog(10);
	count_sigpipe();
	pair(sv);
	/* Unread data at a: this is what turns a's close into a reset. */
	show("b send zz", send(sv[1], "zz", 2, 0));
	if (variant("blocked")) {
		t = spawn_quiet(closer, (void *)(long)gettid_());
		rcv("b read blocking", sv[1], 10, 0);
		pthread_join(t, NULL);
		show_poll("b", sv[1]);
		rcv("b read", sv[1], 10, 0);
		close(sv[1]);
		return;
	}
	if (!variant("empty")) {
		show("a send abc", send(sv[0], "abc", 3, 0));
		show("a send de", send(sv[0], "de", 2, 0));
	}
	show("close a", close(sv[0]));
	show_poll("b", sv[1]);
	show("inq b", inq(sv[1]));
	if (variant("soerror")) {
		show("so_error b", so_error(sv[1]));
		show_poll("b after so_error", sv[1]);
		show("so_error b again", so_error(sv[1]));
	} else if (variant("send")) {
		show("b send", send(sv[1], "x", 1, 0));
		show_sigpipe("b send");
		show_poll("b after send", sv[1]);
		show("b send again", send(sv[1], "x", 1, 0));
		show_sigpipe("b send again");
		show_poll("b after second send", sv[1]);
	}
	rcv("b read", sv[1], 10, MSG_DONTWAIT);
	show_poll("b", sv[1]);
	rcv("b read", sv[1], 10, MSG_DONTWAIT);
	show_poll("b", sv[1]);
	rcv("b read", sv[1], 10, MSG_DONTWAIT);
	rcv("b read", sv[1], 10, MSG_DONTWAIT);
	if (!is_dgram())
		rcv("b read blocking", sv[1], 10, 0);
	show("so_error b end", so_error(sv[1]));
	show_poll("b end", sv[1]);
	show_sigpipe("end");
	close(sv[1]);
}

SCENARIO_MAIN
