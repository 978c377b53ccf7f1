/* SPDX-License-Identifier: MIT */
/* churn.c -- threads make, use and drop pairs while others dup, close, peek and poll fd numbers at random, with forks: no crash, no byte astray, and memory that does not grow with the number of pairs made. */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "status.h"

static atomic_int stop, bad;
static int iters;

static int type_of(int i)
{
	return i % 3 == 0 ? SOCK_STREAM : i % 3 == 1 ? SOCK_DGRAM : SOCK_SEQPACKET;
}

/* One pair's life: three messages, each read back whole by the other end. */
static void one_pair(long id, int i, bool may_fork)
{
	char m[64], b[64];
	int sv[2], n, k;

	if (socketpair(AF_UNIX, type_of(i), 0, sv) < 0) {
		bad++;
		return;
	}
	n = snprintf(m, sizeof(m), "w%ld-%d", id, i);
	for (k = 0; k < 3; k++) {
		if (write(sv[k & 1], m, (size_t)n) != n)
			bad++;
		if (read(sv[!(k & 1)], b, sizeof(b)) != n || memcmp(b, m, (size_t)n)) {
			fprintf(stderr, "churn: %s came back wrong\n", m);
			bad++;
		}
	}
	if (may_fork && i % 500 == 250) {
		pid_t p = fork();
		int st;

		if (p == 0)
			_exit(write(sv[0], "c", 1) == 1 && read(sv[1], b, 1) == 1 && b[0] == 'c' ? 0 : 3);
		if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "churn: fork child failed\n");
			bad++;
		}
	}
	close(sv[0]);
	close(sv[1]);
}

static void *worker(void *arg)
{
	int i;

	for (i = 0; i < iters; i++)
		one_pair((long)arg, i, true);
	return NULL;
}

/* Calls on whatever the low fd numbers are right now: a lookup racing the
 * close of the end it found, and dups whose source closes meanwhile. */
static void *racer(void *arg)
{
	unsigned s = (unsigned)(long)arg;
	char b[8];

	while (!stop) {
		int fd = 3 + (int)(rand_r(&s) % 40), v, d;
		struct pollfd p = { fd, POLLIN, 0 };

		switch (rand_r(&s) % 5) {
		case 0:
			recv(fd, b, sizeof(b), MSG_PEEK | MSG_DONTWAIT);
			break;
		case 1:
			ioctl(fd, FIONREAD, &v);
			break;
		case 2:
			fcntl(fd, F_GETFL);
			break;
		case 3:
			poll(&p, 1, 0);
			break;
		default:
			d = dup(fd);
			if (d >= 0)
				close(d);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int seq = argc > 2 ? atoi(argv[2]) : 100000, i;
	pthread_t w[3], r[2];
	long before, after;

	iters = argc > 1 ? atoi(argv[1]) : 20000;
	/* memory: after a warm-up, pairs made one after another must not
	 * leave anything behind (the kernel keeps nothing either) */
	for (i = 0; i < 2000; i++)
		one_pair(9, i, false);
	before = status_kb("VmRSS");
	for (i = 0; i < seq; i++)
		one_pair(9, i, false);
	after = status_kb("VmRSS");
	printf("churn: %d pairs made and dropped, RSS %ld -> %ld KB\n", seq, before, after);
	if (after - before > 2048 + seq / 25) {	/* (40 bytes a pair) */
		fprintf(stderr, "churn: memory grows with the pairs made\n");
		bad++;
	}
	for (i = 0; i < 2; i++)
		pthread_create(&r[i], NULL, racer, (void *)(long)(i + 1));
	for (i = 0; i < 3; i++)
		pthread_create(&w[i], NULL, worker, (void *)(long)i);
	for (i = 0; i < 3; i++)
		pthread_join(w[i], NULL);
	stop = 1;
	for (i = 0; i < 2; i++)
		pthread_join(r[i], NULL);
	printf("churn: %d threads x %d pairs with racing dup/close/peek/poll and forks: %d bad\n", 3,
	       iters, bad);
	return bad != 0;
}
