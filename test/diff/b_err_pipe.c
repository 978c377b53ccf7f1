/* SPDX-License-Identifier: MIT */
/* b_err_pipe.c -- every EPIPE cause per type with SIGPIPE counted; a STREAM send cut short by the peer returns its partial count (SEMANTICS 113, 172, 173, 203, 204). */
#include "common_b.h"

static const char *instances[] = {
	"stream", "dgram", "seqpacket",
	"stream-partial-close", "stream-partial-shutrd",
	"dgram-blocked-close", "seqpacket-blocked-close", NULL
};

static int sv[2];

static void *cutter(void *arg)
{
	wait_sleeping((pid_t)(long)arg);
	if (variant("partial-shutrd"))
		shutdown(sv[1], SHUT_RD);
	else
		close(sv[1]);
	return NULL;
}

static void try_send(const char *label, int fd)
{
	char l[80];

	snprintf(l, sizeof(l), "%s: send", label);
	show(l, send(fd, "x", 1, 0));
	snprintf(l, sizeof(l), "%s: sendmsg nosignal", label);
	{
		struct iovec iov = { "y", 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

		show(l, sendmsg(fd, &mh, MSG_NOSIGNAL));
	}
	snprintf(l, sizeof(l), "%s: writev", label);
	{
		struct iovec iov[2] = { { "a", 1 }, { "b", 1 } };

		show(l, writev(fd, iov, 2));
	}
	show_sigpipe(label);
}

static void run(int argc, char **argv)
{
	static char big[1 << 20];
	pthread_t t;
	long bytes;
	int err = 0;

	watchdog(10);
	count_sigpipe();
	if (strstr(T_INSTANCE, "-")) {
		pair(sv);
		if (!is_stream())
			fill(sv[0], 1000, &bytes, &err);
		t = spawn_quiet(cutter, (void *)(long)gettid_());
		show("a send blocking", send(sv[0], big, is_stream() ? sizeof(big) : 1000, 0));
		pthread_join(t, NULL);
		show_sigpipe("a send blocking");
		show("so_error a", so_error(sv[0]));
		try_send("after", sv[0]);
		close(sv[0]);
		if (variant("partial-shutrd"))
			close(sv[1]);
		return;
	}
	pair(sv);
	shutdown(sv[0], SHUT_WR);
	try_send("own shut_wr", sv[0]);
	close(sv[0]);
	close(sv[1]);

	pair(sv);
	shutdown(sv[1], SHUT_RD);
	try_send("peer shut_rd", sv[0]);
	close(sv[0]);
	close(sv[1]);

	pair(sv);
	shutdown(sv[0], SHUT_RD);
	try_send("own shut_rd", sv[0]);
	close(sv[0]);
	close(sv[1]);

	pair(sv);
	shutdown(sv[1], SHUT_WR);
	try_send("peer shut_wr", sv[0]);
	close(sv[0]);
	close(sv[1]);

	pair(sv);
	close(sv[1]);
	try_send("peer closed", sv[0]);
	close(sv[0]);

	pair(sv);
	send(sv[0], "u", 1, 0);
	close(sv[1]);
	try_send("peer closed with unread", sv[0]);
	rcv("a read", sv[0], 8, MSG_DONTWAIT);
	close(sv[0]);
}

SCENARIO_MAIN
