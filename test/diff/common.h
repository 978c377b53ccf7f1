/* SPDX-License-Identifier: MIT */
/* common.h -- helpers for differential scenarios: deterministic transcripts.
 *
 * A scenario is a standalone program. `prog --list` prints its instance
 * names, one per line; `prog INSTANCE` runs one instance and prints a
 * transcript on stdout. The runner runs every instance on the plain kernel
 * and under udsx and requires the two transcripts to be byte-identical.
 * Exit 0 = ran, 77 = skip. Never print pids, addresses, fd numbers that
 * depend on the environment, or timings.
 *
 * pair() builds the connected pair in the connection mode UDSX_TEST_CONN
 * selects (conn.h): socketpair(), or connect/accept on a pathname or an
 * abstract name. The runner runs every scenario in each mode; a scenario
 * that a mode does not fit says so with SCENARIO_MAIN_IF.
 */
#ifndef UDSX_TEST_COMMON_H
#define UDSX_TEST_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/sockios.h>
#include <time.h>
#include <unistd.h>

static const char *T_NAME;	/* "stream", "dgram" or "seqpacket" */
static int T_TYPE;		/* SOCK_STREAM, ... */

#include "conn.h"

/* Print a line of transcript; flushed at once so forks don't duplicate it. */
static __attribute__((unused)) void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static __attribute__((unused)) const char *errname(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "E?";
}

/* "label: 5" or "label: -1 EAGAIN". Preserves errno. */
static __attribute__((unused)) long show(const char *label, long r)
{
	int e = errno;

	if (r < 0)
		say("%s: %ld %s", label, r, errname(e));
	else
		say("%s: %ld", label, r);
	errno = e;
	return r;
}

/* Print a received buffer as text with escapes, length-limited. */
static __attribute__((unused)) void show_buf(const char *label, const void *p, long n)
{
	const unsigned char *b = p;
	char out[200];
	long i, o = 0;

	for (i = 0; i < n && o < (long)sizeof(out) - 8; i++) {
		if (b[i] >= 32 && b[i] < 127 && b[i] != '\\')
			out[o++] = b[i];
		else
			o += snprintf(out + o, sizeof(out) - o, "\\x%02x", b[i]);
	}
	out[o] = 0;
	say("%s: [%s]%s", label, out, i < n ? "..." : "");
}

static __attribute__((unused)) void show_flags(const char *label, int f)
{
	char s[200] = "";

#define F_(x) if (f & x) { strcat(s, "|" #x); f &= ~x; }
	F_(MSG_TRUNC) F_(MSG_CTRUNC) F_(MSG_OOB) F_(MSG_EOR) F_(MSG_CMSG_CLOEXEC)
	F_(MSG_PEEK) F_(MSG_WAITALL) F_(MSG_DONTWAIT) F_(MSG_ERRQUEUE)
#undef F_
	if (f)
		sprintf(s + strlen(s), "|0x%x", f);
	say("%s: flags=%s", label, s[0] ? s + 1 : "0");
}

static __attribute__((unused)) void show_poll(const char *label, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLPRI | POLLRDHUP };
	char s[100] = "";
	int r = poll(&p, 1, 0);

	if (r < 0) {
		show(label, r);
		return;
	}
#define P_(x, n) if (p.revents & x) strcat(s, "|" n);
	P_(POLLIN, "IN") P_(POLLPRI, "PRI") P_(POLLOUT, "OUT") P_(POLLERR, "ERR")
	P_(POLLHUP, "HUP") P_(POLLRDHUP, "RDHUP") P_(POLLNVAL, "NVAL")
#undef P_
	say("%s: poll=%s", label, s[0] ? s + 1 : "0");
}

static __attribute__((unused)) int inq(int fd)
{
	int n = -1;

	if (ioctl(fd, SIOCINQ, &n) < 0)
		return -errno;
	return n;
}

static __attribute__((unused)) int outq(int fd)
{
	int n = -1;

	if (ioctl(fd, SIOCOUTQ, &n) < 0)
		return -errno;
	return n;
}

/* A connected pair of T_TYPE; flags (SOCK_NONBLOCK, SOCK_CLOEXEC) apply to
 * both ends. In the named modes sv[0] is the client, sv[1] the accepted end. */
static __attribute__((unused)) void pair_flags(int sv[2], int flags)
{
	if (T_CONN != CONN_PAIR) {
		conn_pair(sv, T_TYPE, flags);
		return;
	}
	if (socketpair(AF_UNIX, T_TYPE | flags, 0, sv) < 0) {
		perror("socketpair");
		exit(1);
	}
}

static __attribute__((unused)) void pair(int sv[2])
{
	pair_flags(sv, 0);
}

static __attribute__((unused)) int is_stream(void) { return T_TYPE == SOCK_STREAM; }
static __attribute__((unused)) int is_dgram(void) { return T_TYPE == SOCK_DGRAM; }
static __attribute__((unused)) int is_seqpacket(void) { return T_TYPE == SOCK_SEQPACKET; }

/* Sleep a little, for ordering between processes (not for correctness of
 * the transcript: every scenario must be deterministic without it too). */
static __attribute__((unused)) void nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Wait for a child and print how it ended. */
static __attribute__((unused)) void reap(const char *label, pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st))
		say("%s: exit %d", label, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		say("%s: signal %s", label, sigabbrev_np(WTERMSIG(st)));
}

/*
 * Instance handling. A scenario defines
 *     static const char *instances[] = { "stream", "dgram", NULL };
 *     static void run(int argc, char **argv);
 * and ends with SCENARIO_MAIN. Instance names beginning with a type name
 * ("stream", "dgram", "seqpacket") set T_TYPE; anything after a '-' is left
 * for run() to read from T_NAME.
 *
 * SCENARIO_MAIN_IF(applies) ends a scenario whose instances do not all fit
 * every connection mode: `--list` lists only the instances for which
 * applies(name) is true in the mode of UDSX_TEST_CONN (conn_pair_only, or
 * the scenario's own function), and running another one exits 77.
 */
static const char *T_INSTANCE;

static __attribute__((unused)) int parse_type(const char *n)
{
	if (!strncmp(n, "stream", 6))
		return SOCK_STREAM;
	if (!strncmp(n, "dgram", 5))
		return SOCK_DGRAM;
	if (!strncmp(n, "seqpacket", 9))
		return SOCK_SEQPACKET;
	return -1;
}

static __attribute__((unused)) int variant(const char *suffix)
{
	const char *d = strchr(T_INSTANCE, '-');

	return d && !strcmp(d + 1, suffix);
}

#define ALL_TYPES { "stream", "dgram", "seqpacket", NULL }

/* Is inst a listed instance that does not apply in this mode? */
static __attribute__((unused)) int conn_excluded(const char **list, int (*applies)(const char *),
						 const char *inst)
{
	for (; *list; list++)
		if (!strcmp(*list, inst))
			return !applies(inst);
	return 0;
}

#define SCENARIO_MAIN SCENARIO_MAIN_IF(conn_any)

#define SCENARIO_MAIN_IF(applies)					\
int main(int argc, char **argv)						\
{									\
	int i;								\
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);				\
	conn_init();							\
	if (argc == 2 && !strcmp(argv[1], "--list")) {			\
		for (i = 0; instances[i]; i++)				\
			if (applies(instances[i]))			\
				puts(instances[i]);			\
		return 0;						\
	}								\
	if (argc < 2) {							\
		fprintf(stderr, "usage: %s --list | INSTANCE\n", argv[0]); \
		return 2;						\
	}								\
	if (conn_excluded(instances, applies, argv[1]))			\
		return 77;						\
	T_INSTANCE = argv[1];						\
	T_TYPE = parse_type(argv[1]);					\
	T_NAME = argv[1];						\
	say("== %s %s", strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0], argv[1]); \
	run(argc, argv);						\
	fflush(stdout);							\
	return 0;							\
}

#endif
