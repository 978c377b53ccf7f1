/* SPDX-License-Identifier: MIT */
/* b_flow_sndbuf.c -- SO_SNDBUF/SO_RCVBUF values, SO_SNDBUF sets capacity, SO_RCVBUF changes nothing (SEMANTICS 7, 8, 9, 135, 136, 137, 138). */
#include "common_b.h"

static const char *instances[] = {
	"stream-values", "dgram-values", "seqpacket-values",
	"stream-capacity", "dgram-capacity", "seqpacket-capacity",
	"stream-bigsend", NULL
};

static char big[1 << 20];

static void setbuf_(int fd, int opt, const char *name, int v)
{
	char l[80];
	int r = setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v));

	snprintf(l, sizeof(l), "set %s %d", name, v);
	show(l, r);
	say("get %s: %d", name, getint(fd, SOL_SOCKET, opt));
}

static long capacity(int sv[2], long chunk)
{
	long bytes;
	int err = 0;
	long n = fill(sv[0], chunk, &bytes, &err);

	drain(sv[1], NULL);
	return n;
}

static void run(int argc, char **argv)
{
	int sv[2];
	static const int vals[] = { 0, 1, 2303, 2304, 4608, 10000, 106496, 4194304, 100000000 };
	unsigned i;

	pair(sv);
	if (variant("values")) {
		say("default sndbuf a=%d b=%d", getint(sv[0], SOL_SOCKET, SO_SNDBUF),
		    getint(sv[1], SOL_SOCKET, SO_SNDBUF));
		say("default rcvbuf a=%d b=%d", getint(sv[0], SOL_SOCKET, SO_RCVBUF),
		    getint(sv[1], SOL_SOCKET, SO_RCVBUF));
		for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
			setbuf_(sv[0], SO_SNDBUF, "sndbuf", vals[i]);
			setbuf_(sv[0], SO_RCVBUF, "rcvbuf", vals[i]);
		}
		setbuf_(sv[0], SO_SNDBUF, "sndbuf", -1);
		setbuf_(sv[0], SO_RCVBUF, "rcvbuf", -5);
		say("peer unchanged: sndbuf b=%d rcvbuf b=%d", getint(sv[1], SOL_SOCKET, SO_SNDBUF),
		    getint(sv[1], SOL_SOCKET, SO_RCVBUF));
	} else if (variant("capacity")) {
		say("default: 1000-byte sends=%ld", capacity(sv, 1000));
		setbuf_(sv[1], SO_RCVBUF, "rcvbuf b", 1);
		say("tiny rcvbuf at b: 1000-byte sends=%ld", capacity(sv, 1000));
		setbuf_(sv[1], SO_SNDBUF, "sndbuf b", 1);
		say("tiny sndbuf at b: 1000-byte sends=%ld", capacity(sv, 1000));
		setbuf_(sv[0], SO_SNDBUF, "sndbuf a", 10000);
		say("sndbuf 20000 at a: 1000-byte sends=%ld", capacity(sv, 1000));
		say("sndbuf 20000 at a: 1-byte sends=%ld", capacity(sv, 1));
		setbuf_(sv[0], SO_SNDBUF, "sndbuf a", 1);
		say("sndbuf 4608 at a: 1000-byte sends=%ld", capacity(sv, 1000));
		say("sndbuf 4608 at a: 1-byte sends=%ld", capacity(sv, 1));
		setbuf_(sv[0], SO_SNDBUF, "sndbuf a", 1000000);
		say("sndbuf 2000000 at a: 1000-byte sends=%ld", capacity(sv, 1000));
		show("outq a", outq(sv[0]));
	} else {
		long r;

		/* One big non-blocking send is cut into segments; see how much goes. */
		r = show("send 1MiB nonblock", send(sv[0], big, sizeof(big), MSG_DONTWAIT));
		say("outq a: %d inq b: %d", outq(sv[0]), inq(sv[1]));
		show("send again", send(sv[0], big, sizeof(big), MSG_DONTWAIT));
		say("drained: %ld", drain(sv[1], NULL));
		setbuf_(sv[0], SO_SNDBUF, "sndbuf a", 20000);
		r = show("send 100000 nonblock", send(sv[0], big, 100000, MSG_DONTWAIT));
		say("outq a: %d inq b: %d", outq(sv[0]), inq(sv[1]));
		say("drained: %ld", drain(sv[1], NULL));
		(void)r;
	}
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
