/* SPDX-License-Identifier: MIT */
/* b_epoll_placeholder.c -- an EPOLLET watch with no data events (dbus-daemon adds every connection so, disabled), later made level- or edge-triggered: what each wait reports while data moves (SEMANTICS 186-189). */
#include "common_b.h"

static const char *instances[] = {
	"stream", "dgram", "seqpacket",
	"stream-et", "dgram-et", "seqpacket-et", NULL
};

/* One message a -> b and a reply b -> a, with the placeholder's view in
 * between; enough rounds for a connect()/accept() connection to be
 * negotiated (from the server's 4th data call). */
static void round_trip(int a, int b, int ep, int i)
{
	char buf[16], m[16];

	snprintf(m, sizeof(m), "m%d", i);
	show("a send", send(a, m, strlen(m), 0));
	show_epoll("b placeholder", ep, 0);
	show("b recv", recv(b, buf, sizeof(buf), 0));
	show("b send", send(b, "r", 1, 0));
	show("a recv", recv(a, buf, sizeof(buf), 0));
}

static void run(int argc, char **argv)
{
	int sv[2], ep = epoll_create1(0), i;
	char buf[16];

	watchdog(10);
	pair(sv);
	show("add b et, no events", ep_add(ep, sv[1], EPOLLET, 1));
	show_epoll("b placeholder, nothing queued", ep, 0);
	for (i = 0; i < 6; i++)
		round_trip(sv[0], sv[1], ep, i);
	show("mod b level in", ep_mod(ep, sv[1], EPOLLIN, 1));
	show_epoll("b level, nothing queued", ep, 0);
	show("a send x", send(sv[0], "x", 1, 0));
	show_epoll("b level after x", ep, 0);
	show_epoll("b level again", ep, 0);
	show("b recv", recv(sv[1], buf, sizeof(buf), 0));
	show_epoll("b level drained", ep, 0);
	if (variant("et")) {
		show("mod b et in", ep_mod(ep, sv[1], EPOLLIN | EPOLLET, 1));
		show_epoll("b et, nothing queued", ep, 0);
		show("a send p", send(sv[0], "p", 1, 0));
		show_epoll("b et after p", ep, 0);
		show_epoll("b et again", ep, 0);
		show("a send q", send(sv[0], "q", 1, 0));
		show_epoll("b et after q", ep, 0);
		show_drain("b", sv[1]);
	}
	show("mod b et, no events", ep_mod(ep, sv[1], EPOLLET, 1));
	show("a send z", send(sv[0], "z", 1, 0));
	show_epoll("b placeholder after z", ep, 0);
	show("b send y", send(sv[1], "y", 1, 0));
	show("a recv", recv(sv[0], buf, sizeof(buf), 0));
	show_buf("a got", buf, 1);
	close(sv[0]);
	show_epoll("b placeholder after peer close", ep, 0);
	show_epoll("b placeholder again", ep, 0);
	show("b recv", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
	show_buf("b got", buf, 1);
	show("b recv after", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
	close(ep);
	close(sv[1]);
}

SCENARIO_MAIN
