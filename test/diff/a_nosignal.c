/* SPDX-License-Identifier: MIT */
/* a_nosignal.c -- EPIPE raises SIGPIPE only on STREAM and only without MSG_NOSIGNAL, for every send entry point (SEMANTICS 113, 158, 163, 172, 204). */
#include "common_a.h"

static const char *instances[] = ALL_TYPES;

static volatile sig_atomic_t npipe;

static void on_pipe(int sig)
{
	npipe++;
}


static void all_calls(int fd)
{
	struct iovec iov = { "x", 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	long r;

	npipe = 0;
	r = send(fd, "x", 1, 0);
	show("send", r);
	say("  SIGPIPE: %d", (int)npipe);
	npipe = 0;
	r = send(fd, "x", 1, MSG_NOSIGNAL);
	show("send NOSIGNAL", r);
	say("  SIGPIPE: %d", (int)npipe);
	npipe = 0;
	r = write(fd, "x", 1);
	show("write", r);
	say("  SIGPIPE: %d", (int)npipe);
	npipe = 0;
	r = writev(fd, &iov, 1);
	show("writev", r);
	say("  SIGPIPE: %d", (int)npipe);
	npipe = 0;
	r = sendto(fd, "x", 1, MSG_NOSIGNAL, NULL, 0);
	show("sendto NOSIGNAL", r);
	say("  SIGPIPE: %d", (int)npipe);
	npipe = 0;
	r = sendmsg(fd, &m, 0);
	show("sendmsg", r);
	say("  SIGPIPE: %d", (int)npipe);
	npipe = 0;
	r = sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
	show("sendmsg NOSIGNAL|DONTWAIT", r);
	say("  SIGPIPE: %d", (int)npipe);
}

static void run(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_pipe };
	int sv[2];
	pid_t pid;

	sigaction(SIGPIPE, &sa, NULL);
	say("-- own SHUT_WR");
	pair(sv);
	show("shutdown a SHUT_WR", shutdown(sv[0], SHUT_WR));
	all_calls(sv[0]);
	close(sv[0]);
	close(sv[1]);
	say("-- peer SHUT_RD");
	pair(sv);
	show("shutdown b SHUT_RD", shutdown(sv[1], SHUT_RD));
	all_calls(sv[0]);
	close(sv[0]);
	close(sv[1]);
	say("-- peer closed");
	pair(sv);
	close(sv[1]);
	all_calls(sv[0]);
	close(sv[0]);
	say("-- default SIGPIPE disposition");
	pair(sv);
	shutdown(sv[0], SHUT_WR);
	pid = fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		send(sv[0], "x", 1, MSG_NOSIGNAL);
		say("child: survived NOSIGNAL");
		send(sv[0], "x", 1, 0);
		say("child: survived plain send");
		_exit(0);
	}
	reap("child", pid);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
