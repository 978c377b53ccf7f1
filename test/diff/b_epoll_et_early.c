/* SPDX-License-Identifier: MIT */
/* b_epoll_et_early.c -- a socket watched edge-triggered before connect() (nginx's upstream sockets): after the connection has carried data both ways, every arrival is still an edge, even with earlier data unread (SEMANTICS 188, 189). */
#include "common_b.h"

static const char *instances[] = { "stream", "seqpacket", "dgram", NULL };

/* Named modes only: a socketpair is born connected. */
static int named(const char *inst)
{
	return T_CONN != CONN_PAIR;
}

static void run(int argc, char **argv)
{
	char dir[] = "/tmp/udsx-diff-XXXXXX", buf[16], p[sizeof(dir) + 2];
	struct sockaddr_un a, b;
	socklen_t al, bl;
	int c, s, ep = epoll_create1(0), i;

	watchdog(10);
	if (T_CONN == CONN_PATH && !mkdtemp(dir))
		conn_die("mkdtemp");
	c = socket(AF_UNIX, T_TYPE, 0);
	s = socket(AF_UNIX, T_TYPE, 0);
	if (c < 0 || s < 0)
		conn_die("socket");
	al = conn_bind(s, &a, dir, 'a');
	show("watch c et before connect", ep_add(ep, c, EPOLLIN | EPOLLET, 1));
	if (T_TYPE == SOCK_DGRAM) {
		bl = conn_bind(c, &b, dir, 'b');
		show("c connect", connect(c, (struct sockaddr *)&a, al));
		show("s connect", connect(s, (struct sockaddr *)&b, bl));
	} else {
		int l = s;

		show("listen", listen(l, 1));
		show("c connect", connect(c, (struct sockaddr *)&a, al));
		s = accept(l, NULL, NULL);
		show("accept", s >= 0 ? 0 : -1);
		close(l);
	}
	if (T_CONN == CONN_PATH) {
		snprintf(p, sizeof(p), "%s/a", dir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/b", dir);
		unlink(p);
		rmdir(dir);
	}
	/* enough both ways for a connection udsx negotiates to switch */
	for (i = 0; i < 8; i++) {
		show("s send", send(s, "q", 1, 0));
		show_epoll("c after q", ep, 1000);
		show("c recv", recv(c, buf, sizeof(buf), 0));
		show("c send", send(c, "r", 1, 0));
		show("s recv", recv(s, buf, sizeof(buf), 0));
	}
	show_epoll("c drained", ep, 0);
	show("s send A", send(s, "A", 1, 0));
	show_epoll("c after A", ep, 1000);
	show_epoll("c again", ep, 0);
	show("s send B", send(s, "B", 1, 0));
	show_epoll("c after B, A unread", ep, 1000);
	show_drain("c", c);
	show("c send z", send(c, "z", 1, 0));
	show("s recv", recv(s, buf, sizeof(buf), 0));
	show_buf("s got", buf, 1);
	close(s);
	show_epoll("c after peer close", ep, 1000);
	close(ep);
	close(c);
}

SCENARIO_MAIN_IF(named)
