/* SPDX-License-Identifier: MIT */
/* b_flow_msgsize.c -- EMSGSIZE above sk_sndbuf-32, ENOBUFS near 4 MiB, EAGAIN when the budget is spent (SEMANTICS 144, 145, 146, 208, 209). */
#include "common_b.h"

static const char *instances[] = {
	"stream-default", "dgram-default", "seqpacket-default",
	"stream-small", "dgram-small", "seqpacket-small",
	"stream-huge", "dgram-huge", "seqpacket-huge", NULL
};

static char *big;

static void sz(int fd, long n, int flags)
{
	char l[64];

	snprintf(l, sizeof(l), "send %ld%s", n, flags & MSG_DONTWAIT ? " nonblock" : "");
	show(l, send(fd, big, n, flags));
}

static void run(int argc, char **argv)
{
	int sv[2], v;
	long m;

	watchdog(10);
	big = calloc(1, 6 << 20);
	pair(sv);
	if (variant("default")) {
		sz(sv[0], 212960, MSG_DONTWAIT);
		say("outq a: %d", outq(sv[0]));
		sz(sv[0], 212961, MSG_DONTWAIT);
		if (!is_stream())
			sz(sv[0], 212961, 0);	/* fails at once, does not block */
		sz(sv[0], 1, MSG_DONTWAIT);
		/* EMSGSIZE does not depend on the queue: same on an empty queue. */
		say("drained: %ld", drain(sv[1], NULL));
		sz(sv[0], 212961, MSG_DONTWAIT);
		sz(sv[0], 300000, MSG_DONTWAIT);
		sz(sv[0], 100000, MSG_DONTWAIT);
		sz(sv[0], 100000, MSG_DONTWAIT);
		sz(sv[0], 100000, MSG_DONTWAIT);
		say("inq b: %d", inq(sv[1]));
	} else if (variant("small")) {
		v = 10000;
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
		say("sndbuf a: %d", getint(sv[0], SOL_SOCKET, SO_SNDBUF));
		sz(sv[0], 19968, MSG_DONTWAIT);
		sz(sv[0], 19969, MSG_DONTWAIT);
		sz(sv[0], 19968, MSG_DONTWAIT);
		say("drained: %ld", drain(sv[1], NULL));
		/* The limit is the sender's; the receiver's sndbuf does not matter. */
		v = 1;
		setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
		sz(sv[0], 19968, MSG_DONTWAIT);
		sz(sv[1], 4576, MSG_DONTWAIT);
		sz(sv[1], 4577, MSG_DONTWAIT);
		say("inq a: %d inq b: %d", inq(sv[0]), inq(sv[1]));
	} else {
		v = 4194304;
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
		say("sndbuf a: %d", getint(sv[0], SOL_SOCKET, SO_SNDBUF));
		for (m = 4000000; m <= 4400000; m += 100000) {
			long r = send(sv[0], big, m, MSG_DONTWAIT);

			if (r < 0)
				say("send %ld nonblock: -1 %s", m, errname(errno));
			else
				say("send %ld nonblock: %s", m, r == m ? "all" : "partial");
			drain(sv[1], NULL);
		}
		sz(sv[0], 5000000, MSG_DONTWAIT);
		say("inq b: %d", inq(sv[1]));
		drain(sv[1], NULL);
		sz(sv[0], 8388576, MSG_DONTWAIT);
		drain(sv[1], NULL);
		sz(sv[0], 8388577, MSG_DONTWAIT);
	}
	close(sv[0]);
	close(sv[1]);
	free(big);
}

SCENARIO_MAIN
