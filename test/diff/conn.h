/* SPDX-License-Identifier: MIT */
/* conn.h -- connection modes for the scenarios: pair() by socketpair(), or by bind/listen/connect/accept on a pathname or an abstract name.
 *
 * UDSX_TEST_CONN selects the mode: "pair" (the default), "path" or
 * "abstract". In the named modes sv[0] is always the connecting end (the
 * client; for DGRAM the socket bound first) and sv[1] the accepting end.
 *
 * Names are never printed, but getsockname/getpeername/msg_name lengths
 * are, so every name has a fixed length: /tmp/udsx-diff-XXXXXX/a (the
 * directory is removed as soon as the pair is connected) and
 * "\0udsx-diff-PPPPPPPP-RRRRRRRR-NNNN" (pid, a random word, a counter).
 */
#ifndef UDSX_TEST_CONN_H
#define UDSX_TEST_CONN_H

#include <stddef.h>
#include <sys/random.h>

enum conn_mode { CONN_PAIR, CONN_PATH, CONN_ABSTRACT };

static enum conn_mode T_CONN;

/* Read UDSX_TEST_CONN; a bad value is a usage error (exit 2). */
static __attribute__((unused)) void conn_init(void)
{
	const char *e = getenv("UDSX_TEST_CONN");

	if (!e || !*e || !strcmp(e, "pair"))
		T_CONN = CONN_PAIR;
	else if (!strcmp(e, "path"))
		T_CONN = CONN_PATH;
	else if (!strcmp(e, "abstract"))
		T_CONN = CONN_ABSTRACT;
	else {
		fprintf(stderr, "UDSX_TEST_CONN=%s: want pair, path or abstract\n", e);
		exit(2);
	}
}

/* Instance filters for SCENARIO_MAIN_IF: does an instance apply in T_CONN? */
static __attribute__((unused)) int conn_any(const char *inst)
{
	return 1;
}

static __attribute__((unused)) int conn_pair_only(const char *inst)
{
	return T_CONN == CONN_PAIR;
}

static __attribute__((noreturn, unused)) void conn_die(const char *what)
{
	perror(what);
	exit(1);
}

/* A fresh abstract name of fixed length; tag tells the two DGRAM ends apart. */
static __attribute__((unused)) socklen_t conn_abstract_name(struct sockaddr_un *a, char tag)
{
	static unsigned int salt, count;
	unsigned int n = __atomic_fetch_add(&count, 1, __ATOMIC_RELAXED);

	if (!salt && getrandom(&salt, sizeof(salt), 0) != sizeof(salt))
		salt = (unsigned int)time(NULL);
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "udsx-diff-%08x-%08x-%04x%c",
		 (unsigned int)getpid(), salt, n & 0xffff, tag);
	return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a->sun_path + 1);
}

static __attribute__((unused)) socklen_t conn_path_name(struct sockaddr_un *a, const char *dir,
							 char tag)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof(a->sun_path), "%s/%c", dir, tag);
	return offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1;
}

/* Bind fd to a fresh name of the mode (in dir for pathnames); EADDRINUSE
 * on an abstract name (another run's) just takes the next one. */
static __attribute__((unused)) socklen_t conn_bind(int fd, struct sockaddr_un *a,
						    const char *dir, char tag)
{
	socklen_t l;
	int tries = 0;

	for (;;) {
		l = T_CONN == CONN_PATH ? conn_path_name(a, dir, tag) : conn_abstract_name(a, tag);
		if (bind(fd, (struct sockaddr *)a, l) == 0)
			return l;
		if (errno != EADDRINUSE || T_CONN == CONN_PATH || ++tries == 100)
			conn_die("bind");
	}
}

/* STREAM/SEQPACKET: listener, connect, accept4; the listener is closed. */
static __attribute__((unused)) void conn_accepted(int sv[2], int type, int flags, const char *dir)
{
	struct sockaddr_un a;
	socklen_t l;
	int lfd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	if (lfd < 0)
		conn_die("socket");
	l = conn_bind(lfd, &a, dir, 'a');
	if (listen(lfd, 1) < 0)
		conn_die("listen");
	sv[0] = socket(AF_UNIX, type | flags, 0);
	if (sv[0] < 0)
		conn_die("socket");
	/* a unix connect with room in the backlog completes at once, even
	 * on a non-blocking socket */
	if (connect(sv[0], (struct sockaddr *)&a, l) < 0)
		conn_die("connect");
	sv[1] = accept4(lfd, NULL, NULL, flags);
	if (sv[1] < 0)
		conn_die("accept4");
	close(lfd);
}

/* DGRAM: two bound sockets, each connected to the other. */
static __attribute__((unused)) void conn_dgram(int sv[2], int type, int flags, const char *dir)
{
	struct sockaddr_un a, b;
	socklen_t al, bl;

	sv[0] = socket(AF_UNIX, type | flags, 0);
	sv[1] = socket(AF_UNIX, type | flags, 0);
	if (sv[0] < 0 || sv[1] < 0)
		conn_die("socket");
	al = conn_bind(sv[0], &a, dir, 'a');
	bl = conn_bind(sv[1], &b, dir, 'b');
	if (connect(sv[0], (struct sockaddr *)&b, bl) < 0 ||
	    connect(sv[1], (struct sockaddr *)&a, al) < 0)
		conn_die("connect");
}

/*
 * Three one-byte round trips, fully read, so that under udsx both
 * directions of a pathname connection are already in shared memory when
 * the scenario starts (the accepting side offers a channel at its 4th data
 * call, and each direction switches at its next send). Abstract mode skips
 * this, so its scenarios run through the switch instead. Nothing of it is
 * left in the kernel's queues or counters.
 */
static __attribute__((unused)) void conn_prime(int sv[2])
{
	char b = 'p';
	int i, j;

	for (i = 0; i < 3; i++)
		for (j = 0; j < 2; j++) {
			struct pollfd p = { .fd = sv[1 - j], .events = POLLIN };

			if (write(sv[j], &b, 1) != 1 || poll(&p, 1, 5000) != 1 ||
			    read(sv[1 - j], &b, 1) != 1)
				conn_die("priming the connection");
		}
}

/* The pair of the current mode (not CONN_PAIR). For pathnames the socket
 * files and their directory go as soon as the pair is connected: the
 * connection does not need them, and nothing is left behind by a scenario
 * that is killed. */
static __attribute__((unused)) void conn_pair(int sv[2], int type, int flags)
{
	char dir[] = "/tmp/udsx-diff-XXXXXX";

	if (T_CONN == CONN_PATH && !mkdtemp(dir))
		conn_die("mkdtemp");
	if (type == SOCK_DGRAM)
		conn_dgram(sv, type, flags, dir);
	else
		conn_accepted(sv, type, flags, dir);
	if (T_CONN == CONN_PATH && type != SOCK_DGRAM)
		conn_prime(sv);
	if (T_CONN == CONN_PATH) {
		char p[sizeof(dir) + 2];

		snprintf(p, sizeof(p), "%s/a", dir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/b", dir);
		unlink(p);
		rmdir(dir);
	}
}

#endif
