/* SPDX-License-Identifier: MIT */
/* basic_rw.c -- write/read round trip, boundaries and SIOCINQ on a fresh pair (SEMANTICS 4, 11, 19, 23, 33). */
#include "common.h"

static const char *instances[] = ALL_TYPES;

static void run(int argc, char **argv)
{
	int sv[2];
	char buf[64];
	long r;

	pair(sv);
	show_poll("idle a", sv[0]);
	show("write abc", write(sv[0], "abc", 3));
	show("write defgh", write(sv[0], "defgh", 5));
	show_poll("b after writes", sv[1]);
	show("inq b", inq(sv[1]));
	r = show("read 64", read(sv[1], buf, sizeof(buf)));
	if (r > 0)
		show_buf("data", buf, r);
	r = show("recv 64 again", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
	if (r > 0)
		show_buf("data", buf, r);
	show("inq b", inq(sv[1]));
	show_poll("b drained", sv[1]);
	show("recv dontwait", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
	show("write back", write(sv[1], "xyz", 3));
	r = show("read a", read(sv[0], buf, 2));
	if (r > 0)
		show_buf("data", buf, r);
	show("inq a", inq(sv[0]));
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
