/* SPDX-License-Identifier: MIT */
/* b_dup_fds.c -- dup, dup2, dup3, F_DUPFD and close of one copy: every copy is the same socket, data stays in order (SEMANTICS 4, 19, 23, 167). */
#include "common.h"

static const char *instances[] = {
	"stream", "dgram", "seqpacket",
	"stream-dup2over", "dgram-dup2over", "seqpacket-dup2over", NULL
};

static void rd(const char *label, int fd)
{
	char buf[64];
	long r = show(label, recv(fd, buf, sizeof(buf), MSG_DONTWAIT));

	if (r > 0)
		show_buf("data", buf, r);
}

static void run(int argc, char **argv)
{
	int sv[2], a2, b2, b3, x[2];

	pair(sv);
	a2 = dup(sv[0]);
	b2 = fcntl(sv[1], F_DUPFD_CLOEXEC, 20);
	show("dup works", a2 >= 0);
	show("F_DUPFD >= 20", b2 >= 20);
	show("send via dup", send(a2, "one", 3, 0));
	show("send via original", send(sv[0], "two", 3, 0));
	rd("recv via F_DUPFD copy", b2);
	rd("recv via original", sv[1]);
	show("close original writer", close(sv[0]));
	show("send via remaining dup", send(a2, "three", 5, 0));
	show_poll("reader", sv[1]);
	rd("recv", sv[1]);
	show("close last writer copy", close(a2));
	show_poll("reader after last close", sv[1]);
	rd("recv after last close", b2);
	if (variant("dup2over")) {
		/* dup2 a fresh pair's end over a channel fd: the old copy goes */
		pair(x);
		b3 = dup3(x[1], sv[1], 0);
		show("dup3 over reader", b3 == sv[1]);
		show("send on new pair", send(x[0], "new", 3, 0));
		rd("recv via replaced fd", sv[1]);
		show_poll("old reader copy", b2);
		close(x[0]);
		close(x[1]);
	}
	close(sv[1]);
	close(b2);
}

SCENARIO_MAIN
