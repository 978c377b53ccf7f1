/* SPDX-License-Identifier: MIT */
/* a_backlog.c -- STREAM write()/read() of one buffer against a backlog, the calls udsx's fast paths take: short reads, the read that empties the queue, POLLIN/POLLOUT and the queue sizes after each (SEMANTICS 19, 21, 140, 150). */
#include <pthread.h>
#include "common.h"

static const char *instances[] = { "stream-chunks", "stream-fill", "stream-mixed", "stream-answer",
				   "stream-threads", NULL };
static int sv[2];

static void pattern(char *b, int n, int seed)
{
	int i;

	for (i = 0; i < n; i++)
		b[i] = (char)('a' + (seed + i) % 26);
}

/* After a read: what the reader has left, what the writer has queued, and
 * what poll says on both ends. */
static void state(const char *label)
{
	say("%s: inq=%d outq=%d", label, inq(sv[1]), outq(sv[0]));
	show_poll("  reader", sv[1]);
	show_poll("  writer", sv[0]);
}

/* read() of `size` bytes, shown with the first `shown` bytes it got and the
 * state after it. */
static void read_show(char *buf, int size, int shown)
{
	char label[32];
	long r;

	snprintf(label, sizeof(label), "read %d", size);
	r = show(label, read(sv[1], buf, size));
	if (r > 0)
		show_buf("  data", buf, r < shown ? r : shown);
	state("  after");
}

static void chunks(void)
{
	static const int sizes[] = { 1, 7, 64, 100, 300, 1000, 9, 4096 };
	char buf[4096];
	int i, ok = 0;

	for (i = 0; i < 40; i++) {
		pattern(buf, 64, i);
		ok += write(sv[0], buf, 64) == 64;
	}
	say("writes of 64 B ok: %d", ok);
	state("queued");
	for (i = 0; i < (int)(sizeof(sizes) / sizeof(sizes[0])); i++)
		read_show(buf, sizes[i], 16);
	show("recv dontwait", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
}

/* Fill the writer's budget with small non-blocking sends, then read it
 * back 64 bytes at a time: the read after which the writer may send again
 * is the kernel's (a quarter of the buffer). */
static void fill(void)
{
	char buf[64];
	long n = 0, reads = 0, r;
	int back = 0;

	pattern(buf, sizeof(buf), 3);
	while (send(sv[0], buf, sizeof(buf), MSG_DONTWAIT) == (long)sizeof(buf))
		n++;
	say("sends until %s: %ld", errname(errno), n);
	state("full");
	for (;;) {
		struct pollfd p = { .fd = sv[0], .events = POLLOUT };

		r = read(sv[1], buf, sizeof(buf));
		if (r != (long)sizeof(buf)) {
			show("short read", r);
			break;
		}
		reads++;
		if (!back && poll(&p, 1, 0) == 1) {
			back = 1;
			say("writer writable again after %ld reads", reads);
			state("  then");
		}
		if (reads == n)
			break;
	}
	say("reads of 64 B: %ld", reads);
	state("drained");
	show("recv dontwait", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
}

/* Writes and reads interleaved, so reads end inside a send, at its end, and
 * across several. "answer": the reader also sends a byte before each read,
 * as a server answering requests does (udsx then does not wait for more
 * to coalesce, so a read shows exactly what one look at the queue gives). */
static void mixed(void)
{
	static const int w[] = { 10, 10, 100, 1, 1, 1, 3000, 5 };
	static const int rd[] = { 3, 20, 50, 2, 100, 1000, 4000, 9 };
	char buf[4096];
	int i;

	for (i = 0; i < 8; i++) {
		char label[32];

		pattern(buf, w[i], i);
		snprintf(label, sizeof(label), "write %d", w[i]);
		show(label, write(sv[0], buf, w[i]));
		if (variant("answer"))
			show("  answer", write(sv[1], "!", 1));
		read_show(buf, rd[i], 12);
	}
	show("recv dontwait", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
}

static void *reader(void *arg)
{
	static char buf[4096];
	long *sum = arg, total = 0, r;
	int i;

	while (total < 100 * 64 && (r = read(sv[1], buf, sizeof(buf))) > 0) {
		for (i = 0; i < r; i++)
			*sum += (unsigned char)buf[i] * ((total + i) % 251 + 1);
		total += r;
	}
	sum[1] = total;
	return NULL;
}

/* A reader blocked in a large read while the writer sends: how the bytes
 * split into reads depends on timing, so only the total and a checksum of
 * the stream are shown. */
static void threads(void)
{
	long res[2] = { 0, 0 };
	pthread_t t;
	char buf[64];
	int i, ok = 0;

	pthread_create(&t, NULL, reader, res);
	nap_ms(20);
	for (i = 0; i < 100; i++) {
		pattern(buf, sizeof(buf), i);
		ok += write(sv[0], buf, sizeof(buf)) == (long)sizeof(buf);
	}
	pthread_join(t, NULL);
	say("writes ok: %d, read %ld bytes, checksum %ld", ok, res[1], res[0]);
	state("after");
}

static void run(int argc, char **argv)
{
	alarm(20);
	pair(sv);
	if (variant("chunks"))
		chunks();
	else if (variant("fill"))
		fill();
	else if (variant("mixed") || variant("answer"))
		mixed();
	else
		threads();
	close(sv[0]);
	close(sv[1]);
}

SCENARIO_MAIN
