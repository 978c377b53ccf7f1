/* SPDX-License-Identifier: MIT */
/* pingpong-pair.c -- the smallest socketpair ping-pong: a parent and a child bounce a message back and forth. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define MSG_SIZE 64

/* A STREAM socket may hand over part of a message, so read until all of it is here. */
static int read_all(int fd, char *buf, size_t len)
{
	while (len) {
		ssize_t n = read(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;	/* error, or EOF: the other side is done */
		buf += n;
		len -= n;
	}
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 10000;
	char out[MSG_SIZE] = "", in[MSG_SIZE];
	int sv[2], status;
	double start, secs;
	pid_t pid;

	if (rounds <= 0) {
		fprintf(stderr, "usage: pingpong-pair [ROUND_TRIPS]\n");
		return 2;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		perror("socketpair");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		/* The child echoes every message until the parent closes its end. */
		close(sv[0]);
		while (read_all(sv[1], in, MSG_SIZE) == 0)
			if (write_all(sv[1], in, MSG_SIZE))
				_exit(1);
		_exit(0);
	}
	close(sv[1]);
	/* If the child dies, write fails with EPIPE instead of killing us. */
	signal(SIGPIPE, SIG_IGN);
	errno = 0;

	start = now_s();
	for (long i = 0; i < rounds; i++) {
		snprintf(out, sizeof(out), "ping %ld", i);
		if (write_all(sv[0], out, MSG_SIZE) || read_all(sv[0], in, MSG_SIZE)) {
			fprintf(stderr, "round %ld: %s\n", i,
				errno ? strerror(errno) : "the child closed its end");
			return 1;
		}
		if (memcmp(in, out, MSG_SIZE)) {
			fprintf(stderr, "round %ld: got back \"%.*s\"\n", i, MSG_SIZE, in);
			return 1;
		}
	}
	secs = now_s() - start;

	close(sv[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "the echo child failed\n");
		return 1;
	}
	printf("%ld round trips of %d bytes in %.3f s, %.2f us per round trip\n",
	       rounds, MSG_SIZE, secs, secs / rounds * 1e6);
	return 0;
}
