/* SPDX-License-Identifier: MIT */
/* p_fork_readers.c -- two processes read one end concurrently: every message goes to exactly one reader, each in order; STREAM totals add up; both see EOF (SEMANTICS 19, 23, 158, 167). */
#include "common_b.h"

static const char *instances[] = { "stream", "dgram", "seqpacket", NULL };

#define K 3000

/* Reader child: report seq numbers (messages) or byte count and sum. */
static void reader(int fd, int out)
{
	static unsigned char b[8192];
	static int seqs[K + 10];
	long n = 0, r, bytes = 0, j;
	unsigned long sum = 0;
	int prev = -1, order = 0;

	for (;;) {
		r = recv(fd, b, sizeof(b), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (is_stream()) {
			for (j = 0; j < r; j++)
				sum += b[j];
			bytes += r;
			continue;
		}
		if (r == END_LEN)
			break;
		{
			int s;

			memcpy(&s, b, 4);
			if (s <= prev)
				order++;
			prev = s;
			if (n < K + 10)
				seqs[n++] = s;
		}
	}
	if (is_stream()) {
		dprintf(out, "%ld %lu %ld\n", bytes, sum, r);
	} else {
		dprintf(out, "%ld %d %ld\n", n, order, r);
		write_all(out, seqs, n * sizeof(int));
	}
}

static void run(int argc, char **argv)
{
	int sv[2], pp[2][2], i, p;
	pid_t pid[2];
	static unsigned char b[4096];
	static char seen[K];
	long j, bytes = 0;
	unsigned long sum = 0;
	long tb = 0, dup = 0, missing = 0, order = 0, last[2];
	unsigned long ts = 0;

	alarm(10);	/* no watchdog thread: threads before fork upset ASan */
	pair(sv);
	for (p = 0; p < 2; p++) {
		if (pipe(pp[p]) < 0)
			exit(1);
		pid[p] = fork();
		if (pid[p] == 0) {
			alarm(10);
			close(sv[0]);
			close(pp[p][0]);
			reader(sv[1], pp[p][1]);
			_exit(0);
		}
		close(pp[p][1]);
	}
	close(sv[1]);
	for (i = 0; i < K; i++) {
		long n = is_stream() ? 1 + (i * 29) % 700 : 4 + (i * 13) % 900;

		memcpy(b, &i, 4);
		for (j = is_stream() ? 0 : 4; j < n; j++)
			b[j] = pat(i & 3, i + j);
		for (j = 0; j < n; j++)
			sum += b[j];
		bytes += n;
		if (write_all(sv[0], b, n) != n)
			break;
	}
	if (is_dgram()) {
		memset(b, 0xEE, END_LEN);
		send(sv[0], b, END_LEN, 0);
		send(sv[0], b, END_LEN, 0);
	} else {
		shutdown(sv[0], SHUT_WR);
	}
	for (p = 0; p < 2; p++) {
		FILE *f = fdopen(pp[p][0], "r");
		long n = 0, a = 0, c = 0;
		unsigned long s = 0;

		if (is_stream()) {
			if (fscanf(f, "%ld %lu %ld", &n, &s, &last[p]) == 3) {
				tb += n;
				ts += s;
			}
		} else if (fscanf(f, "%ld %ld %ld", &a, &c, &last[p]) == 3 && fgetc(f) == '\n') {
			/* (a "\n" in the format would eat binary bytes that look
			 * like white space) */
			order += c;
			for (j = 0; j < a; j++) {
				int q;

				if (fread(&q, sizeof(q), 1, f) != 1 || q < 0 || q >= K)
					break;
				if (seen[q]++)
					dup++;
			}
		}
		fclose(f);
	}
	reap("reader 0", pid[0]);
	reap("reader 1", pid[1]);
	if (is_stream()) {
		say("bytes: sent=%ld read=%ld sum_ok=%d", bytes, tb, ts == sum);
	} else {
		for (i = 0; i < K; i++)
			missing += !seen[i];
		say("messages=%d dup=%ld missing=%ld order_errors=%ld", K, dup, missing, order);
	}
	say("readers' last recv: %ld %ld", last[0], last[1]);
	close(sv[0]);
}

SCENARIO_MAIN
