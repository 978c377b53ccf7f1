/* SPDX-License-Identifier: MIT */
/* mrmw.c -- three writer threads and three reader threads on one DGRAM or SEQPACKET pair, blocking and non-blocking readers, small and large records, optionally a revert mid-stream: every record arrives once, intact, each writer's in order. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WRITERS 3
#define READERS 3
#define BIG 70000

static int sv[2], nmsg;
static atomic_long got, bad;

struct msg {
	int w, seq, len;
	unsigned sum;
	char data[];
};

static void *writer(void *arg)
{
	int w = (int)(long)arg, i, k;
	unsigned s = (unsigned)w * 7 + 1;
	char *buf = malloc(BIG);

	for (i = 0; buf && i < nmsg; i++) {
		struct msg *m = (struct msg *)buf;
		int len = rand_r(&s) % 8 == 0 ? 20000 + (int)(rand_r(&s) % 40000) : (int)(rand_r(&s) % 200);

		m->w = w;
		m->seq = i;
		m->len = len;
		m->sum = 0;
		for (k = 0; k < len; k++) {
			m->data[k] = (char)rand_r(&s);
			m->sum += (unsigned char)m->data[k];
		}
		if (send(sv[0], buf, sizeof(*m) + (size_t)len, 0) != (ssize_t)(sizeof(*m) + (size_t)len)) {
			perror("mrmw: send");
			bad++;
		}
		if (i % 1000 == 0)
			usleep(2000);	/* (let the readers run dry and sleep now and then) */
	}
	free(buf);
	return NULL;
}

/* Odd readers do not block: MSG_DONTWAIT, then poll. */
static void *reader(void *arg)
{
	int nb = (int)(long)arg & 1, last[WRITERS], k;
	char *buf = malloc(BIG);

	for (k = 0; k < WRITERS; k++)
		last[k] = -1;
	while (buf) {
		ssize_t n = recv(sv[1], buf, BIG, nb ? MSG_DONTWAIT : 0);
		struct msg *m = (struct msg *)buf;
		unsigned sum = 0;

		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = { sv[1], POLLIN, 0 };

			poll(&p, 1, 100);
			continue;
		}
		if (n < (ssize_t)sizeof(*m)) {
			fprintf(stderr, "mrmw: recv %zd (%s)\n", n, strerror(errno));
			bad++;
			break;
		}
		if (m->len == -1)
			break;
		for (k = 0; k < m->len && k < BIG; k++)
			sum += (unsigned char)m->data[k];
		if (n != (ssize_t)sizeof(*m) + m->len || sum != m->sum || m->w < 0 || m->w >= WRITERS ||
		    m->seq <= last[m->w]) {
			fprintf(stderr, "mrmw: bad record: %zd bytes (header says %d), writer %d, seq %d after %d, sum %s\n",
				n, m->len, m->w, m->seq, m->w >= 0 && m->w < WRITERS ? last[m->w] : -2,
				sum == m->sum ? "ok" : "wrong");
			bad++;
		} else {
			last[m->w] = m->seq;
		}
		got++;
	}
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	struct msg end = { 0, 0, -1, 0 };
	pthread_t w[WRITERS], r[READERS];
	int type, revert_ms, i;

	if (argc < 3) {
		fprintf(stderr, "usage: %s dgram|seqpacket MSGS [REVERT_AFTER_MS]\n", argv[0]);
		return 2;
	}
	type = !strcmp(argv[1], "dgram") ? SOCK_DGRAM : SOCK_SEQPACKET;
	nmsg = atoi(argv[2]);
	revert_ms = argc > 3 ? atoi(argv[3]) : 0;
	if (socketpair(AF_UNIX, type, 0, sv) < 0)
		return 2;
	for (i = 0; i < READERS; i++)
		pthread_create(&r[i], NULL, reader, (void *)(long)i);
	for (i = 0; i < WRITERS; i++)
		pthread_create(&w[i], NULL, writer, (void *)(long)i);
	if (revert_ms) {
		/* SO_PASSCRED: the ring cannot carry credentials, so the pair
		 * goes back to the kernel under the running threads */
		int one = 1;

		usleep((useconds_t)revert_ms * 1000);
		if (setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
			bad++;
	}
	for (i = 0; i < WRITERS; i++)
		pthread_join(w[i], NULL);
	for (i = 0; i < READERS; i++)
		send(sv[0], &end, sizeof(end), 0);
	for (i = 0; i < READERS; i++)
		pthread_join(r[i], NULL);
	printf("mrmw %s: %ld of %d records, %ld bad\n", argv[1], (long)got, WRITERS * nmsg, (long)bad);
	return bad || got != WRITERS * nmsg;
}
