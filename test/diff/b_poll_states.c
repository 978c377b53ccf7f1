/* SPDX-License-Identifier: MIT */
/* b_poll_states.c -- poll, epoll and select agree with the kernel's event table in every pair state (SEMANTICS 180, 185, 186, 187, 188, 189, 190, section 11 table). */
#include "common_b.h"
#include <sys/select.h>

static const char *instances[] = ALL_TYPES;

static void show_all(const char *label, int fd)
{
	int ep = epoll_create1(0);
	char l[80];
	fd_set r, w, x;
	struct timeval tv = { 0, 0 };
	int n;

	show_poll(label, fd);
	ep_add(ep, fd, EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLRDHUP, 0);
	snprintf(l, sizeof(l), "%s epoll", label);
	show_epoll(l, ep, 0);
	close(ep);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&x);
	FD_SET(fd, &r);
	FD_SET(fd, &w);
	FD_SET(fd, &x);
	n = select(fd + 1, &r, &w, &x, &tv);
	say("%s select: n=%d%s%s%s", label, n, FD_ISSET(fd, &r) ? " r" : "",
	    FD_ISSET(fd, &w) ? " w" : "", FD_ISSET(fd, &x) ? " x" : "");
}

static void run(int argc, char **argv)
{
	int sv[2], err = 0;
	long bytes;

	pair(sv);
	show_all("idle a", sv[0]);
	show_all("idle b", sv[1]);
	send(sv[0], "abc", 3, 0);
	show_all("queued a", sv[0]);
	show_all("queued b", sv[1]);
	send(sv[0], "", 0, 0);
	drain(sv[1], NULL);
	show_all("drained b", sv[1]);
	send(sv[0], "", 0, 0);
	show_all("after empty send b", sv[1]);
	drain(sv[1], NULL);
	fill(sv[0], 1000, &bytes, &err);
	show_all("full a", sv[0]);
	show_all("full b", sv[1]);
	close(sv[0]);
	close(sv[1]);

	pair(sv);
	shutdown(sv[0], SHUT_RD);
	show_all("own shut_rd a", sv[0]);
	show_all("own shut_rd peer b", sv[1]);
	close(sv[0]);
	close(sv[1]);

	pair(sv);
	shutdown(sv[0], SHUT_WR);
	show_all("own shut_wr a", sv[0]);
	show_all("peer shut_wr b", sv[1]);
	close(sv[0]);
	close(sv[1]);

	pair(sv);
	shutdown(sv[0], SHUT_RDWR);
	show_all("own shut_rdwr a", sv[0]);
	show_all("peer shut_rdwr b", sv[1]);
	close(sv[0]);
	close(sv[1]);

	pair(sv);
	send(sv[0], "abc", 3, 0);
	close(sv[0]);
	show_all("peer closed b (data queued)", sv[1]);
	drain(sv[1], NULL);
	show_all("peer closed b (drained)", sv[1]);
	close(sv[1]);

	pair(sv);
	send(sv[1], "zz", 2, 0);
	close(sv[0]);
	show_all("peer closed with unread b", sv[1]);
	close(sv[1]);

	if (is_stream()) {
		pair(sv);
		send(sv[0], "x", 1, MSG_OOB);
		show_all("lone oob b", sv[1]);
		close(sv[0]);
		show_all("lone oob peer closed b", sv[1]);
		close(sv[1]);
	}
}

SCENARIO_MAIN
