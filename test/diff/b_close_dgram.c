/* SPDX-License-Identifier: MIT */
/* b_close_dgram.c -- DGRAM pair: dead peer's first send ECONNREFUSED drops own queue; connect(AF_UNSPEC) drops queue and resets the old peer (SEMANTICS 175, 176, 177, 205, 206). */
#include "common_b.h"

static const char *instances[] = {
	"dgram-sendfirst", "dgram-unspec", "dgram-unspec-empty", "dgram-unspec-back", NULL
};

static void run(int argc, char **argv)
{
	int sv[2];
	struct sockaddr sa = { .sa_family = AF_UNSPEC };

	pair(sv);
	if (variant("sendfirst")) {
		show("a send abc", send(sv[0], "abc", 3, 0));
		show("a send de", send(sv[0], "de", 2, 0));
		show("close a", close(sv[0]));
		show_poll("b", sv[1]);
		show("inq b", inq(sv[1]));
		show("b send", send(sv[1], "x", 1, 0));
		show_poll("b after send", sv[1]);
		show("inq b", inq(sv[1]));
		rcv("b read", sv[1], 10, MSG_DONTWAIT);
		show("b send again", send(sv[1], "x", 1, 0));
		show("so_error b", so_error(sv[1]));
		close(sv[1]);
		return;
	}
	show("b send abc", send(sv[1], "abc", 3, 0));
	if (!variant("unspec-empty"))
		show("b send de", send(sv[1], "de", 2, 0));
	else
		rcv("a read", sv[0], 10, MSG_DONTWAIT);
	show("a send xy", send(sv[0], "xy", 2, 0));
	/* a drops its peer: its own unread queue goes, b may be reset. */
	show("a connect unspec", connect(sv[0], &sa, sizeof(sa)));
	show_poll("a", sv[0]);
	show_poll("b", sv[1]);
	show("inq a", inq(sv[0]));
	rcv("a read", sv[0], 10, MSG_DONTWAIT);
	show("a send", send(sv[0], "q", 1, 0));
	if (variant("unspec-back")) {
		show("b send", send(sv[1], "r", 1, 0));
		show_poll("b after send", sv[1]);
	}
	rcv("b read", sv[1], 10, MSG_DONTWAIT);
	show_poll("b", sv[1]);
	rcv("b read", sv[1], 10, MSG_DONTWAIT);
	rcv("b read", sv[1], 10, MSG_DONTWAIT);
	show("b send", send(sv[1], "r", 1, 0));
	show("inq a", inq(sv[0]));
	rcv("a read", sv[0], 10, MSG_DONTWAIT);
	show("so_error b", so_error(sv[1]));
	show_poll("b end", sv[1]);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
