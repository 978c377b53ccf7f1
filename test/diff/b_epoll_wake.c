/* SPDX-License-Identifier: MIT */
/* b_epoll_wake.c -- a sleeping poll/epoll_wait is woken by data, SHUT_WR, close and freed space; DGRAM gets no hangup (SEMANTICS 151, 152, 156, 157, 167, 175, 188). */
#include "common_b.h"

static const char *instances[] = {
	"stream-data", "dgram-data", "seqpacket-data",
	"stream-shutwr", "dgram-shutwr", "seqpacket-shutwr",
	"stream-close", "dgram-close", "seqpacket-close",
	"stream-out", "dgram-out", "seqpacket-out", NULL
};

static int sv[2];

static void *actor(void *arg)
{
	wait_sleeping((pid_t)(long)arg);
	if (variant("data"))
		send(sv[0], "abc", 3, 0);
	else if (variant("shutwr"))
		shutdown(sv[0], SHUT_WR);
	else if (variant("close"))
		close(sv[0]);
	else
		drain(sv[1], NULL);
	return NULL;
}

static void show_revents(const char *label, int r, short re)
{
	char s[100] = "";

#define P_(x, n) if (re & x) strcat(s, "|" n);
	P_(POLLIN, "IN") P_(POLLPRI, "PRI") P_(POLLOUT, "OUT") P_(POLLERR, "ERR")
	P_(POLLHUP, "HUP") P_(POLLRDHUP, "RDHUP") P_(POLLNVAL, "NVAL")
#undef P_
	say("%s: %d revents=%s", label, r, s[0] ? s + 1 : "0");
}

static void run(int argc, char **argv)
{
	pthread_t t;
	struct pollfd p;
	int ep, r, err = 0;
	long bytes;
	/* DGRAM peers are never told about shutdown or close: nothing comes,
	 * so wait only a little and expect a timeout. */
	int quiet = is_dgram() && (variant("shutwr") || variant("close"));

	watchdog(10);
	pair(sv);
	if (variant("out")) {
		fill(sv[0], 1000, &bytes, &err);
		ep = epoll_create1(0);
		ep_add(ep, sv[0], EPOLLOUT, 5);
		t = spawn_quiet(actor, (void *)(long)gettid_());
		show_epoll("a epoll_wait out", ep, 5000);
		pthread_join(t, NULL);
		close(ep);
		show_poll("a after", sv[0]);
	} else {
		p.fd = sv[1];
		p.events = POLLIN | POLLRDHUP;
		t = spawn_quiet(actor, (void *)(long)gettid_());
		r = poll(&p, 1, quiet ? 300 : 5000);
		pthread_join(t, NULL);
		show_revents("b poll", r, p.revents);
		show_poll("b after", sv[1]);
		/* Same again with epoll, for the state now reached. */
		ep = epoll_create1(0);
		ep_add(ep, sv[1], EPOLLIN | EPOLLRDHUP, 6);
		show_epoll("b epoll", ep, 0);
		close(ep);
		rcv("b read", sv[1], 10, MSG_DONTWAIT);
		if (!variant("close"))
			close(sv[0]);
	}
	close(sv[1]);
	if (variant("out"))
		close(sv[0]);
}

SCENARIO_MAIN
