/* SPDX-License-Identifier: MIT */
/* b_close_inflight.c -- fds in flight in a queue are released when the holder closes; data then fds with a dying peer (SEMANTICS 58, 167, 175, 179). */
#include "common_b.h"

static const char *instances[] = ALL_TYPES;

/* Is the pipe's write end still referenced anywhere? */
static void pipe_state(const char *label, int rfd)
{
	char c;
	long r = read(rfd, &c, 1);

	if (r == 0)
		say("%s: write end released", label);
	else if (r < 0 && errno == EAGAIN)
		say("%s: write end still held", label);
	else
		show(label, r);
}

static void run(int argc, char **argv)
{
	int sv[2], p[2];
	char tag;
	int fd;

	if (pipe2(p, O_NONBLOCK) < 0)
		exit(1);
	pair(sv);
	show("a send data", send(sv[0], "d1", 2, 0));
	show("a send fd", send_fd(sv[0], p[1], 'F'));
	show("a send data", send(sv[0], "d2", 2, 0));
	close(p[1]);
	pipe_state("after send", p[0]);
	show("close a", close(sv[0]));
	pipe_state("sender closed", p[0]);
	rcv("b read", sv[1], 8, MSG_DONTWAIT);
	pipe_state("after a plain read", p[0]);
	show("close b (fd unread)", close(sv[1]));
	pipe_state("receiver closed", p[0]);
	close(p[0]);

	/* Same, but the receiver takes the fd and closes it. */
	if (pipe2(p, O_NONBLOCK) < 0)
		exit(1);
	pair(sv);
	show("a send data", send(sv[0], "d1", 2, 0));
	show("a send fd", send_fd(sv[0], p[1], 'F'));
	close(p[1]);
	close(sv[0]);
	rcv("b read", sv[1], 2, MSG_DONTWAIT);
	fd = recv_fd(sv[1], &tag);
	say("b got fd: %d tag=%c", fd >= 0, fd >= 0 ? tag : '-');
	pipe_state("fd received", p[0]);
	if (fd >= 0)
		close(fd);
	pipe_state("received fd closed", p[0]);
	rcv("b read", sv[1], 8, MSG_DONTWAIT);
	close(sv[1]);
	close(p[0]);
}

SCENARIO_MAIN
