/* SPDX-License-Identifier: MIT */
/* p_fork_writers.c -- concurrent writers (two processes, two threads, or both) on one end; the reader sees every record exactly once, whole, in per-writer order (SEMANTICS 7, 11, 19, 23, 142, 146, 167). */
#include "common_b.h"

static const char *instances[] = {
	"stream-procs", "dgram-procs", "seqpacket-procs",
	"stream-threads", "dgram-threads", "seqpacket-threads",
	"stream-mixed", "dgram-mixed", "seqpacket-mixed",
	"stream-mixed-big", NULL
};

#define MAXW 4
static long R = 64;	/* record size (STREAM) or maximum (messages) */
static long K;		/* records per writer */
static int wfd;

static long rec_len(long seq)
{
	return is_stream() ? R : 8 + (seq * 13) % (R - 8);
}

static void make_rec(unsigned char *b, int id, long seq)
{
	long j, n = rec_len(seq);

	b[0] = id;
	memcpy(b + 1, &seq, 4);
	for (j = 5; j < n; j++)
		b[j] = pat(id, seq * 7 + j);
}

static void *writer(void *arg)
{
	int id = (int)(long)arg;
	static __thread unsigned char b[8192];
	long s;

	for (s = 0; s < K; s++) {
		make_rec(b, id, s);
		if (write_all(wfd, b, rec_len(s)) != rec_len(s))
			break;
	}
	return NULL;
}

struct check {
	long next[MAXW], total, order, corrupt, unknown, len;
};

static void check_rec(struct check *c, const unsigned char *b, long n)
{
	int id = b[0];
	int seq = 0;
	long j;

	c->total++;
	if (n < 5 || id >= MAXW) {
		c->unknown++;
		return;
	}
	memcpy(&seq, b + 1, 4);
	if (seq != c->next[id])
		c->order++;
	c->next[id] = seq + 1;
	if (n != rec_len(seq)) {
		c->len++;
		return;
	}
	for (j = 5; j < n; j++)
		if (b[j] != pat(id, (long)seq * 7 + j)) {
			c->corrupt++;
			return;
		}
}

static void run(int argc, char **argv)
{
	int sv[2], nw, i, p;
	pid_t pids[2] = { 0, 0 };
	pthread_t t[2] = { 0, 0 };
	struct check c;
	static unsigned char buf[65536];
	long have = 0, r, want;

	watchdog(10);
	if (variant("mixed-big"))
		R = 4000;
	K = is_stream() ? (R > 1000 ? 300 : 5000) : 2000;
	nw = variant("procs") || variant("threads") ? 2 : 4;
	pair(sv);
	wfd = sv[0];
	memset(&c, 0, sizeof(c));
	if (variant("threads")) {
		t[0] = spawn_quiet(writer, (void *)0L);
		t[1] = spawn_quiet(writer, (void *)1L);
	} else {
		for (p = 0; p < 2; p++) {
			pids[p] = fork();
			if (pids[p] == 0) {
				pthread_t tt;

				alarm(10);
				close(sv[1]);
				if (variant("procs")) {
					writer((void *)(long)p);
				} else {
					tt = spawn_quiet(writer, (void *)(long)(2 * p));
					writer((void *)(long)(2 * p + 1));
					pthread_join(tt, NULL);
				}
				_exit(0);
			}
		}
	}
	want = nw * K;
	while (c.total < want) {
		if (is_stream()) {
			r = recv(sv[1], buf + have, sizeof(buf) - have, 0);
			if (r <= 0)
				break;
			have += r;
			for (i = 0; have - i >= R; i += R)
				check_rec(&c, buf + i, R);
			memmove(buf, buf + i, have - i);
			have -= i;
		} else {
			r = recv(sv[1], buf, sizeof(buf), 0);
			if (r <= 0)
				break;
			check_rec(&c, buf, r);
		}
	}
	if (variant("threads")) {
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
	} else {
		reap("writer 0", pids[0]);
		reap("writer 1", pids[1]);
	}
	close(sv[0]);
	say("writers=%d records=%ld/%ld leftover=%ld", nw, c.total, want, have);
	for (i = 0; i < nw; i++)
		say("writer %d: next=%ld", i, c.next[i]);
	say("order=%ld len=%ld corrupt=%ld unknown=%ld", c.order, c.len, c.corrupt, c.unknown);
	say("after end: %s", after_end(sv[1]));
	close(sv[1]);
}

SCENARIO_MAIN
