/* SPDX-License-Identifier: MIT */
/* b_epoll_oneshot.c -- EPOLLONESHOT disarms after one event; EPOLL_CTL_MOD re-arms and reports current state (SEMANTICS 188, 189). */
#include "common_b.h"

static const char *instances[] = {
	"stream", "dgram", "seqpacket", "stream-et", "dgram-et", "seqpacket-et", NULL
};

static void run(int argc, char **argv)
{
	int sv[2], ep = epoll_create1(0);
	unsigned ev = EPOLLIN | EPOLLONESHOT | (variant("et") ? EPOLLET : 0);
	char buf[8];

	pair(sv);
	show("add b oneshot", ep_add(ep, sv[1], ev, 7));
	show_epoll("b idle", ep, 0);
	show("a send abc", send(sv[0], "abc", 3, 0));
	show_epoll("b first", ep, 0);
	show_epoll("b disarmed", ep, 0);
	show("a send de", send(sv[0], "de", 2, 0));
	show_epoll("b disarmed, more data", ep, 0);
	show("mod rearm", ep_mod(ep, sv[1], ev, 8));
	show_epoll("b rearmed", ep, 0);
	show_epoll("b disarmed", ep, 0);
	show("b read 1", recv(sv[1], buf, 1, 0));
	show("mod rearm", ep_mod(ep, sv[1], ev, 9));
	show_epoll("b rearmed, data left", ep, 0);
	drain(sv[1], NULL);
	show("mod rearm", ep_mod(ep, sv[1], ev, 10));
	show_epoll("b rearmed, empty", ep, 0);
	show("a send f", send(sv[0], "f", 1, 0));
	show_epoll("b new data", ep, 0);
	show("mod out", ep_mod(ep, sv[1], EPOLLOUT | EPOLLONESHOT, 11));
	show_epoll("b out", ep, 0);
	show_epoll("b out disarmed", ep, 0);
	show("mod 0 events", ep_mod(ep, sv[1], EPOLLONESHOT, 12));
	show("close a", close(sv[0]));
	show_epoll("b hup while armed for nothing", ep, 0);
	show("del", epoll_ctl(ep, EPOLL_CTL_DEL, sv[1], NULL));
	show("del again", epoll_ctl(ep, EPOLL_CTL_DEL, sv[1], NULL));
	close(ep);
	close(sv[1]);
}

SCENARIO_MAIN
