/* SPDX-License-Identifier: MIT */
/* b_oob_second.c -- a newer OOB byte demotes the older one; the mark survives an out-of-band read (SEMANTICS 124, 126, 127). */
#include "common_b.h"

static const char *instances[] = {
	"stream-second", "stream-second-inband", "stream-oobfirst", NULL
};

static void run(int argc, char **argv)
{
	int sv[2];

	pair(sv);
	if (variant("oobfirst")) {
		show("send oob hello", send(sv[0], "hello", 5, MSG_OOB));
		show("send world", send(sv[0], "world", 5, 0));
		show_atmark("b before", sv[1]);
		rcvmsg("recv oob", sv[1], 1, MSG_OOB);
		show_atmark("b after oob", sv[1]);
		show_poll("b after oob", sv[1]);
		rcv("read 100", sv[1], 100, MSG_DONTWAIT);
		show_atmark("b after read", sv[1]);
		rcv("read 100 again", sv[1], 100, MSG_DONTWAIT);
		show_atmark("b end", sv[1]);
	} else {
		show("send oob ab", send(sv[0], "ab", 2, MSG_OOB));
		show("send oob cd", send(sv[0], "cd", 2, MSG_OOB));
		show("send ef", send(sv[0], "ef", 2, 0));
		show_poll("b", sv[1]);
		show_atmark("b", sv[1]);
		if (variant("second")) {
			rcvmsg("recv oob", sv[1], 1, MSG_OOB);
			rcvmsg("recv oob again", sv[1], 1, MSG_OOB);
		}
		rcv("read 100", sv[1], 100, MSG_DONTWAIT);
		show_atmark("b", sv[1]);
		show_poll("b", sv[1]);
		rcv("read 100", sv[1], 100, MSG_DONTWAIT);
		show_atmark("b", sv[1]);
		rcv("read 100", sv[1], 100, MSG_DONTWAIT);
	}
	show_poll("b end", sv[1]);
	show("outq a end", outq(sv[0]));
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
