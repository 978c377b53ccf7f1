/* SPDX-License-Identifier: MIT */
/* b_oob_notsupp.c -- MSG_OOB and SIOCATMARK refused where unsupported, nothing queued (SEMANTICS 115, 116, 117, 123, 211, 212). */
#include "common_b.h"

static const char *instances[] = ALL_TYPES;

static void run(int argc, char **argv)
{
	int sv[2], at = -7;
	char buf[16];
	long r;

	pair(sv);
	show("send oob x", send(sv[0], "x", 1, MSG_OOB));
	show("send oob len0", send(sv[0], "", 0, MSG_OOB));
	show("send oob len0 dontwait", send(sv[0], "", 0, MSG_OOB | MSG_DONTWAIT));
	show_poll("b after oob sends", sv[1]);
	show("inq b", inq(sv[1]));
	show("send plain ab", send(sv[0], "ab", 2, 0));
	show("recv oob b", recv(sv[1], buf, sizeof(buf), MSG_OOB | MSG_DONTWAIT));
	show("recv oob|peek b", recv(sv[1], buf, sizeof(buf), MSG_OOB | MSG_PEEK | MSG_DONTWAIT));
	show("ioctl SIOCATMARK b", ioctl(sv[1], SIOCATMARK, &at));
	say("atmark value: %d", at);
	r = show("recv b", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
	if (r > 0)
		show_buf("data", buf, r);
	r = show("recv b again", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
	if (r > 0)
		show_buf("data", buf, r);
	show("recv oob empty b", recv(sv[1], buf, sizeof(buf), MSG_OOB | MSG_DONTWAIT));
	show("recv oob empty a", recv(sv[0], buf, sizeof(buf), MSG_OOB | MSG_DONTWAIT));
	show_poll("a end", sv[0]);
	show_poll("b end", sv[1]);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
