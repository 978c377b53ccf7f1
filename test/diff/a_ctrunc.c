/* SPDX-License-Identifier: MIT */
/* a_ctrunc.c -- short control buffers: as many fds as fit are installed, the rest closed, MSG_CTRUNC set; RLIMIT_NOFILE likewise (SEMANTICS 51, 52, 53, 54, 55). */
#include "common_a.h"

static const char *instances[] = {
	"stream", "dgram", "seqpacket", "stream-rlimit", "dgram-rlimit", "seqpacket-rlimit", NULL
};

static int sv[2];
static int room = -1;	/* >= 0: RLIMIT_NOFILE leaves this many free fds */

/* Send one message carrying the write ends of three new pipes, receive it
 * with ctl bytes of control buffer and show which pipes lost their last
 * writer (the fds the kernel closed). */
static void one(const char *label, size_t ctl)
{
	int p[3][2], w[3], i;
	static const char *names[3] = { "p", "q", "r" };

	say("-- %s", label);
	a_nids = 0;
	for (i = 0; i < 3; i++) {
		a_pipe(names[i], p[i]);
		w[i] = p[i][1];
	}
	show("send 3 fds", a_sendfds(sv[0], "msg", 3, w, 3, 0));
	for (i = 0; i < 3; i++)
		close(p[i][1]);
	a_keep = 1;
	if (room >= 0) {
		struct rlimit rl, old;

		/* The three closed write ends are the lowest free fds and
		 * only the first of them lies below the limit when room
		 * is 1. */
		getrlimit(RLIMIT_NOFILE, &old);
		rl = old;
		rl.rlim_cur = a_lowest_free() + room;
		show("setrlimit NOFILE", setrlimit(RLIMIT_NOFILE, &rl));
		a_recv("recvmsg", sv[1], 8, ctl, MSG_DONTWAIT);
		show("pipe() at the limit", pipe(w));
		setrlimit(RLIMIT_NOFILE, &old);
	} else {
		a_recv("recvmsg", sv[1], 8, ctl, MSG_DONTWAIT);
	}
	a_keep = 0;
	for (i = 0; i < 3; i++)
		a_pipe_state(names[i], p[i][0]);
	a_close_fds();
	for (i = 0; i < 3; i++)
		close(p[i][0]);
}

static void run(int argc, char **argv)
{
	pair(sv);
	if (variant("rlimit")) {
		room = 1;
		one("rlimit leaves room for 1 fd", 256);
		room = 0;
		one("rlimit leaves room for no fd", 256);
		room = 0;
		one("rlimit leaves room for no fd, no control buffer", A_CTL_NULL);
		close(sv[0]);
		close(sv[1]);
		return;
	}
	one("controllen CMSG_SPACE(3 fds)", CMSG_SPACE(3 * sizeof(int)));
	one("controllen CMSG_LEN(3 fds)", CMSG_LEN(3 * sizeof(int)));
	one("controllen CMSG_SPACE(1 fd)", CMSG_SPACE(sizeof(int)));
	one("controllen CMSG_LEN(1 fd)", CMSG_LEN(sizeof(int)));
	one("controllen CMSG_LEN(1 fd) - 1", CMSG_LEN(sizeof(int)) - 1);
	one("controllen sizeof(cmsghdr)", sizeof(struct cmsghdr));
	one("controllen 8", 8);
	one("controllen 0", 0);
	one("msg_control NULL", A_CTL_NULL);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
