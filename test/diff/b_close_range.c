/* SPDX-License-Identifier: MIT */
/* b_close_range.c -- close_range() on an end with data in flight both ways: the peer reads every byte, then EOF or ECONNRESET, or its send fails, as after close() (SEMANTICS 167-172, 175-176). */
#include <linux/close_range.h>
#include <sys/syscall.h>
#include "common.h"

static const char *instances[] = {
	"stream", "dgram", "seqpacket",
	"stream-reader", "dgram-reader", "seqpacket-reader",
	"stream-closefrom", "seqpacket-closefrom",
	"stream-cloexec", "stream-badflags", NULL
};

/* glibc's wrapper when it has one (the one udsx interposes), else the
 * system call: both reach the same kernel code. */
static int do_close_range(unsigned lo, unsigned hi, int flags)
{
	return close_range(lo, hi, flags);
}

static void drain(const char *label, int fd)
{
	char buf[64];
	int i;

	show_poll(label, fd);
	for (i = 0; i < 4; i++) {
		long r = show("recv", recv(fd, buf, sizeof(buf), MSG_DONTWAIT));

		if (r > 0)
			show_buf("data", buf, r);
		if (r <= 0)
			break;
	}
}

static void run(int argc, char **argv)
{
	int sv[2], hi;

	alarm(10);
	pair(sv);
	show("send one", send(sv[0], "one", 3, 0));
	show("send two", send(sv[0], "two", 3, 0));
	show("send back", send(sv[1], "back", 4, 0));
	if (variant("badflags")) {
		/* refused: nothing is closed, the channel goes on */
		show("close_range bad flags", do_close_range((unsigned)sv[0], (unsigned)sv[0], 0x40000));
		show("close_range lo > hi", do_close_range((unsigned)sv[0], (unsigned)sv[0] - 1, 0));
		show("send three", send(sv[0], "three", 5, 0));
		drain("reader", sv[1]);
		drain("writer", sv[0]);
		return;
	}
	if (variant("cloexec")) {
		/* marks only: the end stays open and working */
		show("close_range cloexec", do_close_range((unsigned)sv[0], (unsigned)sv[0],
							   CLOSE_RANGE_CLOEXEC));
		show("fd flags", fcntl(sv[0], F_GETFD) & FD_CLOEXEC);
		show("send three", send(sv[0], "three", 5, 0));
		drain("reader", sv[1]);
		return;
	}
	/* close a range that holds the end on a high fd and some closed fds */
	hi = dup2(variant("reader") ? sv[1] : sv[0], 200);
	close(variant("reader") ? sv[1] : sv[0]);
	if (variant("closefrom"))
		closefrom(hi);	/* glibc: the system call, not close_range() */
	else
		show("close_range", do_close_range((unsigned)hi, (unsigned)hi + 20, 0));
	if (variant("reader")) {
		long r = show("send after the reader's close_range", send(sv[0], "x", 1, MSG_NOSIGNAL));

		(void)r;
		drain("writer", sv[0]);
		close(sv[0]);
	} else {
		drain("reader", sv[1]);
		close(sv[1]);
	}
}

SCENARIO_MAIN
