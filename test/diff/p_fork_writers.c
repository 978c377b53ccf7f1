/* SPDX-License-Identifier: MIT */
/* p_fork_writers.c -- concurrent writers (two processes, two threads, or both) on one end, one of them SIGKILLed mid-stream; the reader sees every record exactly once, whole, in per-writer order (SEMANTICS 7, 11, 19, 23, 142, 146, 167). */
#include "common_b.h"

static const char *instances[] = {
	"stream-procs", "dgram-procs", "seqpacket-procs",
	"stream-threads", "dgram-threads", "seqpacket-threads",
	"stream-mixed", "dgram-mixed", "seqpacket-mixed",
	"stream-mixed-big", "stream-kill", "dgram-kill", "seqpacket-kill", NULL
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
	long w0_at_kill;
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

	alarm(10);	/* no watchdog thread: threads before fork upset ASan */
	if (variant("mixed-big"))
		R = 4000;
	K = is_stream() ? (R > 1000 ? 300 : 5000) : 2000;
	nw = variant("procs") || variant("threads") || variant("kill") ? 2 : 4;
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
				if (variant("kill") && p == 0) {
					K = 1L << 40;	/* until killed */
					writer((void *)0L);
				} else if (variant("procs") || variant("kill")) {
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
	if (variant("kill"))
		want = 1L << 40;	/* read to EOF/END instead */
	while (c.total < want) {
		if (variant("kill") && pids[0] && c.next[0] >= 500) {
			/* Writer 0 dies mid-stream, likely inside a send. */
			kill(pids[0], SIGKILL);
			reap("writer 0", pids[0]);
			pids[0] = 0;
			close(sv[0]);	/* so that EOF comes once writer 1 is done */
			if (is_dgram())
				set_nonblock(sv[1], 1);
		}
		if (variant("kill") && is_dgram() && !pids[0] && c.next[1] == K) {
			/* no EOF on DGRAM: stop once writer 1 is complete
			 * and the queue is empty */
			if (inq(sv[1]) == 0 && waitpid(pids[1], NULL, WNOHANG) == pids[1]) {
				say("writer 1: exit 0");
				pids[1] = 0;
				break;
			}
		}
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
			if (r < 0 && errno == EAGAIN) {
				nap_ms(1);
				continue;
			}
			if (r <= 0)
				break;
			check_rec(&c, buf, r);
		}
	}
	if (variant("threads")) {
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
	} else {
		if (pids[0])
			reap("writer 0", pids[0]);
		if (pids[1])
			reap("writer 1", pids[1]);
	}
	if (!variant("kill")) {
		close(sv[0]);
		say("writers=%d records=%ld/%ld leftover=%ld", nw, c.total, want, have);
	} else {
		say("records: leftover=%ld", have);
	}
	for (i = 0; i < nw; i++) {
		if (variant("kill") && i == 0)
			say("writer 0: prefix of at least 500: %d", c.next[0] >= 500);
		else
			say("writer %d: next=%ld", i, c.next[i]);
	}
	say("order=%ld len=%ld corrupt=%ld unknown=%ld", c.order, c.len, c.corrupt, c.unknown);
	say("after end: %s", after_end(sv[1]));
	close(sv[1]);
}

SCENARIO_MAIN
