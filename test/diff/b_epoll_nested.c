/* SPDX-License-Identifier: MIT */
/* b_epoll_nested.c -- nested epoll, one fd in two epoll sets (level and edge), blocking epoll_wait woken by the peer (SEMANTICS 188, 189). */
#include "common_b.h"

static const char *instances[] = ALL_TYPES;

static int sv[2];

static void *late_send(void *arg)
{
	wait_sleeping((pid_t)(long)arg);
	send(sv[0], "late", 4, 0);
	return NULL;
}

static void run(int argc, char **argv)
{
	int inner, outer, lt, et;
	struct pollfd p;
	pthread_t t;
	char buf[8];

	watchdog(10);
	pair(sv);
	inner = epoll_create1(0);
	outer = epoll_create1(0);
	lt = epoll_create1(0);
	et = epoll_create1(0);
	show("inner add b", ep_add(inner, sv[1], EPOLLIN, 1));
	show("outer add inner", ep_add(outer, inner, EPOLLIN, 100));
	show("lt add b", ep_add(lt, sv[1], EPOLLIN, 2));
	show("et add b", ep_add(et, sv[1], EPOLLIN | EPOLLET, 3));
	show("outer add a", ep_add(outer, sv[0], EPOLLIN, 200));
	p.fd = inner;
	p.events = POLLIN;
	show("poll inner idle", poll(&p, 1, 0));
	show_epoll("outer idle", outer, 0);
	show_epoll("lt idle", lt, 0);
	show_epoll("et idle", et, 0);
	show("a send abc", send(sv[0], "abc", 3, 0));
	show("poll inner", poll(&p, 1, 0));
	say("inner revents: %s", p.revents & POLLIN ? "IN" : "-");
	show_epoll("outer", outer, 0);
	show_epoll("outer again", outer, 0);
	show_epoll("lt", lt, 0);
	show_epoll("et", et, 0);
	show_epoll("lt again", lt, 0);
	show_epoll("et again", et, 0);
	show_epoll("inner", inner, 0);
	show_epoll("outer after inner drained its list", outer, 0);
	show("b read 1", recv(sv[1], buf, 1, 0));
	show_epoll("lt after partial", lt, 0);
	show_epoll("et after partial", et, 0);
	drain(sv[1], NULL);
	show_epoll("outer drained", outer, 0);
	show_epoll("lt drained", lt, 0);
	show("b send zz", send(sv[1], "zz", 2, 0));
	show_epoll("outer after b->a", outer, 0);
	drain(sv[0], NULL);
	/* Block in the outer set; the peer's send must wake it. */
	t = spawn_quiet(late_send, (void *)(long)gettid_());
	show_epoll("outer blocking", outer, 5000);
	pthread_join(t, NULL);
	show_epoll("et after late", et, 0);
	show_epoll("lt after late", lt, 0);
	drain(sv[1], NULL);
	show("et del b", epoll_ctl(et, EPOLL_CTL_DEL, sv[1], NULL));
	show("a send x", send(sv[0], "x", 1, 0));
	show_epoll("et after del", et, 0);
	show_epoll("lt still", lt, 0);
	close(inner);
	close(outer);
	close(lt);
	close(et);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
