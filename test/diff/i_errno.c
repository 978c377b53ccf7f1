/* SPDX-License-Identifier: MIT */
/* i_errno.c -- a successful data call leaves errno alone: on a connect()/accept() connection while udsx negotiates it (both sides with udsx, or one without), and afterwards on a pipe and an eventfd that take the numbers negotiation's own sockets had. */
#include <stdint.h>
#include <sys/eventfd.h>
#include "common_i_flow.h"

/*
 * The kernel never sets errno on success. Each side sets errno to SENTINEL
 * before every call and counts the successful calls after which it was
 * something else. The exchange is ROUNDS round trips, the client sending
 * and the server echoing (in capitals), each through write/send/writev/
 * sendmsg and read/recv/readv/recvmsg in turn. Under udsx the server offers
 * a channel at its 4th data call and the client looks for an offer at its
 * data calls, so the first calls of the exchange run negotiation steps (a
 * plain peer makes the other side give up: the server at once, the client
 * after its checks), and with both sides under udsx the rest go through
 * the ring.
 *
 * Then, the connection still open, each side makes a pipe and an eventfd
 * and calls OTHER_CALLS times on each. Whichever is made first takes the
 * lowest free number, the one negotiation's side connection had: the
 * client makes the pipe first (its read end), the server the eventfd, so
 * each kind lands there once. The helpers are images of their own, with
 * udsx or without as the instance says (in the plain-kernel run both are
 * plain).
 */

static const char *instances[] = {
	"stream-both", "stream-udsxclient", "stream-udsxserver",
	"seqpacket-both", "seqpacket-udsxclient", "seqpacket-udsxserver", NULL
};

#define SENTINEL 12345
#define ROUNDS 40
#define OTHER_CALLS 40

/* Successful calls, and those after which errno was not SENTINEL. */
struct tally {
	const char *label;
	int ok, changed, failed;
	char first[100];
};

/* Note a call just made with errno = SENTINEL (errno is read first). */
static long note(struct tally *t, const char *call, long r)
{
	int e = errno;

	if (r < 0) {
		if (!t->failed++)
			say("%s: %s after %d calls: %ld %s", t->label, call, t->ok, r, errname(e));
		return r;
	}
	if (e != SENTINEL && !t->changed++)
		snprintf(t->first, sizeof(t->first), " (first: %s #%d left %s)", call, t->ok,
			 e ? errname(e) : "0");
	t->ok++;
	return r;
}

static void show_tally(struct tally *t)
{
	say("%s: errno changed by %d of %d successful calls%s", t->label, t->changed, t->ok,
	    t->changed ? t->first : "");
}

/* Message i of the exchange, and its echo. */
static long msg(int i, char *m, char *echo)
{
	long n = 1 + (i * 13) % 48, j;

	for (j = 0; j < n; j++) {
		m[j] = (char)('a' + (i + j) % 26);
		echo[j] = (char)(m[j] - 'a' + 'A');
	}
	return n;
}

/* Send n bytes with call kind k (write, send, writev, sendmsg). */
static long put(struct tally *t, int fd, int k, const char *b, long n)
{
	struct iovec v[2] = { { (void *)b, n / 2 }, { (void *)(b + n / 2), n - n / 2 } };
	struct msghdr m = { .msg_iov = v, .msg_iovlen = 2 };

	errno = SENTINEL;
	switch (k & 3) {
	case 0:
		return note(t, "write", write(fd, b, n));
	case 1:
		return note(t, "send", send(fd, b, n, MSG_NOSIGNAL));
	case 2:
		return note(t, "writev", writev(fd, v, 2));
	default:
		return note(t, "sendmsg", sendmsg(fd, &m, MSG_NOSIGNAL));
	}
}

/* One receive of at most n bytes with call kind k (read, recv, readv,
 * recvmsg). */
static long get1(struct tally *t, int fd, int k, char *b, long n)
{
	struct iovec v[2] = { { b, n / 2 }, { b + n / 2, n - n / 2 } };
	struct msghdr m = { .msg_iov = v, .msg_iovlen = 2 };

	errno = SENTINEL;
	switch (k & 3) {
	case 0:
		return note(t, "read", read(fd, b, n));
	case 1:
		return note(t, "recv", recv(fd, b, n, 0));
	case 2:
		return note(t, "readv", readv(fd, v, 2));
	default:
		return note(t, "recvmsg", recvmsg(fd, &m, 0));
	}
}

/* Receive n bytes: STREAM asks for exactly what is missing, SEQPACKET
 * takes one message into room for more (a longer one would show). */
static long get(struct tally *t, int fd, int k, char *b, long n)
{
	long got = 0, r;

	if (!is_stream())
		return get1(t, fd, k, b, n + 8);
	while (got < n) {
		r = get1(t, fd, k, b + got, n - got);
		if (r <= 0)
			return got;
		got += r;
	}
	return got;
}

/* The exchange: the client sends, the server echoes. */
static void exchange(const char *label, int fd, int client)
{
	struct tally t = { .label = label };
	char m[64], e[64], b[80];
	int i, bad = 0;
	long n;

	for (i = 0; i < ROUNDS && !bad; i++) {
		n = msg(i, m, e);
		if (client) {
			if (put(&t, fd, i, m, n) != n)
				bad++;
			else if (get(&t, fd, i + 1, b, n) != n || memcmp(b, e, n))
				bad++;
		} else {
			if (get(&t, fd, i, b, n) != n || memcmp(b, m, n))
				bad++;
			else if (put(&t, fd, i + 2, e, n) != n)
				bad++;
		}
	}
	say("%s: %d round trips, %d bad", label, i, bad);
	show_tally(&t);
}

/* OTHER_CALLS calls on a pipe: write, read, writev, readv in turn. */
static void on_pipe(struct tally *t, int p[2])
{
	struct iovec v = { NULL, 1 };
	char c = 'x';
	int i;

	for (i = 0; i < OTHER_CALLS / 2; i++) {
		v.iov_base = &c;
		errno = SENTINEL;
		if (i & 1)
			note(t, "pipe writev", writev(p[1], &v, 1));
		else
			note(t, "pipe write", write(p[1], &c, 1));
		errno = SENTINEL;
		if (i & 1)
			note(t, "pipe readv", readv(p[0], &v, 1));
		else
			note(t, "pipe read", read(p[0], &c, 1));
	}
}

/* OTHER_CALLS calls on an eventfd: write 1, read it back. */
static void on_eventfd(struct tally *t, int efd)
{
	uint64_t one = 1, v;
	int i;

	for (i = 0; i < OTHER_CALLS / 2; i++) {
		errno = SENTINEL;
		note(t, "eventfd write", write(efd, &one, sizeof(one)));
		errno = SENTINEL;
		note(t, "eventfd read", read(efd, &v, sizeof(v)));
	}
}

/* After the exchange, with the connection still open: a pipe and an
 * eventfd, made in the order pipe_first says, then used. */
static void others(const char *label, int pipe_first)
{
	char l1[80], l2[80];
	struct tally tp = { .label = l1 }, te = { .label = l2 };
	int p[2], efd = -1;

	snprintf(l1, sizeof(l1), "%s: pipe", label);
	snprintf(l2, sizeof(l2), "%s: eventfd", label);
	if (!pipe_first && (efd = eventfd(0, EFD_CLOEXEC)) < 0)
		i_die("eventfd");
	if (pipe2(p, O_CLOEXEC) < 0)
		i_die("pipe2");
	if (pipe_first && (efd = eventfd(0, EFD_CLOEXEC)) < 0)
		i_die("eventfd");
	on_pipe(&tp, p);
	on_eventfd(&te, efd);
	show_tally(&tp);
	show_tally(&te);
	close(p[0]);
	close(p[1]);
	close(efd);
}

/* server BASE #READY: listen, say so, serve one connection. */
static int server(const char *base, int ready)
{
	int l = i_listen(base, 0, 4), fd;

	i_signal(ready);
	close(ready);
	fd = i_accept("server", l);
	if (fd < 0)
		return 1;
	close(l);
	exchange("server", fd, 0);
	others("server", 0);
	close(fd);
	return 0;
}

/* client BASE: connect and talk. */
static int client(const char *base)
{
	struct sockaddr_un srv;
	socklen_t sl = i_addr(&srv, base, "srv");
	int fd = socket(AF_UNIX, T_TYPE | SOCK_CLOEXEC, 0);

	if (fd < 0)
		i_die("socket");
	if (show("client: connect", connect(fd, (struct sockaddr *)&srv, sl)) < 0)
		return 1;
	exchange("client", fd, 1);
	others("client", 1);
	close(fd);
	return 0;
}

static int i_role(const char *role, char **a)
{
	if (!strcmp(role, "server"))
		return server(a[0], i_fdarg(a[1]));
	if (!strcmp(role, "client"))
		return client(a[0]);
	return -1;
}

static void run(int argc, char **argv)
{
	enum i_img si = variant("udsxclient") ? I_PLAIN : I_UDSX;
	enum i_img ci = variant("udsxserver") ? I_PLAIN : I_UDSX;
	struct i_argv sa = { .n = 0 }, ca = { .n = 0 };
	struct i_kid ks, kc;
	int ready[2];

	i_start(argc, argv);
	i_mkbase(0700);
	i_pipe(ready);
	i_arg(&sa, "%s", i_base);
	i_arg(&sa, "#%d", ready[1]);
	i_spawn(&ks, si == I_PLAIN ? "plain server" : "udsx server", si, "server", sa.v);
	close(ready[1]);
	if (i_wait(ready[0])) {
		i_arg(&ca, "%s", i_base);
		i_spawn(&kc, ci == I_PLAIN ? "plain client" : "udsx client", ci, "client", ca.v);
		i_reap(&kc);
	} else {
		say("the server did not start");
	}
	close(ready[0]);
	i_reap(&ks);
}

SCENARIO_MAIN_IF(i_named_modes)
