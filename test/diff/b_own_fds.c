/* SPDX-License-Identifier: MIT */
/* b_own_fds.c -- a program that closes, probes or dup2s over every fd number it did not open (daemons, closefrom, close_fds) sees only its own, and its connection goes on (SEMANTICS 4, 19, 167; DESIGN 1). */
#include <linux/close_range.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include "common.h"

static const char *instances[] = {
	"stream-close", "dgram-close", "seqpacket-close",
	"stream-probe", "dgram-probe", "seqpacket-probe",
	"stream-dup2over", "dgram-dup2over", "seqpacket-dup2over",
	"stream-closerange", "dgram-closerange", "seqpacket-closerange",
	"stream-closefrom", "seqpacket-closefrom", NULL
};

/* The numbers a program might sweep: up to its limit, at most a few past
 * the 4096 a process rarely reaches. */
static int sweep_top(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur > 4200)
		return 4200;
	return (int)rl.rlim_cur;
}

static int mine(const int *sv, int fd)
{
	return fd <= 2 || fd == sv[0] || fd == sv[1];
}

/* Data both ways, some of it left in flight, so that a channel is busy. */
static void traffic(const int *sv, const char *tag)
{
	char m[32];
	int i;

	for (i = 0; i < 5; i++) {
		snprintf(m, sizeof(m), "%s-a%d", tag, i);
		if (send(sv[0], m, strlen(m), 0) < 0)
			say("send a%d: %s", i, errname(errno));
		snprintf(m, sizeof(m), "%s-b%d", tag, i);
		if (send(sv[1], m, strlen(m), 0) < 0)
			say("send b%d: %s", i, errname(errno));
	}
}

static void drain(const char *label, int fd)
{
	char buf[256];
	int i;

	for (i = 0; i < 12; i++) {
		long r = show(label, recv(fd, buf, sizeof(buf), MSG_DONTWAIT));

		if (r > 0)
			show_buf("data", buf, r);
		if (r <= 0)
			break;
	}
}

static void check(const int *sv, const char *tag)
{
	traffic(sv, tag);
	drain("reader", sv[1]);
	drain("writer", sv[0]);
}

/* How many numbers in [3, top) other than the pair are open, as fcntl, dup,
 * ioctl and zero-length data calls see them. */
static void probe(const int *sv, int top)
{
	int fd, nget = 0, ndup = 0, nioctl = 0, nio = 0, nwait = 0, v;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	char c;

	for (fd = 3; fd < top; fd++) {
		struct pollfd p = { fd, POLLIN, 0 };
		struct epoll_event ev = { .events = EPOLLIN };

		if (mine(sv, fd) || fd == ep)
			continue;
		/* poll's POLLNVAL, epoll_ctl's and epoll_wait's EBADF (not
		 * select's: the kernel ignores numbers past its table, whose
		 * size is not the program's to know) */
		if (poll(&p, 1, 0) != 1 || p.revents != POLLNVAL)
			nwait++;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0) {
			epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
			nwait++;
		} else if (errno != EBADF) {
			nwait++;
		}
		if (epoll_wait(fd, &ev, 1, 0) >= 0 || errno != EBADF)
			nwait++;
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			nget++;
		v = dup(fd);
		if (v >= 0) {
			ndup++;
			close(v);
		} else if (errno != EBADF) {
			ndup++;
		}
		if (ioctl(fd, FIONREAD, &v) >= 0 || errno != EBADF)
			nioctl++;
		if ((read(fd, &c, 0) >= 0 || errno != EBADF) ||
		    (send(fd, &c, 0, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0 || errno != EBADF))
			nio++;
	}
	close(ep);
	say("other fds open: fcntl %d, dup %d, ioctl %d, read/send %d, poll/epoll %d", nget,
	    ndup, nioctl, nio, nwait);
}

static void run(int argc, char **argv)
{
	int sv[2], top = sweep_top(), fd, n = 0, bad = 0, hi, dn;

	alarm(10);
	pair(sv);
	traffic(sv, "before");
	hi = sv[0] > sv[1] ? sv[0] : sv[1];
	if (variant("close")) {
		for (fd = 3; fd < top; fd++)
			if (!mine(sv, fd) && close(fd) == 0)
				n++;
		say("closed %d other fds", n);
		show("close a number never opened", close(top - 1));
	} else if (variant("probe")) {
		probe(sv, top);
		/* F_DUPFD gives the lowest free number from its argument on:
		 * with nothing else open up there, the argument itself */
		for (fd = top - 400; fd < top; fd++) {
			int r = fcntl(sv[0], fd & 1 ? F_DUPFD_CLOEXEC : F_DUPFD, fd);

			if (r != fd)
				bad++;
			if (r >= 0)
				close(r);
		}
		say("F_DUPFD not at its argument: %d of 400", bad);
	} else if (variant("dup2over")) {
		dn = open("/dev/null", O_RDONLY);
		for (fd = hi + 1; fd < top; fd++)
			if (fd != dn && dup2(dn, fd) == fd)
				n++;
		say("dup2 onto %d numbers", n);
		check(sv, "filled");
		drain("reader before", sv[1]);
		show("close writer", close(sv[0]));
		show("close reader", close(sv[1]));
		/* every copy the program made is still its own */
		n = 0;
		for (fd = hi + 1; fd < top; fd++)
			if (fd != dn && close(fd) == 0)
				n++;
		say("closed %d of them", n);
		close(dn);
		return;
	} else if (variant("closerange")) {
		show("close_range above the pair", close_range((unsigned)hi + 1, ~0u, 0));
		show("close_range unshare, past the limit",
		     close_range((unsigned)top + 100000, (unsigned)top + 200000, CLOSE_RANGE_UNSHARE));
	} else if (variant("closefrom")) {
		closefrom(hi + 1);
		say("closefrom %s", "done");
	}
	probe(sv, top);
	check(sv, "after");
	/* numbers far up taken by the program stay its own when the
	 * connection goes */
	dn = open("/dev/null", O_RDONLY);
	for (fd = top - 300; fd < top; fd++)
		if (fd > hi && fd != dn && dup2(dn, fd) == fd)
			n++;
	say("dup2 onto %d numbers", n);
	close(sv[0]);
	drain("reader after close", sv[1]);
	close(sv[1]);
	n = 0;
	for (fd = top - 300; fd < top; fd++)
		if (fd > hi && fd != dn && close(fd) == 0)
			n++;
	say("closed %d of them", n);
	close(dn);
}

SCENARIO_MAIN
