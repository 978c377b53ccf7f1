/* SPDX-License-Identifier: MIT */
/* b_shut_rdwr.c -- SHUT_RDWR on both ends' poll masks, queued data, bad `how`, unconnected sockets (SEMANTICS 155, 156, 157, 161, 165, 185, 212). */
#include "common_b.h"

static const char *instances[] = {
	"stream-rdwr", "dgram-rdwr", "seqpacket-rdwr",
	"stream-crossed", "dgram-crossed", "seqpacket-crossed",
	"stream-args", "dgram-args", "seqpacket-args", NULL
};

static void run(int argc, char **argv)
{
	int sv[2], s, pp[2];

	count_sigpipe();
	pair(sv);
	if (variant("rdwr")) {
		show("a send abc", send(sv[0], "abc", 3, 0));
		show("b send xy", send(sv[1], "xy", 2, 0));
		show("shutdown a rdwr", shutdown(sv[0], SHUT_RDWR));
		show_poll("a", sv[0]);
		show_poll("b", sv[1]);
		rcv("a read", sv[0], 10, MSG_DONTWAIT);
		rcv("a read", sv[0], 10, MSG_DONTWAIT);
		rcv("b read", sv[1], 10, MSG_DONTWAIT);
		rcv("b read", sv[1], 10, MSG_DONTWAIT);
		show("a send", send(sv[0], "q", 1, 0));
		show_sigpipe("a send");
		show("b send", send(sv[1], "q", 1, 0));
		show_sigpipe("b send");
		rcv("a read", sv[0], 10, MSG_DONTWAIT);
		show_poll("a end", sv[0]);
		show_poll("b end", sv[1]);
	} else if (variant("crossed")) {
		/* a stops reading, b stops writing: the a<-b direction is dead
		 * twice over, a->b is alive. */
		show("b send abc", send(sv[1], "abc", 3, 0));
		show("shutdown a rd", shutdown(sv[0], SHUT_RD));
		show("shutdown b wr", shutdown(sv[1], SHUT_WR));
		show_poll("a", sv[0]);
		show_poll("b", sv[1]);
		show("a send hi", send(sv[0], "hi", 2, 0));
		show_sigpipe("a send");
		rcv("b read", sv[1], 10, MSG_DONTWAIT);
		rcv("b read", sv[1], 10, MSG_DONTWAIT);
		rcv("a read", sv[0], 10, MSG_DONTWAIT);
		rcv("a read", sv[0], 10, MSG_DONTWAIT);
		show("shutdown a wr", shutdown(sv[0], SHUT_WR));
		show_poll("a now", sv[0]);
		show_poll("b now", sv[1]);
		rcv("b read", sv[1], 10, MSG_DONTWAIT);
	} else {
		show("shutdown a how=3", shutdown(sv[0], 3));
		show("shutdown a how=-1", shutdown(sv[0], -1));
		show("shutdown a how=100", shutdown(sv[0], 100));
		show_poll("a", sv[0]);
		show("shutdown a rd twice", shutdown(sv[0], SHUT_RD) | shutdown(sv[0], SHUT_RD));
		show("shutdown a rdwr", shutdown(sv[0], SHUT_RDWR));
		show("shutdown a rdwr again", shutdown(sv[0], SHUT_RDWR));
		show("shutdown a how=3 after", shutdown(sv[0], 3));
		s = socket(AF_UNIX, T_TYPE, 0);
		show_poll("fresh socket", s);
		show("shutdown fresh wr", shutdown(s, SHUT_WR));
		show("shutdown fresh rd", shutdown(s, SHUT_RD));
		show_poll("fresh socket after", s);
		show("shutdown fresh how=7", shutdown(s, 7));
		close(s);
		show("shutdown closed fd", shutdown(s, SHUT_RD));
		if (pipe(pp) == 0) {
			show("shutdown pipe", shutdown(pp[0], SHUT_RD));
			close(pp[0]);
			close(pp[1]);
		}
	}
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
