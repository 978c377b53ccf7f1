/* SPDX-License-Identifier: MIT */
/* b_flow_fill.c -- non-blocking fill until EAGAIN: counts, SIOCOUTQ past SO_SNDBUF, no POLLOUT, full drain (SEMANTICS 134, 139, 140, 141, 142, 143, 146, 149, 210). */
#include "common_b.h"

static const char *instances[] = {
	"stream-1", "stream-100", "stream-1000", "stream-4096",
	"dgram-1", "dgram-100", "dgram-1000", "dgram-4096",
	"seqpacket-1", "seqpacket-100", "seqpacket-1000", "seqpacket-4096",
	NULL
};

static void run(int argc, char **argv)
{
	int sv[2], err = 0;
	long chunk = atol(strchr(T_INSTANCE, '-') + 1), n, bytes, msgs, r;
	char buf[8];

	pair(sv);
	n = fill(sv[0], chunk, &bytes, &err);
	say("fill %ld: sends=%ld bytes=%ld err=%s", chunk, n, bytes, err ? errname(err) : "none");
	say("outq a: %d (sndbuf %d)", outq(sv[0]), getint(sv[0], SOL_SOCKET, SO_SNDBUF));
	say("outq a > sndbuf: %d", outq(sv[0]) > getint(sv[0], SOL_SOCKET, SO_SNDBUF));
	show("outq b", outq(sv[1]));
	show("inq b", inq(sv[1]));
	show_poll("a full", sv[0]);
	show_poll("b full", sv[1]);
	show("send 1 more", send(sv[0], "x", 1, MSG_DONTWAIT));
	show("send 0 more", send(sv[0], "", 0, MSG_DONTWAIT));
	/* The other direction has its own budget. */
	show("send b->a", send(sv[1], "back", 4, MSG_DONTWAIT));
	show("outq b", outq(sv[1]));
	r = show("read a", recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT));
	if (r > 0)
		show_buf("data", buf, r);
	show("outq b", outq(sv[1]));
	r = drain(sv[1], &msgs);
	say("drained: bytes=%ld reads=%s", r, is_stream() ? "-" : (msgs == n ? "=sends" : "!=sends"));
	show("outq a", outq(sv[0]));
	show("inq b", inq(sv[1]));
	show_poll("a drained", sv[0]);
	n = fill(sv[0], chunk, &bytes, &err);
	say("refill %ld: sends=%ld bytes=%ld err=%s", chunk, n, bytes, err ? errname(err) : "none");
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
