/* SPDX-License-Identifier: MIT */
/* b_oob_misc.c -- SIGURG to the F_SETOWN owner, EPIPE to a SHUT_RD peer, fds riding on MSG_OOB sends (SEMANTICS 118, 131, 132). */
#include "common_b.h"

static const char *instances[] = {
	"stream-sigurg", "stream-shutrd", "stream-fd1", "stream-fd2", NULL
};

/* sendmsg of len bytes with MSG_OOB carrying one fd. */
static long send_oob_fd(int sock, const char *p, int len, int fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { (void *)p, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.b, .msg_controllen = sizeof(u.b) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	memset(&u, 0, sizeof(u));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_OOB);
}

/* recvmsg and report data, flags and how many fds arrived (closing them). */
static void recv_count_fds(const char *label, int sock, int len, int flags)
{
	char buf[16], ctl[CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov = { buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	int nfd = 0, i, fd;
	long r;

	r = show(label, recvmsg(sock, &mh, flags | MSG_DONTWAIT));
	if (r < 0)
		return;
	show_buf("data", buf, r);
	show_flags(label, mh.msg_flags);
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (i = 0; i < (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int)); i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			close(fd);
			nfd++;
		}
	}
	say("%s: fds=%d", label, nfd);
}

/* Has every reference to the pipe's write end gone? (read gives EOF) */
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

	count_sigpipe();
	pair(sv);
	if (variant("sigurg")) {
		count_signal(SIGURG, 0);
		show("setown b", fcntl(sv[1], F_SETOWN, getpid()));
		show("send oob x", send(sv[0], "x", 1, MSG_OOB));
		say("sigurg: %d", (int)sig_count[SIGURG]);
		show("send plain", send(sv[0], "abc", 3, 0));
		say("sigurg: %d", (int)sig_count[SIGURG]);
		show("send oob yz", send(sv[0], "yz", 2, MSG_OOB));
		say("sigurg: %d", (int)sig_count[SIGURG]);
		/* a has no owner: OOB towards a raises nothing. */
		show("send oob to a", send(sv[1], "q", 1, MSG_OOB));
		say("sigurg: %d", (int)sig_count[SIGURG]);
		rcvmsg("recv oob", sv[1], 1, MSG_OOB | MSG_DONTWAIT);
		rcv("read", sv[1], 100, MSG_DONTWAIT);
		rcv("read", sv[1], 100, MSG_DONTWAIT);
	} else if (variant("shutrd")) {
		show("send abc", send(sv[0], "abc", 3, 0));
		show("shutdown b rd", shutdown(sv[1], SHUT_RD));
		show("send oob x", send(sv[0], "x", 1, MSG_OOB));
		show_sigpipe("after oob");
		show("send oob x nosignal", send(sv[0], "x", 1, MSG_OOB | MSG_NOSIGNAL));
		show_sigpipe("after oob nosignal");
		show_poll("b", sv[1]);
		rcv("read b", sv[1], 100, MSG_DONTWAIT);
		rcv("read b", sv[1], 100, MSG_DONTWAIT);
		rcvmsg("recv oob b", sv[1], 1, MSG_OOB | MSG_DONTWAIT);
	} else {
		int two = variant("fd2");

		if (pipe2(p, O_NONBLOCK) < 0)
			exit(1);
		show("send oob with fd", send_oob_fd(sv[0], two ? "AB" : "A", two ? 2 : 1, p[1]));
		close(p[1]);
		pipe_state("pipe after send", p[0]);
		show_poll("b", sv[1]);
		recv_count_fds("recvmsg oob", sv[1], 1, MSG_OOB);
		pipe_state("pipe after oob read", p[0]);
		recv_count_fds("recvmsg", sv[1], 8, 0);
		pipe_state("pipe after read", p[0]);
		recv_count_fds("recvmsg again", sv[1], 8, 0);
		pipe_state("pipe end", p[0]);
		close(p[0]);
	}
	show_poll("b end", sv[1]);
	show_sigpipe("end");
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
