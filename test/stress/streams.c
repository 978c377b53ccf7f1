/* SPDX-License-Identifier: MIT */
/* streams.c -- writers (threads or forked processes) send framed records of 1 B to 4 KiB down one STREAM end while one reader takes the bytes with every kind of read (sizes, MSG_PEEK, MSG_WAITALL, non-blocking + poll, FIONREAD): each writer's records arrive whole, in order, once. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define WRITERS 3
#define MAXREC 4096

struct hdr {
	unsigned magic, w, seq, len, sum;
};

static int sv[2], nrec;

static unsigned fill(unsigned char *p, unsigned len, unsigned seed)
{
	unsigned sum = 0, i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(seed >> 16);
		sum += p[i];
	}
	return sum;
}

/* One write per record (small records are one segment in the kernel:
 * writes of several writers do not interleave inside them). */
static void *writer(void *arg)
{
	unsigned w = (unsigned)(long)arg, s = w * 31 + 7;
	unsigned char buf[sizeof(struct hdr) + MAXREC];
	int i, q;

	for (i = 0; i < nrec; i++) {
		struct hdr *h = (struct hdr *)buf;

		s = s * 1103515245u + 12345u;
		h->magic = 0x5eadbeef;
		h->w = w;
		h->seq = (unsigned)i;
		h->len = (s >> 8) % 8 == 0 ? 1 + (s >> 12) % MAXREC : 1 + (s >> 12) % 100;
		h->sum = fill(buf + sizeof(*h), h->len, s);
		if (write(sv[0], buf, sizeof(*h) + h->len) != (ssize_t)(sizeof(*h) + h->len)) {
			perror("streams: write");
			exit(3);
		}
		if (i % 997 == 0 && ioctl(sv[0], SIOCOUTQ, &q) < 0)
			exit(3);
		if (i % 2000 == 0)
			usleep(1000);
	}
	return NULL;
}

/* Exactly n bytes with the read style `k`. */
static int take(unsigned char *p, size_t n, unsigned k)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r;
		int avail = 0;

		switch (k % 5) {
		case 0:	/* plain reads of any size up to what is needed */
			r = read(sv[1], p + got, 1 + (n - got - 1) % (k % 7 + 1 + (n - got) / 2));
			break;
		case 1:	/* all at once */
			r = recv(sv[1], p + got, n - got, MSG_WAITALL);
			break;
		case 2: {	/* peek, then take what the peek saw */
			char tmp[64];
			ssize_t pk = recv(sv[1], tmp, sizeof(tmp) < n - got ? sizeof(tmp) : n - got, MSG_PEEK);

			if (pk <= 0)
				return -1;
			r = recv(sv[1], p + got, (size_t)pk, 0);
			if (r != pk || memcmp(tmp, p + got, (size_t)pk)) {
				fprintf(stderr, "streams: peek %zd / read %zd differ\n", pk, r);
				return -1;
			}
			break;
		}
		case 3: {	/* non-blocking, poll when empty */
			struct pollfd pf = { sv[1], POLLIN, 0 };

			r = recv(sv[1], p + got, n - got, MSG_DONTWAIT);
			if (r < 0 && errno == EAGAIN) {
				if (poll(&pf, 1, 5000) != 1)
					return -1;
				continue;
			}
			break;
		}
		default:	/* FIONREAD says at least what a read then gets */
			if (ioctl(sv[1], FIONREAD, &avail) < 0)
				return -1;
			r = read(sv[1], p + got, n - got);
			if (avail > 0 && r > 0 && r < (ssize_t)(n - got) && r < avail) {
				fprintf(stderr, "streams: FIONREAD %d, read got %zd of %zu\n", avail, r,
					n - got);
				return -1;
			}
		}
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned char buf[MAXREC];
	int next[WRITERS] = { 0 }, procs, i, total, bad = 0;
	pthread_t t[WRITERS];
	pid_t pid[WRITERS];
	unsigned k = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: %s threads|procs RECORDS\n", argv[0]);
		return 2;
	}
	procs = !strcmp(argv[1], "procs");
	nrec = atoi(argv[2]);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 2;
	for (i = 0; i < WRITERS; i++) {
		if (!procs) {
			pthread_create(&t[i], NULL, writer, (void *)(long)i);
			continue;
		}
		pid[i] = fork();
		if (pid[i] == 0) {
			close(sv[1]);
			writer((void *)(long)i);
			_exit(0);
		}
	}
	if (procs)
		close(sv[0]);
	for (total = 0; total < WRITERS * nrec; total++) {
		struct hdr h;
		unsigned sum = 0, j;

		if (take((unsigned char *)&h, sizeof(h), k++) || h.magic != 0x5eadbeef || h.w >= WRITERS ||
		    h.len == 0 || h.len > MAXREC || take(buf, h.len, k++)) {
			fprintf(stderr, "streams: lost the framing after %d records\n", total);
			bad++;
			break;
		}
		for (j = 0; j < h.len; j++)
			sum += buf[j];
		if (h.seq != (unsigned)next[h.w] || sum != h.sum) {
			fprintf(stderr, "streams: writer %u record %u (expected %d), sum %s\n", h.w, h.seq,
				next[h.w], sum == h.sum ? "ok" : "wrong");
			bad++;
		}
		next[h.w] = (int)h.seq + 1;
	}
	for (i = 0; i < WRITERS; i++) {
		int st;

		if (!procs)
			pthread_join(t[i], NULL);
		else if (waitpid(pid[i], &st, 0) != pid[i] || !WIFEXITED(st) || WEXITSTATUS(st))
			bad++;
	}
	if (!procs)
		close(sv[0]);
	/* every writer gone: EOF, nothing more */
	if (!bad && read(sv[1], buf, 1) != 0)
		bad++;
	printf("streams %s: %d of %d records, %d bad\n", argv[1], total, WRITERS * nrec, bad);
	return bad != 0;
}
