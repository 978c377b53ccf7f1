/* SPDX-License-Identifier: MIT */
/* loops.c -- event loops under fire: three threads wait on non-blocking stream ends with epoll_wait, poll and pselect while a writer streams framed records at an uneven pace and another thread sends them signals: every record arrives once and in order, waits fail only with EINTR, and nothing hangs. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CONNS 9		/* three per loop */
#define LOOPS 3
#define MAXREC 3000

static int sv[CONNS][2], nrec;
static atomic_long got, bad, eintr, sigs;
static atomic_int done_writing;
static pthread_t loop_t[LOOPS];

struct hdr {
	int len, seq;	/* len -1: the connection's end */
};

/* A connection's reader side: bytes gathered until a record is whole. */
struct rd {
	char buf[2 * MAXREC + 64];
	int have, next, ended;
};

static void on_sig(int s)
{
	(void)s;
	sigs++;
}

static void fail(const char *what, int c)
{
	fprintf(stderr, "loops: %s (connection %d): %s\n", what, c, strerror(errno));
	bad++;
}

/* Read until EAGAIN; check every whole record. Returns 1 once ended. */
static int drain(int c, struct rd *r)
{
	for (;;) {
		ssize_t n = read(sv[c][1], r->buf + r->have, sizeof(r->buf) - (size_t)r->have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			fail(n == 0 ? "early EOF" : "read", c);
			return 1;
		}
		r->have += (int)n;
		for (;;) {
			struct hdr h;

			if (r->have < (int)sizeof(h))
				break;
			memcpy(&h, r->buf, sizeof(h));
			if (h.len == -1) {
				r->ended = 1;
				if (h.seq != nrec)
					fail("end record early", c);
				return 1;
			}
			if (h.len < 0 || h.len > MAXREC) {
				errno = 0;
				fail("bad record length", c);
				return 1;
			}
			if (r->have < (int)sizeof(h) + h.len)
				break;
			for (int k = 0; k < h.len; k++)
				if ((unsigned char)r->buf[sizeof(h) + (size_t)k] != (unsigned char)(h.seq + k + c)) {
					errno = 0;
					fail("bad byte", c);
					return 1;
				}
			if (h.seq != r->next++) {
				errno = 0;
				fail("record out of order", c);
				return 1;
			}
			got++;
			memmove(r->buf, r->buf + sizeof(h) + h.len,
				(size_t)r->have - sizeof(h) - (size_t)h.len);
			r->have -= (int)sizeof(h) + h.len;
		}
	}
	return 0;
}

static void *loop(void *arg)
{
	int l = (int)(long)arg, left = CONNS / LOOPS, ep = -1;
	static __thread struct rd rds[CONNS / LOOPS];
	sigset_t none;

	sigemptyset(&none);
	if (l == 0) {
		ep = epoll_create1(0);
		for (int i = 0; i < CONNS / LOOPS; i++) {
			struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };

			epoll_ctl(ep, EPOLL_CTL_ADD, sv[l * (CONNS / LOOPS) + i][1], &ev);
		}
	}
	if (l == 2) {
		/* pselect's pattern: the signal is let in only while it waits */
		sigset_t usr;

		sigemptyset(&usr);
		sigaddset(&usr, SIGUSR1);
		pthread_sigmask(SIG_BLOCK, &usr, NULL);
	}
	while (left > 0) {
		int ready[CONNS / LOOPS] = { 0 }, n;

		if (l == 0) {
			struct epoll_event ev[CONNS / LOOPS];

			n = epoll_wait(ep, ev, CONNS / LOOPS, -1);
			for (int i = 0; i < n; i++)
				ready[ev[i].data.u32] = 1;
		} else if (l == 1) {
			struct pollfd p[CONNS / LOOPS];

			for (int i = 0; i < CONNS / LOOPS; i++)
				p[i] = (struct pollfd){ sv[l * (CONNS / LOOPS) + i][1], POLLIN, 0 };
			n = poll(p, CONNS / LOOPS, 50);
			for (int i = 0; n > 0 && i < CONNS / LOOPS; i++)
				ready[i] = p[i].revents != 0;
		} else {
			struct timespec ts = { 0, 50000000 };
			fd_set rs;
			int top = 0;

			FD_ZERO(&rs);
			for (int i = 0; i < CONNS / LOOPS; i++) {
				int fd = sv[l * (CONNS / LOOPS) + i][1];

				if (!rds[i].ended)
					FD_SET(fd, &rs);
				top = fd > top ? fd : top;
			}
			n = pselect(top + 1, &rs, NULL, NULL, &ts, &none);
			for (int i = 0; n > 0 && i < CONNS / LOOPS; i++)
				ready[i] = FD_ISSET(sv[l * (CONNS / LOOPS) + i][1], &rs);
		}
		if (n < 0) {
			if (errno == EINTR) {
				eintr++;
				continue;
			}
			fail("wait", l);
			break;
		}
		for (int i = 0; i < CONNS / LOOPS; i++)
			if (ready[i] && !rds[i].ended && drain(l * (CONNS / LOOPS) + i, &rds[i]))
				left--;
	}
	if (ep >= 0)
		close(ep);
	return NULL;
}

static void *writer(void *arg)
{
	unsigned s = 12345;
	char buf[sizeof(struct hdr) + MAXREC];

	(void)arg;
	for (int i = 0; i <= nrec; i++)
		for (int c = 0; c < CONNS; c++) {
			struct hdr h = { i == nrec ? -1 : (int)(rand_r(&s) % MAXREC), i };
			size_t len = sizeof(h) + (size_t)(h.len > 0 ? h.len : 0), off = 0;

			memcpy(buf, &h, sizeof(h));
			for (int k = 0; k < h.len; k++)
				buf[sizeof(h) + (size_t)k] = (char)(i + k + c);
			while (off < len) {
				ssize_t w = write(sv[c][0], buf + off, len - off);

				if (w < 0 && errno == EINTR)
					continue;
				if (w < 0) {
					fail("write", c);
					return NULL;
				}
				off += (size_t)w;
			}
			if (rand_r(&s) % 64 == 0)
				usleep(rand_r(&s) % 300);	/* (the loops run dry and wait) */
		}
	done_writing = 1;
	return NULL;
}

/* Signals at random moments to every loop until the writer is done. */
static void *signaller(void *arg)
{
	unsigned s = 777;

	(void)arg;
	while (!done_writing) {
		pthread_kill(loop_t[rand_r(&s) % LOOPS], SIGUSR1);
		usleep(100 + rand_r(&s) % 400);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	pthread_t w, k;
	sigset_t usr;

	nrec = argc > 1 ? atoi(argv[1]) : 5000;
	if (nrec <= 0) {
		fprintf(stderr, "usage: %s [RECORDS per connection]\n", argv[0]);
		return 2;
	}
	alarm(200);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;	/* (no SA_RESTART: waits say EINTR) */
	sigaction(SIGUSR1, &sa, NULL);
	for (int c = 0; c < CONNS; c++) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv[c]) < 0) {
			perror("socketpair");
			return 1;
		}
		if (fcntl(sv[c][1], F_SETFL, O_NONBLOCK) < 0) {
			perror("fcntl");
			return 1;
		}
	}
	/* the writer and signaller never take the signal */
	sigemptyset(&usr);
	sigaddset(&usr, SIGUSR1);
	for (int l = 0; l < LOOPS; l++)
		pthread_create(&loop_t[l], NULL, loop, (void *)(long)l);
	pthread_sigmask(SIG_BLOCK, &usr, NULL);
	pthread_create(&w, NULL, writer, NULL);
	pthread_create(&k, NULL, signaller, NULL);
	pthread_join(w, NULL);
	pthread_join(k, NULL);
	for (int l = 0; l < LOOPS; l++)
		pthread_join(loop_t[l], NULL);
	printf("loops: %ld records of %d, %ld signals, %ld EINTR, %ld bad\n", (long)got,
	       nrec * CONNS, (long)sigs, (long)eintr, (long)bad);
	return bad || got != (long)nrec * CONNS;
}
