/* SPDX-License-Identifier: MIT */
/* common_b.h -- extra helpers for the b_ and p_ scenarios: signals, watchdog, blocking, epoll, fd passing. */
#ifndef UDSX_TEST_COMMON_B_H
#define UDSX_TEST_COMMON_B_H

/* common.h and this file define helpers that a given scenario may not use;
 * without this, -Werror -Wunused-function rejects every scenario. */
#pragma GCC diagnostic ignored "-Wunused-function"

#include "common.h"
#include <pthread.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/time.h>

/* Signal counters, indexed by signal number; bumped by count_handler. */
static volatile sig_atomic_t sig_count[65];

static void count_handler(int sig)
{
	sig_count[sig]++;
}

/* Install count_handler for sig with the given sa_flags (e.g. SA_RESTART). */
static void count_signal(int sig, int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = count_handler;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	sig_count[sig] = 0;
}

/* Count SIGPIPEs instead of dying from them. */
static void count_sigpipe(void)
{
	count_signal(SIGPIPE, 0);
}

static void show_sigpipe(const char *label)
{
	say("%s: sigpipe=%d", label, (int)sig_count[SIGPIPE]);
	sig_count[SIGPIPE] = 0;
}

/* Run fn in a new thread with every signal blocked, so that process-directed
 * signals (SIGALRM from setitimer) always go to the main thread. */
static pthread_t spawn_quiet(void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	pthread_t t;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&t, NULL, fn, arg)) {
		perror("pthread_create");
		exit(1);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return t;
}

static void *watchdog_fn(void *arg)
{
	nap_ms((int)(long)arg * 1000);
	fprintf(stderr, "watchdog: scenario hung, aborting\n");
	_exit(99);
}

/* Kill the whole scenario if it runs longer than secs (leaves SIGALRM free). */
static void watchdog(int secs)
{
	pthread_t t = spawn_quiet(watchdog_fn, (void *)(long)secs);

	pthread_detach(t);
}

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* State letter of a thread of this process, '?' if unknown. */
static char thread_state(pid_t tid)
{
	char path[64], buf[256], *p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] && p[2] ? p[2] : '?';
}

/* Wait (at most ~2 s) until thread tid sleeps, then a little more. Used only
 * to make it likely that a party is blocked; transcripts never depend on it. */
static void wait_sleeping(pid_t tid)
{
	int i;

	for (i = 0; i < 2000; i++) {
		char s = thread_state(tid);

		if (s == 'S' || s == 'D' || s == '?')
			break;
		nap_ms(1);
	}
	nap_ms(20);
}

/* Same for a child process. */
static void wait_sleeping_pid(pid_t pid)
{
	char path[64], buf[256], *p;
	int i, fd;
	ssize_t n;

	for (i = 0; i < 2000; i++) {
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			break;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			break;
		buf[n] = 0;
		p = strrchr(buf, ')');
		if (!p || !p[1] || p[2] == 'S' || p[2] == 'D' || p[2] == 'Z')
			break;
		nap_ms(1);
	}
	nap_ms(20);
}

/* One-shot ITIMER_REAL of ms milliseconds (delivers SIGALRM). */
static void arm_timer_ms(int ms)
{
	struct itimerval it;

	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	setitimer(ITIMER_REAL, &it, NULL);
}

static void set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

static void set_timeo(int fd, int opt, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)) < 0)
		perror("setsockopt timeo");
}

static int getint(int fd, int level, int opt)
{
	int v = -1;
	socklen_t l = sizeof(v);

	if (getsockopt(fd, level, opt, &v, &l) < 0)
		return -errno;
	return v;
}

static int so_error(int fd)
{
	return getint(fd, SOL_SOCKET, SO_ERROR);
}

/*
 * Non-blocking fill: send chunk-byte sends with MSG_DONTWAIT until one
 * fails. Returns the number of complete sends; *bytes gets the total
 * accepted (a STREAM send may be partial), *err the final errno.
 */
static long fill(int fd, long chunk, long *bytes, int *err)
{
	static char z[65536];
	long n = 0, tot = 0, r;

	for (;;) {
		r = send(fd, z, chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r < 0) {
			*err = errno;
			break;
		}
		tot += r;
		if (r < chunk) {
			*err = 0;
			break;
		}
		n++;
		if (n > 1000000)
			break;
	}
	*bytes = tot;
	return n;
}

/* Read and discard everything queued, non-blocking; returns bytes drained.
 * Stops at STREAM EOF and at a SEQPACKET 0 (EOF or empty message). */
static long drain(int fd, long *msgs)
{
	static char b[262144];
	long tot = 0, m = 0, r;

	while ((r = recv(fd, b, sizeof(b), MSG_DONTWAIT)) >= 0) {
		if (r == 0 && T_TYPE != SOCK_DGRAM)
			break;
		tot += r;
		if (++m > 1000000)
			break;
	}
	if (msgs)
		*msgs = m;
	return tot;
}

/* Blocking read of exactly want bytes (never more: each recv asks only for
 * what is still missing). Returns bytes read. */
static long drain_exact(int fd, long want)
{
	static char b[65536];
	long got = 0, r;

	while (got < want) {
		long ask = want - got < (long)sizeof(b) ? want - got : (long)sizeof(b);

		r = recv(fd, b, ask, 0);
		if (r <= 0)
			break;
		got += r;
	}
	return got;
}

/* Print an epoll result list: "label: n=2 [0:IN|OUT] [1:IN]" (tags = data.u32). */
static void show_epoll(const char *label, int ep, int timeout)
{
	struct epoll_event ev[8];
	char s[400] = "";
	int n, i;

	n = epoll_wait(ep, ev, 8, timeout);
	if (n < 0) {
		show(label, n);
		return;
	}
	for (i = 0; i < n; i++) {
		char m[100] = "";
		unsigned e = ev[i].events;

#define E_(x, nm) if (e & x) strcat(m, "|" nm);
		E_(EPOLLIN, "IN") E_(EPOLLPRI, "PRI") E_(EPOLLOUT, "OUT") E_(EPOLLERR, "ERR")
		E_(EPOLLHUP, "HUP") E_(EPOLLRDHUP, "RDHUP")
#undef E_
		snprintf(s + strlen(s), sizeof(s) - strlen(s), " [%u:%s]", ev[i].data.u32,
			 m[0] ? m + 1 : "0");
	}
	say("%s: n=%d%s", label, n, s);
}

static int ep_add(int ep, int fd, unsigned events, unsigned tag)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int ep_mod(int ep, int fd, unsigned events, unsigned tag)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };

	return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

/* Send one data byte plus one fd with SCM_RIGHTS. */
static long send_fd(int sock, int fd, char tag)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { &tag, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.b, .msg_controllen = sizeof(u.b) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	memset(&u, 0, sizeof(u));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0);
}

/* Receive one data byte and at most one fd; returns the fd or -1. */
static int recv_fd(int sock, char *tag)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { tag, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.b, .msg_controllen = sizeof(u.b) };
	struct cmsghdr *c;
	int fd = -1;

	if (recvmsg(sock, &mh, 0) < 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* Deterministic test pattern: byte i of stream s. */
static unsigned char pat(int s, long i)
{
	return (unsigned char)(i * 7 + s * 31 + (i >> 8) * 3);
}

/* Write all of len bytes (blocking), returns bytes written or -errno. */
static long write_all(int fd, const void *p, long len)
{
	const char *c = p;
	long done = 0, r;

	while (done < len) {
		r = write(fd, c + done, len - done);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return done ? done : -errno;
		}
		done += r;
	}
	return done;
}

/* Exit status of a child, as a small integer (128+sig if signalled). */
static int wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

/* recv(len, flags) and print the result and the data. */
static long rcv(const char *label, int fd, long len, int flags)
{
	static char buf[256];
	long r;

	if (len > (long)sizeof(buf))
		len = sizeof(buf);
	r = show(label, recv(fd, buf, len, flags));
	if (r > 0)
		show_buf("data", buf, r);
	return r;
}

/* recvmsg(len, flags) with a control buffer; prints result, data, msg_flags
 * and how many bytes of control data came back. */
static long rcvmsg(const char *label, int fd, long len, int flags)
{
	static char buf[256];
	union {
		struct cmsghdr h;
		char b[256];
	} u;
	struct iovec iov = { buf, len > (long)sizeof(buf) ? (long)sizeof(buf) : len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.b, .msg_controllen = sizeof(u.b) };
	long r;

	r = show(label, recvmsg(fd, &mh, flags));
	if (r < 0)
		return r;
	if (r > 0)
		show_buf("data", buf, r < (long)iov.iov_len ? r : (long)iov.iov_len);
	show_flags(label, mh.msg_flags);
	if (mh.msg_controllen)
		say("%s: controllen=%zu", label, (size_t)mh.msg_controllen);
	return r;
}

static void show_atmark(const char *label, int fd)
{
	int at = -7;

	if (ioctl(fd, SIOCATMARK, &at) < 0)
		show(label, -1);
	else
		say("%s: atmark=%d", label, at);
}

#endif
