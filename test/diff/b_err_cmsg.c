/* SPDX-License-Identifier: MIT */
/* b_err_cmsg.c -- ancillary-data errors on a pair: EINVAL, EBADF, ESRCH, EPERM, ETOOMANYREFS; a failed send queues nothing (SEMANTICS 36, 37, 38, 39, 40, 41, 43, 44, 67, 68, 69, 212, 213). */
#include "common_b.h"
#include <sys/resource.h>

#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS 83
#endif

static const char *instances[] = {
	"stream", "dgram", "seqpacket",
	"stream-unpriv", "dgram-unpriv", "seqpacket-unpriv", NULL
};

static union {
	struct cmsghdr h;
	char b[CMSG_SPACE(300 * sizeof(int)) + 64];
} u;

/* sendmsg of "d" with a control buffer the caller filled in. */
static long send_ctl(int fd, size_t controllen)
{
	struct iovec iov = { "d", 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.b, .msg_controllen = controllen };

	return sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static size_t rights(const int *fds, int n)
{
	struct cmsghdr *c = &u.h;

	memset(&u, 0, sizeof(u));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	return CMSG_SPACE(n * sizeof(int));
}

static size_t creds(pid_t pid, uid_t uid, gid_t gid, size_t len)
{
	struct cmsghdr *c = &u.h;
	struct ucred cr = { pid, uid, gid };

	memset(&u, 0, sizeof(u));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = len;
	memcpy(CMSG_DATA(c), &cr, sizeof(cr));
	return CMSG_SPACE(sizeof(cr));
}

/* Receive one message, close every fd in it, and report how many came. */
static void take(const char *label, int fd)
{
	char buf[8], ctl[CMSG_SPACE(300 * sizeof(int))];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	int n = 0, i, f;
	long r = show(label, recvmsg(fd, &mh, MSG_DONTWAIT));

	if (r < 0)
		return;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			for (i = 0; i < (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int)); i++) {
				memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				close(f);
				n++;
			}
	say("%s: fds=%d flags=0x%x", label, n, mh.msg_flags);
}

static void unpriv(int sv[2])
{
	int pp[2], i, fds[1];
	pid_t pid;
	char rep[200];
	long r;

	if (pipe(pp) < 0)
		exit(1);
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { 16, 16 };
		size_t l;
		int n = 0, e = 0, id;

		close(pp[0]);
		alarm(10);
		fds[0] = open("/dev/null", O_RDONLY);
		/* A uid of our own: fds in flight are counted per user, and
		 * another run of this scenario must not share the count. */
		id = 200000 + getpid() % 100000;
		if (setresgid(id, id, id) || setresuid(id, id, id))
			_exit(3);
		setrlimit(RLIMIT_NOFILE, &rl);
		l = creds(getpid(), 0, 0, CMSG_LEN(sizeof(struct ucred)));
		r = send_ctl(sv[0], l);
		dprintf(pp[1], "creds uid 0: %ld%s%s\n", r, r < 0 ? " " : "", r < 0 ? errname(errno) : "");
		l = creds(1, id, id, CMSG_LEN(sizeof(struct ucred)));
		r = send_ctl(sv[0], l);
		dprintf(pp[1], "creds pid 1: %ld%s%s\n", r, r < 0 ? " " : "", r < 0 ? errname(errno) : "");
		l = creds(getpid(), id, id, CMSG_LEN(sizeof(struct ucred)));
		r = send_ctl(sv[0], l);
		dprintf(pp[1], "creds own: %ld%s%s\n", r, r < 0 ? " " : "", r < 0 ? errname(errno) : "");
		for (i = 0; i < 40; i++) {
			if (send_ctl(sv[0], rights(fds, 1)) < 0) {
				e = errno;
				break;
			}
			n++;
		}
		dprintf(pp[1], "fd messages accepted: %d then %s\n", n, e ? errname(e) : "none");
		_exit(0);
	}
	close(pp[1]);
	reap("unprivileged child", pid);
	r = read(pp[0], rep, sizeof(rep) - 1);
	while (r > 0) {
		char *p = rep, *nl;

		rep[r] = 0;
		while ((nl = strchr(p, '\n'))) {
			*nl = 0;
			say("child: %s", p);
			p = nl + 1;
		}
		r = read(pp[0], rep, sizeof(rep) - 1);
	}
	close(pp[0]);
	say("inq b > 0: %d", inq(sv[1]) > 0);
}

static void run(int argc, char **argv)
{
	int sv[2], fds[254], i, zero = 0, p[2];
	struct cmsghdr *c;
	size_t l;

	pair(sv);
	if (variant("unpriv")) {
		unpriv(sv);
		close(sv[0]);
		close(sv[1]);
		return;
	}
	if (pipe(p) < 0)
		exit(1);
	for (i = 0; i < 254; i++)
		fds[i] = p[0];
	/* cmsg_len smaller than the header */
	l = rights(fds, 1);
	u.h.cmsg_len = sizeof(struct cmsghdr) - 1;
	show("cmsg_len too small", send_ctl(sv[0], l));
	/* cmsg_len past the buffer */
	l = rights(fds, 1);
	u.h.cmsg_len = l + 8;
	show("cmsg_len past controllen", send_ctl(sv[0], l));
	/* unknown SOL_SOCKET type */
	l = rights(fds, 1);
	u.h.cmsg_type = 99;
	show("unknown SOL_SOCKET type", send_ctl(sv[0], l));
	/* SCM_CREDENTIALS with the wrong length */
	l = creds(getpid(), getuid(), getgid(), CMSG_LEN(sizeof(struct ucred)) - 4);
	show("creds short len", send_ctl(sv[0], l));
	/* nonexistent pid */
	l = creds(0x3ffffff0, getuid(), getgid(), CMSG_LEN(sizeof(struct ucred)));
	show("creds no such pid", send_ctl(sv[0], l));
	/* bad fds */
	fds[0] = -1;
	show("rights fd -1", send_ctl(sv[0], rights(fds, 1)));
	fds[0] = 999;
	show("rights fd not open", send_ctl(sv[0], rights(fds, 1)));
	fds[0] = p[0];
	show("rights 254 fds", send_ctl(sv[0], rights(fds, 254)));
	/* an fd list with one bad entry at the end */
	fds[3] = -5;
	show("rights 4 fds, last bad", send_ctl(sv[0], rights(fds, 4)));
	fds[3] = p[0];
	say("after failures: inq b=%d outq a=%d", inq(sv[1]), outq(sv[0]));
	show_poll("b after failures", sv[1]);
	/* Valid ones. */
	show("rights 253 fds", send_ctl(sv[0], rights(fds, 253)));
	take("b recv 253", sv[1]);
	l = rights(fds, 1);
	u.h.cmsg_level = SOL_SOCKET + 1000;
	show("foreign level skipped", send_ctl(sv[0], l));
	take("b recv foreign", sv[1]);
	l = creds(getpid(), getuid(), getgid(), CMSG_LEN(sizeof(struct ucred)));
	show("creds own", send_ctl(sv[0], l));
	take("b recv creds", sv[1]);
	/* Two SCM_RIGHTS cmsgs join into one list. */
	memset(&u, 0, sizeof(u));
	c = &u.h;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &p[0], sizeof(int));
	c = (struct cmsghdr *)(u.b + CMSG_SPACE(sizeof(int)));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &p[1], sizeof(int));
	show("two rights cmsgs", send_ctl(sv[0], 2 * CMSG_SPACE(sizeof(int))));
	take("b recv two", sv[1]);
	/* Receiver refuses fds. */
	show("b passrights 0", setsockopt(sv[1], SOL_SOCKET, SO_PASSRIGHTS, &zero, sizeof(zero)));
	show("rights to refusing b", send_ctl(sv[0], rights(fds, 1)));
	show("plain to refusing b", send(sv[0], "p", 1, 0));
	say("inq b=%d", inq(sv[1]));
	take("b recv plain", sv[1]);
	show("rights to a (accepts)", send_ctl(sv[1], rights(fds, 1)));
	take("a recv", sv[0]);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
