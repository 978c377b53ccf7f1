/* SPDX-License-Identifier: MIT */
/* a_peek_off_block.c -- a peek at or past the end of the queued data blocks or gives EAGAIN, and a woken peek honours the offset (SEMANTICS 98, 99, 100). */
#include "common_a.h"

static const char *instances[] = ALL_TYPES;

static int sv[2];

static void *writer(void *arg)
{
	nap_ms(50);
	if (send(sv[0], "new", 3, 0) != 3)
		_exit(3);
	return NULL;
}

static void off(void)
{
	int v = -12345;
	socklen_t l = sizeof(v);

	getsockopt(sv[1], SOL_SOCKET, SO_PEEK_OFF, &v, &l);
	say("  SO_PEEK_OFF=%d", v);
}

static void run(int argc, char **argv)
{
	alarm(10);
	pair(sv);
	show("send old", send(sv[0], "old", 3, 0));
	a_setint("SO_PEEK_OFF 0", sv[1], SOL_SOCKET, SO_PEEK_OFF, 0);
	a_recv("peek 16", sv[1], 16, 0, MSG_PEEK | MSG_DONTWAIT);
	off();
	a_recv("peek 16 at end, dontwait", sv[1], 16, 0, MSG_PEEK | MSG_DONTWAIT);
	a_recv("peek 0 at end, dontwait", sv[1], 0, 0, MSG_PEEK | MSG_DONTWAIT);
	show_poll("b", sv[1]);
	a_spawn(writer, NULL);
	a_recv("blocking peek 16", sv[1], 16, 0, MSG_PEEK);
	a_join();
	off();
	a_recv("peek 16 at end, dontwait", sv[1], 16, 0, MSG_PEEK | MSG_DONTWAIT);
	a_recv("recv 16", sv[1], 16, 0, MSG_DONTWAIT);
	off();
	a_recv("recv 16", sv[1], 16, 0, MSG_DONTWAIT);
	off();
	say("-- offset beyond the data, then more data");
	a_setint("SO_PEEK_OFF 5", sv[1], SOL_SOCKET, SO_PEEK_OFF, 5);
	show("send abc", send(sv[0], "abc", 3, 0));
	a_recv("peek 16", sv[1], 16, 0, MSG_PEEK | MSG_DONTWAIT);
	show("send defgh", send(sv[0], "defgh", 5, 0));
	a_recv("peek 16", sv[1], 16, 0, MSG_PEEK | MSG_DONTWAIT);
	off();
	a_recv("recv 16", sv[1], 16, 0, MSG_DONTWAIT);
	off();
	a_recv("recv 16", sv[1], 16, 0, MSG_DONTWAIT);
	off();
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
