/* SPDX-License-Identifier: MIT */
/* sum-server.c -- the unix(7) example server: sums the integers each SEQPACKET client sends and replies with the total. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "sum-protocol.h"

/* The bound name, removed again on exit or on a terminating signal. */
static const char *sock_path;

static void on_signal(int sig)
{
	/* Leave no socket file behind, then die by the signal as the caller expects. */
	unlink(sock_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * A server that was killed leaves its socket file behind, and the next bind
 * fails with EADDRINUSE. If nothing accepts there any more (connect is
 * refused), the name is stale and may be taken over; a live server, or a
 * file that is not a socket, is left alone. Returns 0 if @path was removed,
 * else -1 with errno still EADDRINUSE for the caller's message.
 */
static int remove_stale(const char *path, const struct sockaddr_un *addr)
{
	struct stat st;
	int fd, r = -1;

	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (fd >= 0) {
			if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) &&
			    errno == ECONNREFUSED)
				r = unlink(path);
			close(fd);
		}
	}
	errno = EADDRINUSE;
	return r;
}

/* Returns a SEQPACKET socket listening on @path, or -1 after saying why. */
static int listen_on(const char *path)
{
	struct sockaddr_un addr;
	int fd;

	if (sum_addr(path, &addr)) {
		fprintf(stderr, "sum-server: socket path too long: %s\n", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("sum-server: socket");
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) &&
	    (errno != EADDRINUSE || remove_stale(path, &addr) ||
	     bind(fd, (struct sockaddr *)&addr, sizeof(addr)))) {
		fprintf(stderr, "sum-server: bind %s: %s%s\n", path, strerror(errno),
			errno == EADDRINUSE ? " (a live server, or not a socket)" : "");
		close(fd);
		return -1;
	}
	/* Clients that arrive while one is being served wait in the backlog. */
	if (listen(fd, 20)) {
		perror("sum-server: listen");
		unlink(path);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Adds one summand. Like atoi() in the original, the leading number counts
 * and anything else adds 0; unlike it, the server says what it ignored.
 */
static long long summand(const char *msg)
{
	char *end;
	long long v = strtoll(msg, &end, 10);

	if (end == msg || *end)
		fprintf(stderr, "sum-server: \"%s\" is not an integer, using %lld\n",
			msg, v);
	return v;
}

/*
 * Reads one client's messages up to "END" and adds them into @sum. After
 * "DOWN" the messages are still read up to "END", just not added: closing
 * with the client's "END" unread would make the kernel reset the connection,
 * and the client would get ECONNRESET instead of the reply.
 * Returns 0, or -1 if the client left without "END" or the read failed.
 */
static int read_request(int fd, long long *sum, int *down)
{
	char msg[SUM_MSG_MAX + 1];
	long got = 0;
	ssize_t n;

	*sum = 0;
	for (;;) {
		/* MSG_TRUNC makes recv return the full length of a longer record. */
		n = recv(fd, msg, SUM_MSG_MAX, MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("sum-server: read");
			return -1;
		}
		if (n == 0) {
			/* Silent for a bare connect, such as another server's stale check. */
			if (got)
				fprintf(stderr, "sum-server: client left without END\n");
			return -1;
		}
		got++;
		if (n > SUM_MSG_MAX) {
			fprintf(stderr, "sum-server: ignoring a %zd-byte message\n", n);
			continue;
		}
		/* Clients send the NUL too, but a peer that does not still gets a string. */
		msg[n] = '\0';
		if (!strcmp(msg, "END"))
			return 0;
		if (!strcmp(msg, "DOWN"))
			*down = 1;
		else if (!*down)
			*sum += summand(msg);
	}
}

static void reply(int fd, long long sum)
{
	char msg[SUM_MSG_MAX];
	int len = snprintf(msg, sizeof(msg), "%lld", sum) + 1;

	/* A client that went away must not take the server down with SIGPIPE. */
	if (send(fd, msg, len, MSG_NOSIGNAL) < 0)
		perror("sum-server: write");
}

static void usage(void)
{
	fprintf(stderr, "usage: sum-server [SOCKET_PATH]   (default %s)\n"
		"Serves clients one at a time until one sends DOWN.\n",
		SUM_DEFAULT_PATH);
	exit(2);
}

int main(int argc, char **argv)
{
	long long sum;
	int lfd, cfd, down = 0, status = 0;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		usage();
	sock_path = argc == 2 ? argv[1] : SUM_DEFAULT_PATH;
	lfd = listen_on(sock_path);
	if (lfd < 0)
		return 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	while (!down) {
		cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0) {
			/* A client that gave up while queued is not the server's problem. */
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("sum-server: accept");
			status = 1;
			break;
		}
		if (read_request(cfd, &sum, &down) == 0)
			reply(cfd, sum);
		close(cfd);
	}
	close(lfd);
	unlink(sock_path);
	return status;
}
