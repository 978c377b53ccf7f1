/* SPDX-License-Identifier: MIT */
/* i_vanish.c -- a peer that vanishes (SIGKILL) in the middle of negotiation, right after the offer: no byte lost, then the kernel's EOF, EPIPE or ECONNRESET. */
#include "common.h"
#include <stdbool.h>
#include <stddef.h>
#include <sys/un.h>

static const char *instances[] = {
	"stream-server", "seqpacket-server", "stream-client", "seqpacket-client", NULL
};

/* One message each way per step: the server's 4th data call is where udsx
 * offers its channel, the client's 4th where it looks for the offer. */
static void xfer(const char *who, int fd, int sending, const char *msg)
{
	char b[64];
	long r;

	if (sending) {
		r = send(fd, msg, strlen(msg), MSG_NOSIGNAL);
		if (r < 0)
			show(who, r);
		return;
	}
	r = recv(fd, b, 2, MSG_WAITALL);	/* every message is 2 bytes */
	if (r < 0)
		show(who, r);
	else
		show_buf(who, b, r);
}

static void drain(const char *who, int fd)
{
	char b[64];
	long r;

	do {
		r = recv(fd, b, sizeof(b), 0);
		if (r > 0)
			show_buf(who, b, r);
		else
			show(who, r);
	} while (r > 0);
}

static void server(int s, bool dies)
{
	xfer("server got", s, 0, NULL);
	xfer("server reply 1", s, 1, "r1");
	xfer("server got", s, 0, NULL);
	xfer("server reply 2", s, 1, "r2");	/* 4th call: udsx offers here */
	if (dies) {
		xfer("server tail", s, 1, "t1");
		xfer("server tail", s, 1, "t2");
		kill(getpid(), SIGKILL);
	}
}

static void client(int c, bool dies)
{
	xfer("client send 1", c, 1, "q1");
	xfer("client got", c, 0, NULL);
	xfer("client send 2", c, 1, "q2");
	xfer("client got", c, 0, NULL);		/* 4th call: looks for the offer */
	if (dies) {
		/* by now the offer is surely there: this call takes it (the
		 * channel joined, its gate opened) and the process vanishes */
		xfer("client send 3", c, 1, "q3");
		kill(getpid(), SIGKILL);
	}
}

static void run(int argc, char **argv)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	socklen_t l;
	int lfd, fd;
	bool server_dies = variant("server");
	pid_t pid;

	alarm(20);
	snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "udsx-vanish-%08d", (int)getpid());
	l = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a.sun_path + 1));
	lfd = socket(AF_UNIX, T_TYPE, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, l) < 0 || listen(lfd, 4) < 0)
		exit(1);
	pid = fork();
	if (pid == 0) {
		/* the one that vanishes: the server, or the client (the
		 * process that connected, which is the one udsx offers to) */
		if (server_dies) {
			fd = accept(lfd, NULL, NULL);
			close(lfd);
			server(fd, true);
		} else {
			close(lfd);
			fd = socket(AF_UNIX, T_TYPE, 0);
			if (fd < 0 || connect(fd, (struct sockaddr *)&a, l) < 0)
				_exit(1);
			client(fd, true);
		}
		_exit(0);
	}
	if (server_dies) {
		close(lfd);
		fd = socket(AF_UNIX, T_TYPE, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&a, l) < 0)
			exit(1);
		client(fd, false);
		reap("server", pid);
		drain("client reads", fd);
		xfer("client send after", fd, 1, "z");
	} else {
		fd = accept(lfd, NULL, NULL);
		close(lfd);
		server(fd, false);
		reap("client", pid);
		xfer("server send after", fd, 1, "a1");
		xfer("server send after", fd, 1, "a2");
		drain("server reads", fd);
	}
	close(fd);
}

SCENARIO_MAIN
