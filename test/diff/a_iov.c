/* SPDX-License-Identifier: MIT */
/* a_iov.c -- gather/scatter: one message per writev on DGRAM/SEQPACKET, no boundaries on STREAM, EFAULT and IOV_MAX (SEMANTICS 11, 12, 19, 23, 24). */
#include "common_a.h"

static const char *instances[] = {
	"stream", "dgram", "seqpacket",
	"stream-fault", "dgram-fault", "seqpacket-fault", NULL
};

static void scatter(const char *label, int fd, int flags)
{
	char b[3][4];
	struct iovec iov[4] = { { b[0], 3 }, { NULL, 0 }, { b[1], 4 }, { b[2], 2 } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 4 };
	long r;

	memset(b, '.', sizeof(b));
	r = show(label, recvmsg(fd, &m, flags));
	if (r < 0)
		return;
	show_buf("  iov0", b[0], 3);
	show_buf("  iov2", b[1], 4);
	show_buf("  iov3", b[2], 2);
	show_flags("  msg", m.msg_flags);
}

static void run(int argc, char **argv)
{
	struct iovec w[5] = { { "ab", 2 }, { "", 0 }, { "cde", 3 }, { "fghij", 5 }, { "k", 1 } };
	static struct iovec many[1025];
	char buf[64];
	int sv[2], i;

	pair(sv);
	if (variant("fault")) {
		struct iovec bad[2] = { { "abc", 3 }, { (void *)8, 4 } };

		show("writev [abc][bad]", writev(sv[0], bad, 2));
		show("inq b", inq(sv[1]));
		show("send bad ptr", send(sv[0], (void *)8, 4, 0));
		show("inq b", inq(sv[1]));
		show("send good", send(sv[0], "good", 4, 0));
		show("send next", send(sv[0], "next", 4, 0));
		show("recv into bad ptr", recv(sv[1], (void *)8, 4, MSG_DONTWAIT));
		show("inq b", inq(sv[1]));
		show("peek into bad ptr", recv(sv[1], (void *)8, 4, MSG_DONTWAIT | MSG_PEEK));
		show("inq b", inq(sv[1]));
		a_rd("recv 64", sv[1], sizeof(buf), MSG_DONTWAIT);
		a_rd("recv 64", sv[1], sizeof(buf), MSG_DONTWAIT);
		close(sv[0]);
		close(sv[1]);
		return;
	}
	show("writev 5 iovs", writev(sv[0], w, 5));
	show("writev 1 iov", writev(sv[0], w + 3, 1));
	show("inq b", inq(sv[1]));
	scatter("recvmsg 3+0+4+2", sv[1], MSG_DONTWAIT);
	scatter("recvmsg 3+0+4+2", sv[1], MSG_DONTWAIT);
	scatter("recvmsg 3+0+4+2", sv[1], MSG_DONTWAIT);
	say("-- zero iovecs");
	show("writev 0 iovs", writev(sv[0], w, 0));
	show("writev 1 empty iov", writev(sv[0], w + 1, 1));
	show("inq b", inq(sv[1]));
	show_poll("b", sv[1]);
	a_rd("recv 64", sv[1], sizeof(buf), MSG_DONTWAIT);
	a_rd("recv 64", sv[1], sizeof(buf), MSG_DONTWAIT);
	a_rd("recv 64", sv[1], sizeof(buf), MSG_DONTWAIT);
	say("-- IOV_MAX");
	for (i = 0; i < 1025; i++) {
		many[i].iov_base = "x";
		many[i].iov_len = 1;
	}
	show("writev 1024 iovs", writev(sv[0], many, 1024));
	show("writev 1025 iovs", writev(sv[0], many, 1025));
	show("inq b", inq(sv[1]));
	show("recv 2000", recv(sv[1], (char[2000]){0}, 2000, MSG_DONTWAIT));
	show("readv 0 iovs", readv(sv[1], many, 0));
	show("send x", send(sv[0], "xy", 2, 0));
	show("readv 1025 iovs", readv(sv[1], many, 1025));
	show("inq b", inq(sv[1]));
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
