/* SPDX-License-Identifier: MIT */
/* common_i_flow.h -- the i_* connection flow: client and server trade a hello, then units both ways, with data queued at the moment of change. */
#ifndef UDSX_TEST_COMMON_I_FLOW_H
#define UDSX_TEST_COMMON_I_FLOW_H

/*
 * One connection, in order:
 *   client  connect, hello, queues its first units (direction 0)
 *   ------  the change: the server accepts (a helper, another image, a
 *           worker that got the socket by SCM_RIGHTS, ...)
 *   server  reads the hello, answers olleh, queues its first units
 *           (direction 1); it may hand the end on here (exec, SCM_RIGHTS)
 *   client  reads olleh, sends the rest of direction 0 and its end
 *   server  reads direction 0 to the end, sends the rest of direction 1,
 *           a report of what it got, then its end
 *   client  reads direction 1 to the end and prints both summaries
 * So at the change there is data queued both ways. A DGRAM server is a bound
 * socket that learns the client's name from the hello and connects back.
 */

#include "common_i.h"

#define I_CRED		1	/* SO_PASSCRED around the hellos; credentials printed */
#define I_NB		2	/* client SOCK_NONBLOCK until the server has answered */
#define I_AUTOBIND	4	/* client binds to sun_family alone: the kernel names it */
#define I_PCBIND	8	/* client sets SO_PASSCRED before connect (autobind there) */
#define I_AS_NOBODY	16	/* a helper role drops to uid/gid nobody first */

/* Units each side queues before the change (pre) and sends after it (rest).
 * The pre amounts fit the queues, so they never depend on timing. */
static long i_a_pre(void) { return is_stream() ? 50000 : is_dgram() ? 5 : 10; }
static long i_a_rest(void) { return is_stream() ? 200000 : 100; }
static long i_b_pre(void) { return is_stream() ? 30000 : is_dgram() ? 4 : 8; }
static long i_b_rest(void) { return is_stream() ? 150000 : 80; }

/* The server's socket at base/"srv": a listener, or for DGRAM the bound
 * socket itself, with SO_PASSCRED under I_CRED so that the first hello
 * already carries credentials. */
static int i_listen(const char *base, int opts, int backlog)
{
	struct sockaddr_un a;
	socklen_t l = i_addr(&a, base, "srv");
	int fd = socket(AF_UNIX, T_TYPE | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, l) < 0)
		i_die("bind srv");
	if (is_dgram()) {
		if (opts & I_CRED)
			i_passcred(fd, 1);
	} else if (listen(fd, backlog) < 0) {
		i_die("listen");
	}
	return fd;
}

/* The server's end of the next connection (DGRAM: the bound socket). A
 * non-blocking listener is polled first. */
static int i_accept(const char *label, int l)
{
	struct pollfd p = { .fd = l, .events = POLLIN };
	int fd;

	if (is_dgram())
		return l;
	if (fcntl(l, F_GETFL) & O_NONBLOCK)
		while (poll(&p, 1, -1) < 0 && errno == EINTR)
			;
	fd = accept4(l, NULL, NULL, 0);
	if (fd < 0)
		say("%s: accept: -1 %s", label, errname(errno));
	return fd;
}

static void i_send_hello(const char *label, int fd, const char *text)
{
	long n = (long)strlen(text);

	if (send(fd, text, n, MSG_NOSIGNAL) != n)
		say("%s: send %s: %s", label, text, errname(errno));
}

/* Receive the peer's hello, exactly strlen(want) bytes, and print it and,
 * with cred, the credentials it came with; *from gets the sender's name.
 * Returns 0 if it was want. */
static int i_recv_hello(const char *label, int fd, const char *want, int cred,
			struct sockaddr_un *from, socklen_t *fromlen)
{
	union {
		struct cmsghdr h;
		char c[CMSG_SPACE(sizeof(struct ucred)) + 64];
	} u;
	size_t n = strlen(want), got = 0;
	struct ucred uc;
	struct cmsghdr *c;
	int have = 0;
	char b[16];
	long r;

	while (got < n) {
		struct iovec iov = { b + got, n - got };
		struct msghdr m = { .msg_name = from, .msg_namelen = from ? sizeof(*from) : 0,
				    .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = u.c, .msg_controllen = sizeof(u.c) };

		r = recvmsg(fd, &m, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			say("%s: hello: %s", label, r < 0 ? errname(errno) : "eof");
			return 1;
		}
		if (from && !got)
			*fromlen = m.msg_namelen;
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS && !have) {
				memcpy(&uc, CMSG_DATA(c), sizeof(uc));
				have = 1;
			}
		got += r;
		if (!is_stream())
			break;
	}
	show_buf(label, b, got);
	if (cred && have)
		say("%s: SCM_CREDENTIALS uid=%u gid=%u pid=%s", label, uc.uid, uc.gid,
		    i_pid_label(uc.pid));
	else if (cred)
		say("%s: no SCM_CREDENTIALS", label);
	return got != n || memcmp(b, want, n);
}

struct i_client {
	const char *label;
	int fd, opts;
	long p1;
};

/* Client, first half: socket, own name (DGRAM binds base/"cli"), connect,
 * names, hello, the first units. Returns the socket, or -1 once it has
 * printed why connect failed. */
static int i_client_open(struct i_client *c, const char *label, const struct sockaddr_un *srv,
			 socklen_t sl, const char *base, int opts)
{
	struct sockaddr_un me = { .sun_family = AF_UNIX };
	char l2[100], b[8];
	int fd = socket(AF_UNIX, T_TYPE | (opts & I_NB ? SOCK_NONBLOCK : 0), 0);

	if (fd < 0)
		i_die("socket");
	c->label = label;
	c->opts = opts;
	snprintf(l2, sizeof(l2), "%s: bind", label);
	if (opts & I_AUTOBIND)
		show(l2, bind(fd, (struct sockaddr *)&me, sizeof(sa_family_t)));
	else if (is_dgram() && !(opts & I_PCBIND))
		show(l2, bind(fd, (struct sockaddr *)&me, i_addr(&me, base, "cli")));
	if (opts & I_PCBIND)
		i_passcred(fd, 1);
	snprintf(l2, sizeof(l2), "%s: connect", label);
	if (show(l2, connect(fd, (const struct sockaddr *)srv, sl)) < 0) {
		close(fd);
		return c->fd = -1;
	}
	i_show_names(label, fd);
	i_show_peercred(label, fd);
	if (opts & I_CRED)
		i_passcred(fd, 1);
	i_send_hello(label, fd, "hello");
	if (opts & I_CRED)
		i_passcred(fd, 0);
	c->p1 = send_units(fd, 0, 0, i_a_pre(), 1);
	say("%s: queued %ld", label, c->p1);
	if (opts & I_NB) {
		snprintf(l2, sizeof(l2), "%s: recv before the server answers", label);
		show(l2, recv(fd, b, sizeof(b), 0));
	}
	return c->fd = fd;
}

/* Client, second half: olleh, the rest of the units and the end, then all
 * the server sends. Returns 0 if everything arrived intact. */
static int i_client_finish(struct i_client *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	struct got g;
	long p2;
	int bad;

	if (c->opts & I_NB) {
		while (poll(&p, 1, -1) < 0 && errno == EINTR)
			;
		set_nonblock(c->fd, 0);
	}
	if (c->opts & I_CRED)
		i_passcred(c->fd, 1);
	bad = i_recv_hello(c->label, c->fd, "olleh", c->opts & I_CRED, NULL, NULL);
	if (c->opts & I_CRED)
		i_passcred(c->fd, 0);
	p2 = send_units(c->fd, 0, c->p1, i_a_rest(), 0);
	say("%s: sent %ld more", c->label, p2);
	finish_units(c->fd);
	recv_units(c->fd, 1, 1, &g);
	show_got(c->label, &g);
	say("%s: after end: %s", c->label, after_end(c->fd));
	close(c->fd);
	return bad || p2 != i_a_rest() || g.bad || !g.ended ||
	       g.units != i_b_pre() + i_b_rest() || !strstr(g.report, " bad=0 ");
}

/* Server, first half on a connection: the hello (a DGRAM server connects
 * back to its sender), names, olleh, the first units. SO_PASSCRED is on
 * while olleh is sent, so it carries credentials whenever the client reads
 * it. Returns the units queued. */
static long i_serve_start(const char *label, int fd, int opts)
{
	struct sockaddr_un from;
	socklen_t fl = 0;
	char l2[100];
	long c1;

	if (opts & I_CRED)
		i_passcred(fd, 1);
	i_recv_hello(label, fd, "hello", opts & I_CRED, is_dgram() ? &from : NULL, &fl);
	if (is_dgram()) {
		say("%s: hello from %s", label, i_name_text(&from, fl));
		snprintf(l2, sizeof(l2), "%s: connect back", label);
		show(l2, connect(fd, (struct sockaddr *)&from, fl));
	}
	i_show_names(label, fd);
	i_show_peercred(label, fd);
	i_send_hello(label, fd, "olleh");
	if (opts & I_CRED)
		i_passcred(fd, 0);
	c1 = send_units(fd, 1, 0, i_b_pre(), 1);
	say("%s: queued %ld", label, c1);
	return c1;
}

/* Server, second half: direction 0 to its end, the rest of direction 1, the
 * report, the end. Returns 0 if everything arrived intact. */
static int i_serve_rest(const char *label, int fd, long c1)
{
	struct got g;
	long r;

	recv_units(fd, 0, 0, &g);
	r = send_units(fd, 1, c1, i_b_rest(), 0);
	send_report(fd, &g);
	if (!is_dgram())
		shutdown(fd, SHUT_WR);
	say("%s: sent %ld more", label, r);
	show_got(label, &g);
	close(fd);
	return r != i_b_rest() || g.bad || !g.ended;
}

/* A whole client: open, signal go (if >= 0), finish. */
static int i_client(const char *label, const char *base, int opts, int go)
{
	struct sockaddr_un srv;
	socklen_t sl = i_addr(&srv, base, "srv");
	struct i_client c;

	if (i_client_open(&c, label, &srv, sl, base, opts) < 0)
		return 0;
	if (go >= 0)
		i_signal(go);
	return i_client_finish(&c);
}

/* A whole server on listener l, once go (if >= 0) has come. handoff "udsx"
 * or "plain": exec into that image with the end after the first half. */
static int i_server(const char *label, int l, int opts, int go, const char *handoff)
{
	struct i_argv a = { .n = 0 };
	int fd;
	long c1;

	if (go >= 0 && !i_wait(go)) {
		say("%s: no client came", label);
		return 0;
	}
	fd = i_accept(label, l);
	if (fd < 0)
		return 1;
	if (!is_dgram())
		close(l);
	c1 = i_serve_start(label, fd, opts);
	if (handoff && strcmp(handoff, "-")) {
		i_arg(&a, "#%d", fd);
		i_arg(&a, "%ld", c1);
		i_exec("rest", a.v, !strcmp(handoff, "plain"));
	}
	return i_serve_rest(label, fd, c1);
}

/*
 * The standard helper roles:
 *   client BASE OPTS GO                       i_client
 *   server BASE OPTS LISTENER READY GO HANDOFF i_server; LISTENER "-": bind
 *                                             and listen itself, then READY
 *   rest FD C1                                second half after a handoff
 *   activated                                 i_server on the listener at fd 3
 * Descriptors are "#N", absent ones "-". Returns -1 for another role.
 */
static int i_std_role(const char *role, char **a)
{
	int opts = 0, l, ready;

	if (!strcmp(role, "client") || !strcmp(role, "server")) {
		opts = atoi(a[1]);
		if (opts & I_AS_NOBODY)
			i_become_nobody();
	}
	if (!strcmp(role, "client"))
		return i_client("client", a[0], opts, i_fdarg(a[2]));
	if (!strcmp(role, "server")) {
		l = i_fdarg(a[2]);
		if (l < 0)
			l = i_listen(a[0], opts, 4);
		if ((ready = i_fdarg(a[3])) >= 0)
			i_signal(ready);
		return i_server("server", l, opts, i_fdarg(a[4]), a[5]);
	}
	if (!strcmp(role, "rest")) {
		say("server: after exec");
		i_show_names("server", i_fdarg(a[0]));
		i_show_peercred("server", i_fdarg(a[0]));
		return i_serve_rest("server", i_fdarg(a[0]), atol(a[1]));
	}
	if (!strcmp(role, "activated"))
		return i_server("server", 3, 0, -1, NULL);
	return -1;
}

#endif
