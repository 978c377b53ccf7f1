/* SPDX-License-Identifier: MIT */
/* b_oob_basic.c -- STREAM urgent byte: mark, POLLPRI, SIOCATMARK, recv(MSG_OOB) (SEMANTICS 114, 119, 120, 121, 123, 127). */
#include "common_b.h"

static const char *instances[] = { "stream", "stream-recvmsg", NULL };

static void atmark(const char *label, int fd)
{
	int at = -7;

	if (ioctl(fd, SIOCATMARK, &at) < 0)
		show(label, -1);
	else
		say("%s: atmark=%d", label, at);
}

static void recv_oob(const char *label, int fd)
{
	char c = 0, ctl[64];
	struct iovec iov = { &c, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	long r;

	r = show(label, recvmsg(fd, &mh, MSG_OOB | MSG_DONTWAIT));
	if (r > 0) {
		show_buf("oob byte", &c, r);
		show_flags("oob", mh.msg_flags);
		say("oob controllen: %zu", (size_t)mh.msg_controllen);
	}
}

static void rd(const char *label, int fd, int len)
{
	char buf[128];
	long r;

	if (variant("recvmsg")) {
		struct iovec iov = { buf, len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

		r = show(label, recvmsg(fd, &mh, MSG_DONTWAIT));
		if (r >= 0)
			show_flags(label, mh.msg_flags);
	} else {
		r = show(label, recv(fd, buf, len, MSG_DONTWAIT));
	}
	if (r > 0)
		show_buf("data", buf, r);
}

static void run(int argc, char **argv)
{
	int sv[2];

	pair(sv);
	atmark("b fresh", sv[1]);
	show("send oob hello", send(sv[0], "hello", 5, MSG_OOB));
	show("send world", send(sv[0], "world", 5, 0));
	show_poll("a", sv[0]);
	show_poll("b", sv[1]);
	atmark("b before read", sv[1]);
	show("outq a", outq(sv[0]) > 0);
	rd("read 100", sv[1], 100);
	atmark("b after read", sv[1]);
	show_poll("b at mark", sv[1]);
	show("inq b at mark", inq(sv[1]));
	recv_oob("recv oob", sv[1]);
	show_poll("b after oob", sv[1]);
	atmark("b after oob", sv[1]);
	show("inq b after oob", inq(sv[1]));
	recv_oob("recv oob again", sv[1]);
	rd("read 100 again", sv[1], 100);
	atmark("b after world", sv[1]);
	rd("read empty", sv[1], 100);
	show("inq b end", inq(sv[1]));
	show_poll("b end", sv[1]);
	show("outq a end", outq(sv[0]));
	/* The other direction works the same. */
	show("send oob back", send(sv[1], "Q", 1, MSG_OOB));
	show_poll("a with oob", sv[0]);
	recv_oob("a recv oob", sv[0]);
	show_poll("a after", sv[0]);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
