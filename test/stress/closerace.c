/* SPDX-License-Identifier: MIT */
/* closerace.c -- a writer and a reader on the everyday paths while the main thread closes both ends under them: no crash (the channels are unmapped, not pooled), each call a byte count or EBADF, and the channels' memory given back. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "status.h"

static atomic_int bad;

struct side {
	int fd;
	atomic_int started;
};

/* Sends of 64 B until the fd is gone (the reader may be gone first:
 * EPIPE, or EAGAIN when the buffer is full). */
static void *writer(void *arg)
{
	struct side *s = arg;
	char m[64];

	memset(m, 'w', sizeof(m));
	for (;;) {
		ssize_t r = send(s->fd, m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT);

		atomic_store(&s->started, 1);
		if (r == (ssize_t)sizeof(m))
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EPIPE)) {
			sched_yield();	/* (the closing thread needs a CPU too) */
			continue;
		}
		if (r < 0 && errno == EBADF)
			return NULL;
		fprintf(stderr, "closerace: send returned %zd (%s)\n", r, strerror(errno));
		bad++;
		return NULL;
	}
}

/* Reads until the fd is gone; every byte is the writer's. */
static void *reader(void *arg)
{
	struct side *s = arg;
	char b[256];

	for (;;) {
		ssize_t r = recv(s->fd, b, sizeof(b), MSG_DONTWAIT), i;

		atomic_store(&s->started, 1);
		for (i = 0; i < r; i++)
			if (b[i] != 'w') {
				fprintf(stderr, "closerace: byte %zd is %d\n", i, b[i]);
				bad++;
				return NULL;
			}
		if (r >= 0)
			continue;
		if (errno == EAGAIN) {
			sched_yield();
			continue;
		}
		if (errno == EBADF)
			return NULL;
		fprintf(stderr, "closerace: recv failed (%s)\n", strerror(errno));
		bad++;
		return NULL;
	}
}

static void one_round(unsigned *seed)
{
	struct side w = { -1, 0 }, r = { -1, 0 };
	pthread_t tw, tr;
	int sv[2], first;
	pid_t pid;
	struct timespec ts = { 0, 0 };

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		bad++;
		return;
	}
	/* a pair alive across a fork is unmapped when it goes, not kept for
	 * the next socketpair: a call the close did not wait for would
	 * fault */
	pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, NULL, 0) != pid)
		bad++;
	w.fd = sv[0];
	r.fd = sv[1];
	pthread_create(&tw, NULL, writer, &w);
	pthread_create(&tr, NULL, reader, &r);
	while (!atomic_load(&w.started) || !atomic_load(&r.started))
		sched_yield();
	ts.tv_nsec = (long)(rand_r(seed) % 50) * 1000;
	nanosleep(&ts, NULL);
	/* both ends: the channel is dead while both threads are in calls */
	first = (int)(rand_r(seed) & 1);
	close(sv[first]);
	close(sv[!first]);
	pthread_join(tw, NULL);
	pthread_join(tr, NULL);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 2000, i;
	unsigned seed = 1;
	long before, after;

	for (i = 0; i < 50; i++)
		one_round(&seed);
	before = status_kb("VmSize");
	for (i = 0; i < rounds; i++)
		one_round(&seed);
	after = status_kb("VmSize");
	printf("closerace: %d pairs closed under a sender and a reader: %d bad, VmSize %ld -> %ld KB\n",
	       rounds, bad, before, after);
	/* a channel whose mapping stayed would add ~2 MB each */
	if (after - before > 16384) {
		fprintf(stderr, "closerace: channel memory not given back\n");
		bad++;
	}
	return bad != 0;
}
