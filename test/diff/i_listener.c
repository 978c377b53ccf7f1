/* SPDX-License-Identifier: MIT */
/* i_listener.c -- a client that talks before it is accepted, whose listener closes unaccepted, shuts or is full, and a listener's SO_PASSCRED: what a client and a server see while udsx negotiates around them (SEMANTICS 34, 79, 153, 154, 166, 174, 183, 184). */
#include <sys/un.h>
#include "common.h"

static const char *instances[] = {
	"stream-embryo", "seqpacket-embryo",
	"stream-unaccepted", "seqpacket-unaccepted",
	"stream-shutrd", "seqpacket-shutrd",
	"stream-passcred", "seqpacket-passcred",
	"stream-backlog", "seqpacket-backlog", NULL
};

static int named(const char *inst)
{
	return T_CONN != CONN_PAIR;
}

static char dir[] = "/tmp/udsx-diff-XXXXXX";
static struct sockaddr_un addr;
static socklen_t alen;

static int listener(int backlog)
{
	int l = socket(AF_UNIX, T_TYPE, 0);

	if (l < 0)
		conn_die("socket");
	alen = conn_bind(l, &addr, dir, 'l');
	if (listen(l, backlog) < 0)
		conn_die("listen");
	return l;
}

static int client(int flags)
{
	int c = socket(AF_UNIX, T_TYPE | flags, 0);

	if (c < 0)
		conn_die("socket");
	return c;
}

static void drain(const char *label, int fd, int n)
{
	char buf[64];
	int i;

	for (i = 0; i < n; i++) {
		long r = show(label, recv(fd, buf, sizeof(buf), MSG_DONTWAIT));

		if (r > 0)
			show_buf("data", buf, r);
		if (r <= 0)
			break;
	}
}

/* Round trips after the start, so that under udsx the connection is
 * negotiated and both directions switch to the ring. */
static void rounds(int c, int s, int n)
{
	char b[16];
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		struct pollfd p = { s, POLLIN, 0 }, q = { c, POLLIN, 0 };

		snprintf(b, sizeof(b), "r%d", i);
		if (send(c, b, strlen(b), 0) != (ssize_t)strlen(b) || poll(&p, 1, 5000) != 1 ||
		    recv(s, b, sizeof(b), 0) <= 0 || send(s, "ok", 2, 0) != 2 ||
		    poll(&q, 1, 5000) != 1 || recv(c, b, sizeof(b), 0) != 2)
			bad++;
	}
	say("%d round trips, %d bad", n, bad);
}

static void run(int argc, char **argv)
{
	int l, c, s, one = 1, v;
	socklen_t vl = sizeof(v);

	alarm(10);
	if (T_CONN == CONN_PATH && !mkdtemp(dir))
		conn_die("mkdtemp");
	if (variant("embryo")) {
		/* a client talks to a peer not accepted yet: the data waits */
		l = listener(4);
		c = client(0);
		show("connect", connect(c, (struct sockaddr *)&addr, alen));
		show_poll("listener, one queued", l);
		show_poll("client, not accepted", c);
		show("SIOCINQ on the listener", inq(l));
		show("send 1", send(c, "one", 3, 0));
		show("send 2", send(c, "two", 3, 0));
		show("send 3", send(c, "three", 5, 0));
		show("send 4", send(c, "four", 4, 0));
		show("send 5", send(c, "five", 4, 0));
		show("client outq", outq(c));
		s = accept(l, NULL, NULL);
		show("accepted", s >= 0);
		show_poll("server", s);
		show("server inq", inq(s));
		drain("server", s, 6);
		rounds(c, s, 8);
		show("send after", send(c, "last", 4, 0));
		drain("server after", s, 2);
		close(c);
		drain("server at the end", s, 2);
		close(s);
		close(l);
	} else if (variant("unaccepted")) {
		/* the listener goes with the connection still queued */
		l = listener(4);
		c = client(0);
		show("connect", connect(c, (struct sockaddr *)&addr, alen));
		show("send 1", send(c, "one", 3, 0));
		show("send 2", send(c, "two", 3, 0));
		show("send 3", send(c, "three", 5, 0));
		show("send 4", send(c, "four", 4, 0));
		show("close listener", close(l));
		show_poll("client", c);
		drain("client", c, 3);
		show("send after", send(c, "x", 1, MSG_NOSIGNAL));
		show("send again", send(c, "x", 1, MSG_NOSIGNAL));
		show_poll("client at the end", c);
		close(c);
	} else if (variant("shutrd")) {
		l = listener(4);
		show("shutdown SHUT_RD on the listener", shutdown(l, SHUT_RD));
		show_poll("listener", l);
		c = client(0);
		show("connect", connect(c, (struct sockaddr *)&addr, alen));
		close(c);
		close(l);
	} else if (variant("passcred")) {
		/* the listener's SO_PASSCRED goes to the sockets it accepts */
		struct msghdr mh = { 0 };
		union {
			char b[CMSG_SPACE(sizeof(struct ucred))];
			struct cmsghdr align;
		} cb;
		char buf[16];
		struct iovec iv = { buf, sizeof(buf) };
		struct cmsghdr *cm;

		l = listener(4);
		show("SO_PASSCRED on the listener", setsockopt(l, SOL_SOCKET, SO_PASSCRED, &one,
								sizeof(one)));
		c = client(0);
		show("connect", connect(c, (struct sockaddr *)&addr, alen));
		s = accept(l, NULL, NULL);
		show("accepted", s >= 0);
		show("SO_PASSCRED on the accepted socket",
		     getsockopt(s, SOL_SOCKET, SO_PASSCRED, &v, &vl) < 0 ? -errno : v);
		rounds(c, s, 6);
		show("send", send(c, "cred", 4, 0));
		mh.msg_iov = &iv;
		mh.msg_iovlen = 1;
		mh.msg_control = cb.b;
		mh.msg_controllen = sizeof(cb.b);
		show("recvmsg", recvmsg(s, &mh, 0));
		cm = CMSG_FIRSTHDR(&mh);
		say("credentials: %s",
		    cm && cm->cmsg_type == SCM_CREDENTIALS &&
		    ((struct ucred *)CMSG_DATA(cm))->uid == getuid() ? "ours" : "none");
		close(c);
		close(s);
		close(l);
	} else {
		/* backlog n takes n + 1 connects; the next non-blocking one waits */
		int c2, c3;

		l = listener(1);
		c = client(SOCK_NONBLOCK);
		c2 = client(SOCK_NONBLOCK);
		c3 = client(SOCK_NONBLOCK);
		show("connect 1", connect(c, (struct sockaddr *)&addr, alen));
		show("connect 2", connect(c2, (struct sockaddr *)&addr, alen));
		show("connect 3", connect(c3, (struct sockaddr *)&addr, alen));
		show("send on 2", send(c2, "two", 3, 0));
		s = accept(l, NULL, NULL);
		show("accepted", s >= 0);
		drain("first accepted", s, 2);
		close(s);
		s = accept(l, NULL, NULL);
		drain("second accepted", s, 2);
		close(s);
		close(c);
		close(c2);
		close(c3);
		close(l);
	}
	if (T_CONN == CONN_PATH) {
		char p[sizeof(dir) + 2];

		snprintf(p, sizeof(p), "%s/l", dir);
		unlink(p);
		rmdir(dir);
	}
}

SCENARIO_MAIN_IF(named)
