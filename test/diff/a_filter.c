/* SPDX-License-Identifier: MIT */
/* a_filter.c -- a socket filter on the receiver silently drops or trims DGRAM/SEQPACKET messages, the sender still sees success (SEMANTICS 18, 11, 14). */
#include "common_a.h"
#include <linux/filter.h>

static const char *instances[] = ALL_TYPES;

static int attach(int fd, unsigned int keep)
{
	struct sock_filter code[1] = { BPF_STMT(BPF_RET | BPF_K, keep) };
	struct sock_fprog prog = { 1, code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

static void run(int argc, char **argv)
{
	int sv[2], p[2];

	pair(sv);
	a_pipe("p", p);
	show("attach drop-all filter to b", attach(sv[1], 0));
	show("send dropped", send(sv[0], "dropped", 7, 0));
	show("send fd", a_sendfds(sv[0], "fd", 2, &p[1], 1, 0));
	show("send empty", send(sv[0], "", 0, 0));
	show("inq b", inq(sv[1]));
	show_poll("b", sv[1]);
	a_recv("recvmsg", sv[1], 16, 64, MSG_DONTWAIT);
	show("send b->a", send(sv[1], "reverse", 7, 0));
	a_recv("a recvmsg", sv[0], 16, 64, MSG_DONTWAIT);
	show("attach keep-2-bytes filter to b", attach(sv[1], 2));
	show("send abcdef", send(sv[0], "abcdef", 6, 0));
	show("send x", send(sv[0], "x", 1, 0));
	show("inq b", inq(sv[1]));
	a_recv("recvmsg", sv[1], 16, 64, MSG_DONTWAIT);
	a_recv("recvmsg", sv[1], 16, 64, MSG_DONTWAIT);
	a_recv("recvmsg", sv[1], 16, 64, MSG_DONTWAIT);
	show("detach", setsockopt(sv[1], SOL_SOCKET, SO_DETACH_FILTER, &(int){ 0 }, sizeof(int)));
	show("send whole", send(sv[0], "whole", 5, 0));
	a_recv("recvmsg", sv[1], 16, 64, MSG_DONTWAIT);
	a_recv("recvmsg", sv[1], 16, 64, MSG_DONTWAIT);
	close(p[1]);
	a_pipe_state("p", p[0]);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
