/* SPDX-License-Identifier: MIT */
/* bench.h -- helpers shared by the benchmark programs: socket types, addresses and connected pairs, sizes, CPU pinning, clock, full reads and writes. */
#ifndef UDSX_BENCH_H
#define UDSX_BENCH_H

#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

/* Returns SOCK_STREAM, SOCK_SEQPACKET or SOCK_DGRAM, or -1 for an unknown name. */
static inline int bench_parse_type(const char *s)
{
	if (!strcmp(s, "stream"))
		return SOCK_STREAM;
	if (!strcmp(s, "seqpacket"))
		return SOCK_SEQPACKET;
	if (!strcmp(s, "dgram"))
		return SOCK_DGRAM;
	return -1;
}

static inline const char *bench_type_name(int type)
{
	switch (type) {
	case SOCK_STREAM:
		return "stream";
	case SOCK_SEQPACKET:
		return "seqpacket";
	default:
		return "dgram";
	}
}

/*
 * Parses a byte count with an optional binary suffix ("64", "4k", "1M").
 * Returns -1 if @s is not a number in [@min, @max].
 */
static inline long bench_parse_size(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (*end == 'k' || *end == 'K') {
		v <<= 10;
		end++;
	} else if (*end == 'm' || *end == 'M') {
		v <<= 20;
		end++;
	}
	if (*end || v < min || v > max)
		return -1;
	return v;
}

/* Parses a duration in seconds ("0.5"); returns a negative value if invalid. */
static inline double bench_parse_seconds(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	return (end == s || *end || v <= 0) ? -1 : v;
}

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/*
 * 1 if @fd's data moves through udsx's shared memory, else 0. The library's
 * public udsx_fd_accelerated() is looked up at run time, so the benchmarks
 * need no link to it and report 0 on the plain kernel. The result line
 * carries it because a connection made by connect() is only faster if it was
 * negotiated, which the timing alone does not tell apart from noise.
 */
static inline int bench_accelerated(int fd)
{
	static int (*fn)(int);
	static int looked;

	if (!looked) {
		*(void **)&fn = dlsym(RTLD_DEFAULT, "udsx_fd_accelerated");
		looked = 1;
	}
	return fn ? fn(fd) : 0;
}

/*
 * Fills @cpu with two distinct CPUs this process may run on, or the ones
 * given with -c. Returns 0, or -1 if only one CPU is available: then the
 * caller leaves both processes unpinned rather than forcing them to share a
 * CPU, which would measure the scheduler instead of the transport. Sharing
 * one is only ever asked for: -c N,N, or -c same (the first allowed CPU),
 * which is what a program under `taskset -c N` or in a one-CPU container
 * gets.
 */
static inline int bench_pick_cpus(const char *spec, int cpu[2])
{
	cpu_set_t set;
	int i, n = 0;

	if (spec && strcmp(spec, "same"))
		return sscanf(spec, "%d,%d", &cpu[0], &cpu[1]) == 2 &&
		       cpu[0] >= 0 && cpu[1] >= 0 ? 0 : -1;
	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (i = 0; i < CPU_SETSIZE && n < 2; i++)
		if (CPU_ISSET(i, &set))
			cpu[n++] = i;
	if (spec && n) {
		cpu[1] = cpu[0];
		return 0;
	}
	return n == 2 ? 0 : -1;
}

/* Pins the calling process to @cpu; a failure only costs precision, so it warns. */
static inline void bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "warning: cannot pin to CPU %d: %s\n", cpu,
			strerror(errno));
}

/*
 * Reads exactly @len bytes unless EOF comes first. A STREAM read may return
 * any part of what the peer wrote, so one read is not one message.
 * Returns the bytes read (less than @len only at EOF) or -1 on error.
 */
static inline ssize_t bench_read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t r;

	while (done < len) {
		r = read(fd, (char *)buf + done, len - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		done += r;
	}
	return done;
}

/* Writes all @len bytes, looping over the partial writes a STREAM socket may do. */
static inline ssize_t bench_write_full(int fd, const void *buf, size_t len)
{
	size_t done = 0;
	ssize_t r;

	while (done < len) {
		r = write(fd, (const char *)buf + done, len - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		done += r;
	}
	return done;
}

/*
 * Tells the peer that no more messages come. STREAM and SEQPACKET see EOF
 * after shutdown; a DGRAM pair has no EOF, so it gets an empty datagram,
 * which a benchmark message never is.
 */
static inline int bench_send_end(int fd, int type)
{
	if (type == SOCK_DGRAM)
		return write(fd, "", 0) < 0 ? -1 : 0;
	return shutdown(fd, SHUT_WR);
}

/*
 * How a benchmark's connected pair is made (option -a): socketpair(), or a
 * connection to a pathname or an abstract address. udsx treats the first and
 * the other two differently, so each is measured on its own.
 */
enum { BENCH_ADDR_PAIR, BENCH_ADDR_PATH, BENCH_ADDR_ABSTRACT };

/* Returns BENCH_ADDR_PAIR, _PATH or _ABSTRACT, or -1 for an unknown name. */
static inline int bench_parse_addr(const char *s)
{
	if (!strcmp(s, "pair"))
		return BENCH_ADDR_PAIR;
	if (!strcmp(s, "path"))
		return BENCH_ADDR_PATH;
	if (!strcmp(s, "abstract"))
		return BENCH_ADDR_ABSTRACT;
	return -1;
}

/* The options pingpong, throughput and epollpp share. */
struct bench_opts {
	int type;		/* -t */
	int addr;		/* -a: BENCH_ADDR_* */
	long size;		/* -s: message size */
	long n;			/* -n: round trips or messages */
	long warmup;		/* -w */
	double limit_s;		/* -T */
	const char *cpus;	/* -c: "CPU,CPU", or NULL */
};

/* The getopt string of the shared options. */
#define BENCH_OPTSTRING "t:a:s:n:w:T:c:h"

/* Handles one of -t -a -s -n -w -T -c; 0 if c is none of them. */
static inline int bench_common_opt(int c, const char *arg, struct bench_opts *o)
{
	switch (c) {
	case 't':
		o->type = bench_parse_type(arg);
		return 1;
	case 'a':
		o->addr = bench_parse_addr(arg);
		return 1;
	case 's':
		o->size = bench_parse_size(arg, 1, 1 << 20);
		return 1;
	case 'n':
		o->n = bench_parse_size(arg, 1, 1000000000);
		return 1;
	case 'w':
		/* (-1 is "the default" for some programs; a bad value is -2) */
		o->warmup = bench_parse_size(arg, 0, 1000000000);
		if (o->warmup < 0)
			o->warmup = -2;
		return 1;
	case 'T':
		o->limit_s = bench_parse_seconds(arg);
		return 1;
	case 'c':
		o->cpus = arg;
		return 1;
	}
	return 0;
}

/* After getopt: arguments left over, or a value the parsers refused. A
 * warm-up of -1 means "the program's default" and is allowed. */
static inline int bench_opts_bad(const struct bench_opts *o, int argc)
{
	return optind != argc || o->type < 0 || o->addr < 0 || o->size < 0 || o->n < 0 ||
	       o->warmup < -1 || o->limit_s < 0;
}

static inline const char *bench_addr_name(int how)
{
	switch (how) {
	case BENCH_ADDR_PAIR:
		return "pair";
	case BENCH_ADDR_PATH:
		return "path";
	default:
		return "abstract";
	}
}

/*
 * A socket address made for one run. A pathname lives in a private directory
 * of its own (mode 0700 from mkdtemp), so no other user can bind or connect
 * to it first and two runs never collide; @dir is empty for abstract names.
 */
struct bench_addr {
	struct sockaddr_un sun;
	socklen_t len;
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/*
 * Fills @a with a fresh pathname (under $TMPDIR or /tmp) or abstract name.
 * An abstract name has no directory to make it private, so it carries the
 * pid, a counter and the clock, which no other run repeats.
 * Returns 0, or -1 after printing why.
 */
static inline int bench_addr_make(struct bench_addr *a, int how)
{
	static unsigned seq;
	const char *tmp = getenv("TMPDIR");
	size_t max = sizeof(a->sun.sun_path);
	int n;

	memset(a, 0, sizeof(*a));
	a->sun.sun_family = AF_UNIX;
	if (how == BENCH_ADDR_ABSTRACT) {
		n = snprintf(a->sun.sun_path + 1, max - 1, "udsx-bench.%d.%u.%llx",
			     (int)getpid(), seq++, (unsigned long long)bench_now_ns());
		a->len = offsetof(struct sockaddr_un, sun_path) + 1 + n;
		return 0;
	}
	if (!tmp || !*tmp)
		tmp = "/tmp";
	/* Leave room for "/sock" after the directory. */
	n = snprintf(a->dir, sizeof(a->dir), "%s/udsx-bench.XXXXXX", tmp);
	if (n < 0 || (size_t)n + sizeof("/sock") > max) {
		fprintf(stderr, "bench: TMPDIR %s is too long for a socket path\n", tmp);
		a->dir[0] = 0;
		return -1;
	}
	if (!mkdtemp(a->dir)) {
		perror("bench: mkdtemp");
		a->dir[0] = 0;
		return -1;
	}
	n = snprintf(a->sun.sun_path, max, "%s/sock", a->dir);
	a->len = offsetof(struct sockaddr_un, sun_path) + n + 1;
	return 0;
}

/*
 * Removes a pathname and its directory; nothing to do for an abstract name.
 * A socket bound or connected to the name keeps working after the unlink,
 * so this is done as soon as nobody needs to look the name up any more: a
 * run killed by its timeout then leaves nothing behind in /tmp.
 */
static inline void bench_addr_drop(struct bench_addr *a)
{
	if (!a->dir[0])
		return;
	unlink(a->sun.sun_path);
	rmdir(a->dir);
	a->dir[0] = 0;
}

/* A socket of @type bound to @a; for STREAM and SEQPACKET also listening. Returns the fd or -1. */
static inline int bench_bind(int type, const struct bench_addr *a)
{
	int fd = socket(AF_UNIX, type, 0);

	if (fd < 0) {
		perror("bench: socket");
		return -1;
	}
	if (bind(fd, (const struct sockaddr *)&a->sun, a->len)) {
		perror("bench: bind");
		close(fd);
		return -1;
	}
	if (type != SOCK_DGRAM && listen(fd, 128)) {
		perror("bench: listen");
		close(fd);
		return -1;
	}
	return fd;
}

/* Connects the socket @fd to @a; returns 0 or -1. */
static inline int bench_connect_to(int fd, const struct bench_addr *a)
{
	if (connect(fd, (const struct sockaddr *)&a->sun, a->len)) {
		perror("bench: connect");
		return -1;
	}
	return 0;
}

/*
 * STREAM or SEQPACKET: a client connected to a fresh listener (sv[0]), and
 * the end accept() returned (sv[1]). The connect completes at once (the
 * listener's backlog queues it), so one thread can do both sides. The
 * listener is returned in @listener and stays open, as a server's would,
 * while the pair is in use.
 */
static inline int bench_accept_pair(int how, int type, int sv[2], int *listener)
{
	struct bench_addr a;
	int l, c = -1, s = -1;

	if (bench_addr_make(&a, how))
		return -1;
	l = bench_bind(type, &a);
	if (l < 0)
		goto err;
	c = socket(AF_UNIX, type, 0);
	if (c < 0 || bench_connect_to(c, &a))
		goto err;
	s = accept(l, NULL, NULL);
	if (s < 0) {
		perror("bench: accept");
		goto err;
	}
	bench_addr_drop(&a);
	sv[0] = c;
	sv[1] = s;
	*listener = l;
	return 0;
err:
	if (c >= 0)
		close(c);
	if (l >= 0)
		close(l);
	bench_addr_drop(&a);
	return -1;
}

/* DGRAM: two sockets, each bound to its own name and connected to the other's. */
static inline int bench_dgram_pair(int how, int sv[2])
{
	struct bench_addr a[2];
	int i, ret = -1;

	sv[0] = sv[1] = -1;
	memset(a, 0, sizeof(a));
	for (i = 0; i < 2; i++)
		if (bench_addr_make(&a[i], how) || (sv[i] = bench_bind(SOCK_DGRAM, &a[i])) < 0)
			goto out;
	if (bench_connect_to(sv[0], &a[1]) || bench_connect_to(sv[1], &a[0]))
		goto out;
	ret = 0;
out:
	for (i = 0; i < 2; i++) {
		bench_addr_drop(&a[i]);
		if (ret && sv[i] >= 0)
			close(sv[i]);
	}
	return ret;
}

/*
 * Creates the connected pair the way @how says, in this process, so that a
 * fork afterwards splits it exactly like a socketpair. For STREAM and
 * SEQPACKET sv[0] is the client's end, which the benchmarks keep in the
 * process that called connect(), and sv[1] the end accept() returned, which
 * they hand to the forked child the way an inetd-style server hands an
 * accepted connection to a worker. @listener gets the listening socket to
 * close when the run ends, or -1 if there is none.
 * SEQPACKET and DGRAM refuse a message larger than the send buffer, so for
 * big messages the buffer is raised to fit two of them.
 */
static inline int bench_make_pair(int how, int type, long size, int sv[2], int *listener)
{
	int buf = 2 * size + 4096;

	*listener = -1;
	if (how == BENCH_ADDR_PAIR) {
		if (socketpair(AF_UNIX, type, 0, sv)) {
			perror("socketpair");
			return -1;
		}
	} else if (type == SOCK_DGRAM) {
		if (bench_dgram_pair(how, sv))
			return -1;
	} else if (bench_accept_pair(how, type, sv, listener)) {
		return -1;
	}
	if (type != SOCK_STREAM && size > 32768 &&
	    (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf)) ||
	     setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf))))
		perror("warning: setsockopt SO_SNDBUF");
	return 0;
}

/* Waits for the child; returns 0 if it exited with status 0. */
static inline int bench_reap(pid_t pid, const char *who)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("waitpid");
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		fprintf(stderr, "%s: killed by signal %d\n", who, WTERMSIG(status));
	else
		fprintf(stderr, "%s: exit status %d\n", who, WEXITSTATUS(status));
	return -1;
}

/*
 * Makes the pair and forks the process at the other end: it keeps sv[1],
 * closes the rest, pins itself to cpu[1] and exits with peer(sv[1], o);
 * we keep sv[0] (and the listener, which stays open while its connection
 * is used, like a server's), pinned to cpu[0]. cpu NULL: not pinned.
 * Returns the child's pid, or -1 with a message.
 */
static inline pid_t bench_start_peer(const struct bench_opts *o, const int *cpu, int sv[2],
				     int *listener, int (*peer)(int, const struct bench_opts *))
{
	pid_t pid;

	if (bench_make_pair(o->addr, o->type, o->size, sv, listener))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		if (*listener >= 0)
			close(*listener);
		if (cpu)
			bench_pin(cpu[1]);
		exit(peer(sv[1], o));
	}
	close(sv[1]);
	if (cpu)
		bench_pin(cpu[0]);
	return pid;
}

#endif
