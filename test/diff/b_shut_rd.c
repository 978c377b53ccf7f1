/* SPDX-License-Identifier: MIT */
/* b_shut_rd.c -- SHUT_RD: queued data still readable, then 0 (DGRAM: EAGAIN non-blocking, 0 blocking); peer's sends EPIPE (SEMANTICS 156, 157, 161, 162, 163, 164, 203, 204). */
#include "common_b.h"

static const char *instances[] = ALL_TYPES;

static void run(int argc, char **argv)
{
	int sv[2];

	watchdog(10);
	count_sigpipe();
	pair(sv);
	show("b send abc", send(sv[1], "abc", 3, 0));
	show("b send de", send(sv[1], "de", 2, 0));
	show("shutdown a rd", shutdown(sv[0], SHUT_RD));
	show_poll("a", sv[0]);
	show_poll("b", sv[1]);
	show("b send x", send(sv[1], "x", 1, 0));
	show_sigpipe("b send x");
	show("b send len0", send(sv[1], "", 0, 0));
	show_sigpipe("b send len0");
	show("b send nosignal", send(sv[1], "x", 1, MSG_NOSIGNAL));
	show_sigpipe("b send nosignal");
	show("inq a", inq(sv[0]));
	rcv("a read 10", sv[0], 10, MSG_DONTWAIT);
	rcv("a read 10", sv[0], 10, MSG_DONTWAIT);
	rcv("a read 10", sv[0], 10, MSG_DONTWAIT);
	rcv("a read blocking", sv[0], 10, 0);
	rcv("a read blocking again", sv[0], 10, 0);
	show_poll("a drained", sv[0]);
	/* a can still send */
	show("a send hi", send(sv[0], "hi", 2, 0));
	show_sigpipe("a send hi");
	rcv("b read", sv[1], 10, MSG_DONTWAIT);
	rcv("b read", sv[1], 10, MSG_DONTWAIT);
	show_poll("b end", sv[1]);
	show("so_error a", so_error(sv[0]));
	show("so_error b", so_error(sv[1]));
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
