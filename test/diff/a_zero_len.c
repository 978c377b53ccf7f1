/* SPDX-License-Identifier: MIT */
/* a_zero_len.c -- zero-length sends and zero-byte receives on every type and entry point (SEMANTICS 4, 13, 14, 27, 28, 29, 30, 189). */
#include "common_a.h"

static const char *instances[] = {
	"stream", "dgram", "seqpacket",
	"stream-block", "dgram-block", "seqpacket-block",
	"stream-shut", "dgram-shut", "seqpacket-shut", NULL
};

static int wfd;

static void *writer(void *arg)
{
	nap_ms(50);
	if (write(wfd, "wake", 4) != 4)
		_exit(3);
	return NULL;
}

static void run(int argc, char **argv)
{
	struct iovec iov = { "", 0 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct msghdr m0 = { 0 };
	char b[8];
	int sv[2];

	alarm(10);
	pair(sv);
	wfd = sv[0];
	if (variant("block")) {
		a_spawn(writer, NULL);
		a_recv("blocking recvmsg 0-byte buffer", sv[1], 0, 0, 0);
		a_join();
		show("inq b", inq(sv[1]));
		a_rd("recv 8", sv[1], 8, MSG_DONTWAIT);
		goto out;
	}
	if (variant("shut")) {
		show("send 0", send(sv[0], "", 0, MSG_NOSIGNAL));
		show("shutdown a WR", shutdown(sv[0], SHUT_WR));
		show("send 0 after SHUT_WR", send(sv[0], "", 0, MSG_NOSIGNAL));
		signal(SIGPIPE, SIG_IGN);
		show("write 0 after SHUT_WR", write(sv[0], "", 0));
		show_poll("b", sv[1]);
		show("inq b", inq(sv[1]));
		a_recv("recvmsg b", sv[1], 8, 0, MSG_DONTWAIT);
		a_recv("recvmsg b", sv[1], 8, 0, MSG_DONTWAIT);
		show_poll("b", sv[1]);
		goto out;
	}
	say("-- send 0");
	show("send 0", send(sv[0], "", 0, 0));
	show_poll("b", sv[1]);
	show("inq b", inq(sv[1]));
	a_recv("recvmsg 8", sv[1], 8, 0, MSG_DONTWAIT);
	a_recv("recvmsg 8", sv[1], 8, 0, MSG_DONTWAIT);
	say("-- write 0, sendto 0, sendmsg 0, sendmsg no iov, then data");
	show("write 0", write(sv[0], "", 0));
	show("sendto 0", sendto(sv[0], "", 0, 0, NULL, 0));
	show("sendmsg 1 empty iov", sendmsg(sv[0], &m, 0));
	show("sendmsg 0 iovs", sendmsg(sv[0], &m0, 0));
	show("send xy", send(sv[0], "xy", 2, 0));
	show_poll("b", sv[1]);
	show("inq b", inq(sv[1]));
	show("read 8", read(sv[1], b, 8));
	show("recv 8", recv(sv[1], b, 8, MSG_DONTWAIT));
	show("inq b", inq(sv[1]));
	say("-- zero-byte buffers: recv, read, readv");
	show("recv NULL,0", recv(sv[1], NULL, 0, MSG_DONTWAIT));
	show("inq b", inq(sv[1]));
	show("read NULL,0", read(sv[1], NULL, 0));
	show("inq b", inq(sv[1]));
	show("readv 1 empty iov", readv(sv[1], &iov, 1));
	show("inq b", inq(sv[1]));
	a_rd("recv 8", sv[1], 8, MSG_DONTWAIT);
	a_rd("recv 8", sv[1], 8, MSG_DONTWAIT);
	a_rd("recv 8", sv[1], 8, MSG_DONTWAIT);
	say("-- 0-byte read/readv/recv on a queued 1-byte message");
	show("send z", send(sv[0], "z", 1, 0));
	show("read 0", read(sv[1], b, 0));
	show("inq b", inq(sv[1]));
	show("readv 1 empty iov", readv(sv[1], &iov, 1));
	show("inq b", inq(sv[1]));
	show("recv 0", recv(sv[1], b, 0, 0));
	show("inq b", inq(sv[1]));
	a_rd("recv 8", sv[1], 8, MSG_DONTWAIT);
	say("-- writev with nothing to write");
	show("writev 1 empty iov", writev(sv[0], &iov, 1));
	show("inq b", inq(sv[1]));
	show_poll("b", sv[1]);
	say("-- empty queue, 0-byte buffer");
	show("recv 0 dontwait", recv(sv[1], b, 0, MSG_DONTWAIT));
	show("recv 0 trunc dontwait", recv(sv[1], b, 0, MSG_DONTWAIT | MSG_TRUNC));
	show("recv 0 peek dontwait", recv(sv[1], b, 0, MSG_DONTWAIT | MSG_PEEK));
out:
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
