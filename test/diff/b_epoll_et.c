/* SPDX-License-Identifier: MIT */
/* b_epoll_et.c -- EPOLLET: one event per arrival, none for leftovers; EPOLLOUT edge when the peer frees space; shutdown/close edges (SEMANTICS 151, 152, 156, 157, 167, 175, 188). */
#include "common_b.h"

static const char *instances[] = ALL_TYPES;

static void run(int argc, char **argv)
{
	int sv[2], ep = epoll_create1(0), epa = epoll_create1(0);
	char buf[8];

	pair(sv);
	show("add b in|et", ep_add(ep, sv[1], EPOLLIN | EPOLLRDHUP | EPOLLET, 2));
	show_epoll("b idle", ep, 0);
	show("add a in|out|et", ep_add(epa, sv[0], EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, 1));
	show_epoll("a idle", epa, 0);
	show_epoll("a idle again", epa, 0);
	show("a send abc", send(sv[0], "abc", 3, 0));
	show_epoll("b after abc", ep, 0);
	show_epoll("b again", ep, 0);
	show_epoll("a after own send", epa, 0);
	show("a send de", send(sv[0], "de", 2, 0));
	show_epoll("b after de", ep, 0);
	show("b read 1", recv(sv[1], buf, 1, 0));
	show_epoll("b after partial read", ep, 0);
	show_epoll("a after peer read", epa, 0);
	drain(sv[1], NULL);
	show_epoll("b after drain", ep, 0);
	show_epoll("a after drain", epa, 0);
	show("b send q", send(sv[1], "q", 1, 0));
	show_epoll("a after b sends", epa, 0);
	show_epoll("a again", epa, 0);
	show("a send f", send(sv[0], "f", 1, 0));
	show_epoll("b after f", ep, 0);
	show("shutdown a wr", shutdown(sv[0], SHUT_WR));
	show_epoll("b after peer shut_wr", ep, 0);
	show_epoll("b again", ep, 0);
	show_epoll("a after own shut_wr", epa, 0);
	show("close a", close(sv[0]));
	show_epoll("b after peer close", ep, 0);
	show_epoll("b again", ep, 0);
	drain(sv[1], NULL);
	show_epoll("b after drain", ep, 0);
	close(ep);
	close(epa);
	close(sv[1]);
}

SCENARIO_MAIN
