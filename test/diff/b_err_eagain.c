/* SPDX-License-Identifier: MIT */
/* b_err_eagain.c -- EAGAIN sources: O_NONBLOCK, SOCK_NONBLOCK, MSG_DONTWAIT, MSG_ERRQUEUE, full queue; and where 0 replaces it (SEMANTICS 29, 32, 112, 161, 162, 210). */
#include "common_b.h"

static const char *instances[] = ALL_TYPES;

static void run(int argc, char **argv)
{
	int sv[2], err = 0;
	char buf[8];
	long bytes, n;

	pair_flags(sv, SOCK_NONBLOCK | SOCK_CLOEXEC);
	say("a nonblock=%d cloexec=%d", !!(fcntl(sv[0], F_GETFL) & O_NONBLOCK),
	    !!(fcntl(sv[0], F_GETFD) & FD_CLOEXEC));
	say("b nonblock=%d cloexec=%d", !!(fcntl(sv[1], F_GETFL) & O_NONBLOCK),
	    !!(fcntl(sv[1], F_GETFD) & FD_CLOEXEC));
	show("read empty", read(sv[1], buf, sizeof(buf)));
	show("recv empty", recv(sv[1], buf, sizeof(buf), 0));
	show("recv 0 bytes empty", recv(sv[1], buf, 0, 0));
	show("recv errqueue empty", recv(sv[1], buf, sizeof(buf), MSG_ERRQUEUE));
	show("send abc", send(sv[0], "abc", 3, 0));
	/* 6.18.44 ignores MSG_ERRQUEUE on AF_UNIX: this is a normal read
	 * (SEMANTICS 32 says EAGAIN; the kernel is the oracle). */
	rcvmsg("recvmsg errqueue with data", sv[1], 8, MSG_ERRQUEUE);
	show("inq b", inq(sv[1]));
	show("send de", send(sv[0], "de", 2, 0));
	rcv("read", sv[1], 8, 0);
	n = fill(sv[0], 500, &bytes, &err);
	say("fill 500: sends=%ld err=%s", n, errname(err));
	show("write on full", write(sv[0], buf, 1));
	drain(sv[1], NULL);
	set_nonblock(sv[1], 0);
	say("b nonblock=%d", !!(fcntl(sv[1], F_GETFL) & O_NONBLOCK));
	show("recv dontwait on blocking fd", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
	show("recv peek dontwait", recv(sv[1], buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT));
	show("recv waitall dontwait", recv(sv[1], buf, sizeof(buf), MSG_WAITALL | MSG_DONTWAIT));
	set_nonblock(sv[1], 1);
	show("shutdown b rd", shutdown(sv[1], SHUT_RD));
	show("recv after own shut_rd", recv(sv[1], buf, sizeof(buf), 0));
	show("recv 0 bytes after own shut_rd", recv(sv[1], buf, 0, 0));
	show("shutdown a wr", shutdown(sv[0], SHUT_WR));
	show("recv after shut_rd+peer shut_wr", recv(sv[1], buf, sizeof(buf), 0));
	show("send a after shut_wr nonblock", send(sv[0], "x", 1, MSG_NOSIGNAL));
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
