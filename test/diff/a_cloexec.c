/* SPDX-License-Identifier: MIT */
/* a_cloexec.c -- MSG_CMSG_CLOEXEC sets FD_CLOEXEC on received fds and stays in msg_flags; SOCK_CLOEXEC pairs; checked across exec (SEMANTICS 49, 50, 56). */
#include "common_a.h"

static const char *instances[] = {
	"stream", "dgram", "seqpacket", "stream-sockcloexec", "seqpacket-sockcloexec", NULL
};

/* Exec a shell that writes "X" to fd; print its exit status. */
static void exec_write(const char *label, int fd)
{
	char cmd[64];
	pid_t pid;

	snprintf(cmd, sizeof(cmd), "{ printf X >&%d; } 2>/dev/null", fd);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	reap(label, pid);
}

static void run(int argc, char **argv)
{
	int sv[2], p[2], fds[2];

	if (variant("sockcloexec")) {
		pair_flags(sv, SOCK_CLOEXEC);
		say("a cloexec: %d, b cloexec: %d", a_cloexec(sv[0]), a_cloexec(sv[1]));
		exec_write("exec writes to a", sv[0]);
		a_rd("b recv", sv[1], 8, MSG_DONTWAIT);
		fcntl(sv[0], F_SETFD, 0);
		say("a cloexec after F_SETFD 0: %d", a_cloexec(sv[0]));
		exec_write("exec writes to a", sv[0]);
		a_rd("b recv", sv[1], 8, MSG_DONTWAIT);
		close(sv[0]);
		close(sv[1]);
		return;
	}
	pair(sv);
	a_pipe("p", p);
	fds[0] = p[1];
	fds[1] = p[1];
	show("send 2 fds", a_sendfds(sv[0], "one", 3, fds, 2, 0));
	show("send 2 fds", a_sendfds(sv[0], "two", 3, fds, 2, 0));
	show("send 2 fds", a_sendfds(sv[0], "three", 5, fds, 2, 0));
	a_recv("recvmsg PEEK|CMSG_CLOEXEC", sv[1], 8, 64, MSG_DONTWAIT | MSG_PEEK | MSG_CMSG_CLOEXEC);
	a_recv("recvmsg plain", sv[1], 8, 64, MSG_DONTWAIT);
	a_keep = 1;
	a_recv("recvmsg CMSG_CLOEXEC", sv[1], 8, 64, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	a_keep = 0;
	if (a_nfds == 2) {
		exec_write("exec writes to received fd", a_fds[0]);
		a_pipe_state("p", p[0]);
		fcntl(a_fds[1], F_SETFD, 0);
		exec_write("exec writes to received fd after F_SETFD 0", a_fds[1]);
		a_pipe_state("p", p[0]);
		a_close_fds();
	}
	a_recv("recvmsg CMSG_CLOEXEC, no control buffer", sv[1], 8, A_CTL_NULL,
	       MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	show("send plain", send(sv[0], "plain", 5, 0));
	a_recv("recvmsg CMSG_CLOEXEC, no fds", sv[1], 8, 64, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	close(p[1]);
	a_pipe_state("p", p[0]);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
