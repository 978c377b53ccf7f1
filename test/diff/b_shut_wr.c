/* SPDX-License-Identifier: MIT */
/* b_shut_wr.c -- SHUT_WR: peer drains then EOF (not DGRAM), EPIPE with SIGPIPE only on STREAM, reverse path intact (SEMANTICS 13, 156, 157, 158, 159, 160, 180, 203, 204). */
#include "common_b.h"

static const char *instances[] = ALL_TYPES;

static void run(int argc, char **argv)
{
	int sv[2];

	count_sigpipe();
	pair(sv);
	show("a send abc", send(sv[0], "abc", 3, 0));
	show("a send de", send(sv[0], "de", 2, 0));
	show("b send back", send(sv[1], "zz", 2, 0));
	show("shutdown a wr", shutdown(sv[0], SHUT_WR));
	show_poll("a", sv[0]);
	show_poll("b", sv[1]);
	show("inq b", inq(sv[1]));
	show("a send x", send(sv[0], "x", 1, 0));
	show_sigpipe("a send x");
	show("a send len0", send(sv[0], "", 0, 0));
	show_sigpipe("a send len0");
	show("a write x", write(sv[0], "x", 1));
	show_sigpipe("a write x");
	show("a send nosignal", send(sv[0], "x", 1, MSG_NOSIGNAL));
	show_sigpipe("a send nosignal");
	show("a send dontwait", send(sv[0], "x", 1, MSG_DONTWAIT));
	show_sigpipe("a send dontwait");
	rcv("b read 10", sv[1], 10, MSG_DONTWAIT);
	rcv("b read 10", sv[1], 10, MSG_DONTWAIT);
	rcv("b read 10", sv[1], 10, MSG_DONTWAIT);
	if (!is_dgram())
		rcv("b read blocking", sv[1], 10, 0);	/* EOF, does not block */
	show_poll("b drained", sv[1]);
	/* The other direction is untouched. */
	show("b send yy", send(sv[1], "yy", 2, 0));
	show_sigpipe("b send yy");
	rcv("a read", sv[0], 10, MSG_DONTWAIT);
	rcv("a read", sv[0], 10, MSG_DONTWAIT);
	rcv("a read", sv[0], 10, MSG_DONTWAIT);
	show_poll("a end", sv[0]);
	show("shutdown a wr again", shutdown(sv[0], SHUT_WR));
	show("shutdown b wr", shutdown(sv[1], SHUT_WR));
	show_poll("a both wr", sv[0]);
	show_poll("b both wr", sv[1]);
	show("b send", send(sv[1], "q", 1, 0));
	show_sigpipe("b send");
	rcv("a read", sv[0], 10, MSG_DONTWAIT);
	show("so_error a", so_error(sv[0]));
	show("so_error b", so_error(sv[1]));
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
