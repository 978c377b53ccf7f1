/* SPDX-License-Identifier: MIT */
/* p_fork_close.c -- an end shared by parent and child: EOF/HUP only when the last holder closes; shutdown by one holder is seen by all (SEMANTICS 156, 157, 158, 167, 175, 176, 180). */
#include "common_b.h"

static const char *instances[] = {
	"stream-close", "dgram-close", "seqpacket-close",
	"stream-shutdown", "dgram-shutdown", "seqpacket-shutdown", NULL
};

static void step(int fd)
{
	char c = 's';

	write(fd, &c, 1);
}

static int await(int fd)
{
	char c;

	return read(fd, &c, 1) == 1;
}

static void run(int argc, char **argv)
{
	int sv[2], go[2], ack[2];
	pid_t pid;
	char b[16];

	alarm(10);	/* no watchdog thread: threads before fork upset ASan */
	count_sigpipe();
	pair(sv);
	if (pipe(go) < 0 || pipe(ack) < 0)
		exit(1);
	show("parent send p1", send(sv[0], "p1", 2, 0));
	pid = fork();
	if (pid == 0) {
		int bad = 0;

		alarm(10);
		close(sv[1]);
		close(go[1]);
		close(ack[0]);
		if (variant("shutdown")) {
			await(go[0]);
			shutdown(sv[0], SHUT_WR);
			step(ack[1]);
			await(go[0]);
			_exit(0);
		}
		await(go[0]);
		if (send(sv[0], "c1", 2, 0) != 2)
			bad |= 1;
		step(ack[1]);
		await(go[0]);
		if (recv(sv[0], b, sizeof(b), 0) != 4 || memcmp(b, "back", 4))
			bad |= 2;
		_exit(bad);
	}
	close(go[0]);
	close(ack[1]);
	if (variant("shutdown")) {
		step(go[1]);
		await(ack[0]);
		show_poll("parent's a after child's shut_wr", sv[0]);
		show_poll("b", sv[1]);
		show("parent send on shared a", send(sv[0], "x", 1, 0));
		show_sigpipe("parent send");
		rcv("b read", sv[1], 8, MSG_DONTWAIT);
		rcv("b read", sv[1], 8, MSG_DONTWAIT);
		show("b send back", send(sv[1], "ok", 2, 0));
		rcv("a read", sv[0], 8, MSG_DONTWAIT);
		step(go[1]);
		reap("child", pid);
		close(sv[0]);
		close(sv[1]);
		return;
	}
	show("parent close a", close(sv[0]));
	show_poll("b (child holds a)", sv[1]);
	rcv("b read", sv[1], 8, MSG_DONTWAIT);
	rcv("b read", sv[1], 8, MSG_DONTWAIT);
	step(go[1]);
	await(ack[0]);
	rcv("b read child's", sv[1], 8, MSG_DONTWAIT);
	show_poll("b (child still holds a)", sv[1]);
	show("b send back", send(sv[1], "back", 4, 0));
	step(go[1]);
	reap("child", pid);
	show_poll("b (last holder gone)", sv[1]);
	rcv("b read", sv[1], 8, MSG_DONTWAIT);
	show("b send", send(sv[1], "x", 1, 0));
	show_sigpipe("b send");
	close(sv[1]);
}

SCENARIO_MAIN
