/* SPDX-License-Identifier: MIT */
/* bench.h -- helpers shared by the benchmark programs: socket types, sizes, CPU pinning, clock, full reads and writes. */
#ifndef UDSX_BENCH_H
#define UDSX_BENCH_H

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/types.h>
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
 * Fills @cpu with two distinct CPUs this process may run on, or the ones
 * given with -c. Returns 0, or -1 if only one CPU is available: then the
 * caller leaves both processes unpinned rather than forcing them to share a
 * CPU, which would measure the scheduler instead of the transport.
 */
static inline int bench_pick_cpus(const char *spec, int cpu[2])
{
	cpu_set_t set;
	int i, n = 0;

	if (spec)
		return sscanf(spec, "%d,%d", &cpu[0], &cpu[1]) == 2 &&
		       cpu[0] != cpu[1] ? 0 : -1;
	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (i = 0; i < CPU_SETSIZE && n < 2; i++)
		if (CPU_ISSET(i, &set))
			cpu[n++] = i;
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
 * Creates the pair. SEQPACKET and DGRAM refuse a message larger than the send
 * buffer, so for big messages the buffer is raised to fit two of them.
 */
static inline int bench_socketpair(int type, long size, int sv[2])
{
	int buf = 2 * size + 4096;

	if (socketpair(AF_UNIX, type, 0, sv)) {
		perror("socketpair");
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

#endif
