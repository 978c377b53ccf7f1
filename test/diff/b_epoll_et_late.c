/* SPDX-License-Identifier: MIT */
/* b_epoll_et_late.c -- EPOLLET watch started with data queued both ways (in-process, peer in another process, and an edge-triggered outer set over a level-triggered inner one): one edge per arrival after it (SEMANTICS 188, 189). */
#include "common_b.h"

static const char *instances[] = {
	"stream", "dgram", "seqpacket",
	"stream-fork", "dgram-fork", "seqpacket-fork",
	"stream-nested", "dgram-nested", "seqpacket-nested",
	"stream-mod", NULL
};

static void sync_wait(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		say("sync lost");
}

static void sync_post(int fd)
{
	if (write(fd, "s", 1) != 1)
		say("sync lost");
}

static void run(int argc, char **argv)
{
	int sv[2], ep = epoll_create1(0), inner = -1, to_child[2], to_parent[2];
	pid_t child = -1;
	char buf[16];

	watchdog(10);
	pair(sv);
	if (variant("fork")) {
		if (pipe(to_child) || pipe(to_parent))
			say("pipe failed");
		child = fork();
		if (child == 0) {
			/* the writer, in another process than the watcher */
			close(sv[1]);
			send(sv[0], "abc", 3, 0);
			send(sv[0], "de", 2, 0);
			sync_post(to_parent[1]);
			sync_wait(to_child[0]);
			send(sv[0], "f", 1, 0);
			sync_post(to_parent[1]);
			sync_wait(to_child[0]);
			if (recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT) != 2)
				_exit(3);
			_exit(0);
		}
		close(sv[0]);
		sv[0] = -1;
		sync_wait(to_parent[0]);
	} else {
		show("a send abc", send(sv[0], "abc", 3, 0));
		show("a send de", send(sv[0], "de", 2, 0));
		show("b send xy", send(sv[1], "xy", 2, 0));
	}
	show_poll("b before watch", sv[1]);
	if (variant("nested")) {
		inner = epoll_create1(0);
		show("inner add b (level)", ep_add(inner, sv[1], EPOLLIN, 1));
		show("outer add inner et", ep_add(ep, inner, EPOLLIN | EPOLLET, 9));
	} else if (variant("mod")) {
		show("add b level", ep_add(ep, sv[1], EPOLLIN | EPOLLOUT, 1));
		show_epoll("b level", ep, 0);
		show_epoll("b level again", ep, 0);
		show("mod b et", ep_mod(ep, sv[1], EPOLLIN | EPOLLOUT | EPOLLET, 1));
	} else {
		show("add b et", ep_add(ep, sv[1], EPOLLIN | EPOLLOUT | EPOLLET, 1));
	}
	show_epoll("b watched", ep, 0);
	show_epoll("b again", ep, 0);
	show("b read 1", recv(sv[1], buf, 1, 0));
	show_buf("b got", buf, 1);
	show_epoll("b after partial read", ep, 0);
	if (child > 0) {
		sync_post(to_child[1]);
		sync_wait(to_parent[0]);
	} else {
		show("a send f", send(sv[0], "f", 1, 0));
	}
	show_epoll("b after f", ep, 0);
	show_epoll("b again", ep, 0);
	if (inner >= 0) {
		show("a send g", send(sv[0], "g", 1, 0));
		show_epoll("b after g", ep, 0);
	}
	show_drain("b", sv[1]);
	show_epoll("b drained", ep, 0);
	if (child > 0) {
		show("b send zz", send(sv[1], "zz", 2, 0));
		sync_post(to_child[1]);
		reap("writer", child);
	} else {
		show("a recv", recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT));
		show_buf("a got", buf, 2);
		show("b send zz", send(sv[1], "zz", 2, 0));
		show_epoll("b after own send", ep, 0);
		show("a recv", recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT));
		show_buf("a got", buf, 2);
		show_epoll("b after peer read", ep, 0);
		close(sv[0]);
		show_epoll("b after peer close", ep, 0);
	}
	if (inner >= 0)
		close(inner);
	close(ep);
	close(sv[1]);
}

SCENARIO_MAIN
