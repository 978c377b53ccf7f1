/* SPDX-License-Identifier: MIT */
/* a_pair_reuse.c -- pairs made one after another, each closed with data still in it, behave as fresh pairs; a pair alive across fork stays the child's after the parent lets go and makes new ones (udsx reuses the mappings of closed socketpairs). */
#include "common_b.h"

static const char *instances[] = {
	"stream-fresh", "dgram-fresh", "seqpacket-fresh",
	"stream-fork", "dgram-fork", "seqpacket-fork", NULL
};

/* A pair that has carried data, closed with some of it unread. */
static void used_and_dropped(int round)
{
	char b[1000];
	int sv[2], i;

	pair(sv);
	memset(b, 'a' + round, sizeof(b));
	for (i = 0; i < 10; i++)
		send(sv[0], b, sizeof(b), MSG_DONTWAIT);
	for (i = 0; i < 5; i++)
		recv(sv[1], b, sizeof(b), MSG_DONTWAIT);
	send(sv[1], b, 100, MSG_DONTWAIT);
	close(sv[0]);
	close(sv[1]);
}

static void look(const char *who, int sv[2])
{
	char l[64], b[64];

	snprintf(l, sizeof(l), "%s end 0", who);
	show_poll(l, sv[0]);
	snprintf(l, sizeof(l), "%s end 1", who);
	show_poll(l, sv[1]);
	say("%s inq/outq: %d %d / %d %d", who, inq(sv[0]), outq(sv[0]), inq(sv[1]), outq(sv[1]));
	snprintf(l, sizeof(l), "%s empty read", who);
	show(l, recv(sv[1], b, sizeof(b), MSG_DONTWAIT));
}

static void exchange(const char *who, int sv[2], int n)
{
	char b[64], m[64], l[64];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(m, sizeof(m), "%s %d", who, i);
		if (send(sv[0], m, strlen(m), 0) != (long)strlen(m))
			say("%s: send %d failed", who, i);
	}
	for (i = 0; i < n; i++) {
		long r = recv(sv[1], b, is_stream() ? strlen(who) + 2 : sizeof(b), 0);

		snprintf(l, sizeof(l), "%s got", who);
		show_buf(l, b, r);
	}
}

static void run(int argc, char **argv)
{
	int sv[2], a[2], i;
	pid_t pid;

	alarm(10);
	if (variant("fresh")) {
		for (i = 0; i < 6; i++) {
			char who[32];

			used_and_dropped(i);
			pair(sv);
			snprintf(who, sizeof(who), "pair%d", i);
			look(who, sv);
			exchange(who, sv, 3);
			close(sv[0]);
			close(sv[1]);
		}
		return;
	}
	/* fork: `a`, with data queued, lives on in the child alone, while the
	 * parent closes both its copies and makes and uses pairs of its own;
	 * only then does the child read what was queued and use `a` */
	{
		int go[2];
		char c;

		if (pipe(go) < 0)
			exit(1);
		used_and_dropped(0);
		pair(a);
		for (i = 0; i < 3; i++)
			show("queued before fork", send(a[0], "q", 1, 0));
		pid = fork();
		if (pid == 0) {
			close(go[1]);
			if (read(go[0], &c, 1) != 1)
				_exit(3);
			look("child's a", a);	/* (takes nothing: end 1 holds q q q) */
			exchange("child", a, 2);
			_exit(0);
		}
		close(go[0]);
		close(a[0]);
		close(a[1]);
		for (i = 0; i < 4; i++) {
			char who[32];

			used_and_dropped(i + 2);
			pair(sv);
			snprintf(who, sizeof(who), "after-fork%d", i);
			look(who, sv);
			exchange(who, sv, 2);
			if (i < 3) {
				close(sv[0]);
				close(sv[1]);
			}
		}
		say("go");	/* (before the byte: the child prints once it has it) */
		if (write(go[1], "g", 1) != 1)
			say("go: write failed");
		reap("child", pid);
		close(sv[0]);
		close(sv[1]);
		close(go[1]);
	}
}

SCENARIO_MAIN
