/* SPDX-License-Identifier: MIT */
/* b_flow_pollout.c -- POLLOUT hysteresis: sends resume below 100 %, POLLOUT only at 1/4 of sndbuf; EPOLLOUT edges (SEMANTICS 141, 151, 152, 188). */
#include "common_b.h"

static const char *instances[] = {
	"stream-poll", "dgram-poll", "seqpacket-poll",
	"stream-epollet", "dgram-epollet", "seqpacket-epollet",
	"stream-small", "dgram-small", "seqpacket-small", NULL
};

static int pollout(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	poll(&p, 1, 0);
	return !!(p.revents & POLLOUT);
}

static int read_chunk(int fd, long chunk)
{
	static char b[4096];

	return recv(fd, b, chunk, MSG_DONTWAIT) == chunk;
}

static void run(int argc, char **argv)
{
	int sv[2], err = 0, ep = -1;
	long chunk = 1000, n, bytes, i, first = -1;
	char evs[4096] = "";

	pair(sv);
	if (variant("small")) {
		int v = 10000;

		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
		chunk = 100;
	}
	n = fill(sv[0], chunk, &bytes, &err);
	say("filled: sends=%ld err=%s", n, errname(err));
	show_poll("a full", sv[0]);
	if (variant("epollet")) {
		ep = epoll_create1(0);
		ep_add(ep, sv[0], EPOLLOUT | EPOLLET, 1);
		show_epoll("epoll a full", ep, 0);
	}
	show("read one chunk", read_chunk(sv[1], chunk));
	show_poll("a after one read", sv[0]);
	show("send one chunk", send(sv[0], evs, chunk, MSG_DONTWAIT));
	show("send another", send(sv[0], evs, chunk, MSG_DONTWAIT));
	show_poll("a", sv[0]);
	for (i = 1; i <= n + 1; i++) {
		if (!read_chunk(sv[1], chunk)) {
			say("ran out at %ld", i);
			break;
		}
		if (ep >= 0) {
			struct epoll_event e;

			if (epoll_wait(ep, &e, 1, 0) == 1 && strlen(evs) < sizeof(evs) - 12)
				sprintf(evs + strlen(evs), " %ld", i);
		}
		if (first < 0 && pollout(sv[0])) {
			first = i;
			say("POLLOUT after %ld chunks: outq a=%d sndbuf/4=%d", i, outq(sv[0]),
			    getint(sv[0], SOL_SOCKET, SO_SNDBUF) / 4);
		}
	}
	if (ep >= 0)
		say("EPOLLOUT edges after chunks:%s", evs);
	show("outq a", outq(sv[0]));
	show_poll("a drained", sv[0]);
	if (ep >= 0) {
		show_epoll("epoll a drained", ep, 0);
		show("send 1", send(sv[0], "x", 1, 0));
		show_epoll("epoll after own send", ep, 0);
		show("read 1", read_chunk(sv[1], 1));
		show_epoll("epoll after peer read", ep, 0);
		close(ep);
	}
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
