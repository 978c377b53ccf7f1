/* SPDX-License-Identifier: MIT */
/* common_b.h -- helpers for the b_ and p_ scenarios: signals, watchdog, blocking, epoll, fd passing, unit streams checked across fork/exec/SCM_RIGHTS. */
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

/* State letter of /proc/<path>/stat, '?' if gone. */
static char proc_state(const char *path)
{
	char buf[256], *p;
	int fd = open(path, O_RDONLY);
	ssize_t n;

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

/* Wait (at most ~2 s) until the task sleeps in three checks 2 ms apart,
 * then 20 ms more. Used only to make it likely that a party is blocked;
 * transcripts never depend on it. */
static void wait_path_sleeping(const char *path)
{
	int i, seen = 0;

	for (i = 0; i < 1000 && seen < 3; i++) {
		char s = proc_state(path);

		if (s == '?' || s == 'Z')
			break;
		seen = s == 'S' ? seen + 1 : 0;
		nap_ms(2);
	}
	nap_ms(20);
}

static void wait_sleeping(pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	wait_path_sleeping(path);
}

static void wait_sleeping_pid(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	wait_path_sleeping(path);
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

/* Read fd without waiting until EAGAIN or EOF, in 16-byte reads: each
 * result as "WHO recv: ..." and its data as "WHO got: [...]". */
static __attribute__((unused)) void show_drain(const char *who, int fd)
{
	char buf[16], l[32];

	for (;;) {
		long r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		snprintf(l, sizeof(l), "%s recv", who);
		show(l, r);
		if (r <= 0)
			break;
		snprintf(l, sizeof(l), "%s got", who);
		show_buf(l, buf, r);
	}
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

/*
 * Data plans shared by a parent and a process it forks, execs or spawns.
 * Direction d (0 = parent to peer, 1 = peer to parent) is a sequence of
 * "units": bytes on STREAM, messages on DGRAM/SEQPACKET. Message k of
 * direction d has length msg_len(k) and byte j = pat(d, k * 131 + j), so a
 * reader can check order, boundaries and content of every unit, across any
 * switch point (fork, exec, fd passing). A DGRAM direction ends with an END
 * message, STREAM/SEQPACKET ones with EOF. The peer ends its direction with
 * a REPORT of what it received (the last 64 bytes on STREAM).
 */
#define END_LEN 2000
#define REPORT_LEN 1999
#define REPORT_STREAM 64

static long msg_len(long k)
{
	return 1 + (k * 37) % 1500;
}

/* Send units [from, from+count) of direction d. With nonblock, stop at the
 * first EAGAIN (a STREAM unit may then be split; the return counts whole
 * bytes). Returns units sent, or -errno if none could be sent. */
static long send_units(int fd, int d, long from, long count, int nonblock)
{
	static char b[4096];
	long done = 0, j, r, n;
	int fl = MSG_NOSIGNAL | (nonblock ? MSG_DONTWAIT : 0);

	while (done < count) {
		long k = from + done;

		if (T_TYPE == SOCK_STREAM) {
			/* varying write sizes: 1..4096 */
			n = 1 + (k * 13) % 4096;
			if (n > count - done)
				n = count - done;
			for (j = 0; j < n; j++)
				b[j] = pat(d, k + j);
		} else {
			n = msg_len(k);
			for (j = 0; j < n; j++)
				b[j] = pat(d, k * 131 + j);
		}
		r = send(fd, b, n, fl);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return done ? done : -errno;
		}
		done += T_TYPE == SOCK_STREAM ? r : 1;
	}
	return done;
}

/* Close direction: SHUT_WR on STREAM/SEQPACKET, an END message on DGRAM. */
static void finish_units(int fd)
{
	static char e[END_LEN];

	if (T_TYPE == SOCK_DGRAM) {
		memset(e, 0xEE, sizeof(e));
		send(fd, e, sizeof(e), MSG_NOSIGNAL);
	} else {
		shutdown(fd, SHUT_WR);
	}
}

struct got {
	long units, bytes, bad, trunc;
	int ended, err;		/* saw END/EOF; errno of a failed read */
	char report[REPORT_LEN + 1];
};

/* Receive direction d until its end. With want_report, the last unit before
 * the end is the peer's REPORT (STREAM: the last 64 bytes before EOF). */
static void recv_units_from(int fd, int d, long from, int want_report, struct got *g)
{
	static char b[8192];
	static char tail[REPORT_STREAM];
	long r, j, k;

	memset(g, 0, sizeof(*g));
	if (T_TYPE == SOCK_STREAM) {
		/* Keep the last 64 bytes back until EOF tells us they are the report. */
		long held = 0;

		for (;;) {
			r = recv(fd, b, sizeof(b), 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				g->ended = r == 0;
				g->err = r < 0 ? errno : 0;
				break;
			}
			for (j = 0; j < r; j++) {
				if (want_report) {
					if (held == REPORT_STREAM) {
						if ((unsigned char)tail[0] != pat(d, from + g->units))
							g->bad++;
						g->units++;
						memmove(tail, tail + 1, REPORT_STREAM - 1);
						held--;
					}
					tail[held++] = b[j];
				} else {
					if ((unsigned char)b[j] != pat(d, from + g->units))
						g->bad++;
					g->units++;
				}
			}
		}
		g->bytes = g->units;
		if (want_report) {
			memcpy(g->report, tail, held);
			g->report[held] = 0;
		}
		return;
	}
	for (;;) {
		r = recv(fd, b, sizeof(b), MSG_TRUNC);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			g->err = errno;
			break;
		}
		if (r == 0 && T_TYPE == SOCK_SEQPACKET) {
			g->ended = 1;
			break;
		}
		if (r == END_LEN && T_TYPE == SOCK_DGRAM && !want_report) {
			g->ended = 1;
			break;
		}
		if (r == REPORT_LEN && want_report) {
			memcpy(g->report, b, REPORT_LEN);
			g->report[REPORT_LEN] = 0;
			if (T_TYPE == SOCK_DGRAM) {
				g->ended = 1;
				break;
			}
			continue;
		}
		if (r > (long)sizeof(b)) {
			g->trunc++;
			r = sizeof(b);
		}
		k = from + g->units;
		if (r != msg_len(k))
			g->bad++;
		else
			for (j = 0; j < r; j++)
				if ((unsigned char)b[j] != pat(d, k * 131 + j)) {
					g->bad++;
					break;
				}
		g->units++;
		g->bytes += r;
	}
}

static void recv_units(int fd, int d, int want_report, struct got *g)
{
	recv_units_from(fd, d, 0, want_report, g);
}

/* What a read after the end gives: "eof", "eagain", or "data" (stray). */
static const char *after_end(int fd)
{
	char c[8];
	long r = recv(fd, c, sizeof(c), MSG_DONTWAIT);

	if (r == 0 && T_TYPE != SOCK_DGRAM)
		return "eof";
	if (r < 0 && errno == EAGAIN)
		return "eagain";
	if (r < 0)
		return errname(errno);
	return "data";
}

/*
 * The peer's side: read direction 0 to its end, check nothing follows,
 * send units [c_off, c_off+c_cnt) of direction 1, then the REPORT. Used by
 * forked children and by exec'd/spawned images of the scenario itself.
 */
/* Send the REPORT describing g (64 bytes on STREAM, one message else). */
static void send_report(int fd, struct got *g)
{
	char rep[REPORT_LEN];

	memset(rep, ' ', sizeof(rep));
	snprintf(rep, sizeof(rep), "got=%ld bytes=%ld bad=%ld trunc=%ld end=%d err=%s after=%s",
		 g->units, g->bytes, g->bad, g->trunc, g->ended, g->err ? errname(g->err) : "0",
		 after_end(fd));
	if (T_TYPE == SOCK_STREAM) {
		/* fixed 64-byte report: pad with '.' */
		char s[REPORT_STREAM];
		size_t n = strlen(rep);

		memset(s, '.', sizeof(s));
		memcpy(s, rep, n < sizeof(s) ? n : sizeof(s));
		write_all(fd, s, sizeof(s));
	} else {
		send(fd, rep, REPORT_LEN, MSG_NOSIGNAL);
	}
}

static int peer_role(int fd, long p_off, long c_off, long c_cnt)
{
	struct got g;
	int type = -1, env = getenv("LD_PRELOAD") != NULL;
	socklen_t l = sizeof(type);
	long r;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) < 0 || type != T_TYPE)
		return 10;
	recv_units_from(fd, 0, p_off, 0, &g);
	r = send_units(fd, 1, c_off, c_cnt, 0);
	send_report(fd, &g);
	if (r != c_cnt)
		return 11;
	return env ? 20 : 0;	/* callers that keep LD_PRELOAD ignore 20 */
}

/* Parent's summary of what came back. */
static void show_got(const char *label, struct got *g)
{
	char rep[REPORT_LEN + 1];
	char *p;

	say("%s: units=%ld bytes=%ld bad=%ld trunc=%ld end=%d err=%s", label, g->units,
	    g->bytes, g->bad, g->trunc, g->ended, g->err ? errname(g->err) : "0");
	if (!g->report[0])
		return;
	snprintf(rep, sizeof(rep), "%s", g->report);
	p = strchr(rep, '.');
	if (T_TYPE == SOCK_STREAM && p)
		*p = 0;
	for (p = rep + strlen(rep); p > rep && p[-1] == ' '; p--)
		p[-1] = 0;
	say("%s: peer report: %s", label, rep);
}

static const char *type_name(void)
{
	return T_TYPE == SOCK_STREAM ? "stream" : T_TYPE == SOCK_DGRAM ? "dgram" : "seqpacket";
}

/* A copy of environ without any LD_PRELOAD entry. */
static char **env_without_preload(void)
{
	extern char **environ;
	char **e;
	int n = 0, i = 0;

	for (e = environ; *e; e++)
		n++;
	e = calloc(n + 1, sizeof(*e));
	for (n = 0; environ[n]; n++)
		if (strncmp(environ[n], "LD_PRELOAD=", 11))
			e[i++] = environ[n];
	e[i] = NULL;
	return e;
}

/* In a child: silence stdout (only the parent prints), then exec argv[0]
 * again as "<type>-<role>" with the given numeric arguments. */
static void exec_self(const char *argv0, const char *role, long a1, long a2, long a3, long a4,
		      int plain)
{
	extern char **environ;
	char inst[64], s1[24], s2[24], s3[24], s4[24];
	char *args[] = { (char *)argv0, inst, s1, s2, s3, s4, NULL };
	int dn = open("/dev/null", O_WRONLY);

	if (dn >= 0) {
		dup2(dn, 1);
		close(dn);
	}
	snprintf(inst, sizeof(inst), "%s-%s", type_name(), role);
	snprintf(s1, sizeof(s1), "%ld", a1);
	snprintf(s2, sizeof(s2), "%ld", a2);
	snprintf(s3, sizeof(s3), "%ld", a3);
	snprintf(s4, sizeof(s4), "%ld", a4);
	execve(argv0, args, plain ? env_without_preload() : environ);
	_exit(12);
}

/* Read exactly count units of direction d starting at unit `from`, never
 * more (STREAM reads ask only for what is missing). Returns bad units. */
static long recv_exact_units(int fd, int d, long from, long count)
{
	static char b[8192];
	long got = 0, bad = 0, r, j;

	while (got < count) {
		long ask = sizeof(b);

		if (T_TYPE == SOCK_STREAM && ask > count - got)
			ask = count - got;
		r = recv(fd, b, ask, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return bad + count - got;
		if (T_TYPE == SOCK_STREAM) {
			for (j = 0; j < r; j++)
				bad += (unsigned char)b[j] != pat(d, from + got + j);
			got += r;
		} else {
			long k = from + got;

			if (r != msg_len(k))
				bad++;
			else
				for (j = 0; j < r; j++)
					if ((unsigned char)b[j] != pat(d, k * 131 + j)) {
						bad++;
						break;
					}
			got++;
		}
	}
	return bad;
}

/*
 * Role of a spawned/exec'd helper sharing an end with its parent: read
 * exactly p_cnt units of direction 0, then send units [c_off, c_off+c_cnt)
 * of direction 1 on the same end. Exit code: 0 ok, 1 bad input, 2 short send.
 */
static int spawn_role(int fd, long p_cnt, long c_off, long c_cnt)
{
	int rc = 0;

	if (recv_exact_units(fd, 0, 0, p_cnt))
		rc |= 1;
	if (send_units(fd, 1, c_off, c_cnt, 0) != c_cnt)
		rc |= 2;
	return rc;
}

/*
 * The exec scenario (p_exec_udsx, p_exec_plain): data queued both ways,
 * the child execs the scenario itself (with or without LD_PRELOAD), the new
 * image reads everything and answers. Variants:
 *   (none)   units sized so that the pre-exec sends never block;
 *   -full    both directions filled to EAGAIN before the exec;
 *   -partial the child reads part of what is queued (STREAM: stopping inside
 *            a segment) before it execs; the new image goes on from there;
 *   -idle    nothing in flight, the parent already sleeps in recv when the
 *            child execs.
 */
static void exec_scenario(int argc, char **argv, int plain)
{
	int sv[2];
	long p1 = 0, p2 = 0, c1 = 0, n_p1, n_c1, n_p2, pre = 0;
	int full = strstr(T_INSTANCE, "-full") != NULL;
	int partial = strstr(T_INSTANCE, "-partial") != NULL;
	int idle = strstr(T_INSTANCE, "-idle") != NULL;
	pid_t pid;
	struct got g;

	if (strstr(T_INSTANCE, "-execd") && argc >= 6) {
		int rc = peer_role(atoi(argv[2]), atol(argv[3]), atol(argv[4]), atol(argv[5]));

		exit(rc == 20 && !plain ? 0 : rc);
	}
	alarm(10);	/* no watchdog thread: threads before fork upset ASan */
	n_p1 = full ? 1L << 30 : is_stream() ? 50000 : 20;
	n_c1 = full ? 1L << 30 : is_stream() ? 30000 : 15;
	n_p2 = is_stream() ? 300000 : 200;
	if (idle)
		n_p1 = n_c1 = n_p2 = 0;
	pair(sv);
	if (n_p1)
		p1 = send_units(sv[0], 0, 0, n_p1, 1);
	say("parent queued before fork: %ld", p1);
	pid = fork();
	if (pid == 0) {
		alarm(10);	/* survives the exec */
		close(sv[0]);
		if (n_c1)
			c1 = send_units(sv[1], 1, 0, n_c1, 1);
		if (partial) {
			/* STREAM writes are 1..4096 bytes: 2345 ends mid-segment */
			pre = is_stream() ? 2345 : 3;
			if (recv_exact_units(sv[1], 0, 0, pre))
				_exit(14);
		}
		if (strstr(T_INSTANCE, "-closefds")) {
			/* as a daemon or subprocess(close_fds=True) does */
			close_range(3, (unsigned)sv[1] - 1, 0);
			close_range((unsigned)sv[1] + 1, ~0u, 0);
		}
		exec_self(argv[0], "execd", sv[1], pre, c1, is_stream() ? 200000 : 150, plain);
	}
	close(sv[1]);
	if (n_p2)
		p2 = send_units(sv[0], 0, p1, n_p2, 0);
	say("parent sent after fork: %ld", p2);
	finish_units(sv[0]);
	recv_units(sv[0], 1, 1, &g);
	show_got("parent got", &g);
	reap("child", pid);
	say("parent after end: %s", after_end(sv[0]));
	show_poll("parent end", sv[0]);
	close(sv[0]);
}

#endif
