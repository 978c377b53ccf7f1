/* SPDX-License-Identifier: MIT */
/* a_dontwait.c -- MSG_DONTWAIT makes one call non-blocking like O_NONBLOCK, both directions; SEQPACKET after SHUT_RD gives 0 not EAGAIN (SEMANTICS 29, 112, 161, 162). */
#include "common_a.h"

static const char *instances[] = {
	"stream", "dgram", "seqpacket",
	"stream-shutrd", "dgram-shutrd", "seqpacket-shutrd",
	"stream-peershut", "seqpacket-peershut", NULL
};

static char chunk[1000];

static void run(int argc, char **argv)
{
	int sv[2], n, r;

	alarm(10);
	pair(sv);
	if (variant("shutrd") || variant("peershut")) {
		show("send x", send(sv[0], "x", 1, 0));
		if (variant("shutrd"))
			show("shutdown b SHUT_RD", shutdown(sv[1], SHUT_RD));
		else
			show("shutdown a SHUT_WR", shutdown(sv[0], SHUT_WR));
		show_poll("b", sv[1]);
		a_rd("recv DONTWAIT", sv[1], 8, MSG_DONTWAIT);
		a_rd("recv DONTWAIT", sv[1], 8, MSG_DONTWAIT);
		a_rd("recv 0 DONTWAIT", sv[1], 0, MSG_DONTWAIT);
		a_rd("recv PEEK|DONTWAIT", sv[1], 8, MSG_PEEK | MSG_DONTWAIT);
		a_nonblock(sv[1]);
		a_rd("recv O_NONBLOCK", sv[1], 8, 0);
		fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL) & ~O_NONBLOCK);
		a_rcvtimeo(sv[1], 100);
		a_rd("blocking recv (100 ms timeout)", sv[1], 8, 0);
		goto out;
	}
	say("-- receive side");
	say("b O_NONBLOCK: %d", !!(fcntl(sv[1], F_GETFL) & O_NONBLOCK));
	a_rd("recv DONTWAIT", sv[1], 8, MSG_DONTWAIT);
	a_rd("recv 0 DONTWAIT", sv[1], 0, MSG_DONTWAIT);
	a_rd("recv PEEK|DONTWAIT", sv[1], 8, MSG_PEEK | MSG_DONTWAIT);
	show("recvfrom DONTWAIT", recvfrom(sv[1], chunk, 8, MSG_DONTWAIT, NULL, NULL));
	say("b O_NONBLOCK after: %d", !!(fcntl(sv[1], F_GETFL) & O_NONBLOCK));
	a_nonblock(sv[1]);
	show("read O_NONBLOCK", read(sv[1], chunk, 8));
	a_rd("recv O_NONBLOCK", sv[1], 8, 0);
	show("send z", send(sv[0], "z", 1, 0));
	a_rd("recv O_NONBLOCK", sv[1], 8, 0);
	say("-- send side");
	memset(chunk, 'c', sizeof(chunk));
	for (n = 0; n < 100000; n++) {
		r = send(sv[0], chunk, sizeof(chunk), MSG_DONTWAIT);
		if (r != (int)sizeof(chunk))
			break;
	}
	say("sends before refusal: %s", n > 10 && n < 100000 ? "some" : "none or unbounded");
	show("send DONTWAIT", r);
	say("a O_NONBLOCK: %d", !!(fcntl(sv[0], F_GETFL) & O_NONBLOCK));
	show("send DONTWAIT", send(sv[0], chunk, sizeof(chunk), MSG_DONTWAIT));
	a_nonblock(sv[0]);
	show("write O_NONBLOCK", write(sv[0], chunk, sizeof(chunk)));
	show("sendmsg O_NONBLOCK", a_sendfds(sv[0], chunk, sizeof(chunk), NULL, 0, 0));
	show("read one 1000", recv(sv[1], chunk, sizeof(chunk), 0));
	show("send DONTWAIT", send(sv[0], "y", 1, MSG_DONTWAIT));
out:
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
